//! The header: what doctor looks at, and how the checks stand overall.

use super::theme::{Theme, WAITING_MARK, spinner};
use crate::checks::result::Status;
use crate::i18n::word;
use crate::tui::app::App;
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let none = Word::NoneFound.get(lang);
    let target = &app.target;
    let title = Line::from(vec![
        Span::styled(" doctor ", theme.selected().patch(theme.bold())),
        Span::raw("  "),
        Span::styled(target.base_url.clone(), theme.bold()),
    ]);
    let place = Line::from(vec![
        Span::styled(format!(" {}: ", Word::Project.get(lang)), theme.dim()),
        Span::raw(target.project_dir.clone().unwrap_or_else(|| none.into())),
        Span::styled(format!("   {}: ", Word::ConfigFile.get(lang)), theme.dim()),
        Span::raw(target.config_file.clone().unwrap_or_else(|| none.into())),
    ]);
    let mut counts = vec![Span::raw(" ")];
    for status in [
        Status::Pass,
        Status::Warn,
        Status::Fail,
        Status::Error,
        Status::Skip,
    ] {
        let n = app.count(status);
        if n > 0 || status == Status::Pass {
            counts.push(Span::styled(
                format!("{} {n} {}", status.mark(), word(lang, status.key())),
                theme.status(status),
            ));
            counts.push(Span::raw("   "));
        }
    }
    let running = app.count_running();
    if running > 0 {
        counts.push(Span::styled(
            format!(
                "{} {running} {}",
                spinner(app.tick),
                Word::Running.get(lang)
            ),
            theme.running(),
        ));
        counts.push(Span::raw("   "));
    }
    let waiting = app.count_waiting();
    if waiting > 0 {
        counts.push(Span::styled(
            format!("{WAITING_MARK} {waiting} {}", Word::Waiting.get(lang)),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(vec![title, place, Line::from(counts)]), area);
}
