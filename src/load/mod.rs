//! `doctor run`: the project's own locustfile on the project's own Locust, in stages
//! (default 100 → 500 → 1000 users), with live numbers, a verdict per stage, and a report.
//!
//! One job per file: [`plan`] (what to run), [`locust`] (the process and its web API),
//! [`stats`] (Locust's numbers), [`monitor`] (the machine), [`verdict`] (targets, causes,
//! patterns), [`report`] (JSON/Markdown), [`history`] (the SQLite index), [`live`] (state for
//! whoever shows a run) and [`dashboard`] (its ratatui drawing). Nothing here prints.

pub mod bottleneck;
pub mod collect;
pub mod history;
pub mod listener;
pub mod live;
pub mod locust;
pub mod monitor;
pub mod numbers;
pub mod plan;
pub mod run_report;
mod server_errors;
mod stage;
pub mod stage_state;
pub mod state_dir;
pub mod stats;
pub mod timeline;
pub mod verdict;
pub mod workers;

use crate::checks::registry::Registry;
use crate::checks::result::Status;
use crate::i18n::Text;
use crate::probes::Context;
use crate::t;
pub use live::{LiveState, RunEvent, Tick};
use locust::Locust;
pub use plan::{Plan, RunFlags, Targets};
pub use run_report::{Outcome, RunReport, StageReport};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc::UnboundedSender, watch};

/// Checks that must pass before load starts (those the registry has).
pub const BLOCKING_CHECKS: &[&str] = &["port", "server", "auth", "stock", "locustfile"];
/// Checks run beside them that do not block: what skews a load test. The verdict names
/// them with their measured share of the server's time.
pub const SKEW_CHECKS: &[&str] = &["silk", "debug_toolbar", "logging", "debug", "devserver"];

/// Everything a run uses besides its plan.
#[derive(Clone)]
pub struct RunContext {
    pub probes: Context,
    /// None: skip the blocking checks.
    pub registry: Option<Arc<Registry>>,
    /// Writes the report's files (the outputs layer's save function, passed in by the face): called once,
    /// also when the run could not start or was interrupted.
    pub save: fn(&mut RunReport),
}

/// Run the plan; always returns a report (also when Locust could not start or the run was
/// cancelled), already saved under `.doctor/runs/` and indexed in the history.
pub async fn run(
    plan: Plan,
    ctx: RunContext,
    events: UnboundedSender<RunEvent>,
    mut cancel: watch::Receiver<bool>,
) -> RunReport {
    let reaped = crate::process::reap_orphans();
    if !reaped.is_empty() {
        let _ = events.send(RunEvent::Message(t!("stopped {} process group(s) a previous doctor left behind: {}", reaped.len(), crate::process::pid_list(&reaped); "이전 doctor가 남긴 프로세스 그룹 {}개 정리: {}", reaped.len(), crate::process::pid_list(&reaped))));
    }
    let mut report = RunReport::new(&plan);
    if let Err(e) = run_report::claim_dir(&mut report) {
        report.finish(
            Outcome::CouldNotStart,
            Some(format!("cannot create {}: {e}", report.run_dir.display())),
        );
        return report;
    }
    report.server_elsewhere = server_elsewhere(&plan.base_url);
    // In the history from the start: a doctor killed mid-run leaves a run that reads as
    // interrupted, not no run at all.
    history::mark_running(&plan.project_dir, &report).await;
    let _ = events.send(RunEvent::Started {
        run_dir: report.run_dir.clone(),
        stages: plan.stages.clone(),
        targets: plan.targets.clone(),
        stage_secs: plan.stage_secs,
        server_elsewhere: report.server_elsewhere.clone(),
    });
    let outcome = drive(&plan, &ctx, &events, &mut cancel, &mut report).await;
    let (outcome, message) = match outcome {
        Ok(()) => {
            if report.stages.iter().all(|s| s.verdict.passed)
                && report.stages.len() == plan.stages.len()
            {
                (Outcome::Passed, None)
            } else {
                (Outcome::Missed, None)
            }
        }
        Err(stop) => stop,
    };
    report.finish(outcome, message);
    report.comparison = history::record_and_compare(&plan.project_dir, &report).await;
    (ctx.save)(&mut report);
    let _ = events.send(RunEvent::Finished(Box::new(report.clone())));
    report
}

pub(crate) type Stop = (Outcome, Option<String>);

async fn drive(
    plan: &Plan,
    ctx: &RunContext,
    events: &UnboundedSender<RunEvent>,
    cancel: &mut watch::Receiver<bool>,
    report: &mut RunReport,
) -> Result<(), Stop> {
    let say = |text: Text| {
        let _ = events.send(RunEvent::Message(text));
    };
    // 1. Blocking checks.
    if let Some(registry) = &ctx.registry {
        let known = |list: &[&str]| -> Vec<String> {
            list.iter()
                .filter(|id| registry.get(id).is_some())
                .map(|s| s.to_string())
                .collect()
        };
        let ids = known(BLOCKING_CHECKS);
        let mut all = ids.clone();
        all.extend(known(SKEW_CHECKS));
        say(t!("checking before load: {}", ids.join(", "); "부하 전 점검: {}", ids.join(", ")));
        let results = tokio::select! {
            r = crate::checks::runner::run(registry.clone(), &all, ctx.probes.clone(), None) => r,
            _ = cancelled(cancel) => return Err((Outcome::Aborted, Some("interrupted during the checks".into()))),
        };
        let mut blocking = Vec::new();
        for r in &results {
            report.checks.push(run_report::CheckLine {
                id: r.id.clone(),
                status: r.status.key().to_string(),
                summary: r.summary.clone(),
            });
            if ids.contains(&r.id) && matches!(r.status, Status::Fail | Status::Error) {
                blocking.push((r.id.clone(), r.summary.clone()));
            }
        }
        if !blocking.is_empty() {
            let listed = |pick: fn(&crate::i18n::Text) -> &String| {
                blocking
                    .iter()
                    .map(|(id, summary)| format!("{id}: {}", pick(summary)))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let (en, ko) = (listed(|t| &t.en), listed(|t| &t.ko));
            if plan.force {
                say(
                    t!("checks failed, going on because of --force: {en}"; "점검 실패, --force로 계속: {ko}"),
                );
            } else {
                return Err((
                    Outcome::CouldNotStart,
                    Some(format!(
                        "a blocking check failed, no load was sent (use --force to run anyway): {en}"
                    )),
                ));
            }
        }
    }
    // 2. The forecast of every stage, before any load: held against each stage's measurement.
    forecast(plan, ctx, report, &say).await;
    // 3. Locust, with doctor's listener beside the locustfile.
    let locust_dir = report.run_dir.clone();
    let listener = listener::write(&locust_dir).map_err(|e| {
        (
            Outcome::CouldNotStart,
            Some(format!("cannot write {}: {e}", locust_dir.display())),
        )
    })?;
    let host = crate::net::with_credentials(
        &plan.base_url,
        plan.base_url_credentials.as_ref().map(|c| c.expose()),
    );
    let start = Locust::start(locust::LaunchOptions {
        listener: &listener,
        python: &plan.python,
        locustfile: &plan.locustfile,
        host: &host,
        cwd: &plan.project_dir,
        out_dir: &locust_dir,
        local_workers: plan.workers,
        expect_workers: plan.expect_workers,
        master_bind: plan.master_bind,
    });
    let mut locust = tokio::select! {
        r = start => r.map_err(|e| (Outcome::CouldNotStart, Some(format!("Locust did not start: {e}"))))?,
        _ = cancelled(cancel) => return Err((Outcome::Aborted, Some("interrupted while Locust started".into()))),
    };
    report.web_url = Some(locust.web_url.clone());
    say(
        t!("Locust web UI at {} (bound to 127.0.0.1)", locust.web_url; "Locust 웹 UI {} (127.0.0.1에만 바인드)", locust.web_url),
    );
    report.locust_pids = locust.pids();
    let result = stage::run_stages(ctx, events, cancel, report, &mut locust).await;
    say(t!("stopping Locust"; "Locust 종료 중"));
    locust.stop(Duration::from_secs(15)).await;
    finalize_counts(report, &locust);
    report.locust_log_tail = locust::log_tail(&locust.log, 40);
    result
}

/// Ask the running system for each stage's forecast (no load is sent). A forecast that cannot
/// be made is said with why, and the run goes on without it.
async fn forecast(plan: &Plan, ctx: &RunContext, report: &mut RunReport, say: &impl Fn(Text)) {
    let registry = match &ctx.registry {
        Some(registry) => registry.clone(),
        None => match crate::checks::registry::Registry::builtin() {
            Ok(registry) => Arc::new(registry),
            Err(_) => return,
        },
    };
    let stages = crate::forecast::gather::stage_plans(
        &plan.stages,
        plan.spawn_rate,
        plan.stage_secs,
        plan.targets.requests_per_min,
    );
    let config = (*ctx.probes.config).clone();
    match crate::forecast::gather::gather(config, registry, &stages, plan.workers).await {
        Ok(answer) => {
            report.forecasts = answer.stages.into_iter().map(|s| s.forecast).collect();
            report.forecast_notes = answer.notes;
        }
        Err(reason) => {
            say(t!("no forecast before load: {}", reason.en; "부하 전 예측 없음: {}", reason.ko));
            report.forecast_notes = vec![reason];
        }
    }
}

async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    while !*cancel.borrow() {
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Locust's own final numbers (its --json-file), beside the stages': the stages count the
/// answers within their seconds; the totals also count what finished while Locust stopped.
fn finalize_counts(report: &mut RunReport, locust: &Locust) {
    if let Ok(entries) = stats::read_json_file(&locust.json_file) {
        report.totals = Some(stats::final_totals(&entries));
    }
}

/// The base URL's host when it is not this machine.
fn server_elsewhere(base_url: &str) -> Option<String> {
    (!crate::net::is_this_machine(base_url))
        .then(|| crate::net::url_host(base_url).unwrap_or_else(|| base_url.to_string()))
}

/// Where runs of a project are kept.
pub fn runs_dir(project_dir: &std::path::Path) -> PathBuf {
    project_dir.join(".doctor").join("runs")
}
