//! The "Failures" section: failures per endpoint, failures per second, and Locust's errors by
//! endpoint.

use super::timeline::Timeline;
use super::{charts, esc, figure, tr};
use crate::i18n::Lang;
use crate::load::RunReport;
use std::fmt::Write;

pub(super) fn failures(h: &mut String, report: &RunReport, tl: &Timeline, lang: Lang) {
    let _ = writeln!(
        h,
        "<section id=\"failures\">\n<h2>{}</h2>",
        tr(lang, "Failures", "실패")
    );
    // Per endpoint: the timeline's counts, or the stages' own when there is no timeline.
    let mut rows: Vec<(String, u64, u64)> = tl
        .endpoints
        .iter()
        .map(|e| (e.label.clone(), e.requests, e.failures))
        .collect();
    if rows.is_empty() {
        for s in &report.stages {
            for e in s.measure.spawning.iter().chain(&s.measure.steady) {
                let label = e.label();
                match rows.iter_mut().find(|r| r.0 == label) {
                    Some(r) => {
                        r.1 += e.requests;
                        r.2 += e.failures;
                    }
                    None => rows.push((label, e.requests, e.failures)),
                }
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    }
    let total_failures: u64 = rows.iter().map(|r| r.2).sum();
    if rows.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            tr(lang, "No requests were recorded.", "기록된 요청 없음.")
        );
    } else {
        let _ = write!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(lang, "endpoint", "엔드포인트"),
            tr(lang, "requests", "요청"),
            tr(lang, "failures", "실패"),
            tr(lang, "failure rate", "실패율")
        );
        let limit = report.plan.targets.error_ratio;
        for (label, requests, fails) in &rows {
            let ratio = crate::load::stats::ratio(*fails, *requests);
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num{}\">{:.2}%</td></tr>",
                esc(label),
                charts::number(*requests as f64, 1.0),
                charts::number(*fails as f64, 1.0),
                if ratio > limit { " miss" } else { "" },
                ratio * 100.0
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !tl.seconds.is_empty() {
        if total_failures == 0 {
            let _ = writeln!(
                h,
                "<p class=\"note\">{}</p>",
                tr(
                    lang,
                    "No request failed during the run.",
                    "실행 중 실패한 요청 없음."
                )
            );
        } else {
            let bars: Vec<(f64, f64)> = tl
                .seconds
                .iter()
                .copied()
                .zip(tl.failures.iter().copied())
                .collect();
            let title = tr(lang, "Failures per second", "초당 실패 수");
            let svg = charts::bar_strip(
                &bars,
                &tl.bands(lang),
                tl.x_max,
                (
                    title,
                    tr(
                        lang,
                        "seconds since the run started",
                        "실행 시작 후 경과 시간 (초)",
                    ),
                    tr(lang, "failures/s", "초당 실패"),
                ),
                "#c62828",
            );
            figure(
                h,
                title,
                &svg,
                "",
                &[tr(
                    lang,
                    "Failed requests in each second, all endpoints.",
                    "매초 실패한 요청 수 (전체 엔드포인트).",
                )
                .to_string()],
            );
        }
    }
    let errors: Vec<(usize, &crate::load::stats::ErrorRow)> = report
        .stages
        .iter()
        .flat_map(|s| s.measure.errors.iter().map(move |e| (s.index, e)))
        .collect();
    if !errors.is_empty() {
        let _ = write!(
            h,
            "<h3>{}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(lang, "Errors by endpoint", "엔드포인트별 오류"),
            tr(lang, "stage", "단계"),
            tr(lang, "endpoint", "엔드포인트"),
            tr(lang, "error", "오류"),
            tr(lang, "count", "횟수")
        );
        for (stage, e) in errors {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                stage + 1,
                esc(&crate::load::stats::endpoint_key(
                    e.method.as_deref().unwrap_or(""),
                    &e.name
                )),
                esc(&e.error),
                charts::number(e.occurrences as f64, 1.0)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}
