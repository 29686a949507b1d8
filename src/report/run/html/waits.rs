//! A stage's database waits (PostgreSQL's lock and other waits sampled during the stage): the
//! peaks, connections at their limits, and the waiting queries with what blocked them.

use super::{esc, share, tr};
use crate::db_waits::StageWaits;
use crate::i18n::Lang;
use std::fmt::Write;

pub(super) fn db_waits(h: &mut String, waits: Option<&StageWaits>, lang: Lang) {
    let _ = writeln!(
        h,
        "<h3>{}</h3>",
        tr(lang, "Database waits", "데이터베이스 대기")
    );
    let Some(w) = waits else {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            tr(
                lang,
                "Not sampled during this stage (PostgreSQL only).",
                "이 단계에서는 수집하지 않음 (PostgreSQL 전용)."
            )
        );
        return;
    };
    let (samples, sessions, waiting) = (w.samples, w.peak_sessions, w.peak_waiting);
    let mut facts = vec![match lang {
        Lang::Ko => {
            format!("샘플 {samples}개: 가장 바쁜 순간 세션 {sessions}개 중 {waiting}개 대기")
        }
        Lang::En => {
            format!("{samples} samples: at the busiest, {waiting} of {sessions} sessions waited")
        }
    }];
    if let Some((used, max)) = w.connections_peak {
        facts.push(match lang {
            Lang::Ko => format!("최대 연결 {used}/{max}"),
            Lang::En => format!("connections at peak {used}/{max}"),
        });
    }
    if let Some(pool) = w.pool_max {
        facts.push(match lang {
            Lang::Ko => format!("앱 연결 풀 최대 {pool}"),
            Lang::En => format!("the app's pool holds {pool}"),
        });
    }
    // At a limit: the server's max_connections and the app's pool apart when the sampler
    // told them apart, else the share of samples at either.
    let limits = [
        (
            w.server_at_limit_share,
            "max_connections",
            "max_connections",
        ),
        (w.pool_at_limit_share, "the pool", "연결 풀"),
    ];
    if limits.iter().any(|l| l.0 > 0.0) {
        for (value, en, ko) in limits.into_iter().filter(|l| l.0 > 0.0) {
            let limit = share(value);
            facts.push(match lang {
                Lang::Ko => format!("샘플의 {limit}에서 연결이 한도({ko})에 닿음"),
                Lang::En => format!("connections at {en} in {limit} of the samples"),
            });
        }
    } else if w.at_limit_share > 0.0 {
        let limit = share(w.at_limit_share);
        facts.push(match lang {
            Lang::Ko => format!("샘플의 {limit}에서 연결이 한도에 닿음"),
            Lang::En => format!("connections at a limit in {limit} of the samples"),
        });
    }
    let _ = writeln!(h, "<p>{}.</p>", esc(&facts.join(", ")));
    if w.groups.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            tr(lang, "No session waited.", "기다린 세션 없음.")
        );
        return;
    }
    let _ = write!(
        h,
        "<table class=\"waits\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        tr(lang, "waiting on", "대기 대상"),
        tr(lang, "query", "쿼리"),
        tr(lang, "blocked by", "막은 쿼리"),
        tr(lang, "peak (of sessions)", "최대 (전체 세션 중)"),
        tr(lang, "session samples", "세션 샘플")
    );
    // PostgreSQL's own words (states, events) stay as they are, in code.
    let state = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!("<br><span class=\"dim\"><code>{}</code></span>", esc(s))
        }
    };
    for g in &w.groups {
        let blocker = match &g.blocking_query {
            Some(q) => format!(
                "<code class=\"sql\">{}</code>{}",
                esc(q),
                state(g.blocking_state.as_deref().unwrap_or(""))
            ),
            None => "-".into(),
        };
        let peak = if g.peak_of_sessions > 0 {
            format!("{} / {}", g.peak, g.peak_of_sessions)
        } else {
            g.peak.to_string()
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}/{}</code>{}</td><td><code class=\"sql\">{}</code></td><td>{blocker}</td><td class=\"num\">{peak}</td><td class=\"num\">{}</td></tr>",
            esc(&g.wait_event_type),
            esc(&g.wait_event),
            state(&g.state),
            esc(&g.query),
            g.session_samples
        );
    }
    h.push_str("</tbody>\n</table>\n");
}
