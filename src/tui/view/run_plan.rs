//! The run's plan before load: every setting as an editable field, errors in place, the
//! target and the cost.

use super::text::{fit, pad, width};
use super::theme::Theme;
use crate::checks::result::Status;
use crate::t;
use crate::tui::app::App;
use crate::tui::run_form::{FIELDS, RunForm, RunSettings, number};
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
    if let Some(settings) = form.settings() {
        lines.extend(forecast_lines(app, &settings, theme));
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

/// Each stage's forecast under the plan (recomputed as it is edited), a stage that would
/// miss a target marked ✗ with which; nothing until the runtime has measured the model.
fn forecast_lines(app: &App, settings: &RunSettings, theme: Theme) -> Vec<Line<'static>> {
    let lang = app.lang;
    let Some(answer) = app.plan_forecasts(settings) else {
        return Vec::new();
    };
    let mut lines = vec![Line::default()];
    let forecasts = match answer {
        Ok(forecasts) => forecasts,
        Err(reason) => {
            let text = t!("no forecast: {}", reason.en; "예측 없음: {}", reason.ko);
            lines.push(Line::styled(format!("  {}", text.get(lang)), theme.dim()));
            return lines;
        }
    };
    let head = t!("Forecast before load"; "부하 전 예측");
    lines.push(Line::styled(
        format!("  {}:", head.get(lang)),
        theme.heading(),
    ));
    for (i, (f, missed)) in forecasts.iter().enumerate() {
        let users = settings.stages[i];
        let mark = if missed.is_empty() { "✓" } else { "✗" };
        let limiting = f.limiting.name();
        let missed_words: Vec<&str> = missed
            .iter()
            .map(|key| match (*key, lang) {
                ("requests_per_min", crate::i18n::Lang::Ko) => "분당 요청",
                ("requests_per_min", _) => "requests/min",
                ("p95_ms", _) => "p95",
                (_, crate::i18n::Lang::Ko) => "실패율",
                _ => "failures",
            })
            .collect();
        let text = t!(
            "{mark} stage {} · {users} users: about {:.0}/min, p95 about {:.0} ms, failures {:.1} % — limited by {}{}",
            i + 1, f.rpm, f.p95_ms, f.failure_ratio * 100.0, limiting.en,
            if missed.is_empty() { String::new() } else { format!("; misses {}", missed_words.join(", ")) };
            "{mark} {}단계 · 사용자 {users}명: 분당 약 {:.0}건, p95 약 {:.0} ms, 실패율 {:.1} % — 결정 요인: {}{}",
            i + 1, f.rpm, f.p95_ms, f.failure_ratio * 100.0, limiting.ko,
            if missed.is_empty() { String::new() } else { format!("; 미달: {}", missed_words.join(", ")) }
        );
        let style = if missed.is_empty() {
            theme.status(Status::Pass)
        } else {
            theme.status(Status::Fail)
        };
        lines.push(Line::styled(format!("  {}", text.get(lang)), style));
    }
    lines
}
