//! The staged run's dashboard, as the TUI knows the run: what its events said so far, the keys
//! on its screen (back to the checklist, stop), and its end (the outcome, or the blocked screen
//! when the run's own checks refused it).

use super::{App, Message, Overlay};
use crate::load::live::RunEvent;
use crate::tui::action::{Action, Effect};
use crate::tui::texts::Word;

/// The staged run as the TUI knows it: what its events said so far.
#[derive(Clone, Debug, Default)]
pub struct LoadView {
    pub live: crate::load::live::LiveState,
    pub visible: bool,
    pub stopping: bool,
    pub done: bool,
}

impl App {
    /// Keys on the run dashboard: Esc/Tab/s back to the checklist (the run goes on), x stops it.
    pub(super) fn on_run_key(&mut self, key: Action) -> Vec<Effect> {
        let Some(load) = &mut self.load else {
            return Vec::new();
        };
        match key {
            Action::Back | Action::Tab | Action::StartRun => load.visible = false,
            Action::StopRun if !load.done && !load.stopping => {
                load.stopping = true;
                self.message = Some(Message::Word(Word::StagedStopping));
                return vec![Effect::StopLoad];
            }
            Action::Help => self.overlay = Some(Overlay::Help),
            _ => {}
        }
        Vec::new()
    }

    /// An event of the staged run: the dashboard's numbers, and its end.
    pub(super) fn on_load_event(&mut self, event: &RunEvent) -> Vec<Effect> {
        if let Some(load) = &mut self.load {
            load.live.apply(event);
            match event {
                RunEvent::StageStarted { .. }
                    if self.message == Some(Message::Word(Word::StagedStarting)) =>
                {
                    self.message = None
                }
                RunEvent::Finished(report) if blocked_report(report) => {
                    // The run's own checks found a blocking failure the checklist did
                    // not show yet: no dashboard, the blocked screen with fresh results.
                    self.load = None;
                    self.message = Some(Message::Word(Word::RunBlocked));
                    self.overlay = Some(Overlay::Blocked { scroll: 0 });
                    let ids = self.blocking_ids();
                    return self.run_checks(ids).1;
                }
                RunEvent::Finished(report) => {
                    load.done = true;
                    load.stopping = false;
                    let why = report
                        .message
                        .as_deref()
                        .map(|m| crate::report::run::words::message(m, report, self.lang))
                        .unwrap_or_default();
                    let exit = match self.lang {
                        crate::i18n::Lang::Ko => format!("종료 코드 {}", report.exit_code),
                        crate::i18n::Lang::En => format!("exit {}", report.exit_code),
                    };
                    self.message = Some(Message::Info(format!(
                        "{} ({exit}) {why} — {}",
                        report.outcome.words(self.lang),
                        report.run_dir.display()
                    )));
                }
                _ => {}
            }
        }
        Vec::new()
    }

    /// The staged run could not be planned: no dashboard, the reason.
    pub(super) fn load_refused(&mut self, reason: String) {
        self.load = None;
        self.message = Some(Message::Error(reason));
    }
}

/// A run that stopped at its own blocking checks: nothing was sent.
fn blocked_report(report: &crate::load::RunReport) -> bool {
    report.outcome == crate::load::Outcome::CouldNotStart
        && report.stages.is_empty()
        && report.checks.iter().any(|c| {
            crate::load::BLOCKING_CHECKS.contains(&c.id.as_str())
                && (c.status == "fail" || c.status == "error")
        })
}
