//! `doctor run` and `doctor history` on the command line: progress lines while a run goes
//! (one per interval, on stderr), the report at the end (text or `--format json`).

pub mod files;
pub mod html;
pub mod markdown;
pub mod words;

use crate::i18n::Lang;
use crate::load::{LiveState, Tick};

/// "204 requests waiting, none answered for 15 s" once answers stop for 3 s or more.
pub fn waiting_words(tick: &Tick, lang: Lang) -> Option<String> {
    let silent = tick.silent_s.filter(|s| *s >= 3.0)?;
    let waiting = tick.in_flight.unwrap_or(0);
    Some(if lang == Lang::Ko {
        format!("대기 중인 요청 {waiting}개, {silent:.0}초 동안 응답 없음")
    } else {
        format!("{waiting} requests waiting, none answered for {silent:.0} s")
    })
}

pub fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "-".into())
}

pub fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.2}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// One progress line: the stage so far (the verdict's own definition) with the last seconds
/// beside it, what is waiting, the server's hot spot, resources, the top error.
pub fn progress_line(state: &LiveState, tick: &Tick, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let t = &state.targets;
    let r = &tick.resources;
    let rpm = tick
        .stage_rpm
        .map(|v| format!("{v:.0}"))
        .unwrap_or_else(|| "-".into());
    let recent = tick
        .recent_rps
        .map(|v| format!("{v:.1}/s"))
        .unwrap_or_else(|| "-".into());
    let mut line = format!(
        "[{:02}:{:02}] {} {}/{}{} · {} {}/{} · {rpm}/{} (≥ {:.0}; {} {recent}) · p50 {} p95 {} (≤ {:.0} ms) · {} {} (≤ {:.2}%) · {}CPU {:.0}% {} {:.0}%",
        tick.elapsed_s.max(0.0) as u64 / 60,
        tick.elapsed_s.max(0.0) as u64 % 60,
        if ko { "단계" } else { "stage" },
        tick.stage + 1,
        state.stages.len(),
        // The closing line carries the finished stage's numbers (the verdict's).
        match (tick.closed, ko) {
            (false, _) => "",
            (true, true) => " 종료",
            (true, false) => " done",
        },
        if ko { "사용자" } else { "users" },
        tick.users,
        tick.target_users,
        if ko { "분" } else { "min" },
        t.requests_per_min,
        if ko { "최근 5초" } else { "last 5 s" },
        ms(tick.stage_p50_ms),
        ms(tick.stage_p95_ms),
        t.p95_ms,
        if ko { "실패" } else { "fail" },
        pct(tick.stage_failure_ratio),
        t.error_ratio * 100.0,
        match (state.server_elsewhere.is_some(), ko) {
            (false, _) => "",
            (true, true) => "부하 머신 ",
            (true, false) => "load machine ",
        },
        r.cpu_percent,
        if ko { "메모리" } else { "mem" },
        r.memory_percent,
    );
    if let Some(waiting) = waiting_words(tick, lang) {
        line += &format!(" · {waiting}");
    }
    if let Some(hot) = &tick.hot_spot {
        line += &format!(
            " · {} {} ({}:{}) {:.0}%",
            if ko { "핫스팟" } else { "hot spot" },
            hot.function,
            hot.file,
            hot.line,
            hot.share * 100.0
        );
    }
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
        let cells: Vec<String> = workers
            .iter()
            .map(crate::load::workers::worker_cell)
            .collect();
        line += &format!(
            " · {} {} [{}]",
            if ko { "워커" } else { "workers" },
            workers.len(),
            cells.join(", ")
        );
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
