//! The detail pane of the selected check: summary, evidence, cause, the guide's fix with its
//! code, the location, and the fixes doctor can apply (with their keys).

use super::code;
use super::theme::{Theme, spinner};
use crate::checks::result::CheckResult;
use crate::i18n::word;
use crate::tui::app::{App, RowState};
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Keys of the offered fixes, in order (`f` is the first; digits pick the others).
pub fn fix_key(n: usize) -> String {
    if n == 0 {
        "f".into()
    } else {
        (n + 1).to_string()
    }
}

/// Draws the pane; returns how far it can scroll.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme, focused: bool) -> u16 {
    let Some(row) = app.selected_row() else {
        frame.render_widget(Block::bordered().border_style(theme.border(false)), area);
        return 0;
    };
    let lang = app.lang;
    let state = app.row_state(&row.id);
    let mark = match &state {
        RowState::Done(result) => result.status.mark(),
        RowState::Running => spinner(app.tick),
        RowState::Waiting => super::theme::WAITING_MARK,
    };
    let block = Block::bordered()
        .title(format!(
            " {} ",
            super::text::fit(
                &format!("{mark} {}", row.title.get(lang)),
                usize::from(area.width.saturating_sub(4))
            )
        ))
        .title_bottom(Line::styled(format!(" {} ", row.id), theme.dim()).right_aligned())
        .border_style(theme.border(focused));
    let mut lines = Vec::new();
    let section = if row.section.is_empty() {
        String::new()
    } else {
        format!(
            "  {} {}",
            word(lang, "guide"),
            crate::i18n::section_title(lang, &row.section)
        )
    };
    match &state {
        RowState::Done(result) => {
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{} {}",
                        result.status.mark(),
                        word(lang, result.status.key())
                    ),
                    theme.status(result.status),
                ),
                Span::styled(section, theme.dim()),
                Span::styled(
                    format!(
                        "  {} {}",
                        Word::Took.get(lang),
                        super::text::duration(result.duration_ms)
                    ),
                    theme.dim(),
                ),
            ]));
            result_lines(&mut lines, result, app, theme, area.width.saturating_sub(2));
        }
        RowState::Running => lines.push(Line::from(vec![
            Span::styled(
                format!("{mark} {}…", Word::Running.get(lang)),
                theme.running(),
            ),
            Span::styled(section, theme.dim()),
        ])),
        RowState::Waiting => lines.push(Line::from(vec![
            Span::styled(Word::NotRunYet.get(lang), theme.dim()),
            Span::styled(section, theme.dim()),
        ])),
    }
    let paragraph =
        Paragraph::new(super::text::wrap(lines, area.width.saturating_sub(2))).block(block);
    let max = super::max_scroll(&paragraph, area);
    frame.render_widget(paragraph.scroll((app.detail_scroll.min(max), 0)), area);
    max
}

fn result_lines(
    lines: &mut Vec<Line<'static>>,
    result: &CheckResult,
    app: &App,
    theme: Theme,
    width: u16,
) {
    let lang = app.lang;
    let heading = |lines: &mut Vec<Line<'static>>, word: Word| {
        lines.push(Line::default());
        lines.push(Line::styled(word.get(lang).to_string(), theme.heading()));
    };
    lines.push(Line::default());
    lines.push(Line::styled(
        result.summary.get(lang).to_string(),
        theme.bold(),
    ));
    if let Some(location) = &result.location {
        let at = location.line.map(|l| format!(":{l}")).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", Word::Location.get(lang)), theme.dim()),
            Span::raw(format!("{}{at}", location.file)),
        ]));
    }
    let evidence: Vec<_> = result
        .evidence
        .iter()
        .filter(|e| !e.value.is_empty())
        .collect();
    if !evidence.is_empty() {
        heading(lines, Word::Evidence);
        for item in evidence {
            lines.push(Line::from(vec![
                Span::styled(format!("  {}: ", item.key), theme.dim()),
                Span::raw(item.value.clone()),
            ]));
        }
    }
    if let Some(cause) = &result.cause {
        heading(lines, Word::Cause);
        push_text(lines, cause.get(lang));
    }
    if let Some(detail) = &result.detail {
        push_text(lines, detail.get(lang));
    }
    if let Some(fix) = &result.fix {
        heading(lines, Word::GuideFix);
        push_text(lines, fix.get(lang));
    }
    if let Some(code) = &result.code {
        lines.push(Line::default());
        lines.extend(code::lines(code, width, theme));
    }
    if !result.fixes.is_empty() {
        heading(lines, Word::Fixes);
        for (n, fix) in result.fixes.iter().enumerate() {
            lines.push(Line::from(vec![
                Span::styled(format!("  [{}] ", fix_key(n)), theme.key()),
                Span::raw(fix.title.get(lang).to_string()),
                Span::styled(format!("  ({})", fix.id), theme.dim()),
            ]));
        }
    }
}

fn push_text(lines: &mut Vec<Line<'static>>, text: &str) {
    lines.extend(text.lines().map(|l| Line::raw(l.to_string())));
}
