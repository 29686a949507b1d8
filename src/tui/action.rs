//! Everything that can happen to the app: keys (mapped here, without context) and messages
//! from background work. `App::update` decides what each means in the current state.

use crate::checks::result::CheckResult;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum Action {
    // Keys.
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Tab,
    /// Esc: close what is open, or quit when nothing is.
    Back,
    Yes,
    No,
    Rerun,
    RerunAll,
    /// Apply the n-th fix offered for the selected check (`f` is the first).
    Fix(usize),
    ToggleLang,
    /// The staged load run (`s`): start it, or show the one running.
    StartRun,
    /// `!` on the blocked screen: start although a blocking check fails (`--force`).
    Force,
    /// A character typed into a field of the run's plan.
    Char(char),
    Backspace,
    /// `x` on the run screen: stop the run (Locust stops, the partial report is saved).
    StopRun,
    Help,
    Quit,
    // Time and terminal.
    Tick,
    Resize,
    // Background work (each run of checks has its own number, see `App::run_seq`).
    CheckStarted {
        run: u64,
        id: String,
    },
    CheckFinished {
        run: u64,
        result: Arc<CheckResult>,
    },
    RunDone {
        run: u64,
    },
    PlanReady(Result<PlanView, String>),
    FixLine(String),
    FixFinished(Result<FixExit, String>),
    /// An event of the staged run.
    Load(Box<crate::load::live::RunEvent>),
    /// The staged run could not be planned (e.g. a non-loopback target).
    LoadRefused(String),
    /// What the forecast is computed from (asked once, when the run's plan is first wanted),
    /// or why there is none.
    ForecastReady(Result<Box<crate::forecast::Plan>, crate::i18n::Text>),
}

/// What the confirmation needs of a `fixes::Plan` (the plan itself stays with the runtime).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanView {
    pub id: String,
    pub title: crate::i18n::Text,
    pub shown: Vec<String>,
    pub rerun: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixExit {
    pub success: bool,
    pub exit: crate::fixes::Exit,
}

/// Work the app asks for; `tui::run` performs it and answers with actions.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Run these checks (and what they need) with a fresh context.
    RunChecks {
        run: u64,
        ids: Vec<String>,
    },
    PlanFix {
        fix_id: String,
    },
    /// Apply a confirmed fix; its lines are worded in `lang`.
    ApplyFix {
        fix_id: String,
        lang: crate::i18n::Lang,
    },
    /// Start the staged Locust run with the project's configuration (its report in `lang`).
    StartLoad {
        lang: crate::i18n::Lang,
        settings: crate::tui::run_form::RunSettings,
    },
    /// Stop it gracefully.
    StopLoad,
    Quit,
}

/// The action a key stands for, whatever the state; None for keys doctor does not use.
pub fn from_key(key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        // Raw mode turns Ctrl-C into a key, not SIGINT.
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Home,
        KeyCode::End | KeyCode::Char('G') => Action::End,
        KeyCode::Enter => Action::Enter,
        KeyCode::Tab | KeyCode::BackTab => Action::Tab,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('y') | KeyCode::Char('Y') => Action::Yes,
        KeyCode::Char('n') | KeyCode::Char('N') => Action::No,
        KeyCode::Char('r') => Action::Rerun,
        KeyCode::Char('R') => Action::RerunAll,
        KeyCode::Char('f') => Action::Fix(0),
        KeyCode::Char(d @ '2'..='9') => Action::Fix(d as usize - '1' as usize),
        KeyCode::Char('l') => Action::ToggleLang,
        KeyCode::Char('s') => Action::StartRun,
        KeyCode::Char('x') => Action::StopRun,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('!') => Action::Force,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

/// Keys while a field is edited: characters are text, arrows and Tab move between fields.
pub fn from_edit_key(key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => Action::Char(c),
        KeyCode::Backspace | KeyCode::Delete => Action::Backspace,
        KeyCode::Up | KeyCode::BackTab => Action::Up,
        KeyCode::Down | KeyCode::Tab => Action::Down,
        KeyCode::Enter => Action::Enter,
        KeyCode::Esc => Action::Back,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Option<Action> {
        from_key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn keys_map_to_actions() {
        assert!(matches!(
            key(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        ));
        assert!(matches!(
            key(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(Action::Down)
        ));
        assert!(matches!(
            key(KeyCode::Char('f'), KeyModifiers::NONE),
            Some(Action::Fix(0))
        ));
        assert!(matches!(
            key(KeyCode::Char('3'), KeyModifiers::NONE),
            Some(Action::Fix(2))
        ));
        assert!(matches!(
            key(KeyCode::Char('R'), KeyModifiers::SHIFT),
            Some(Action::RerunAll)
        ));
        assert!(matches!(
            key(KeyCode::Char('x'), KeyModifiers::NONE),
            Some(Action::StopRun)
        ));
        assert!(key(KeyCode::Char('z'), KeyModifiers::NONE).is_none());
    }

    #[test]
    fn edit_keys_type_text() {
        let edit = |code, m| from_edit_key(KeyEvent::new(code, m));
        assert!(matches!(
            edit(KeyCode::Char('s'), KeyModifiers::NONE),
            Some(Action::Char('s'))
        ));
        assert!(matches!(
            edit(KeyCode::Tab, KeyModifiers::NONE),
            Some(Action::Down)
        ));
        assert!(matches!(
            edit(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::Up)
        ));
        assert!(matches!(
            edit(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        ));
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert!(from_key(release).is_none());
    }
}
