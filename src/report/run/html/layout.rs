//! The page's layout: its skeleton (head, style, the order of the sections), the header with the
//! run's facts, the closing sections (totals, comparison, files) and the style sheet.

use super::failures::failures;
use super::over_time::over_time;
use super::stage::stage_section;
use super::stage_table::summary;
use super::timeline::Timeline;
use super::{esc, ms, tr};
use crate::i18n::Lang;
use crate::load::RunReport;
use crate::report::run::words;
use std::fmt::Write;

/// The page.
pub fn render(report: &RunReport, lang: Lang) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>doctor run {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        if lang == Lang::Ko { "ko" } else { "en" },
        esc(&report.id)
    );
    header(&mut h, report, lang);
    summary(&mut h, report, lang);
    let timeline = Timeline::new(report);
    over_time(&mut h, report, &timeline, lang);
    failures(&mut h, report, &timeline, lang);
    for stage in &report.stages {
        stage_section(&mut h, report, stage, lang);
    }
    closing(&mut h, report, lang);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn header(h: &mut String, report: &RunReport, lang: Lang) {
    let outcome_class = match report.outcome {
        crate::load::Outcome::Passed => "ok",
        crate::load::Outcome::Missed => "miss",
        _ => "warn",
    };
    let _ = write!(
        h,
        "<header>\n<h1>doctor run <code>{}</code></h1>\n<p class=\"outcome {outcome_class}\">{}: {} <span class=\"dim\">({} {})</span></p>\n<dl class=\"facts\">\n",
        esc(&report.id),
        tr(lang, "Outcome", "결과"),
        esc(report.outcome.words(lang)),
        tr(lang, "exit code", "종료 코드"),
        report.exit_code
    );
    let mut fact = |label: &str, value: String| {
        let _ = writeln!(h, "<dt>{}</dt><dd>{value}</dd>", esc(label));
    };
    fact(
        tr(lang, "Target", "대상"),
        format!("<code>{}</code>", esc(&report.base_url)),
    );
    fact(
        "locustfile",
        format!(
            "<code>{}</code>",
            esc(&report.locustfile.display().to_string())
        ),
    );
    fact(
        tr(lang, "Time", "시간"),
        format!(
            "<code>{}</code> → <code>{}</code> ({:.0} {})",
            esc(&report.started_at),
            esc(&report.finished_at),
            report.duration_s,
            tr(lang, "s", "초")
        ),
    );
    if let Some(message) = &report.message {
        fact(
            tr(lang, "Message", "메시지"),
            esc(&words::message(message, report, lang)),
        );
    }
    let t = &report.plan.targets;
    fact(
        tr(lang, "Targets", "목표"),
        esc(&format!(
            "p95 ≤ {:.0} ms · {} ≤ {:.2}% · ≥ {:.0} {} · CPU < {:.0}% · {} < {:.0}%",
            t.p95_ms,
            tr(lang, "failures", "실패율"),
            t.error_ratio * 100.0,
            t.requests_per_min,
            tr(lang, "req/min", "분당 요청"),
            t.cpu_percent,
            tr(lang, "memory", "메모리"),
            t.memory_percent
        )),
    );
    if let Some(web) = &report.web_url {
        fact(
            tr(lang, "Locust web UI", "Locust 웹 UI"),
            format!("<code>{}</code>", esc(web)),
        );
    }
    h.push_str("</dl>\n");
    if !report.checks.is_empty() {
        let _ = write!(
            h,
            "<details><summary>{} ({})</summary>\n<ul class=\"checks\">\n",
            tr(lang, "Checks before load", "사전 점검"),
            report.checks.len()
        );
        for c in &report.checks {
            let _ = writeln!(
                h,
                "<li><span class=\"status {}\">{}</span> <code>{}</code>: {}</li>",
                esc(&c.status),
                esc(&words::status(&c.status, lang)),
                esc(&c.id),
                esc(c.summary.get(lang))
            );
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</header>\n");
}

fn closing(h: &mut String, report: &RunReport, lang: Lang) {
    if let Some(t) = &report.totals {
        let (requests, failures) = (t.requests, t.failures);
        let (p50, p95, p99) = (ms(t.p50_ms), ms(t.p95_ms), ms(t.p99_ms));
        let max = ms(Some(t.max_ms));
        let totals = crate::t!(
            "{requests} requests, {failures} failures, p50 {p50}, p95 {p95}, p99 {p99}, max {max} (Locust's --json-file)";
            "요청 {requests}건, 실패 {failures}건, p50 {p50}, p95 {p95}, p99 {p99}, 최대 {max} (Locust --json-file 기준)"
        );
        let _ = writeln!(
            h,
            "<section id=\"totals\">\n<h2>{}</h2>\n<p>{}</p>\n</section>",
            tr(lang, "Totals", "전체"),
            esc(totals.get(lang))
        );
    }
    if !report.comparison.is_empty() {
        let _ = writeln!(
            h,
            "<section id=\"comparison\">\n<h2>{}</h2>\n<ul>",
            tr(lang, "Compared with the previous run", "이전 실행과 비교")
        );
        for c in &report.comparison {
            let _ = writeln!(h, "<li>{}</li>", esc(c.get(lang)));
        }
        h.push_str("</ul>\n</section>\n");
    }
    if !report.files.is_empty() {
        let _ = writeln!(
            h,
            "<section id=\"files\">\n<h2>{}</h2>\n<ul class=\"files\">",
            tr(lang, "Files", "파일")
        );
        for f in &report.files {
            let _ = writeln!(
                h,
                "<li><a href=\"{}\"><code>{}</code></a></li>",
                esc(f),
                esc(f)
            );
        }
        h.push_str("</ul>\n</section>\n");
    }
}

const CSS: &str = r#"
:root { color-scheme: light; --fg: #1f2430; --dim: #5b6578; --line: #d6dbe4; --ok: #1b7f3b; --ok-bg: #e6f4ea; --miss: #b3261e; --miss-bg: #fde7e6; --warn-bg: #fff4d6; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--fg); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 21px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
h4 { font-size: 15px; margin: 18px 0 6px; color: var(--dim); }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f3f4f7; padding: 10px 12px; overflow-x: auto; border-radius: 6px; }
.dim { color: var(--dim); font-weight: normal; }
.outcome { display: inline-block; margin: 4px 0 12px; padding: 4px 12px; border-radius: 6px; font-weight: 600; }
.outcome.ok, .badge.ok { background: var(--ok-bg); color: var(--ok); }
.outcome.miss, .badge.miss { background: var(--miss-bg); color: var(--miss); }
.outcome.warn { background: var(--warn-bg); color: #7a5200; }
.badge { font-size: 13px; padding: 2px 8px; border-radius: 5px; vertical-align: middle; margin-left: 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--dim); }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f6; font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.ok { color: var(--ok); }
td.miss, tbody tr:nth-child(even) td.miss { background: var(--miss-bg); color: var(--miss); font-weight: 600; }
td code.sql { white-space: pre-wrap; word-break: break-word; }
tr.project td:first-child code { font-weight: 600; }
.bar { display: inline-block; height: 9px; background: #8fb3de; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.caption, figcaption { color: var(--dim); font-size: 13px; margin: 4px 0 0; }
figure { margin: 12px 0 28px; }
figure h3 { margin-top: 8px; }
svg.chart { width: 100%; height: auto; display: block; background: #fff; }
svg.chart text { font-family: system-ui, "Noto Sans", "Noto Sans CJK KR", Arial, sans-serif; fill: #3b4352; }
svg.chart text.tick { font-size: 12px; }
svg.chart text.axis { font-size: 13px; fill: #5b6578; }
svg.chart text.stage { font-size: 13px; font-weight: 600; fill: #3d4a63; }
svg.chart text.target { font-size: 12px; fill: #b3261e; font-weight: 600; }
svg.chart text.target, svg.chart text.stage { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 6px 0; font-size: 13px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
ul.verdict { list-style: none; padding: 0; }
ul.verdict li { margin: 3px 0; padding: 3px 8px; border-left: 3px solid var(--line); }
ul.verdict li.ok { border-color: var(--ok); }
ul.verdict li.miss { border-color: var(--miss); background: var(--miss-bg); }
ul.verdict li.problem { border-color: var(--miss); }
ul.verdict li.cause, ul.verdict li.pattern { border-color: #e69f00; background: #fffaf0; }
.mark { font-weight: 700; }
li.ok .mark { color: var(--ok); }
li.miss .mark { color: var(--miss); }
.note { color: var(--dim); font-style: italic; }
p.warn { background: var(--warn-bg); padding: 6px 10px; border-radius: 6px; }
section.stage { border-top: 1px solid transparent; }
figure.flame img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
.status.fail, .status.error { color: var(--miss); font-weight: 600; }
.status.pass { color: var(--ok); }
details summary { cursor: pointer; color: var(--dim); margin: 12px 0 4px; }
"#;
