//! A run's report as Markdown (report.md, and `doctor run --format md`).

use super::words;
use crate::i18n::Lang;
use crate::load::RunReport;
use std::fmt::Write;

fn opt_ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "-".into())
}

fn opt_pct(v: Option<f32>) -> String {
    v.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "-".into())
}

/// The report as Markdown.
pub fn markdown(report: &RunReport, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let mut md = String::new();
    let _ = writeln!(md, "# doctor run {}\n", report.id);
    let _ = writeln!(
        md,
        "- {}: {}\n- locustfile: {}\n- {}: {} ({} {})\n- {}: {} → {} ({:.0} {})",
        if ko { "대상" } else { "target" },
        report.base_url,
        report.locustfile.display(),
        if ko { "결과" } else { "outcome" },
        report.outcome.words(lang),
        if ko { "종료 코드" } else { "exit" },
        report.exit_code,
        if ko { "시간" } else { "time" },
        report.started_at,
        report.finished_at,
        report.duration_s,
        if ko { "초" } else { "s" }
    );
    if let Some(message) = &report.message {
        let _ = writeln!(
            md,
            "- {}: {}",
            if ko { "메시지" } else { "message" },
            words::message(message, report, lang)
        );
    }
    let t = &report.plan.targets;
    let _ = writeln!(
        md,
        "- {}: p95 ≤ {:.0} ms, {} ≤ {:.2}%, ≥ {:.0} {}, CPU < {:.0}%, {} < {:.0}%\n",
        if ko { "목표" } else { "targets" },
        t.p95_ms,
        if ko { "실패율" } else { "failures" },
        t.error_ratio * 100.0,
        t.requests_per_min,
        if ko { "분당 요청" } else { "req/min" },
        t.cpu_percent,
        if ko { "메모리" } else { "memory" },
        t.memory_percent
    );
    if !report.checks.is_empty() {
        let _ = writeln!(
            md,
            "## {}\n",
            if ko {
                "사전 점검"
            } else {
                "Checks before load"
            }
        );
        for c in &report.checks {
            let _ = writeln!(
                md,
                "- {} {}: {}",
                words::status(&c.status, lang),
                c.id,
                c.summary.get(lang)
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## {}\n", if ko { "단계" } else { "Stages" });
    let header = if ko {
        "| 사용자 | 요청 | 실패 | 초당 요청 | 분당 요청 | p50 | p95 | p99 (누적) | CPU | 서버 CPU | 판정 |"
    } else {
        "| users | requests | failures | req/s | req/min | p50 | p95 | p99 (cum.) | CPU | server CPU | verdict |"
    };
    let _ = writeln!(md, "{header}");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for s in &report.stages {
        let m = &s.measure;
        let _ = writeln!(
            md,
            "| {} ({} {}) | {} | {} ({:.2}%) | {:.1} | {:.0} | {} | {} | {} | {} | {} | {} |",
            m.users,
            if ko { "도달" } else { "reached" },
            s.users_reached,
            m.requests,
            m.failures,
            m.failure_ratio() * 100.0,
            s.rps,
            s.rpm,
            opt_ms(s.p50_ms),
            opt_ms(m.p95_ms),
            opt_ms(s.cumulative_p99_ms),
            opt_pct(m.cpu_avg),
            opt_pct(m.server_cpu_avg),
            crate::i18n::word(lang, if s.verdict.passed { "pass" } else { "fail" })
        );
    }
    for s in &report.stages {
        let m = &s.measure;
        let _ = writeln!(
            md,
            "\n### {} {} ({}){}\n",
            if ko { "단계" } else { "Stage" },
            s.index + 1,
            if ko {
                format!("사용자 {}명", m.users)
            } else {
                format!("{} users", m.users)
            },
            if s.interrupted {
                if ko {
                    " — 중단됨"
                } else {
                    " — interrupted"
                }
            } else {
                ""
            }
        );
        for target in &s.verdict.targets {
            let _ = writeln!(
                md,
                "- [{}] {}",
                if target.passed { "x" } else { " " },
                target.text.get(lang)
            );
        }
        for p in &s.verdict.problems {
            let _ = writeln!(
                md,
                "- **{}**: {}",
                if ko { "문제" } else { "problem" },
                p.get(lang)
            );
        }
        for f in &s.verdict.forecast {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "예측" } else { "forecast" },
                f.get(lang)
            );
        }
        for c in &s.verdict.causes {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "원인" } else { "likely cause" },
                c.get(lang)
            );
        }
        for p in &s.verdict.patterns {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "패턴" } else { "pattern" },
                p.get(lang)
            );
        }
        for b in &s.verdict.bottleneck {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "병목" } else { "where the time went" },
                b.get(lang)
            );
        }
        for k in &s.verdict.skews {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko {
                    "결과 왜곡"
                } else {
                    "skews the result"
                },
                k.get(lang)
            );
        }
        if let Some(flame) = s.profile.as_ref().and_then(|p| p.flame_graph.as_ref()) {
            let _ = writeln!(
                md,
                "- {}: [{flame}]({flame})",
                if ko {
                    "플레임 그래프"
                } else {
                    "flame graph"
                }
            );
        }
        let (cpu, mem, scpu, smax) = (
            opt_pct(m.cpu_avg),
            opt_pct(m.memory_max),
            opt_pct(m.server_cpu_avg),
            opt_pct(s.server_cpu_max),
        );
        let rss = s
            .server_rss_max_mb
            .map(|r| format!("{r} MB"))
            .unwrap_or_else(|| "-".into());
        let lcpu = opt_pct(m.locust_cpu_max);
        let db = m
            .db_connections_max
            .map(|(u, x)| format!("{u}/{x}"))
            .unwrap_or_else(|| "-".into());
        let resources = crate::t!(
            "- resources: system CPU avg {cpu}, memory max {mem}, server CPU avg {scpu} / max {smax}, server RSS max {rss}, Locust CPU max {lcpu}, DB connections {db}";
            "- 리소스: 시스템 CPU 평균 {cpu}, 메모리 최대 {mem}, 서버 CPU 평균 {scpu} / 최대 {smax}, 서버 RSS 최대 {rss}, Locust CPU 최대 {lcpu}, DB 연결 {db}"
        );
        let _ = writeln!(md, "{}", resources.get(lang));
        if !s.tcp_states_end.is_empty() {
            let states: Vec<String> = s
                .tcp_states_end
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko {
                    "서버 포트의 TCP 상태"
                } else {
                    "TCP on the server port"
                },
                states.join(", ")
            );
        }
        let phases = if ko {
            [("사용자 증가 중", &m.spawning), ("안정 구간", &m.steady)]
        } else {
            [("spawning", &m.spawning), ("steady", &m.steady)]
        };
        let columns = if ko {
            "요청 | 실패 | 평균"
        } else {
            "requests | failures | mean"
        };
        for (phase, rows) in phases {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(md, "\n| {phase} | {columns} |\n|---|---|---|---|");
            for e in rows {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.0} ms |",
                    e.label(),
                    e.requests,
                    e.failures,
                    e.mean_ms
                );
            }
        }
        if !m.errors.is_empty() {
            let _ = writeln!(md, "\n{}:\n", if ko { "오류" } else { "Errors" });
            for e in m.errors.iter().take(10) {
                let _ = writeln!(
                    md,
                    "- {}× {} {}: `{}`",
                    e.occurrences,
                    e.method.as_deref().unwrap_or(""),
                    e.name,
                    e.error
                );
            }
        }
        for e in &m.exceptions {
            let _ = writeln!(
                md,
                "\n{}× `{}`\n\n```\n{}\n```",
                e.count,
                e.msg,
                e.traceback.trim_end()
            );
        }
    }
    if let Some(t) = &report.totals {
        let (requests, failures) = (t.requests, t.failures);
        let (p50, p95, p99) = (opt_ms(t.p50_ms), opt_ms(t.p95_ms), opt_ms(t.p99_ms));
        let max = format!("{:.0} ms", t.max_ms);
        let totals = crate::t!(
            "{requests} requests, {failures} failures, p50 {p50}, p95 {p95}, p99 {p99}, max {max} (Locust's `--json-file`)";
            "요청 {requests}건, 실패 {failures}건, p50 {p50}, p95 {p95}, p99 {p99}, 최대 {max} (Locust `--json-file` 기준)"
        );
        let _ = writeln!(
            md,
            "\n## {}\n\n{}",
            if ko { "전체" } else { "Totals" },
            totals.get(lang)
        );
        if let Some((after, failed)) = report.outside_stages.filter(|a| a.0 > 0) {
            let text = crate::t!(
                "{after} of them ({failed} failed) were answered outside every stage (between stages, or while Locust stopped): they count in no stage";
                "그중 {after}건(실패 {failed}건)은 어느 단계에도 속하지 않는 시간에 응답됨 (단계 사이, 또는 Locust가 멈추는 동안)"
            );
            let _ = writeln!(md, "\n{}", text.get(lang));
        }
    }
    if !report.comparison.is_empty() {
        let _ = writeln!(
            md,
            "\n## {}\n",
            if ko {
                "이전 실행과 비교"
            } else {
                "Compared with the previous run"
            }
        );
        for c in &report.comparison {
            let _ = writeln!(md, "- {}", c.get(lang));
        }
    }
    if !report.files.is_empty() {
        let _ = writeln!(md, "\n## {}\n", if ko { "파일" } else { "Files" });
        for f in &report.files {
            let _ = writeln!(md, "- {f}");
        }
    }
    md
}
