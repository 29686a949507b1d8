//! `s` while a blocking check fails: which checks block the run, why, the fixes they offer
//! (with their keys), and the way to start anyway.

use super::detail::fix_key;
use super::theme::{Theme, spinner};
use crate::checks::result::Status;
use crate::tui::app::App;
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Draws the dialog; returns how far it can scroll.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme, scroll: u16) -> u16 {
    let lang = app.lang;
    let failures = app.blocking_failures();
    let pending = app.blocking_pending();
    let mut lines = Vec::new();
    if failures.is_empty() && pending.is_empty() {
        lines.push(Line::styled(
            format!("{} {}", Status::Pass.mark(), Word::BlockedClear.get(lang)),
            theme.status(Status::Pass),
        ));
    } else {
        lines.push(Line::styled(Word::BlockedIntro.get(lang), theme.bold()));
    }
    let mut n = 0;
    for result in &failures {
        let title = app
            .rows
            .iter()
            .find(|r| r.id == result.id)
            .map(|r| r.title.get(lang).to_string())
            .unwrap_or_else(|| result.id.clone());
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {title}", result.status.mark()),
                theme.status(result.status),
            ),
            Span::styled(format!("  ({})", result.id), theme.dim()),
        ]));
        lines.push(Line::raw(format!("  {}", result.summary.get(lang))));
        if let Some(cause) = &result.cause {
            for line in cause.get(lang).lines() {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {}: ", Word::Cause.get(lang)), theme.dim()),
                    Span::raw(line.to_string()),
                ]));
            }
        }
        if result.fixes.is_empty() {
            lines.push(Line::styled(
                format!("  {}", Word::NoFixOffered.get(lang)),
                theme.dim(),
            ));
        }
        for fix in &result.fixes {
            lines.push(Line::from(vec![
                Span::styled(format!("  [{}] ", fix_key(n)), theme.key()),
                Span::raw(fix.title.get(lang).to_string()),
            ]));
            n += 1;
        }
    }
    for id in &pending {
        let title = app
            .rows
            .iter()
            .find(|r| &r.id == id)
            .map(|r| r.title.get(lang).to_string())
            .unwrap_or_else(|| id.clone());
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(
                "{} {title}  {}",
                spinner(app.tick),
                Word::BlockedChecking.get(lang)
            ),
            theme.running(),
        ));
    }
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled(" ! ", theme.status(Status::Warn)),
        Span::styled(Word::StartAnyway.get(lang), theme.status(Status::Warn)),
    ]));
    let block = Block::bordered()
        .title(format!(
            " {} ",
            super::text::fit(
                Word::BlockedTitle.get(lang),
                usize::from(area.width.saturating_sub(4))
            )
        ))
        .border_style(theme.border(true));
    let paragraph =
        Paragraph::new(super::text::wrap(lines, area.width.saturating_sub(2))).block(block);
    let max = super::max_scroll(&paragraph, area);
    super::clear(frame, area);
    frame.render_widget(paragraph.scroll((scroll.min(max), 0)), area);
    max
}
