//! The TUI's state and its transitions. `update` is pure: it changes the state and returns the
//! work to do (`Effect`s); `tui::run` does that work and reports back with actions.
//!
//! This file owns the state, what every screen reads of it, and `update`, which hands a key to
//! the screen on top. Each screen has its own file with its update: `checklist` (the list and
//! the details), `fix_dialog` (a fix's confirmation, then its output), `run_plan` (`s`: the
//! blocked screen or the run's plan) and `dashboard` (the staged run, running or finished).

mod checklist;
mod dashboard;
mod fix_dialog;
mod run_plan;

pub use dashboard::LoadView;
pub use fix_dialog::{FixPane, FixState};

use super::action::{Action, Effect, PlanView};
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
    /// The forecast's model, once the runtime has measured it (the plan shows each stage's
    /// forecast from it, recomputed as the plan is edited); None: not (yet) measured.
    pub forecast: Option<Result<Box<crate::forecast::Plan>, crate::i18n::Text>>,
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
            forecast: None,
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
                self.blocking_checks_done();
                self.recheck_done(run);
                Vec::new()
            }
            Action::PlanReady(plan) => self.plan_ready(plan),
            Action::FixLine(line) => {
                self.fix_line(line);
                Vec::new()
            }
            Action::FixFinished(exit) => self.fix_finished(exit),
            Action::Quit => vec![Effect::Quit],
            Action::Load(event) => self.on_load_event(&event),
            Action::ForecastReady(model) => {
                self.forecast = Some(model);
                Vec::new()
            }
            Action::LoadRefused(reason) => {
                self.load_refused(reason);
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

    /// A key while a dialog is open goes to that dialog's screen (it was taken off: each
    /// screen puts back what stays open).
    fn on_overlay_key(&mut self, overlay: Overlay, key: Action) -> Vec<Effect> {
        match overlay {
            Overlay::Help => {
                self.overlay = match key {
                    Action::Back | Action::Enter | Action::Help | Action::Tab => None,
                    _ => Some(Overlay::Help),
                };
                Vec::new()
            }
            Overlay::Confirm { plan, scroll } => self.on_confirm_key(plan, scroll, key),
            Overlay::FixOutput(pane) => self.on_fix_output_key(pane, key),
            Overlay::Blocked { scroll } => self.on_blocked_key(scroll, key),
            Overlay::RunPlan(form) => self.on_plan_key(form, key),
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
