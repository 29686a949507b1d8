//! The fix confirmation: exactly what will run (`Plan.shown`), scrollable, before anything runs.

use super::code;
use super::theme::Theme;
use crate::tui::action::PlanView;
use crate::tui::app::App;
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Draws the dialog; returns how far it can scroll.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: Theme,
    plan: &PlanView,
    scroll: u16,
) -> u16 {
    let lang = app.lang;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(plan.title.get(lang).to_string(), theme.bold()),
            Span::styled(format!("  ({})", plan.id), theme.dim()),
        ]),
        Line::default(),
        Line::styled(Word::ThisWillRun.get(lang), theme.heading()),
    ];
    lines.extend(code::lines(
        &plan.shown.join("\n"),
        area.width.saturating_sub(2),
        theme,
    ));
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled(format!("{} ", Word::ThenRecheck.get(lang)), theme.heading()),
        Span::raw(plan.rerun.join(", ")),
    ]));
    let keys = Line::from(vec![
        Span::styled(" y/Enter ", theme.key()),
        Span::raw(format!("{}   ", Word::RunIt.get(lang))),
        Span::styled("n/Esc ", theme.key()),
        Span::raw(format!("{} ", Word::Cancel.get(lang))),
    ]);
    let block = Block::bordered()
        .title(format!(" {} ", Word::ConfirmTitle.get(lang)))
        .title_bottom(keys.right_aligned())
        .border_style(theme.border(true));
    let paragraph =
        Paragraph::new(super::text::wrap(lines, area.width.saturating_sub(2))).block(block);
    let max = super::max_scroll(&paragraph, area);
    super::clear(frame, area);
    frame.render_widget(paragraph.scroll((scroll.min(max), 0)), area);
    max
}
