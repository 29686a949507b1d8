//! One stage's section: its verdict, resources, endpoints by phase and task exceptions, then
//! where the server spent its time (profile.rs) and what the database waited on (waits.rs).

use super::profile::profile;
use super::waits::db_waits;
use super::{charts, esc, ms, pct, stage_users, tr};
use crate::i18n::Lang;
use crate::load::{RunReport, StageReport};
use std::fmt::Write;

fn stage_title(lang: Lang, index: usize, users: u32) -> String {
    format!(
        "{} {} ({})",
        tr(lang, "Stage", "단계"),
        index + 1,
        stage_users(lang, users)
    )
}

pub(super) fn stage_section(h: &mut String, report: &RunReport, s: &StageReport, lang: Lang) {
    let m = &s.measure;
    let _ = writeln!(
        h,
        "<section class=\"stage\" id=\"stage-{}\">\n<h2>{} <span class=\"badge {}\">{}</span>{}</h2>",
        s.index + 1,
        esc(&stage_title(lang, s.index, m.users)),
        if s.verdict.passed { "ok" } else { "miss" },
        crate::i18n::word(lang, if s.verdict.passed { "pass" } else { "fail" }),
        if s.interrupted {
            format!(
                " <span class=\"dim\">— {}</span>",
                tr(lang, "interrupted", "중단됨")
            )
        } else {
            String::new()
        }
    );
    let (start, end) = (s.start_s, s.end_s);
    let _ = writeln!(
        h,
        "<p class=\"dim\">{}</p>",
        esc(&match lang {
            Lang::Ko => format!(
                "{start:.0}–{end:.0}초, 도달한 사용자 {}명, 초당 요청 {:.1}, 분당 요청 {:.0}",
                s.users_reached, s.rps, s.rpm
            ),
            Lang::En => format!(
                "{start:.0}–{end:.0} s, {} users reached, {:.1} req/s, {:.0} req/min",
                s.users_reached, s.rps, s.rpm
            ),
        })
    );
    // The verdict's sentences.
    h.push_str("<ul class=\"verdict\">\n");
    for t in &s.verdict.targets {
        let _ = writeln!(
            h,
            "<li class=\"{}\"><span class=\"mark\">{}</span> {}</li>",
            if t.passed { "ok" } else { "miss" },
            if t.passed { "✓" } else { "✗" },
            esc(t.text.get(lang))
        );
    }
    for (class, label, texts) in [
        ("problem", tr(lang, "problem", "문제"), &s.verdict.problems),
        (
            "forecast",
            tr(lang, "forecast", "예측"),
            &s.verdict.forecast,
        ),
        ("cause", tr(lang, "likely cause", "원인"), &s.verdict.causes),
        ("pattern", tr(lang, "pattern", "패턴"), &s.verdict.patterns),
    ] {
        for t in texts {
            let _ = writeln!(
                h,
                "<li class=\"{class}\"><strong>{}</strong>: {}</li>",
                esc(label),
                esc(t.get(lang))
            );
        }
    }
    h.push_str("</ul>\n");
    // Resources, as the Markdown report words them.
    let (cpu, mem, scpu, smax) = (
        pct(m.cpu_avg),
        pct(m.memory_max),
        pct(m.server_cpu_avg),
        pct(s.server_cpu_max),
    );
    let rss = s
        .server_rss_max_mb
        .map(|r| format!("{r} MB"))
        .unwrap_or_else(|| "-".into());
    let lcpu = pct(m.locust_cpu_max);
    let db = m
        .db_connections_max
        .map(|(u, x)| format!("{u}/{x}"))
        .unwrap_or_else(|| "-".into());
    let resources = crate::t!(
        "Resources: system CPU avg {cpu}, memory max {mem}, server CPU avg {scpu} / max {smax}, server RSS max {rss}, Locust CPU max {lcpu}, DB connections {db}";
        "리소스: 시스템 CPU 평균 {cpu}, 메모리 최대 {mem}, 서버 CPU 평균 {scpu} / 최대 {smax}, 서버 RSS 최대 {rss}, Locust CPU 최대 {lcpu}, DB 연결 {db}"
    );
    let _ = writeln!(h, "<p>{}</p>", esc(resources.get(lang)));
    endpoint_phases(h, s, lang);
    if !m.exceptions.is_empty() {
        let _ = writeln!(
            h,
            "<h3>{}</h3>",
            tr(lang, "Exceptions in tasks", "태스크 예외")
        );
        for e in &m.exceptions {
            let _ = writeln!(
                h,
                "<p>{}× <code>{}</code></p>\n<pre>{}</pre>",
                e.count,
                esc(&e.msg),
                esc(e.traceback.trim_end())
            );
        }
    }
    match &s.profile {
        Some(p) => profile(h, report, p, lang),
        None => {
            let _ = writeln!(
                h,
                "<h3>{}</h3>\n<p class=\"note\">{}</p>",
                tr(
                    lang,
                    "Where the server spent its time",
                    "서버가 시간을 쓴 곳"
                ),
                esc(&report
                    .profile_note
                    .as_ref()
                    .map(|n| n.get(lang).to_string())
                    .unwrap_or_else(|| {
                        tr(
                            lang,
                            "The server was not profiled during this stage.",
                            "이 단계에서는 서버를 프로파일링하지 않음.",
                        )
                        .to_string()
                    }))
            );
        }
    }
    db_waits(h, s.waits.as_ref(), lang);
    h.push_str("</section>\n");
}

fn endpoint_phases(h: &mut String, s: &StageReport, lang: Lang) {
    let m = &s.measure;
    if m.spawning.is_empty() && m.steady.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        tr(lang, "phase", "구간"),
        tr(lang, "endpoint", "엔드포인트"),
        tr(lang, "requests", "요청"),
        tr(lang, "failures", "실패"),
        tr(lang, "mean", "평균")
    );
    for (phase, rows) in [
        (tr(lang, "spawning", "사용자 증가 중"), &m.spawning),
        (tr(lang, "steady", "안정 구간"), &m.steady),
    ] {
        for e in rows {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(phase),
                esc(&e.label()),
                charts::number(e.requests as f64, 1.0),
                charts::number(e.failures as f64, 1.0),
                esc(&ms(Some(e.mean_ms)))
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
}
