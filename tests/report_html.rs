//! report.html opened in a real browser: a realistic three-stage run (100/500/1000 users, 90 s of
//! timeline over three endpoints with one huge p95, profiles with a real inferno flame graph,
//! lock waits) is written with `save_html`, then rendered by headless Chromium (Debian's
//! `chromium`, installed by scripts/test.sh): it must exit 0, take a screenshot, show the charts
//! and stage headings in its DOM, and log no console message or uncaught error. A second test
//! feeds the console detector a page that does log errors, so it cannot pass by never matching.

#[path = "common/chromium.rs"]
mod chromium;
#[path = "common/korean.rs"]
mod korean;
#[path = "common/realistic_run.rs"]
mod realistic_run;

use chromium::{console_lines, render_in_chromium, run_chromium, visible_text};
use doctor::i18n::{Lang, Text};
use doctor::report::run::html::{base64, save_html};
use realistic_run::realistic_report;
use std::fs;
use std::path::{Path, PathBuf};

/// A scratch folder kept under target/tmp, so the page and screenshots can be looked at after a
/// run (`target/tmp/report_html/<test>/`).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report_html")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn report_html_renders_in_chromium_in_both_languages() {
    let dir = scratch("realistic");
    let report = realistic_report(&dir);
    let flame = fs::read(report.run_dir.join("flame-stage3.svg")).unwrap();
    assert!(flame.len() > 2000, "inferno wrote a flame graph");

    for (lang, shot, headings) in [
        (
            Lang::En,
            "report-en.png",
            [
                "Stage 1 (100 users)",
                "Stage 2 (500 users)",
                "Stage 3 (1000 users)",
                "Requests per second",
            ],
        ),
        (
            Lang::Ko,
            "report-ko.png",
            [
                "단계 1 (사용자 100명)",
                "단계 2 (사용자 500명)",
                "단계 3 (사용자 1000명)",
                "초당 요청 수",
            ],
        ),
    ] {
        let name = save_html(&report, lang).unwrap();
        assert_eq!(name, "report.html");
        let page = report.run_dir.join(&name);
        let kept = dir.join(format!(
            "report-{}.html",
            if lang == Lang::Ko { "ko" } else { "en" }
        ));
        fs::copy(&page, &kept).unwrap();
        let dom = render_in_chromium(&dir, &kept, shot);

        // Four charts: requests/s, p95, p50, failures per second.
        assert_eq!(
            dom.matches("<svg class=\"chart\"").count(),
            4,
            "charts in the DOM"
        );
        for h in headings {
            assert!(dom.contains(h), "{h} missing from the DOM");
        }
        // The huge p95 is clipped and said so; the p95 target line is drawn.
        let (clipped, target) = match lang {
            Lang::Ko => (
                "위쪽 가장자리에 표시됨 (최대 48,000 ms)",
                "p95 목표 2,000 ms",
            ),
            Lang::En => (
                "drawn at the top edge (the highest was 48,000 ms)",
                "p95 target 2,000 ms",
            ),
        };
        assert!(dom.contains(clipped), "clipping caption missing");
        assert!(dom.contains(target), "p95 target line missing");
        // Stage boundaries labelled with their users.
        let stage_label = match lang {
            Lang::Ko => "사용자 500명</text>",
            Lang::En => "500 users</text>",
        };
        assert!(dom.contains(stage_label));
        // The flame graphs are inside the page, byte for byte.
        assert!(dom.contains(&format!("data:image/svg+xml;base64,{}", base64(&flame))));
        // The lock wait's SQL is there, escaped.
        assert!(dom.contains("FOR UPDATE"));
        // Nothing is fetched from anywhere.
        for bad in ["src=\"http", "href=\"http", "src=\"//", "@import", "url("] {
            assert!(!dom.contains(bad), "{bad} in the page");
        }
        if lang == Lang::Ko {
            korean::assert_korean("the Korean report.html", &visible_text(&dom));
        }
    }
}

#[test]
fn the_console_detector_sees_errors() {
    let dir = scratch("console");
    let page = dir.join("errors.html");
    fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('detector-check'); undefinedFunction();</script></body></html>",
    )
    .unwrap();
    let run = run_chromium(&dir, &page, &["--dump-dom".into()]);
    assert!(run.status.success(), "{:?}\n{}", run.status, run.stderr);
    let lines = console_lines(&run.stderr);
    assert!(
        lines.iter().any(|l| l.contains("detector-check")),
        "console.error not seen: {}",
        run.stderr
    );
    assert!(
        lines.iter().any(|l| l.contains("Uncaught ReferenceError")),
        "uncaught error not seen: {}",
        run.stderr
    );
}

#[test]
fn a_run_without_timeline_or_profile_says_why() {
    let dir = scratch("empty");
    let mut report = realistic_report(&dir);
    report.timeline.clear();
    for s in &mut report.stages {
        s.profile = None;
        s.waits = None;
    }
    report.profile_note = Some(Text::new(
        "not profiled: ptrace is not permitted (kernel.yama.ptrace_scope = 1)",
        "프로파일링 안 함: ptrace 권한 없음 (kernel.yama.ptrace_scope = 1)",
    ));
    save_html(&report, Lang::En).unwrap();
    let page = report.run_dir.join("report.html");
    let run = run_chromium(&dir, &page, &["--dump-dom".into()]);
    assert!(run.status.success());
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new());
    assert!(
        !run.stdout.contains("<svg class=\"chart\""),
        "no empty charts"
    );
    assert!(
        run.stdout
            .contains("No second-by-second timeline was recorded for this run")
    );
    assert_eq!(
        run.stdout
            .matches("not profiled: ptrace is not permitted")
            .count(),
        3,
        "the note under each stage"
    );
}
