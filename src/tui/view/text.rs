//! Measuring and cutting text by display width: Korean characters take two columns.

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
    fn hard_wrap_keeps_characters_whole() {
        assert_eq!(hard_wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(hard_wrap("가나다", 5), vec!["가나", "다"]);
        assert_eq!(hard_wrap("", 4), vec![""]);
    }
}
