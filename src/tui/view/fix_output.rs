//! A fix at work: its output as it streams in, how it ended, then the checks run again.

use super::code;
use super::theme::{Theme, spinner};
use crate::checks::result::Status;
use crate::tui::app::{App, FixPane, FixState, RowState};
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Draws the pane; returns how far it can scroll.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme, pane: &FixPane) -> u16 {
    let lang = app.lang;
    let mut lines = vec![state_line(app, theme, pane), Line::default()];
    lines.extend(code::lines(
        &pane.lines.join("\n"),
        area.width.saturating_sub(2),
        theme,
    ));
    if matches!(pane.state, FixState::Rechecking | FixState::Done) {
        lines.push(Line::default());
        lines.push(Line::styled(Word::CheckedAgain.get(lang), theme.heading()));
        for id in &pane.rerun {
            lines.push(recheck_line(app, theme, id));
        }
    }
    let block = Block::bordered()
        .title(format!(
            " {} ",
            super::text::fit(
                &format!("{} — {}", pane.fix_id, pane.title.get(lang)),
                usize::from(area.width.saturating_sub(4))
            )
        ))
        .border_style(theme.border(true));
    let paragraph =
        Paragraph::new(super::text::wrap(lines, area.width.saturating_sub(2))).block(block);
    let max = super::max_scroll(&paragraph, area);
    // Follow the output as it grows until the user scrolls.
    let scroll = pane.scroll.map_or(max, |s| s.min(max));
    super::clear(frame, area);
    frame.render_widget(paragraph.scroll((scroll, 0)), area);
    max
}

fn state_line(app: &App, theme: Theme, pane: &FixPane) -> Line<'static> {
    let lang = app.lang;
    let spin = spinner(app.tick);
    match &pane.state {
        FixState::Running => Line::styled(
            format!("{spin} {}", Word::FixRunning.get(lang)),
            theme.running(),
        ),
        FixState::Rechecking => Line::styled(
            format!(
                "{} {} · {spin} {}",
                Status::Pass.mark(),
                Word::FixSucceeded.get(lang),
                Word::Rechecking.get(lang)
            ),
            theme.running(),
        ),
        FixState::Done => Line::styled(
            format!("{} {}", Status::Pass.mark(), Word::FixSucceeded.get(lang)),
            theme.status(Status::Pass),
        ),
        FixState::Failed(code) => Line::styled(
            format!(
                "{} {} ({})",
                Status::Fail.mark(),
                Word::FixFailed.get(lang),
                code.describe(lang)
            ),
            theme.status(Status::Fail),
        ),
        FixState::Error(error) => Line::styled(
            format!(
                "{} {}: {}",
                Status::Error.mark(),
                Word::FixError.get(lang),
                super::fix_error::words(error, lang)
            ),
            theme.status(Status::Error),
        ),
    }
}

fn recheck_line(app: &App, theme: Theme, id: &str) -> Line<'static> {
    let lang = app.lang;
    let title = app
        .rows
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.title.get(lang).to_string())
        .unwrap_or_else(|| id.to_string());
    let (mark, style, summary) = match app.row_state(id) {
        RowState::Done(result) => (
            result.status.mark().to_string(),
            theme.status(result.status),
            result.summary.get(lang).to_string(),
        ),
        RowState::Running => (
            spinner(app.tick).to_string(),
            theme.running(),
            String::new(),
        ),
        RowState::Waiting => (
            super::theme::WAITING_MARK.to_string(),
            theme.dim(),
            String::new(),
        ),
    };
    Line::from(vec![
        Span::styled(format!(" {mark} "), style),
        Span::raw(title),
        Span::styled(format!("  {summary}"), theme.dim()),
    ])
}
