//! Every input the campaign found breaking a parser, replayed with what it must give now.
//! The inputs are the corpus's `regression-*` files (the campaigns replay them too).

use super::engine::corpus_dir;
use doctor::load::listener::LiveAnswer;
use doctor::load::numbers::Seconds;
use doctor::load::stats::{Final, final_totals, read_json_file};
use std::path::Path;

fn json_file(name: &str) -> Final {
    let path = corpus_dir("locust_json_file").join(name);
    final_totals(&read_json_file(&path).expect("a valid --json-file"))
}

/// Counts past u64 in Locust's `--json-file` saturate instead of panicking.
#[test]
fn json_file_counts_past_u64_saturate() {
    let requests = json_file("regression-requests-sum-overflow.json");
    assert_eq!((requests.requests, requests.failures), (u64::MAX, 66));
    let failures = json_file("regression-failures-sum-overflow.json");
    assert_eq!((failures.requests, failures.failures), (4100, u64::MAX));
    // Nearly every request in the 20 ms bucket: every percentile is 20 ms.
    let buckets = json_file("regression-bucket-count-overflow.json");
    assert_eq!(buckets.requests, 3);
    assert_eq!((buckets.p50_ms, buckets.p99_ms), (Some(20.0), Some(20.0)));
}

fn live(name: &str) -> Seconds {
    let path = corpus_dir("listener_live").join(name);
    let answer: LiveAnswer = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut seconds = Seconds::default();
    seconds.merge(&answer);
    seconds
}

/// Counts past u64 in the listener's answer saturate in every sum over seconds and buckets.
#[test]
fn live_counts_past_u64_saturate() {
    let requests = live("regression-requests-sum-overflow.json").total(1796223998, 1796224001);
    assert_eq!(requests.requests, u64::MAX);
    let merged = live("regression-bucket-merge-overflow.json").total(1796223998, 1796224001);
    assert_eq!(merged.p(0.5), Some(12.0));
    let one = live("regression-bucket-count-overflow.json").total(1796223988, 1796223989);
    assert_eq!((one.requests, one.p(0.95)), (15, Some(3.0)));
}

/// `login_format = "form\t"` was refused by the loader without a line and with the tab raw.
#[test]
fn an_unknown_login_format_names_its_line_and_escapes_control_characters() {
    let name = "regression-login-format-with-tab.toml";
    let text = std::fs::read_to_string(corpus_dir("doctor_toml").join(name)).unwrap();
    let err = doctor::config::file::parse(&text, Path::new("doctor.toml")).unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
    assert!(err.message.contains("\"form\\u{9}\""), "{err}");
    assert!(err.message.contains("use \"json\" or \"form\""), "{err}");
}

/// A file that starts with a byte-order mark (TOML allows it; Notepad writes it) hid its first
/// section from the line finder: range errors there came without a line.
#[test]
fn a_byte_order_mark_does_not_hide_the_line() {
    let name = "regression-bom-then-login-format.toml";
    let text = std::fs::read_to_string(corpus_dir("doctor_toml").join(name)).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let err = doctor::config::file::parse(&text, Path::new("doctor.toml")).unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
    let spawn = "\u{feff}[run]\nspawn_rate = 0\n";
    let err = doctor::config::file::parse(spawn, Path::new("doctor.toml")).unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
}
