//! The whole page rendered from a made-up two-stage run: its sections, charts, escaping and
//! Korean words.

use super::render;
use crate::i18n::Lang;
use crate::load::plan::{Plan, Targets};
use crate::load::timeline::SecondPoint;
use crate::load::verdict::{StageMeasure, judge};
use crate::load::{RunReport, StageReport};
use crate::profile::StageProfile;

/// A plan as `doctor run --stages 100,500 --stage-time 20s` makes it (through
/// `Plan::build`, so fields added to Plan later need no change here).
fn plan() -> Plan {
    let project = std::env::temp_dir().join("doctor-html-unit");
    std::fs::create_dir_all(&project).unwrap();
    // Its own (empty) doctor.toml: none found further up can change the plan.
    std::fs::write(project.join("doctor.toml"), "").unwrap();
    let config = crate::config::Config::load_with_env(
        &project,
        &crate::config::Overrides::default(),
        &|_| None,
    )
    .unwrap();
    let flags = crate::load::plan::RunFlags {
        stages: Some("100,500".into()),
        stage_time: Some("20s".into()),
        spawn_rate: Some(50.0),
        keep_going: true,
        locustfile: Some("/srv/shop/locustfile.py".into()),
        ..Default::default()
    };
    Plan::build(&config, &flags, &project).unwrap()
}

fn stage(index: usize, users: u32, start: f64, p95: f64) -> StageReport {
    let measure = StageMeasure {
        users,
        spawn_rate: 50.0,
        secs: 20.0,
        requests: 20 * users as u64,
        failures: if index == 1 { 400 } else { 0 },
        p95_ms: Some(p95),
        cpu_avg: Some(40.0),
        memory_max: Some(50.0),
        ..Default::default()
    };
    let verdict = judge(&measure, &Targets::default());
    StageReport {
        index,
        users_reached: users as u64,
        rps: measure.requests as f64 / 20.0,
        rpm: measure.rpm(),
        p50_ms: Some(p95 / 3.0),
        p95_max_window_ms: Some(p95),
        cumulative_p99_ms: Some(p95 * 1.5),
        server_cpu_max: None,
        server_rss_max_mb: None,
        doctor_cpu_avg: None,
        load_cpu_avg: None,
        worker_requests: Default::default(),
        other_cpu_avg: None,
        doctor_rss_max_mb: None,
        tcp_states_end: Default::default(),
        workers: None,
        interrupted: false,
        verdict,
        start_s: start,
        end_s: start + 20.0,
        profile: None,
        waits: None,
        forecast: None,
        measure,
    }
}

fn report(endpoint: &str) -> RunReport {
    let mut r = RunReport::new(&plan());
    r.finish(crate::load::Outcome::Missed, None);
    r.stages = vec![stage(0, 100, 0.0, 300.0), stage(1, 500, 20.0, 2600.0)];
    r.profile_note = Some(crate::t!(
        "not profiled: ptrace is not permitted";
        "프로파일링 안 함: ptrace 권한 없음"
    ));
    for t in 0..40 {
        for (name, base) in [(endpoint, 100.0), ("/api/products/", 40.0)] {
            r.timeline.push(SecondPoint {
                t_s: t as f64,
                stage: t / 20,
                method: "GET".into(),
                name: name.into(),
                requests: 50 + t as u64,
                failures: if t > 30 { 3 } else { 0 },
                p50_ms: Some(base),
                p95_ms: Some(base * 2.0 + t as f64 * 30.0),
            });
        }
    }
    r
}

/// The text a reader sees: tags, the style sheet and `<code>` (names, paths, SQL) left out.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(a) = rest.find("<style>") {
        out.push_str(&rest[..a]);
        let b = rest[a..].find("</style>").expect("closed") + a;
        rest = &rest[b + "</style>".len()..];
    }
    out.push_str(rest);
    let mut text = String::new();
    let mut in_tag = false;
    let mut code = 0usize;
    let mut tag = String::new();
    for c in out.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                if tag.starts_with("code") {
                    code += 1;
                } else if tag.starts_with("/code") {
                    code -= 1;
                }
                // Block and cell ends separate words, like a browser's line breaks.
                text.push(if tag.starts_with('/') || tag.starts_with("br") {
                    '\n'
                } else {
                    ' '
                });
            }
            c if in_tag => tag.push(c),
            c if code == 0 => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

#[test]
fn endpoint_names_are_escaped() {
    let html = render(&report("<script>alert(1)</script>"), Lang::En);
    assert!(!html.contains("<script>alert(1)"), "raw script in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.to_lowercase().contains("<script"));
}

#[test]
fn the_page_has_its_sections_and_charts() {
    let html = render(&report("/api/orders/"), Lang::En);
    for needle in [
        "<h2>Stages</h2>",
        "Requests per second",
        "p95 response time per endpoint",
        "p95 target 2,000 ms",
        "Failures per second",
        "Stage 1 (100 users)",
        "Stage 2 (500 users)",
        "not profiled: ptrace is not permitted",
        "PostgreSQL only",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 4);
    // The missed p95 of stage 2 is marked in the summary.
    assert!(html.contains("<td class=\"num miss\" title=\"p95 2600 ms"));
    // Nothing is fetched: no external URL in an attribute, no CSS import.
    for bad in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(bad), "{bad}");
    }
}

#[test]
fn korean_page_has_korean_headings_and_no_english_prose() {
    let html = render(&report("/api/orders/"), Lang::Ko);
    for needle in [
        "<h2>단계</h2>",
        "초당 요청 수",
        "엔드포인트별 p95 응답 시간",
        "단계 1 (사용자 100명)",
        "프로파일링 안 함: ptrace 권한 없음",
        "실행 시작 후 경과 시간 (초)",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let text = visible_text(&html);
    let english = crate::i18n::english_fragments(&text);
    assert!(
        english.is_empty(),
        "English in the Korean page: {english:?}"
    );
    // The reader does find English prose (the English page has plenty).
    let english =
        crate::i18n::english_fragments(&visible_text(&render(&report("/api/orders/"), Lang::En)));
    assert!(english.len() > 10, "{english:?}");
}

#[test]
fn an_empty_timeline_says_why_there_are_no_charts() {
    let mut r = report("/api/orders/");
    r.timeline.clear();
    let html = render(&r, Lang::En);
    assert!(!html.contains("<svg class=\"chart\""));
    assert!(html.contains("No second-by-second timeline was recorded for this run"));
    // The failures by endpoint come from the stages then (none recorded here).
    let ko = render(&r, Lang::Ko);
    assert!(ko.contains("초 단위 기록이 없어 차트를 그리지 않음"));
}

#[test]
fn a_missing_flame_graph_file_is_said() {
    let mut r = report("/api/orders/");
    r.run_dir = std::env::temp_dir().join("doctor-html-unit-missing");
    r.stages[0].profile = Some(StageProfile {
        flame_graph: Some("flame-1.svg".into()),
        ..Default::default()
    });
    let html = render(&r, Lang::En);
    assert!(html.contains("Cannot read the flame graph"));
}

#[test]
fn korean_search_terms_are_shown_decoded() {
    let html = render(
        &report("/api/products/?search=%EB%85%B8%ED%8A%B8%EB%B6%81"),
        Lang::Ko,
    );
    assert!(html.contains("search=노트북"), "decoded in the page");
    assert!(!html.contains("%EB%85"), "no percent-encoded Korean left");
}
