//! `doctor run` and `doctor history` on the command line: progress lines while a run goes
//! (one per interval, on stderr), the report at the end (text or `--format json`).

use crate::checks::registry::Registry;
use crate::cli::{Format, RunArgs};
use crate::config::Config;
use crate::i18n::Lang;
use crate::load::{self, LiveState, Plan, RunContext, RunEvent, RunFlags, Tick};
use crate::probes::Context;
use std::path::Path;
use std::sync::Arc;

fn ms(v: Option<f64>) -> String {
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

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

pub async fn run_command(
    mut config: Config,
    registry: Arc<Registry>,
    args: &RunArgs,
    cwd: &Path,
    lang: Lang,
    format: Format,
) -> Result<u8, String> {
    let flags = RunFlags {
        stages: args.stages.clone(),
        spawn_rate: args.spawn_rate,
        stage_time: args.stage_time.clone(),
        workers: args.workers,
        expect_workers: args.expect_workers,
        keep_going: args.keep_going,
        force: args.force,
        allow_remote: args.allow_remote,
        locustfile: args.locustfile.clone(),
    };
    // Usage and configuration errors (also a non-loopback target) end here, exit 2.
    let plan = Plan::build(&config, &flags, cwd)?;
    if args.locustfile.is_some() {
        // The checks read the same locustfile the run uses.
        config.locustfile = crate::config::Setting {
            value: Some(plan.locustfile.clone()),
            origin: crate::config::Origin::Flag("--locustfile".into()),
        };
    }
    let progress_secs = plan.progress_secs;
    let ctx = RunContext {
        probes: Context::new(config),
        registry: Some(registry),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<RunEvent>();
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!(
            "doctor run: stopping (signal received) — Locust stops, the partial report is saved"
        );
        let _ = cancel_tx.send(true);
    });
    let printer = tokio::spawn(async move {
        let mut state = LiveState::default();
        let mut last_line = f64::NEG_INFINITY;
        while let Some(event) = rx.recv().await {
            state.apply(&event);
            match &event {
                RunEvent::Message(text) => eprintln!("doctor run: {}", text.get(lang)),
                RunEvent::Started { run_dir, .. } => {
                    let dir = run_dir.display();
                    let text = crate::t!("report directory {dir}"; "보고서 디렉터리 {dir}");
                    eprintln!("doctor run: {}", text.get(lang))
                }
                RunEvent::StageStarted { index, users, .. } => {
                    last_line = f64::NEG_INFINITY;
                    let (n, of) = (index + 1, state.stages.len());
                    let text = crate::t!("stage {n}/{of}: {users} users"; "{n}/{of}단계: 사용자 {users}명");
                    eprintln!("doctor run: {}", text.get(lang))
                }
                RunEvent::Tick(tick) => {
                    if tick.elapsed_s - last_line >= progress_secs - 0.5 {
                        last_line = tick.elapsed_s;
                        eprintln!("{}", progress_line(&state, tick, lang));
                    }
                }
                RunEvent::StageFinished(stage) => {
                    let v = &stage.verdict;
                    let (n, users) = (stage.index + 1, stage.measure.users);
                    let word = crate::i18n::word(lang, if v.passed { "pass" } else { "fail" });
                    let head = crate::t!("stage {n} ({users} users) {word}"; "{n}단계 (사용자 {users}명) {word}");
                    eprintln!(
                        "doctor run: {}: {}",
                        head.get(lang),
                        v.targets
                            .iter()
                            .map(|t| t.text.get(lang).to_string())
                            .collect::<Vec<_>>()
                            .join("; ")
                    );
                    for p in v.problems.iter().chain(&v.causes).chain(&v.patterns) {
                        eprintln!("  - {}", p.get(lang));
                    }
                }
                RunEvent::Finished(_) => {}
            }
        }
    });
    let report = load::run(plan, ctx, tx, cancel_rx).await;
    signals.abort();
    let _ = printer.await;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        ),
        Format::Text => {
            print!("{}", load::report::markdown(&report, lang));
            println!(
                "\n{}: {}",
                if lang == Lang::Ko {
                    "보고서"
                } else {
                    "report"
                },
                report.run_dir.join("report.md").display()
            );
        }
    }
    Ok(report.exit_code)
}

pub async fn history_command(
    config: &Config,
    cwd: &Path,
    lang: Lang,
    format: Format,
) -> Result<u8, String> {
    let project = config
        .project_dir
        .value
        .clone()
        .unwrap_or_else(|| cwd.to_path_buf());
    let rows = load::history::list(&project).await?;
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
        );
        return Ok(0);
    }
    if rows.is_empty() {
        println!(
            "{}",
            if lang == Lang::Ko {
                "아직 doctor run 기록이 없습니다."
            } else {
                "No doctor run yet."
            }
        );
    }
    for row in rows {
        let stages: Vec<String> = row
            .stages
            .iter()
            .map(|s| {
                format!(
                    "{}u {} p95 {} {:.1}/s",
                    s.users,
                    if s.passed { "PASS" } else { "FAIL" },
                    ms(s.p95_ms),
                    s.rps
                )
            })
            .collect();
        println!(
            "{}  {:<14} exit {}  {}  {}\n    {}",
            row.id,
            row.outcome,
            row.exit_code,
            row.base_url,
            stages.join(" | "),
            row.report_dir
        );
    }
    Ok(0)
}
