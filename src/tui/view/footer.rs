//! The footer: the keys that do something right now, and the latest message.

use super::text::width;
use super::theme::Theme;
use crate::tui::app::{App, FixState, Focus, Message, Overlay};
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// (key, what it does) pairs for the current state.
pub fn keys(app: &App) -> Vec<(&'static str, Word)> {
    let mut keys = Vec::new();
    match &app.overlay {
        Some(Overlay::Help) => keys.push(("Esc/?", Word::Close)),
        Some(Overlay::Confirm { .. }) => {
            keys.push(("↑↓", Word::Scroll));
            keys.push(("y/Enter", Word::RunIt));
            keys.push(("n/Esc", Word::Cancel));
        }
        Some(Overlay::FixOutput(pane)) => {
            keys.push(("↑↓", Word::Scroll));
            if pane.state != FixState::Running {
                let word = if app.resumes_run() {
                    Word::Continue
                } else {
                    Word::Close
                };
                keys.push(("Esc/Enter", word));
            }
        }
        Some(Overlay::Blocked { .. }) => {
            if !app.blocked_fixes().is_empty() {
                keys.push(("f/2-9", Word::Fix));
            }
            keys.push(("r", Word::RecheckBlocking));
            if app.blocking_failures().is_empty() && app.blocking_pending().is_empty() {
                keys.push(("Enter", Word::ToPlan));
            }
            keys.push(("!", Word::StartAnyway));
            keys.push(("Esc", Word::Close));
        }
        Some(Overlay::RunPlan(_)) => {
            keys.push(("↑↓/Tab", Word::Field));
            keys.push(("0-9", Word::Edit));
            keys.push(("Enter", Word::StartLoad));
            keys.push(("Esc", Word::Cancel));
            keys.push(("Ctrl-C", Word::Quit));
            return keys;
        }
        None if app.load.as_ref().is_some_and(|l| l.visible) => {
            keys.push(("Esc/s", Word::Checklist));
            if app.load.as_ref().is_some_and(|l| !l.done && !l.stopping) {
                keys.push(("x", Word::StopRun));
            }
            keys.push(("?", Word::Help));
        }
        None => {
            match app.focus {
                Focus::List => {
                    keys.push(("↑↓", Word::Select));
                    keys.push(("Enter", Word::Details));
                }
                Focus::Detail => {
                    keys.push(("↑↓", Word::Scroll));
                    keys.push(("Esc", Word::Back));
                }
            }
            if !app.selected_fixes().is_empty() {
                keys.push(("f", Word::Fix));
            }
            keys.push(("r", Word::Rerun));
            keys.push(("R", Word::RerunAll));
            keys.push(("s", Word::Staged));
            keys.push(("?", Word::Help));
        }
    }
    keys.push(("l", Word::Language));
    keys.push(("q", Word::Quit));
    keys
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut lines = Vec::new();
    if let Some(message) = &app.message {
        let (text, style) = match message {
            Message::Word(word) => (word.get(app.lang).to_string(), theme.bold()),
            Message::Info(text) => (text.clone(), theme.bold()),
            Message::Error(error) => (
                error.clone(),
                theme.status(crate::checks::result::Status::Fail),
            ),
        };
        lines.push(Line::styled(format!(" {text}"), style));
    }
    let mut shown = keys(app);
    // Too narrow for every key: drop the least needed first, never the way out.
    while shown.len() > 2 && keys_width(&shown, app) > usize::from(area.width) {
        let drop = [
            Word::Staged,
            Word::RerunAll,
            Word::Help,
            Word::Language,
            Word::Rerun,
        ]
        .iter()
        .find_map(|w| shown.iter().position(|(_, x)| x == w))
        .unwrap_or(shown.len() - 2);
        shown.remove(drop);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, word) in shown {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {}   ", word.get(app.lang))));
    }
    lines.push(Line::from(spans));
    frame.render_widget(Paragraph::new(lines), area);
}

fn keys_width(keys: &[(&str, Word)], app: &App) -> usize {
    1 + keys
        .iter()
        .map(|(key, word)| width(key) + width(word.get(app.lang)) + 4)
        .sum::<usize>()
        - 3
}
