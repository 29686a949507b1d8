//! The checklist: one two-line row per check (mark, title, time; then the short result),
//! under headings for the guide's sections.

use super::text::{duration, fit, pad, width};
use super::theme::{Theme, WAITING_MARK, spinner};
use crate::tui::app::{App, CheckRow, RowState};
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme, focused: bool) {
    let inner = usize::from(area.width.saturating_sub(2));
    let mut items = Vec::new();
    let mut selected_item = None;
    let mut section: Option<&str> = None;
    for (i, row) in app.rows.iter().enumerate() {
        if section != Some(row.section.as_str()) {
            section = Some(row.section.as_str());
            items.push(ListItem::new(heading(&row.section, app, theme)));
        }
        if i == app.selected {
            selected_item = Some(items.len());
        }
        items.push(ListItem::new(row_lines(row, app, theme, inner)));
    }
    let block = Block::bordered()
        .title(format!(" {} ", Word::Checks.get(app.lang)))
        .border_style(theme.border(focused));
    let list = List::new(items)
        .block(block)
        .highlight_style(theme.selected());
    // A fresh state each frame: ratatui scrolls just enough to show the selection.
    let mut state = ListState::default().with_selected(selected_item);
    frame.render_stateful_widget(list, area, &mut state);
}

fn heading(section: &str, app: &App, theme: Theme) -> Line<'static> {
    let text = if section.is_empty() {
        format!("§ {}", Word::Other.get(app.lang))
    } else {
        crate::i18n::section_title(app.lang, section)
    };
    Line::styled(text, theme.heading())
}

fn row_lines(row: &CheckRow, app: &App, theme: Theme, inner: usize) -> Vec<Line<'static>> {
    let lang = app.lang;
    let state = app.row_state(&row.id);
    let (mark, mark_style, right) = match &state {
        RowState::Done(result) => (
            result.status.mark(),
            theme.status(result.status),
            duration(result.duration_ms),
        ),
        RowState::Running => (
            spinner(app.tick),
            theme.running(),
            Word::Running.get(lang).to_string(),
        ),
        RowState::Waiting => (
            WAITING_MARK,
            theme.dim(),
            Word::Waiting.get(lang).to_string(),
        ),
    };
    // " ✓ title ........ 12 ms": mark and spaces take 3 columns, one space before the time.
    let title_room = inner.saturating_sub(4 + width(&right));
    let title = pad(&fit(row.title.get(lang), title_room), title_room);
    let first = Line::from(vec![
        Span::styled(format!(" {mark} "), mark_style),
        Span::raw(title),
        Span::raw(" "),
        Span::styled(right, theme.dim()),
    ]);
    // A re-run keeps showing the previous result until the new one arrives.
    let summary = app
        .results
        .get(&row.id)
        .map(|r| r.summary.get(lang).to_string())
        .unwrap_or_default();
    let summary = summary.lines().next().unwrap_or_default();
    let second = Line::styled(
        pad(
            &format!("   {}", fit(summary, inner.saturating_sub(3))),
            inner,
        ),
        theme.dim(),
    );
    vec![first, second]
}
