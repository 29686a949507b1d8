//! The fix dialog: a fix is planned (`f`, 2, 3, …), its confirmation shows what it will do,
//! then its output streams in and the checks it touches run again. Its state and its update.

use super::{App, Message, Overlay, scrolled};
use crate::i18n::Text;
use crate::tui::action::{Action, Effect, FixExit, PlanView};
use crate::tui::texts::Word;

#[derive(Clone, Debug, PartialEq)]
pub enum FixState {
    Running,
    Failed(crate::fixes::Exit),
    Error(String),
    Rechecking,
    Done,
}

/// The fix being applied: its streamed output, then the checks it re-runs.
#[derive(Clone, Debug, PartialEq)]
pub struct FixPane {
    pub fix_id: String,
    pub title: Text,
    pub lines: Vec<String>,
    pub state: FixState,
    pub rerun: Vec<String>,
    pub recheck_run: Option<u64>,
    /// None follows the output as it grows; Some once the user scrolls.
    pub scroll: Option<u16>,
}

impl App {
    pub(super) fn plan_fix_id(&mut self, fix_id: String) -> Vec<Effect> {
        self.planning = Some(fix_id.clone());
        self.message = Some(Message::Word(Word::Planning));
        vec![Effect::PlanFix { fix_id }]
    }

    pub(super) fn plan_ready(&mut self, plan: Result<PlanView, String>) -> Vec<Effect> {
        let Some(wanted) = self.planning.take() else {
            return Vec::new();
        };
        self.message = None;
        match plan {
            Ok(plan)
                if plan.id == wanted
                    && matches!(self.overlay, None | Some(Overlay::Blocked { .. })) =>
            {
                self.overlay = Some(Overlay::Confirm { plan, scroll: 0 });
            }
            Ok(_) => {}
            Err(error) => self.message = Some(Message::Error(error)),
        }
        Vec::new()
    }

    /// Keys on the confirmation: y/Enter applies the fix, n/Esc closes it.
    pub(super) fn on_confirm_key(
        &mut self,
        plan: PlanView,
        scroll: u16,
        key: Action,
    ) -> Vec<Effect> {
        let viewport = self.viewport;
        match key {
            Action::Yes | Action::Enter => {
                let effects = vec![Effect::ApplyFix {
                    fix_id: plan.id.clone(),
                    lang: self.lang,
                }];
                self.overlay = Some(Overlay::FixOutput(FixPane {
                    fix_id: plan.id,
                    title: plan.title,
                    lines: Vec::new(),
                    state: FixState::Running,
                    rerun: plan.rerun,
                    recheck_run: None,
                    scroll: None,
                }));
                effects
            }
            Action::No | Action::Back => {
                self.overlay = None;
                self.resume()
            }
            other => {
                self.overlay = Some(Overlay::Confirm {
                    scroll: scrolled(scroll, &other, viewport.page, viewport.overlay_max),
                    plan,
                });
                Vec::new()
            }
        }
    }

    /// Keys on the fix's output: it closes once the fix has ended; End follows the output again.
    pub(super) fn on_fix_output_key(&mut self, mut pane: FixPane, key: Action) -> Vec<Effect> {
        let viewport = self.viewport;
        match key {
            Action::Back | Action::Enter if pane.state == FixState::Running => {
                self.message = Some(Message::Word(Word::FixStillRunning));
            }
            Action::Back | Action::Enter => {
                self.overlay = None;
                return self.resume();
            }
            Action::End => pane.scroll = None,
            other => {
                let from = pane.scroll.unwrap_or(viewport.overlay_max);
                pane.scroll = Some(scrolled(from, &other, viewport.page, viewport.overlay_max));
            }
        }
        self.overlay = Some(Overlay::FixOutput(pane));
        Vec::new()
    }

    /// A line of the fix's output.
    pub(super) fn fix_line(&mut self, line: String) {
        if let Some(Overlay::FixOutput(pane)) = &mut self.overlay {
            pane.lines.push(line);
        }
    }

    /// The checks a fix re-ran have all answered: the dialog says done.
    pub(super) fn recheck_done(&mut self, run: u64) {
        if let Some(Overlay::FixOutput(pane)) = &mut self.overlay
            && pane.recheck_run == Some(run)
        {
            pane.state = FixState::Done;
        }
    }

    pub(super) fn fix_finished(&mut self, exit: Result<FixExit, String>) -> Vec<Effect> {
        let Some(Overlay::FixOutput(pane)) = &mut self.overlay else {
            return Vec::new();
        };
        match exit {
            Ok(FixExit { success: true, .. }) => {
                let rerun = pane.rerun.clone();
                let (run, effects) = self.run_checks(rerun);
                if let Some(Overlay::FixOutput(pane)) = &mut self.overlay {
                    pane.state = FixState::Rechecking;
                    pane.recheck_run = Some(run);
                }
                effects
            }
            Ok(FixExit { exit, .. }) => {
                pane.state = FixState::Failed(exit);
                Vec::new()
            }
            Err(error) => {
                pane.state = FixState::Error(error);
                Vec::new()
            }
        }
    }

    /// A dialog opened from the blocked screen closed: go on with `s` (blocked, or the plan).
    fn resume(&mut self) -> Vec<Effect> {
        if std::mem::take(&mut self.resume_run) && self.overlay.is_none() {
            return self.start_run();
        }
        Vec::new()
    }
}
