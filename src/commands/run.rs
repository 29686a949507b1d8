//! `doctor run` and `doctor history`: the staged Locust run without the TUI, and its history.

use crate::checks::registry::Registry;
use crate::cli::{Format, RunArgs};
use crate::config::Config;
use crate::i18n::Lang;
use crate::load::{self, LiveState, Plan, RunContext, RunEvent, RunFlags};
use crate::probes::Context;
use crate::report::run::{ms, progress_line};
use std::path::Path;
use std::sync::Arc;

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
        master_bind: args.master_bind.clone(),
        keep_going: args.keep_going,
        force: args.force,
        allow_remote: args.allow_remote,
        locustfile: args.locustfile.clone(),
        profile_hz: args.profile_hz,
    };
    // Remote workers that could never reach a loopback master: said now, not after a wait.
    if let Some(why) = load::workers::master_unreachable(
        args.expect_workers,
        args.master_bind.as_deref(),
        &crate::net::local_addresses(),
    ) {
        return Err(why.get(lang).to_string());
    }
    // Usage and configuration errors (also a non-loopback target) end here, exit 2.
    let mut plan = Plan::build(&config, &flags, cwd)?;
    plan.lang = lang;
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
        save: crate::report::run::files::save,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<RunEvent>();
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        super::shutdown_signal().await;
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
                    // A stage's closing tick always prints: its numbers are the verdict's.
                    if tick.closed || tick.elapsed_s - last_line >= progress_secs - 0.5 {
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
                        // Each target marked: ✗ missed, ✓ met.
                        v.targets
                            .iter()
                            .map(|t| format!(
                                "{} {}",
                                if t.passed { "✓" } else { "✗" },
                                t.text.get(lang)
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    );
                    let all = v
                        .problems
                        .iter()
                        .chain(&v.forecast)
                        .chain(&v.causes)
                        .chain(&v.patterns);
                    for p in all.chain(&v.bottleneck).chain(&v.skews) {
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
            print!("{}", crate::report::run::markdown::markdown(&report, lang));
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
                    crate::i18n::word(lang, if s.passed { "pass" } else { "fail" }),
                    ms(s.p95_ms),
                    s.rps
                )
            })
            .collect();
        let outcome = serde_json::from_value::<load::run_report::Outcome>(serde_json::Value::from(
            row.outcome.as_str(),
        ))
        .map(|o| o.words(lang).to_string())
        .unwrap_or_else(|_| match (row.outcome.as_str(), lang) {
            ("interrupted", Lang::Ko) => "중단됨 (doctor 강제 종료)".into(),
            ("running", Lang::Ko) => "실행 중".into(),
            ("interrupted", _) => "interrupted (doctor was killed)".into(),
            (other, _) => other.to_string(),
        });
        println!(
            "{}  {:<14} {} {}  {}  {}\n    {}",
            row.id,
            outcome,
            if lang == Lang::Ko {
                "종료 코드"
            } else {
                "exit"
            },
            row.exit_code,
            row.base_url,
            stages.join(" | "),
            row.report_dir
        );
    }
    Ok(0)
}
