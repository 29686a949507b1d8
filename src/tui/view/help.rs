//! The `?` overlay: every key and what it does.

use super::text::pad;
use super::theme::Theme;
use crate::tui::app::App;
use crate::tui::texts::Word;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

const KEYS: &[(&str, Word)] = &[
    ("↑/↓  j/k", Word::HelpSelect),
    ("Enter  Tab", Word::HelpFocus),
    ("PgUp/PgDn", Word::HelpScroll),
    ("r", Word::HelpRerun),
    ("R", Word::HelpRerunAll),
    ("f  2-9", Word::HelpFix),
    ("l", Word::HelpLanguage),
    ("s", Word::HelpStaged),
    ("?", Word::HelpHelp),
    ("q  Esc  Ctrl-C", Word::HelpQuit),
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let key_width = KEYS
        .iter()
        .map(|(k, _)| super::text::width(k))
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(key, word)| {
            Line::from(vec![
                Span::styled(format!(" {}  ", pad(key, key_width)), theme.key()),
                Span::raw(word.get(app.lang)),
            ])
        })
        .collect();
    let text_width = lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16;
    let width = (text_width + 4).min(area.width);
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .title(format!(" {} ", Word::HelpTitle.get(app.lang)))
        .title_bottom(Line::styled(" Esc/? ", theme.dim()).right_aligned())
        .border_style(theme.border(true));
    super::clear(frame, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
