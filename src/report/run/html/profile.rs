//! Where the server spent its time in a stage: the profiled processes, what skews the test, the
//! top functions and the request threads waiting on the database; then the flame graph
//! (flame.rs).

use super::flame::flame_graph;
use super::{charts, esc, share, tr};
use crate::i18n::Lang;
use crate::load::RunReport;
use crate::profile::{FuncStat, SkewFactor, StageProfile};
use std::fmt::Write;

fn skew_name(lang: Lang, factor: SkewFactor) -> &'static str {
    match factor {
        SkewFactor::Silk => "django-silk",
        SkewFactor::DebugToolbar => "django-debug-toolbar",
        SkewFactor::Logging => tr(lang, "logging I/O", "로깅 I/O"),
        SkewFactor::DebugSql => tr(
            lang,
            "DEBUG = True recording SQL",
            "DEBUG = True의 SQL 기록",
        ),
        SkewFactor::Runserver => "runserver",
    }
}

fn functions_table(h: &mut String, title: &str, rows: &[FuncStat], lang: Lang) {
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<h4>{}</h4>\n<table class=\"functions\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(title),
        tr(lang, "function", "함수"),
        tr(lang, "file:line", "파일:줄"),
        tr(lang, "share", "비중"),
        tr(lang, "view", "뷰"),
        tr(lang, "code", "코드")
    );
    for f in rows.iter().take(15) {
        let _ = writeln!(
            h,
            "<tr class=\"{}\"><td><code>{}</code></td><td><code>{}:{}</code></td><td class=\"num\"><span class=\"bar\" style=\"width:{:.0}px\"></span>{}</td><td>{}</td><td>{}</td></tr>",
            if f.project { "project" } else { "library" },
            esc(&f.function),
            esc(&f.file),
            f.line,
            (f.share.clamp(0.0, 1.0) * 80.0).round(),
            share(f.share),
            f.view
                .as_deref()
                .map(|v| format!("<code>{}</code>", esc(v)))
                .unwrap_or_else(|| "-".into()),
            if f.project {
                tr(lang, "project", "프로젝트")
            } else {
                tr(lang, "library", "라이브러리")
            }
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

pub(super) fn profile(h: &mut String, report: &RunReport, p: &StageProfile, lang: Lang) {
    let _ = writeln!(
        h,
        "<h3>{}</h3>",
        tr(
            lang,
            "Where the server spent its time",
            "서버가 시간을 쓴 곳"
        )
    );
    let (rounds, pids, busy) = (p.rounds, p.pids.len(), share(p.busy_share));
    let _ = writeln!(
        h,
        "<p>{}</p>",
        esc(&match lang {
            Lang::Ko => format!(
                "서버 프로세스 {pids}개를 {rounds}회 샘플링: Python 코드를 실행하며 바빴던 비율 {busy} (프로세스 평균, 바쁜 샘플 {}개).",
                p.busy_samples
            ),
            Lang::En => format!(
                "{pids} server process(es) sampled in {rounds} rounds: busy running Python in {busy} of them (average per process; {} busy samples).",
                p.busy_samples
            ),
        })
    );
    if p.per_pid.len() > 1 {
        let _ = write!(
            h,
            "<table class=\"pids\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(lang, "process", "프로세스"),
            tr(lang, "rounds", "샘플링 횟수"),
            tr(lang, "samples running Python", "Python 실행 샘플"),
            tr(
                lang,
                "samples waiting on the database",
                "데이터베이스 대기 샘플"
            )
        );
        for pid in &p.per_pid {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                pid.pid,
                charts::number(pid.rounds as f64, 1.0),
                charts::number(pid.busy_samples as f64, 1.0),
                charts::number(pid.wait_samples as f64, 1.0)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !p.skew.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"warn\"><strong>{}</strong>: {}</p>",
            tr(lang, "Skewing the test", "테스트를 왜곡하는 요소"),
            p.skew
                .iter()
                .map(|k| format!(
                    "{} {}{}",
                    esc(skew_name(lang, k.factor)),
                    share(k.share),
                    k.top
                        .as_ref()
                        .map(|f| format!(" (<code>{}:{}</code>)", esc(&f.file), f.line))
                        .unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    functions_table(
        h,
        tr(
            lang,
            "Top functions by self time",
            "자체 시간 기준 상위 함수",
        ),
        &p.top_self,
        lang,
    );
    functions_table(
        h,
        tr(
            lang,
            "Top functions including what they call",
            "호출한 함수 포함 상위 함수",
        ),
        &p.top_total,
        lang,
    );
    if !p.waits.is_empty() {
        let _ = write!(
            h,
            "<h4>{}</h4>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(
                lang,
                "Request threads waiting on the database",
                "데이터베이스를 기다린 요청 스레드"
            ),
            tr(lang, "function", "함수"),
            tr(lang, "file:line", "파일:줄"),
            tr(lang, "driver", "드라이버"),
            tr(lang, "threads waiting (avg)", "대기 스레드 (평균)"),
            tr(lang, "view", "뷰")
        );
        for w in &p.waits {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}:{}</code></td><td><code>{}</code></td><td class=\"num\">{:.1}</td><td>{}</td></tr>",
                esc(&w.function),
                esc(&w.file),
                w.line,
                esc(&w.driver),
                w.threads_avg,
                w.view
                    .as_deref()
                    .map(|v| format!("<code>{}</code>", esc(v)))
                    .unwrap_or_else(|| "-".into())
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if let Some(name) = &p.flame_graph {
        flame_graph(h, report, name, lang);
    }
}
