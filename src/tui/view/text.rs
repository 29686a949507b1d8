//! Measuring and cutting text by display width: Korean characters take two columns.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to `max` columns, with `…` when something was cut.
pub fn fit(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(ch);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `text` padded with spaces to `columns` (never cut).
pub fn pad(text: &str, columns: usize) -> String {
    let missing = columns.saturating_sub(width(text));
    format!("{text}{}", " ".repeat(missing))
}

/// A line of code cut into pieces of at most `max` columns, characters kept whole, so that
/// no word wrapping reflows it.
pub fn hard_wrap(line: &str, max: usize) -> Vec<String> {
    let line = line.replace('\t', "    ");
    if max == 0 {
        return vec![line];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for ch in line.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > max && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(ch);
        used += w;
    }
    pieces.push(current);
    pieces
}

/// Lines wrapped to `max` columns, measured by display width (ratatui's own wrapping let a
/// double-width character at the end of a row spill over the pane's border). Words move whole
/// to the next row when they fit there; longer ones are cut between characters. Styles are
/// kept; the spaces where a row breaks are dropped.
pub fn wrap(lines: Vec<Line<'static>>, max: u16) -> Vec<Line<'static>> {
    let max = usize::from(max).max(1);
    let mut out = Vec::new();
    for line in lines {
        let style = line.style;
        // Runs of spaces and of other characters, each piece with its style.
        let mut words: Vec<(bool, Vec<(char, Style)>)> = Vec::new();
        for span in &line.spans {
            for ch in span.content.chars() {
                let space = ch == ' ';
                match words.last_mut() {
                    Some((s, pieces)) if *s == space => pieces.push((ch, span.style)),
                    _ => words.push((space, vec![(ch, span.style)])),
                }
            }
        }
        let mut rows: Vec<Vec<(char, Style)>> = vec![Vec::new()];
        let mut used = 0;
        for (space, word) in words {
            let w: usize = word.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
            if used + w <= max {
                rows.last_mut().expect("a row").extend(word);
                used += w;
            } else if space {
                // The row breaks here; its spaces go.
                rows.push(Vec::new());
                used = 0;
            } else if used > 0 && w <= max {
                rows.push(word);
                used = w;
            } else {
                for (ch, st) in word {
                    let cw = ch.width().unwrap_or(0);
                    if used + cw > max && used > 0 {
                        rows.push(Vec::new());
                        used = 0;
                    }
                    rows.last_mut().expect("a row").push((ch, st));
                    used += cw;
                }
            }
        }
        // A break just before the end leaves an empty last row: drop it (not a blank line).
        if rows.len() > 1 && rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        for row in rows {
            let mut spans: Vec<Span<'static>> = Vec::new();
            let mut text = String::new();
            let mut current: Option<Style> = None;
            for (ch, st) in row {
                if current.is_some_and(|c| c != st) {
                    spans.push(Span::styled(std::mem::take(&mut text), current.unwrap()));
                }
                current = Some(st);
                text.push(ch);
            }
            if let Some(st) = current {
                spans.push(Span::styled(text, st));
            }
            out.push(Line::from(spans).style(style));
        }
    }
    out
}

pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_counts_double() {
        assert_eq!(width("재고"), 4);
        assert_eq!(fit("재고 있음", 5), "재고…");
        assert_eq!(fit("stock", 5), "stock");
        assert_eq!(pad("재고", 6), "재고  ");
    }

    #[test]
    fn wrap_measures_wide_characters() {
        let line = Line::from(vec![
            Span::raw("⠋ 실행 중…"),
            Span::raw("  가이드 §1 FastHttpSession 헤더 오류"),
        ]);
        let rows = wrap(vec![line], 46);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.width() <= 46));
        assert_eq!(rows[1].to_string(), "오류");
        assert_eq!(wrap(vec![Line::raw("가나다라")], 5).len(), 2);
        assert_eq!(wrap(vec![Line::default()], 5).len(), 1);
    }

    #[test]
    fn hard_wrap_keeps_characters_whole() {
        assert_eq!(hard_wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(hard_wrap("가나다", 5), vec!["가나", "다"]);
        assert_eq!(hard_wrap("", 4), vec![""]);
    }
}
