//! `doctor run`: the project's own locustfile on the project's own Locust, in stages
//! (default 100 → 500 → 1000 users), with live numbers, a verdict per stage, and a report.
//!
//! One job per file: [`plan`] (what to run), [`locust`] (the process and its web API),
//! [`stats`] (Locust's numbers), [`monitor`] (the machine), [`verdict`] (targets, causes,
//! patterns), [`report`] (JSON/Markdown), [`history`] (the SQLite index), [`live`] (state for
//! whoever shows a run) and [`dashboard`] (its ratatui drawing). Nothing here prints.

pub mod dashboard;
pub mod history;
pub mod live;
pub mod locust;
pub mod monitor;
pub mod plan;
pub mod report;
pub mod state_dir;
pub mod stats;
pub mod timeline;
pub mod verdict;

use crate::checks::registry::Registry;
use crate::checks::result::Status;
use crate::i18n::Text;
use crate::probes::Context;
use crate::t;
pub use live::{LiveState, RunEvent, Tick};
use locust::Locust;
use monitor::{Monitor, Resources};
pub use plan::{Plan, RunFlags, Targets};
pub use report::{Outcome, RunReport, StageReport};
use stats::{Delta, ErrorRow, StatRow, StatsResponse};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc::UnboundedSender, watch};
use verdict::{EndpointPhase, Phase, StageMeasure};

/// Checks that must pass before load starts (those the registry has).
pub const BLOCKING_CHECKS: &[&str] = &["server", "auth", "stock", "locustfile"];

/// Everything a run uses besides its plan.
#[derive(Clone)]
pub struct RunContext {
    pub probes: Context,
    /// None: skip the blocking checks.
    pub registry: Option<Arc<Registry>>,
}

const POLL: Duration = Duration::from_secs(1);
/// After the last user of a stage started: still the spawning phase for this long.
const SETTLE: Duration = Duration::from_secs(5);

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
    if let Err(e) = report::claim_dir(&mut report) {
        report.finish(
            Outcome::CouldNotStart,
            Some(format!("cannot create {}: {e}", report.run_dir.display())),
        );
        return report;
    }
    let _ = events.send(RunEvent::Started {
        run_dir: report.run_dir.clone(),
        stages: plan.stages.clone(),
        targets: plan.targets.clone(),
        stage_secs: plan.stage_secs,
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
    report::save(&mut report);
    let _ = events.send(RunEvent::Finished(Box::new(report.clone())));
    report
}

type Stop = (Outcome, Option<String>);

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
        let ids: Vec<String> = BLOCKING_CHECKS
            .iter()
            .filter(|id| registry.get(id).is_some())
            .map(|s| s.to_string())
            .collect();
        say(t!("checking before load: {}", ids.join(", "); "부하 전 점검: {}", ids.join(", ")));
        let results = tokio::select! {
            r = crate::checks::runner::run(registry.clone(), &ids, ctx.probes.clone(), None) => r,
            _ = cancelled(cancel) => return Err((Outcome::Aborted, Some("interrupted during the checks".into()))),
        };
        let mut blocking = Vec::new();
        for r in &results {
            report.checks.push(report::CheckLine {
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
    // 2. Locust.
    let locust_dir = report.run_dir.clone();
    let start = Locust::start(locust::LaunchOptions {
        python: &plan.python,
        locustfile: &plan.locustfile,
        host: &plan.base_url,
        cwd: &plan.project_dir,
        out_dir: &locust_dir,
        local_workers: plan.workers,
        expect_workers: plan.expect_workers,
        master_public: plan.allow_remote,
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
    let result = stages(plan, ctx, events, cancel, report, &mut locust).await;
    say(t!("stopping Locust"; "Locust 종료 중"));
    locust.stop(Duration::from_secs(15)).await;
    finalize_counts(report, &locust);
    report.locust_log_tail = locust::log_tail(&locust.log, 40);
    result
}

async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    while !*cancel.borrow() {
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The last stage ends when Locust stops: give it what happened after the last poll, so the
/// stages add up to Locust's own final numbers (its --json-file).
fn finalize_counts(report: &mut RunReport, locust: &Locust) {
    let Ok(entries) = stats::read_json_file(&locust.json_file) else {
        return;
    };
    let totals = stats::final_totals(&entries);
    let before: (u64, u64) = report.stages.iter().rev().skip(1).fold((0, 0), |acc, s| {
        (acc.0 + s.measure.requests, acc.1 + s.measure.failures)
    });
    let targets = report.plan.targets.clone();
    if let Some(last) = report.stages.last_mut() {
        last.measure.requests = totals.requests.saturating_sub(before.0);
        last.measure.failures = totals.failures.saturating_sub(before.1);
        if last.measure.secs > 0.0 {
            last.rps = last.measure.requests as f64 / last.measure.secs;
            last.rpm = last.measure.rpm();
        }
        // The verdict of the last stage on its final numbers.
        last.verdict = verdict::judge(&last.measure, &targets);
    }
    report.totals = Some(totals);
}

struct PhaseTracker {
    phase: Phase,
    start_rows: HashMap<String, StatRow>,
    spawning: Vec<EndpointPhase>,
    steady: Vec<EndpointPhase>,
}

fn endpoint_deltas(start: &HashMap<String, StatRow>, now: &StatsResponse) -> Vec<EndpointPhase> {
    now.endpoints()
        .filter_map(|row| {
            let before = start.get(&row.key()).cloned().unwrap_or_default();
            let n = row.num_requests.saturating_sub(before.num_requests);
            if n == 0 {
                return None;
            }
            Some(EndpointPhase {
                method: row.method.clone().unwrap_or_default(),
                name: row.name.clone(),
                requests: n,
                failures: row.num_failures.saturating_sub(before.num_failures),
                mean_ms: ((row.total_ms() - before.total_ms()) / n as f64).max(0.0),
            })
        })
        .collect()
}

fn rows_of(stats: &StatsResponse) -> HashMap<String, StatRow> {
    stats.endpoints().map(|r| (r.key(), r.clone())).collect()
}

impl PhaseTracker {
    fn new(at: &StatsResponse) -> PhaseTracker {
        PhaseTracker {
            phase: Phase::Spawning,
            start_rows: rows_of(at),
            spawning: Vec::new(),
            steady: Vec::new(),
        }
    }

    fn close(&mut self, at: &StatsResponse) {
        let deltas = endpoint_deltas(&self.start_rows, at);
        match self.phase {
            Phase::Spawning => self.spawning = deltas,
            Phase::Steady => self.steady = deltas,
        }
        self.start_rows = rows_of(at);
    }

    fn update(&mut self, phase: Phase, at: &StatsResponse) {
        if phase != self.phase && self.phase == Phase::Spawning {
            self.close(at);
            self.phase = phase;
        }
    }
}

#[derive(Default)]
struct Samples {
    cpu: Vec<f32>,
    memory_max: Option<f32>,
    server_cpu: Vec<f32>,
    server_rss_max: Option<u64>,
    locust_cpu_max: Option<f32>,
    db_max: Option<(i64, i64)>,
    last: Resources,
    /// (window p95, window p50, requests) per poll with new requests.
    windows: Vec<(Option<f64>, Option<f64>, u64)>,
    p95_max: Option<f64>,
}

fn max_opt<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y > x { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A stage's percentile: Locust's own cumulative figure when the stage started from empty
/// stats (the first stage: exact), else the mixture of the windows polled during the stage.
fn stage_percentile(
    windows: &[(Option<f64>, Option<f64>, u64)],
    q: f64,
    requests_before: u64,
    cumulative: Option<f64>,
    end: &StatRow,
) -> Option<f64> {
    if end.num_requests == requests_before {
        return None;
    }
    if requests_before == 0 && cumulative.is_some() {
        return cumulative;
    }
    let windows: Vec<stats::Window> = windows
        .iter()
        .filter_map(|(p95, p50, n)| {
            p95.map(|p95| stats::Window {
                p50: *p50,
                p95,
                requests: *n,
            })
        })
        .collect();
    stats::mixture_quantile(&windows, q).or(cumulative)
}

fn exception_deltas(
    before: &[stats::ExceptionRow],
    now: &[stats::ExceptionRow],
) -> Vec<stats::ExceptionRow> {
    now.iter()
        .filter_map(|e| {
            let old = before
                .iter()
                .find(|b| b.msg == e.msg)
                .map(|b| b.count)
                .unwrap_or(0);
            (e.count > old).then(|| stats::ExceptionRow {
                count: e.count - old,
                ..e.clone()
            })
        })
        .collect()
}

fn error_deltas(start: &[ErrorRow], now: &[ErrorRow]) -> Vec<ErrorRow> {
    let mut out: Vec<ErrorRow> = now
        .iter()
        .filter_map(|e| {
            let before = start
                .iter()
                .find(|s| s.name == e.name && s.method == e.method && s.error == e.error)
                .map(|s| s.occurrences)
                .unwrap_or(0);
            let n = e.occurrences.saturating_sub(before);
            (n > 0).then(|| ErrorRow {
                occurrences: n,
                ..e.clone()
            })
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.occurrences));
    out
}

async fn stages(
    plan: &Plan,
    ctx: &RunContext,
    events: &UnboundedSender<RunEvent>,
    cancel: &mut watch::Receiver<bool>,
    report: &mut RunReport,
    locust: &mut Locust,
) -> Result<(), Stop> {
    let say = |text: Text| {
        let _ = events.send(RunEvent::Message(text));
    };
    let port = crate::probes::url_port(&plan.base_url);
    let mut monitor = Monitor::new(port);
    let db_vendor = monitor::vendor(&ctx.probes).await;
    let login_path = ctx.probes.config.login_path.value.clone();
    let run_start = Instant::now();
    // Workers first: a swarm without workers is refused.
    if let Some(expected) = plan.workers.or(plan.expect_workers) {
        if let Some(p) = locust.master_port {
            say(
                t!("waiting for {expected} Locust worker(s) on master port {p}"; "Locust 워커 {expected}개 대기 중 (마스터 포트 {p})"),
            );
        }
        let deadline = Instant::now()
            + Duration::from_secs(if plan.expect_workers.is_some() {
                120
            } else {
                60
            });
        loop {
            let count = locust
                .stats()
                .await
                .ok()
                .and_then(|s| s.worker_count)
                .unwrap_or(0);
            if count >= expected as u64 {
                say(t!("{count} worker(s) connected"; "워커 {count}개 연결됨"));
                break;
            }
            if locust.exited().is_some() {
                return Err((
                    Outcome::CouldNotStart,
                    Some(format!(
                        "Locust exited while waiting for workers: {}",
                        locust::error_line(&locust::log_tail(&locust.log, 40)).unwrap_or_default()
                    )),
                ));
            }
            if Instant::now() > deadline {
                return Err((
                    Outcome::CouldNotStart,
                    Some(format!(
                        "only {count} of {expected} Locust workers connected"
                    )),
                ));
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = cancelled(cancel) => return Err((Outcome::Aborted, Some("interrupted while waiting for workers".into()))),
            }
        }
    }
    let mut last = locust.stats().await.unwrap_or_default();
    let mut last_change = Instant::now();
    let mut exceptions_before: Vec<stats::ExceptionRow> = Vec::new();
    let mut lost_seen: Vec<String> = Vec::new();
    let mut server_seen = false;
    let mut not_listening = 0;
    for (index, &users) in plan.stages.iter().enumerate() {
        if let Err(e) = locust.swarm(users, plan.spawn_rate).await {
            return Err((Outcome::CouldNotStart, Some(e)));
        }
        let _ = events.send(RunEvent::StageStarted {
            index,
            users,
            at_s: run_start.elapsed().as_secs_f64(),
        });
        let stage_start = Instant::now();
        let start_stats = last.clone();
        let start_agg = start_stats.aggregated();
        let mut tracker = PhaseTracker::new(&start_stats);
        let mut samples = Samples::default();
        let mut stage_exceptions = Vec::new();
        let mut latest_exceptions = exceptions_before.clone();
        let mut crash: Option<String> = None;
        let mut server_gone: Option<String> = None;
        let mut lost_now: Vec<String> = Vec::new();
        let mut polls = 0u64;
        let mut reached_at: Option<Instant> = None;
        let mut interrupted = false;
        let mut ticker = tokio::time::interval(POLL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        ticker.tick().await;
        while stage_start.elapsed() < plan.stage_time() {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = cancelled(cancel) => { interrupted = true; }
            }
            if interrupted {
                break;
            }
            polls += 1;
            if let Some(status) = locust.exited() {
                let line = locust::error_line(&locust::log_tail(&locust.log, 60))
                    .unwrap_or_else(|| format!("Locust exited ({status})"));
                crash = Some(line);
                break;
            }
            let Ok(now) = locust.stats().await else {
                continue;
            };
            let resources = monitor.sample(locust.pgids()).await;
            if polls % 5 == 1 {
                samples.db_max =
                    max_opt(samples.db_max, monitor::db_connections(&ctx.probes).await);
                if let Ok(ex) = locust.exceptions().await {
                    stage_exceptions = exception_deltas(&exceptions_before, &ex);
                    latest_exceptions = ex;
                }
            }
            // Live rate from differences of running totals (Locust's own current_rps lags).
            let agg = now.aggregated();
            let changed = agg.num_requests != last.aggregated().num_requests
                || now.user_count != last.user_count
                || now.state != last.state;
            let mut delta = Delta::default();
            if changed {
                delta = Delta::between(
                    &last.aggregated(),
                    &agg,
                    last_change.elapsed().as_secs_f64(),
                );
                last_change = Instant::now();
                if delta.requests > 0 {
                    let p95 = now.window_percentile("0.95");
                    samples
                        .windows
                        .push((p95, now.window_percentile("0.5"), delta.requests));
                    samples.p95_max = max_opt(samples.p95_max, p95);
                }
            }
            // Spawning lasts until every user runs plus a settle time: logins of the last
            // users started are still in flight when Locust reports them all spawned.
            if reached_at.is_none() && now.user_count >= users as u64 && now.state != "spawning" {
                reached_at = Some(Instant::now());
            }
            let phase = match reached_at {
                Some(at) if at.elapsed() >= SETTLE => Phase::Steady,
                _ => Phase::Spawning,
            };
            tracker.update(phase, &now);
            samples.cpu.push(resources.cpu_percent);
            samples.memory_max = max_opt(samples.memory_max, Some(resources.memory_percent));
            samples.server_cpu.extend(resources.server_cpu_percent);
            samples.server_rss_max = max_opt(samples.server_rss_max, resources.server_rss_mb);
            samples.locust_cpu_max = max_opt(samples.locust_cpu_max, resources.locust_cpu_percent);
            if resources.listening {
                server_seen = true;
                not_listening = 0;
            } else if port.is_some() && server_seen {
                not_listening += 1;
            }
            for w in now.workers.iter().flatten() {
                if w.state == "missing" && !lost_seen.contains(&w.id) {
                    lost_seen.push(w.id.clone());
                    lost_now.push(w.id.clone());
                }
            }
            let errors_now = error_deltas(&start_stats.errors, &now.errors);
            let _ = events.send(RunEvent::Tick(Box::new(Tick {
                elapsed_s: run_start.elapsed().as_secs_f64(),
                stage: index,
                stage_elapsed_s: stage_start.elapsed().as_secs_f64(),
                users: now.user_count,
                target_users: users,
                state: now.state.clone(),
                rps: if changed { Some(delta.rps()) } else { None },
                failure_ratio: if changed && delta.requests > 0 {
                    Some(delta.failure_ratio())
                } else {
                    None
                },
                p50_ms: now.window_percentile("0.5"),
                p95_ms: now.window_percentile("0.95"),
                requests: agg.num_requests,
                failures: agg.num_failures,
                top_errors: errors_now.iter().take(3).cloned().collect(),
                resources: resources.clone(),
                db_connections: samples.db_max,
                workers: now.workers.clone(),
                exceptions: stage_exceptions.iter().map(|e| e.count).sum(),
            })));
            samples.last = resources;
            last = now;
            if not_listening >= 2 {
                let top = last
                    .errors
                    .iter()
                    .max_by_key(|e| e.occurrences)
                    .map(|e| e.error.clone())
                    .unwrap_or_default();
                server_gone = Some(top);
                break;
            }
            if !stage_exceptions.is_empty() && polls >= 3 {
                // The locustfile itself is broken: more load says nothing new.
                break;
            }
        }
        // Quote what Locust saw when the server went away (its answers are cached ~2 s).
        if let Some(quote) = server_gone.as_mut().filter(|q| q.is_empty()) {
            for _ in 0..4 {
                tokio::time::sleep(POLL).await;
                if let Ok(now) = locust.stats().await {
                    let top = error_deltas(&start_stats.errors, &now.errors);
                    last = now;
                    if let Some(e) = top.first() {
                        *quote = e.error.clone();
                        break;
                    }
                }
            }
        }
        // One last look at the stage's numbers (not after a crash: nobody answers).
        if crash.is_none() && !interrupted {
            if let Ok(now) = locust.stats().await {
                last = now;
            }
            if let Ok(ex) = locust.exceptions().await {
                stage_exceptions = exception_deltas(&exceptions_before, &ex);
                latest_exceptions = ex;
            }
        }
        exceptions_before = latest_exceptions;
        tracker.close(&last);
        let end_agg = last.aggregated();
        let measure = StageMeasure {
            users,
            spawn_rate: plan.spawn_rate,
            secs: stage_start.elapsed().as_secs_f64(),
            requests: end_agg.num_requests.saturating_sub(start_agg.num_requests),
            failures: end_agg.num_failures.saturating_sub(start_agg.num_failures),
            p95_ms: stage_percentile(
                &samples.windows,
                0.95,
                start_agg.num_requests,
                end_agg.p95,
                &end_agg,
            ),
            cpu_avg: (!samples.cpu.is_empty())
                .then(|| samples.cpu.iter().sum::<f32>() / samples.cpu.len() as f32),
            memory_max: samples.memory_max,
            server_cpu_avg: (!samples.server_cpu.is_empty())
                .then(|| samples.server_cpu.iter().sum::<f32>() / samples.server_cpu.len() as f32),
            locust_cpu_max: samples.locust_cpu_max,
            db_connections_max: samples.db_max,
            spawning: tracker.spawning,
            steady: tracker.steady,
            errors: error_deltas(&start_stats.errors, &last.errors),
            exceptions: stage_exceptions,
            server_gone,
            locust_crash: crash.clone(),
            lost_workers: lost_now,
            db_vendor,
            login_path: login_path.clone(),
        };
        let verdict = verdict::judge(&measure, &plan.targets);
        let stage = StageReport {
            index,
            users_reached: last.user_count,
            rps: if measure.secs > 0.0 {
                measure.requests as f64 / measure.secs
            } else {
                0.0
            },
            rpm: measure.rpm(),
            p50_ms: stage_percentile(
                &samples.windows,
                0.5,
                start_agg.num_requests,
                end_agg.median_response_time,
                &end_agg,
            ),
            p95_max_window_ms: samples.p95_max,
            cumulative_p99_ms: end_agg.p99,
            server_cpu_max: samples.server_cpu.iter().copied().reduce(f32::max),
            server_rss_max_mb: samples.server_rss_max,
            tcp_states_end: samples.last.tcp_states.clone(),
            workers: last.workers.clone(),
            interrupted,
            measure,
            verdict,
            start_s: stage_start.duration_since(run_start).as_secs_f64(),
            end_s: run_start.elapsed().as_secs_f64(),
            profile: None,
            waits: None,
        };
        let passed = stage.verdict.passed;
        let fatal = stage.measure.server_gone.is_some()
            || stage.measure.locust_crash.is_some()
            || !stage.measure.exceptions.is_empty();
        let _ = events.send(RunEvent::StageFinished(Box::new(stage.clone())));
        report.stages.push(stage);
        if interrupted {
            return Err((
                Outcome::Aborted,
                Some(
                    "interrupted (Ctrl-C or SIGTERM): Locust stopped, partial report saved".into(),
                ),
            ));
        }
        if crash.is_some() {
            return Ok(());
        }
        if !passed && (fatal || !plan.keep_going) {
            if index + 1 < plan.stages.len() {
                say(
                    t!("stage {} ({users} users) missed its targets: not raising the load (use --keep-going to continue)", index + 1; "{}단계 ({users}명) 목표 미달: 부하를 더 올리지 않음 (--keep-going으로 계속)", index + 1),
                );
            }
            return Ok(());
        }
    }
    Ok(())
}

/// Where runs of a project are kept.
pub fn runs_dir(project_dir: &std::path::Path) -> PathBuf {
    project_dir.join(".doctor").join("runs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_errors_are_differences() {
        let row = |error: &str, n| ErrorRow {
            method: Some("POST".into()),
            name: "/r/".into(),
            error: error.into(),
            occurrences: n,
        };
        let before = vec![row("500", 3)];
        let now = vec![row("500", 10), row("refused", 20)];
        let d = error_deltas(&before, &now);
        assert_eq!(
            d.iter()
                .map(|e| (e.error.as_str(), e.occurrences))
                .collect::<Vec<_>>(),
            vec![("refused", 20), ("500", 7)]
        );
    }

    #[test]
    fn the_first_stage_uses_locusts_exact_figure() {
        let end = StatRow {
            num_requests: 100,
            ..Default::default()
        };
        let windows = [(Some(900.0), Some(100.0), 100)];
        assert_eq!(
            stage_percentile(&windows, 0.95, 0, Some(120.0), &end),
            Some(120.0)
        );
        let later = stage_percentile(&windows, 0.95, 50, Some(120.0), &end).unwrap();
        assert!((later - 900.0).abs() < 0.01, "{later}");
        assert_eq!(
            stage_percentile(&windows, 0.95, 100, Some(120.0), &end),
            None
        );
    }
}
