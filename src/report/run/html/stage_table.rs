//! The table of stages at the top of the page: one row per stage, its figures judged against the
//! targets (a missed one marked), and the stage's verdict.

use super::{charts, esc, ms, pct, tr};
use crate::i18n::Lang;
use crate::load::{RunReport, StageReport};
use std::fmt::Write;

/// A target's name in the summary's verdict column.
fn target_name(lang: Lang, key: &str) -> String {
    match key {
        "p95_ms" => "p95".into(),
        "error_ratio" => tr(lang, "failures", "실패율").into(),
        "requests_per_min" => tr(lang, "req/min", "분당 요청").into(),
        "cpu_percent" => "CPU".into(),
        "memory_percent" => tr(lang, "memory", "메모리").into(),
        other => other.into(),
    }
}

/// A summary cell judged by the stage's target `key`: marked when the target was missed.
fn judged_cell(stage: &StageReport, key: &str, value: String) -> String {
    match stage.verdict.targets.iter().find(|t| t.key == key) {
        Some(t) if !t.passed => format!(
            "<td class=\"num miss\" title=\"{}\">✗ {}</td>",
            esc(&t.text.en),
            esc(&value)
        ),
        Some(_) => format!("<td class=\"num ok\">{}</td>", esc(&value)),
        None => format!("<td class=\"num\">{}</td>", esc(&value)),
    }
}

pub(super) fn summary(h: &mut String, report: &RunReport, lang: Lang) {
    let _ = writeln!(
        h,
        "<section id=\"summary\">\n<h2>{}</h2>",
        tr(lang, "Stages", "단계")
    );
    if report.stages.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>\n</section>",
            tr(
                lang,
                "No stage ran: the run ended before the first stage started.",
                "실행된 단계 없음: 첫 단계가 시작되기 전에 실행이 끝남."
            )
        );
        return;
    }
    let columns: &[&str] = if lang == Lang::Ko {
        &[
            "단계",
            "사용자 (도달)",
            "요청",
            "분당 요청",
            "실패율",
            "p50",
            "p95",
            "p99 (누적)",
            "시스템 CPU",
            "메모리",
            "판정",
        ]
    } else {
        &[
            "stage",
            "users (reached)",
            "requests",
            "req/min",
            "failures",
            "p50",
            "p95",
            "p99 (cum.)",
            "system CPU",
            "memory",
            "verdict",
        ]
    };
    h.push_str("<table class=\"summary\">\n<thead><tr>");
    for c in columns {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for s in &report.stages {
        let m = &s.measure;
        let missed: Vec<String> = s
            .verdict
            .missed()
            .into_iter()
            .map(|k| target_name(lang, k))
            .collect();
        let verdict = if s.verdict.passed {
            format!("<td class=\"ok\">{}</td>", crate::i18n::word(lang, "pass"))
        } else {
            format!(
                "<td class=\"miss\">{}{}</td>",
                crate::i18n::word(lang, "fail"),
                if missed.is_empty() {
                    String::new()
                } else {
                    format!(": {}", esc(&missed.join(", ")))
                }
            )
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#stage-{}\">{}</a>{}</td><td class=\"num\">{} ({})</td><td class=\"num\">{}</td>{}{}<td class=\"num\">{}</td>{}<td class=\"num\">{}</td>{}{}{}</tr>",
            s.index + 1,
            s.index + 1,
            if s.interrupted {
                format!(
                    " <span class=\"dim\">{}</span>",
                    tr(lang, "interrupted", "중단됨")
                )
            } else {
                String::new()
            },
            m.users,
            s.users_reached,
            charts::number(m.requests as f64, 1.0),
            judged_cell(s, "requests_per_min", charts::number(s.rpm, 1.0)),
            judged_cell(
                s,
                "error_ratio",
                format!("{:.2}% ({})", m.failure_ratio() * 100.0, m.failures)
            ),
            esc(&ms(s.p50_ms)),
            judged_cell(s, "p95_ms", ms(m.p95_ms)),
            esc(&ms(s.cumulative_p99_ms)),
            judged_cell(s, "cpu_percent", pct(m.cpu_avg)),
            judged_cell(s, "memory_percent", pct(m.memory_max)),
            verdict
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table>\n<p class=\"caption\">{}</p>\n</section>",
        tr(
            lang,
            "✗ marks a missed target (hover for the figure against its target). Stage p95: Locust's figure for the stage.",
            "✗ 표시는 놓친 목표 (마우스를 올리면 목표 대비 수치). 단계 p95: 해당 단계에 대한 Locust 수치."
        )
    );
}
