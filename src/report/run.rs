//! `doctor run` and `doctor history` on the command line: progress lines while a run goes
//! (one per interval, on stderr), the report at the end (text or `--format json`).

use crate::i18n::Lang;
use crate::load::{LiveState, Tick};

pub fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "-".into())
}

/// One progress line: users, rates, latency, failures, resources, top error.
pub fn progress_line(state: &LiveState, tick: &Tick, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let t = &state.targets;
    let rps = state.current_rps().unwrap_or(0.0);
    let r = &tick.resources;
    let mut line = format!(
        "[{:02}:{:02}] {} {}/{} · {} {}/{} · {rps:.1} req/s ({:.0}/min, ≥ {:.0}) · p50 {} p95 {} (≤ {:.0} ms) · {} {:.2}% (≤ {:.2}%) · CPU {:.0}% {} {:.0}%",
        tick.elapsed_s as u64 / 60,
        tick.elapsed_s as u64 % 60,
        if ko { "단계" } else { "stage" },
        tick.stage + 1,
        state.stages.len(),
        if ko { "사용자" } else { "users" },
        tick.users,
        tick.target_users,
        rps * 60.0,
        t.requests_per_min,
        ms(tick.p50_ms),
        ms(tick.p95_ms),
        t.p95_ms,
        if ko { "실패" } else { "fail" },
        tick.failure_ratio.unwrap_or(0.0) * 100.0,
        t.error_ratio * 100.0,
        r.cpu_percent,
        if ko { "메모리" } else { "mem" },
        r.memory_percent,
    );
    if let (Some(pid), Some(cpu), Some(rss)) = (r.server_pid, r.server_cpu_percent, r.server_rss_mb)
    {
        line += &format!(
            " · {} pid {pid} CPU {cpu:.0}% RSS {rss} MB",
            if ko { "서버" } else { "server" }
        );
    }
    if let Some(cpu) = r.locust_cpu_percent {
        line += &format!(" · Locust CPU {cpu:.0}%");
    }
    if let Some((used, max)) = tick.db_connections {
        line += &format!(" · DB {used}/{max}");
    }
    if !r.tcp_states.is_empty() {
        let states: Vec<String> = r
            .tcp_states
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        line += &format!(" · TCP {}", states.join(" "));
    }
    if let Some(workers) = &tick.workers {
        let states: Vec<&str> = workers.iter().map(|w| w.state.as_str()).collect();
        line += &format!(" · workers {} [{}]", workers.len(), states.join(","));
    }
    if let Some(e) = tick.top_errors.first() {
        line += &format!(
            " · {} {}× {} {}",
            if ko { "오류" } else { "error" },
            e.occurrences,
            e.name,
            e.error
        );
    }
    if tick.exceptions > 0 {
        line += &format!(" · exceptions {}", tick.exceptions);
    }
    line
}
