//! `doctor explain [SECTION]`: the guide in doctor's own words, in the chosen language.

mod common;

use common::*;

/// Prose of a Markdown text: fenced code blocks and `code spans` removed.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence {
            let spans: Vec<&str> = line.split('`').collect();
            // Even pieces are outside backticks.
            for (i, piece) in spans.iter().enumerate() {
                if i % 2 == 0 {
                    out.push_str(piece);
                    out.push(' ');
                }
            }
            out.push('\n');
        }
    }
    out
}

/// Three or more Latin words in a row: an English phrase, not a name or an identifier.
fn english_phrases(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut run: Vec<&str> = Vec::new();
        for word in line.split(|c: char| c.is_whitespace() || ",.:;()!?".contains(c)) {
            if word.is_empty() {
                continue;
            }
            if word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'') {
                run.push(word);
            } else {
                if run.len() >= 3 {
                    found.push(run.join(" "));
                }
                run.clear();
            }
        }
        if run.len() >= 3 {
            found.push(run.join(" "));
        }
    }
    found
}

fn explain(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    run_doctor(&all, dir.path(), &[])
}

#[test]
fn explain_2_in_korean_has_no_english_sentences() {
    let (code, stdout, stderr) = explain(&["2", "--lang", "ko"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("시리얼라이저"), "{stdout}");
    assert!(stdout.contains("ReservationResult"), "{stdout}");
    let phrases = english_phrases(&prose(&stdout));
    assert!(
        phrases.is_empty(),
        "English in the Korean text: {phrases:?}"
    );
}

#[test]
fn every_korean_section_is_korean() {
    let (_, list, _) = explain(&["--lang", "ko"]);
    let ids: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_string)
        .collect();
    assert_eq!(ids.len(), 14, "{list}");
    for id in ids {
        let (code, stdout, stderr) = explain(&[&id, "--lang", "ko"]);
        assert_eq!(code, 0, "{id}: {stderr}");
        let phrases = english_phrases(&prose(&stdout));
        assert!(
            phrases.is_empty(),
            "{id}: English in the Korean text: {phrases:?}"
        );
    }
}

#[test]
fn explain_in_english_and_unknown_sections() {
    let (code, stdout, _) = explain(&["tip2", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("token") && stdout.contains("`auth`"),
        "{stdout}"
    );
    let (code, stdout, _) = explain(&["§4", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("`users`"), "{stdout}");
    let (code, _, stderr) = explain(&["9", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("sections: 1, 2, 3"), "{stderr}");
}
