//! Code and command output as blocks: a gutter, a distinct style, and lines cut (never
//! reflowed) to the pane's width, with `↪` marking a continued line.

use super::text::hard_wrap;
use super::theme::Theme;
use ratatui::text::{Line, Span};

pub fn lines(code: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let room = usize::from(width).saturating_sub(2).max(1);
    let mut out = Vec::new();
    for source in code.trim_end().lines() {
        for (i, piece) in hard_wrap(source, room).into_iter().enumerate() {
            let gutter = if i == 0 { "│ " } else { "│↪" };
            out.push(Line::from(vec![
                Span::styled(gutter, theme.dim()),
                Span::styled(piece, theme.code()),
            ]));
        }
    }
    out
}
