//! Korean output without English fragments: `--check all`, a blocked `doctor run` and its saved
//! report.md, and `doctor fix` — the real binary against the real sample service with faults on,
//! read by `doctor::i18n::english_fragments`. A real Korean run: tests/load_run_more.rs.

mod common;

use common::korean::assert_korean;
use common::load::config;
use common::{SampleService, ServiceOptions};
use std::path::Path;

/// The fix's plan (the command and the script it runs) is code: shown as it is.
fn without_plan(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_plan = false;
    for line in text.lines() {
        if line == "실행할 내용:" {
            in_plan = true;
            continue;
        }
        if in_plan && line.starts_with("  ") && !line.starts_with("  | ") {
            continue;
        }
        in_plan = false;
        out.push(line);
    }
    out.join("\n")
}

fn faulty() -> SampleService {
    SampleService::start(
        ServiceOptions::default()
            .users(false)
            .stock(false)
            .env("SAMPLE_FAULT_SERIALIZER", "1"),
    )
}

#[test]
fn check_all_and_a_blocked_run_speak_korean_only() {
    let service = faulty();
    let (code, stdout, stderr) = service.doctor(&["--check", "all", "--lang", "ko"]);
    assert_ne!(code, 0, "faults on, checks fail:\n{stdout}\n{stderr}");
    assert!(stdout.contains("실패"), "{stdout}");
    assert_korean(
        "doctor --check all --lang ko",
        &format!("{stdout}\n{stderr}"),
    );

    let cfg = config(&service, "");
    let (code, stdout, stderr) = service.doctor(&[
        "--config",
        cfg.to_str().unwrap(),
        "--lang",
        "ko",
        "run",
        "--stages",
        "2",
        "--stage-time",
        "5s",
    ]);
    assert_eq!(code, 3, "a blocking check fails:\n{stdout}\n{stderr}");
    assert!(stdout.contains("종료 코드 3"), "{stdout}");
    assert_korean(
        "doctor run --lang ko (blocked)",
        &format!("{stdout}\n{stderr}"),
    );
    let report = stdout
        .lines()
        .find_map(|l| l.strip_prefix("보고서: "))
        .unwrap_or_else(|| panic!("no report path printed:\n{stdout}"));
    let saved = std::fs::read_to_string(Path::new(report.trim())).expect("report.md");
    assert_korean("report.md of the blocked run", &saved);
}

#[test]
fn a_fix_in_korean_says_what_it_did_in_korean() {
    let service = faulty();
    let (code, stdout, stderr) = service.doctor(&["fix", "stock.seed", "--yes", "--lang", "ko"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    // The plan shows the script (its JSON keys too); what it printed comes after.
    let stdout = without_plan(&stdout);
    assert!(
        stdout.contains("  | 상품 1개 생성") && stdout.contains("예약 가능 재고 10,000개"),
        "the fix's answer in words:\n{stdout}"
    );
    assert!(
        !stdout.contains("objects imported automatically"),
        "Django's shell banner is not the fix's:\n{stdout}"
    );
    assert!(
        !stdout.contains("\"product_created\""),
        "the raw answer stays in JSON:\n{stdout}"
    );
    assert_korean(
        "doctor fix stock.seed --lang ko",
        &format!("{stdout}\n{stderr}"),
    );
}
