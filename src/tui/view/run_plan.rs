//! The run's plan before load: every setting as an editable field, errors in place, the
//! target and the cost.

use super::text::{fit, pad, width};
use super::theme::Theme;
use crate::checks::result::Status;
use crate::tui::app::App;
use crate::tui::run_form::{FIELDS, RunForm, number};
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme, form: &RunForm) {
    let lang = app.lang;
    let inner = usize::from(area.width.saturating_sub(2));
    let label_width = FIELDS
        .iter()
        .map(|f| width(f.label().get(lang)))
        .chain([width(Word::PlanTarget.get(lang))])
        .max()
        .unwrap_or(0);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("  {}  ", pad(Word::PlanTarget.get(lang), label_width)),
            theme.dim(),
        ),
        Span::styled(app.target.base_url.clone(), theme.bold()),
    ])];
    lines.push(Line::default());
    let errors = form.errors();
    for (i, field) in FIELDS.iter().enumerate() {
        let selected = i == form.selected;
        let marker = if selected { "▸ " } else { "  " };
        let value = &form.values[i];
        let shown = if selected {
            format!("{value}▏")
        } else {
            value.clone()
        };
        let room = inner.saturating_sub(label_width + 4);
        let value_text = fit(&shown, room.min(24).max(room.min(width(&shown))));
        let mut spans = vec![
            Span::styled(marker, theme.key()),
            Span::raw(format!("{}  ", pad(field.label().get(lang), label_width))),
            Span::styled(
                pad(&value_text, 16),
                if selected {
                    theme.selected()
                } else {
                    theme.bold()
                },
            ),
        ];
        if let Some(error) = errors[i] {
            let used = 2 + label_width + 2 + width(&pad(&value_text, 16)) + 3;
            spans.push(Span::styled(
                format!(" ✗ {}", fit(error.get(lang), inner.saturating_sub(used))),
                theme.status(Status::Fail),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    match form.settings() {
        Some(settings) => {
            let (user_minutes, total_secs) = settings.cost();
            let total = total_secs.round() as u64;
            lines.push(Line::from(vec![
                Span::styled(format!("  {}: ", Word::PlanCost.get(lang)), theme.heading()),
                Span::raw(format!(
                    "{} {}, {} {:02}:{:02}",
                    number(user_minutes.round()),
                    Word::PlanUserMinutes.get(lang),
                    Word::PlanTotal.get(lang),
                    total / 60,
                    total % 60
                )),
            ]));
        }
        None => lines.push(Line::styled(
            format!("  {}", Word::PlanInvalid.get(lang)),
            theme.status(Status::Fail),
        )),
    }
    if form.force {
        lines.push(Line::styled(
            format!(" ! {}", Word::PlanForced.get(lang)),
            theme.status(Status::Warn),
        ));
    }
    let keys = Line::from(vec![
        Span::styled(" Enter ", theme.key()),
        Span::raw(format!("{}   ", Word::StartLoad.get(lang))),
        Span::styled("Esc ", theme.key()),
        Span::raw(format!("{} ", Word::Cancel.get(lang))),
    ]);
    let block = Block::bordered()
        .title(format!(" {} ", Word::PlanTitle.get(lang)))
        .title_bottom(keys.right_aligned())
        .border_style(theme.border(true));
    let paragraph =
        Paragraph::new(super::text::wrap(lines, area.width.saturating_sub(2))).block(block);
    super::clear(frame, area);
    frame.render_widget(paragraph, area);
}
