//! Korean output read for English: `doctor::i18n::english_fragments` plus the words that are
//! never Korean output (enum names, debug forms, English status words and units).

use doctor::i18n::english_fragments;

/// Words that are never Korean output, even alone: enum names, Rust's debug forms, English
/// status words and units.
const NEVER: &[&str] = &[
    "Some(",
    "None",
    "CouldNotStart",
    "Completed",
    "Stopped",
    "exit 0",
    "exit 1",
    "exit 2",
    "exit 3",
    "- fail",
    "- pass",
    "- warn",
    "- skip",
];

/// Every English fragment of `text` (and every NEVER word), with the line it stands in.
pub fn english_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let fragments = english_fragments(line);
        let mut never: Vec<&str> = NEVER.iter().copied().filter(|w| line.contains(w)).collect();
        // Durations: "5 min" is "5분" in Korean.
        if line
            .match_indices(" min")
            .any(|(i, _)| line[..i].ends_with(|c: char| c.is_ascii_digit()))
        {
            never.push("N min");
        }
        if !fragments.is_empty() || !never.is_empty() {
            found.push(format!("{fragments:?} {never:?} in: {line}"));
        }
    }
    found
}

#[track_caller]
pub fn assert_korean(what: &str, text: &str) {
    let found = english_in(text);
    assert!(
        found.is_empty(),
        "English in {what}:\n{}\n--- the whole text:\n{text}",
        found.join("\n")
    );
}
