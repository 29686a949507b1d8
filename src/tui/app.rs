//! The TUI's state and its transitions. `update` is pure: it changes the state and returns the
//! work to do (`Effect`s); `tui::run` does that work and reports back with actions.

use super::action::{Action, Effect, FixExit, PlanView};
use super::run_form::{RunForm, RunSettings};
use super::texts::Word;
use crate::checks::registry::Registry;
use crate::checks::result::{CheckResult, Status};
use crate::config::Config;
use crate::i18n::{Lang, Text};
use std::collections::HashMap;
use std::sync::Arc;

/// One line of the checklist, known before any result exists.
#[derive(Clone, Debug)]
pub struct CheckRow {
    pub id: String,
    pub title: Text,
    pub section: String,
}

/// What doctor is looking at, for the header.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub base_url: String,
    pub project_dir: Option<String>,
    pub config_file: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Queued,
    Running,
}

/// Where a check stands right now.
pub enum RowState<'a> {
    Waiting,
    Running,
    Done(&'a CheckResult),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Word(Word),
    Error(String),
    Info(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    Help,
    Confirm {
        plan: PlanView,
        scroll: u16,
    },
    FixOutput(FixPane),
    /// `s` while a blocking check fails (or is still being checked): which, why, the fixes.
    Blocked {
        scroll: u16,
    },
    /// `s` when nothing blocks: the run's plan, editable, before any load.
    RunPlan(RunForm),
}

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

/// How far the panes can scroll, as measured by the last drawing (the app cannot know).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewport {
    pub detail_max: u16,
    pub overlay_max: u16,
    pub page: u16,
}

impl Default for Viewport {
    fn default() -> Viewport {
        Viewport {
            detail_max: u16::MAX,
            overlay_max: u16::MAX,
            page: 10,
        }
    }
}

#[derive(Clone, Debug)]
pub struct App {
    pub lang: Lang,
    /// False under NO_COLOR: the view then uses only bold/reversed.
    pub color: bool,
    pub target: Target,
    pub rows: Vec<CheckRow>,
    pub results: HashMap<String, Arc<CheckResult>>,
    /// Checks of a run not finished yet, with the run they belong to.
    pub progress: HashMap<String, (u64, Progress)>,
    /// The newest run each check belongs to: older runs' late events are ignored.
    latest_run: HashMap<String, u64>,
    run_seq: u64,
    pub selected: usize,
    pub focus: Focus,
    pub detail_scroll: u16,
    pub overlay: Option<Overlay>,
    pub message: Option<Message>,
    /// The fix being planned (its confirmation opens when the plan arrives).
    pub planning: Option<String>,
    /// Spinner frames.
    pub tick: u64,
    pub viewport: Viewport,
    /// The staged run, once started (its dashboard shows while `visible`).
    pub load: Option<LoadView>,
    /// The run's settings from the configuration, then as last edited.
    pub run_settings: RunSettings,
    /// A fix started from the blocked screen: when it closes, `s` goes on (blocked or plan).
    resume_run: bool,
    /// Effects decided while handling an overlay's key (returned by `update`).
    pending_effects: Vec<Effect>,
}

/// The staged run as the TUI knows it: what its events said so far.
#[derive(Clone, Debug, Default)]
pub struct LoadView {
    pub live: crate::load::live::LiveState,
    pub visible: bool,
    pub stopping: bool,
    pub done: bool,
}

impl App {
    pub fn new(rows: Vec<CheckRow>, target: Target, lang: Lang) -> App {
        App {
            lang,
            color: true,
            target,
            rows,
            results: HashMap::new(),
            progress: HashMap::new(),
            latest_run: HashMap::new(),
            run_seq: 0,
            selected: 0,
            focus: Focus::List,
            detail_scroll: 0,
            overlay: None,
            message: None,
            planning: None,
            load: None,
            run_settings: RunSettings::default(),
            resume_run: false,
            pending_effects: Vec::new(),
            tick: 0,
            viewport: Viewport::default(),
        }
    }

    /// The checklist in the registry's order; works for any set of checks.
    pub fn from_registry(registry: &Registry, config: &Config, lang: Lang) -> App {
        let rows = registry
            .checks
            .iter()
            .map(|c| CheckRow {
                id: c.id.clone(),
                title: c.title.clone(),
                section: c.section.clone(),
            })
            .collect();
        let target = Target {
            base_url: config.base_url.value.clone(),
            project_dir: config
                .project_dir
                .value
                .as_ref()
                .map(|p| p.display().to_string()),
            config_file: config.config_file.as_ref().map(|p| p.display().to_string()),
        };
        let mut app = App::new(rows, target, lang);
        app.run_settings = RunSettings::from_config(config);
        app
    }

    /// True when closing the open dialog goes on with the staged run.
    pub fn resumes_run(&self) -> bool {
        self.resume_run
    }

    /// True while a field of the run's plan is edited (keys are then text).
    pub fn editing(&self) -> bool {
        matches!(self.overlay, Some(Overlay::RunPlan(_)))
    }

    /// The blocking checks this app has (`load::BLOCKING_CHECKS`), in that order.
    pub fn blocking_ids(&self) -> Vec<String> {
        crate::load::BLOCKING_CHECKS
            .iter()
            .filter(|id| self.rows.iter().any(|r| r.id == **id))
            .map(|id| id.to_string())
            .collect()
    }

    /// Blocking checks that fail (or err) now, with their results.
    pub fn blocking_failures(&self) -> Vec<&CheckResult> {
        self.blocking_ids()
            .iter()
            .filter_map(|id| match self.row_state(id) {
                RowState::Done(r) if matches!(r.status, Status::Fail | Status::Error) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// Blocking checks still running or waiting.
    pub fn blocking_pending(&self) -> Vec<String> {
        self.blocking_ids()
            .into_iter()
            .filter(|id| !matches!(self.row_state(id), RowState::Done(_)))
            .collect()
    }

    /// The fixes the failing blocking checks offer, in the order of their keys (f, 2, 3, …).
    pub fn blocked_fixes(&self) -> Vec<crate::checks::result::OfferedFix> {
        self.blocking_failures()
            .iter()
            .flat_map(|r| r.fixes.iter().cloned())
            .collect()
    }

    /// The first work: every check, at once.
    pub fn start(&mut self) -> Vec<Effect> {
        self.run_all()
    }

    pub fn selected_row(&self) -> Option<&CheckRow> {
        self.rows.get(self.selected)
    }

    pub fn row_state(&self, id: &str) -> RowState<'_> {
        match self.progress.get(id) {
            Some((_, Progress::Running)) => RowState::Running,
            Some((_, Progress::Queued)) => RowState::Waiting,
            None => match self.results.get(id) {
                Some(result) => RowState::Done(result),
                None => RowState::Waiting,
            },
        }
    }

    /// The fixes the selected check offers now.
    pub fn selected_fixes(&self) -> &[crate::checks::result::OfferedFix] {
        match self.selected_row().map(|r| self.row_state(&r.id)) {
            Some(RowState::Done(result)) => &result.fixes,
            _ => &[],
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(self.row_state(&r.id), RowState::Done(x) if x.status == status))
            .count()
    }

    pub fn count_running(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(self.row_state(&r.id), RowState::Running))
            .count()
    }

    pub fn count_waiting(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(self.row_state(&r.id), RowState::Waiting))
            .count()
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Tick => {
                self.tick = self.tick.wrapping_add(1);
                Vec::new()
            }
            Action::Resize => Vec::new(),
            Action::CheckStarted { run, id } => {
                if self.is_current(run, &id) {
                    self.progress.insert(id, (run, Progress::Running));
                }
                Vec::new()
            }
            Action::CheckFinished { run, result } => {
                if self.is_current(run, &result.id) {
                    self.progress.remove(&result.id);
                    self.results.insert(result.id.clone(), result);
                }
                Vec::new()
            }
            Action::RunDone { run } => {
                self.progress.retain(|_, (r, _)| *r != run);
                // The blocked screen waited for checks only: once they pass, the plan.
                if matches!(self.overlay, Some(Overlay::Blocked { .. }))
                    && self.blocking_failures().is_empty()
                    && self.blocking_pending().is_empty()
                {
                    self.overlay = Some(Overlay::RunPlan(RunForm::new(&self.run_settings)));
                }
                if let Some(Overlay::FixOutput(pane)) = &mut self.overlay
                    && pane.recheck_run == Some(run)
                {
                    pane.state = FixState::Done;
                }
                Vec::new()
            }
            Action::PlanReady(plan) => self.plan_ready(plan),
            Action::FixLine(line) => {
                if let Some(Overlay::FixOutput(pane)) = &mut self.overlay {
                    pane.lines.push(line);
                }
                Vec::new()
            }
            Action::FixFinished(exit) => self.fix_finished(exit),
            Action::Quit => vec![Effect::Quit],
            Action::Load(event) => {
                if let Some(load) = &mut self.load {
                    load.live.apply(&event);
                    match &*event {
                        crate::load::live::RunEvent::StageStarted { .. }
                            if self.message == Some(Message::Word(Word::StagedStarting)) =>
                        {
                            self.message = None
                        }
                        crate::load::live::RunEvent::Finished(report) if blocked_report(report) => {
                            // The run's own checks found a blocking failure the checklist did
                            // not show yet: no dashboard, the blocked screen with fresh results.
                            self.load = None;
                            self.message = Some(Message::Word(Word::RunBlocked));
                            self.overlay = Some(Overlay::Blocked { scroll: 0 });
                            let ids = self.blocking_ids();
                            return self.run_checks(ids).1;
                        }
                        crate::load::live::RunEvent::Finished(report) => {
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
            Action::LoadRefused(reason) => {
                self.load = None;
                self.message = Some(Message::Error(reason));
                Vec::new()
            }
            Action::ToggleLang => {
                self.lang = self.lang.other();
                Vec::new()
            }
            key => {
                if self.planning.is_none() {
                    self.message = None;
                }
                match self.overlay.take() {
                    None if self.load.as_ref().is_some_and(|l| l.visible) => self.on_run_key(key),
                    None => self.on_key(key),
                    Some(overlay) => self.on_overlay_key(overlay, key),
                }
            }
        }
    }

    /// Accept an event of `run` for `id` unless a newer run of that check has started.
    fn is_current(&mut self, run: u64, id: &str) -> bool {
        let latest = self.latest_run.entry(id.to_string()).or_insert(run);
        if run < *latest {
            return false;
        }
        *latest = run;
        true
    }

    fn run_checks(&mut self, ids: Vec<String>) -> (u64, Vec<Effect>) {
        self.run_seq += 1;
        let run = self.run_seq;
        for id in &ids {
            self.latest_run.insert(id.clone(), run);
            self.progress.insert(id.clone(), (run, Progress::Queued));
        }
        (run, vec![Effect::RunChecks { run, ids }])
    }

    fn run_all(&mut self) -> Vec<Effect> {
        let ids = self.rows.iter().map(|r| r.id.clone()).collect();
        self.run_checks(ids).1
    }

    fn on_key(&mut self, key: Action) -> Vec<Effect> {
        match key {
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Rerun => {
                if let Some(row) = self.selected_row() {
                    let id = row.id.clone();
                    return self.run_checks(vec![id]).1;
                }
            }
            Action::RerunAll => return self.run_all(),
            Action::StartRun => return self.start_run(),
            Action::Fix(n) => return self.plan_fix(n),
            _ if self.focus == Focus::List => return self.on_list_key(key),
            _ => self.on_detail_key(key),
        }
        Vec::new()
    }

    /// `s`: show the run in progress, or start a new one.
    fn start_run(&mut self) -> Vec<Effect> {
        if let Some(load) = &mut self.load
            && !load.done
        {
            load.visible = true;
            return Vec::new();
        }
        self.overlay = Some(
            if self.blocking_failures().is_empty() && self.blocking_pending().is_empty() {
                Overlay::RunPlan(RunForm::new(&self.run_settings))
            } else {
                Overlay::Blocked { scroll: 0 }
            },
        );
        Vec::new()
    }

    /// Enter on the plan: start the run with it, when every field is valid.
    fn start_load(&mut self, form: RunForm) -> Option<Overlay> {
        let Some(settings) = form.settings() else {
            self.message = Some(Message::Word(Word::PlanInvalid));
            return Some(Overlay::RunPlan(form));
        };
        self.run_settings = RunSettings {
            force: false,
            ..settings.clone()
        };
        self.load = Some(LoadView {
            visible: true,
            ..LoadView::default()
        });
        self.message = Some(Message::Word(Word::StagedStarting));
        self.pending_effects.push(Effect::StartLoad {
            lang: self.lang,
            settings,
        });
        None
    }

    /// A dialog opened from the blocked screen closed: go on with `s` (blocked, or the plan).
    fn resume(&mut self) -> Vec<Effect> {
        if std::mem::take(&mut self.resume_run) && self.overlay.is_none() {
            return self.start_run();
        }
        Vec::new()
    }

    /// Keys on the run dashboard: Esc/Tab/s back to the checklist (the run goes on), x stops it.
    fn on_run_key(&mut self, key: Action) -> Vec<Effect> {
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

    fn on_list_key(&mut self, key: Action) -> Vec<Effect> {
        let last = self.rows.len().saturating_sub(1);
        let page = usize::from(self.viewport.page.max(1));
        let before = self.selected;
        match key {
            // Arrows wrap around; paging stops at the ends.
            Action::Up => self.selected = if before == 0 { last } else { before - 1 },
            Action::Down => self.selected = if before >= last { 0 } else { before + 1 },
            Action::PageUp => self.selected = before.saturating_sub(page),
            Action::PageDown => self.selected = (before + page).min(last),
            Action::Home => self.selected = 0,
            Action::End => self.selected = last,
            Action::Enter | Action::Tab => self.focus = Focus::Detail,
            Action::Back => return vec![Effect::Quit],
            _ => {}
        }
        if self.selected != before {
            self.detail_scroll = 0;
        }
        Vec::new()
    }

    fn on_detail_key(&mut self, key: Action) {
        match key {
            Action::Back | Action::Tab => self.focus = Focus::List,
            other => {
                let viewport = self.viewport;
                self.detail_scroll = scrolled(
                    self.detail_scroll,
                    &other,
                    viewport.page,
                    viewport.detail_max,
                );
            }
        }
    }

    fn plan_fix(&mut self, n: usize) -> Vec<Effect> {
        let Some(fix) = self.selected_fixes().get(n) else {
            return Vec::new();
        };
        let fix_id = fix.id.clone();
        self.plan_fix_id(fix_id)
    }

    fn plan_fix_id(&mut self, fix_id: String) -> Vec<Effect> {
        self.planning = Some(fix_id.clone());
        self.message = Some(Message::Word(Word::Planning));
        vec![Effect::PlanFix { fix_id }]
    }

    fn plan_ready(&mut self, plan: Result<PlanView, String>) -> Vec<Effect> {
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

    fn on_overlay_key(&mut self, overlay: Overlay, key: Action) -> Vec<Effect> {
        let viewport = self.viewport;
        let mut effects = Vec::new();
        self.overlay = match overlay {
            Overlay::Help => match key {
                Action::Back | Action::Enter | Action::Help | Action::Tab => None,
                _ => Some(Overlay::Help),
            },
            Overlay::Confirm { plan, scroll } => match key {
                Action::Yes | Action::Enter => {
                    effects.push(Effect::ApplyFix {
                        fix_id: plan.id.clone(),
                        lang: self.lang,
                    });
                    Some(Overlay::FixOutput(FixPane {
                        fix_id: plan.id,
                        title: plan.title,
                        lines: Vec::new(),
                        state: FixState::Running,
                        rerun: plan.rerun,
                        recheck_run: None,
                        scroll: None,
                    }))
                }
                Action::No | Action::Back => {
                    self.overlay = None;
                    return self.resume();
                }
                other => Some(Overlay::Confirm {
                    scroll: scrolled(scroll, &other, viewport.page, viewport.overlay_max),
                    plan,
                }),
            },
            Overlay::FixOutput(mut pane) => match key {
                Action::Back | Action::Enter if pane.state == FixState::Running => {
                    self.message = Some(Message::Word(Word::FixStillRunning));
                    Some(Overlay::FixOutput(pane))
                }
                Action::Back | Action::Enter => {
                    self.overlay = None;
                    return self.resume();
                }
                Action::End => {
                    pane.scroll = None;
                    Some(Overlay::FixOutput(pane))
                }
                other => {
                    let from = pane.scroll.unwrap_or(viewport.overlay_max);
                    pane.scroll = Some(scrolled(from, &other, viewport.page, viewport.overlay_max));
                    Some(Overlay::FixOutput(pane))
                }
            },
            Overlay::Blocked { scroll } => match key {
                Action::Back | Action::No => None,
                Action::Fix(n) => {
                    if let Some(fix) = self.blocked_fixes().get(n) {
                        self.resume_run = true;
                        effects = self.plan_fix_id(fix.id.clone());
                    }
                    Some(Overlay::Blocked { scroll })
                }
                Action::Rerun | Action::RerunAll => {
                    let ids = self.blocking_ids();
                    effects = self.run_checks(ids).1;
                    Some(Overlay::Blocked { scroll })
                }
                Action::Enter | Action::StartRun
                    if self.blocking_failures().is_empty()
                        && self.blocking_pending().is_empty() =>
                {
                    Some(Overlay::RunPlan(RunForm::new(&self.run_settings)))
                }
                Action::Force => Some(Overlay::RunPlan(RunForm::new(&RunSettings {
                    force: true,
                    ..self.run_settings.clone()
                }))),
                other => Some(Overlay::Blocked {
                    scroll: scrolled(scroll, &other, viewport.page, viewport.overlay_max),
                }),
            },
            Overlay::RunPlan(mut form) => match key {
                Action::Back => None,
                Action::Up => {
                    form.move_by(false);
                    Some(Overlay::RunPlan(form))
                }
                Action::Down | Action::Tab => {
                    form.move_by(true);
                    Some(Overlay::RunPlan(form))
                }
                Action::Char(c) => {
                    form.type_char(c);
                    Some(Overlay::RunPlan(form))
                }
                Action::Backspace => {
                    form.backspace();
                    Some(Overlay::RunPlan(form))
                }
                Action::Enter => self.start_load(form),
                _ => Some(Overlay::RunPlan(form)),
            },
        };
        effects.append(&mut self.pending_effects);
        effects
    }

    fn fix_finished(&mut self, exit: Result<FixExit, String>) -> Vec<Effect> {
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

/// A scroll position moved by a key, kept within `0..=max`.
fn scrolled(current: u16, key: &Action, page: u16, max: u16) -> u16 {
    let next = match key {
        Action::Up => current.saturating_sub(1),
        Action::Down => current.saturating_add(1),
        Action::PageUp => current.saturating_sub(page),
        Action::PageDown => current.saturating_add(page),
        Action::Home => 0,
        Action::End => max,
        _ => current,
    };
    next.min(max)
}
