//! A terminal too small for the layout: say so (in both languages) instead of drawing badly.

use super::theme::Theme;
use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::i18n::Lang;
use crate::tui::app::App;
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let first = Word::TooSmall.get(app.lang);
    let second = Word::TooSmall.get(app.lang.other());
    let size = format!("{}×{} → {MIN_WIDTH}×{MIN_HEIGHT}", area.width, area.height);
    let quit = match app.lang {
        Lang::Ko => "q: 종료",
        Lang::En => "q: quit",
    };
    let mut lines = vec![Line::default(); usize::from(area.height.saturating_sub(4) / 2)];
    lines.extend([
        Line::styled(first, theme.bold()),
        Line::from(second),
        Line::styled(size, theme.dim()),
        Line::styled(quit, theme.dim()),
    ]);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        area,
    );
}
