//! The stage coordinator: it keeps time, asks Locust to swarm, hands every collector's
//! samples to the stage's state, sends the live ticks, and closes each stage into its report.
//! Collecting lives in `collect`, adding up in `stage_state`, judging in `verdict`.

use super::collect::{self, Collectors, Sample};
use super::locust::{self, Locust};
use super::numbers::Seconds;
use super::run_report::{Outcome, RunReport, StageReport};
use super::stage_state::{Ends, StageSpec, StageState, epoch};
use super::{RunContext, RunEvent, Stop, cancelled, verdict};
use crate::i18n::Text;
use crate::t;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{mpsc::UnboundedSender, watch};

/// After a stage's last second: wait this long for its last answers to be counted. Workers
/// report every 3 s, so with workers the master knows a second's count only later.
const GRACE: Duration = Duration::from_millis(700);
const GRACE_WITH_WORKERS: Duration = Duration::from_millis(3700);
/// Before the first stage: how long the machine is watched without load.
const BASELINE: Duration = Duration::from_secs(2);
/// Locust stops its users by itself this long after a stage should have ended: the bound on
/// load left running when doctor can no longer stop it.
const LOCUST_RUN_TIME_MARGIN: Duration = Duration::from_secs(30);

struct Coordinator<'a> {
    ctx: &'a RunContext,
    events: &'a UnboundedSender<RunEvent>,
    cancel: &'a mut watch::Receiver<bool>,
    seconds: Seconds,
    server_seen: bool,
    not_listening: u32,
    lost_seen: Vec<String>,
    run_start: f64,
    /// What the workers' rows and watcher said, for the verdicts.
    worker_facts: super::workers::WorkerFacts,
}

impl Coordinator<'_> {
    fn say(&self, text: Text) {
        let _ = self.events.send(RunEvent::Message(text));
    }
}

pub(super) async fn run_stages(
    ctx: &RunContext,
    events: &UnboundedSender<RunEvent>,
    cancel: &mut watch::Receiver<bool>,
    report: &mut RunReport,
    locust: &mut Locust,
) -> Result<(), Stop> {
    let plan = report.plan.clone();
    let mut co = Coordinator {
        ctx,
        events,
        cancel,
        seconds: Seconds::default(),
        server_seen: false,
        not_listening: 0,
        lost_seen: Vec::new(),
        run_start: epoch(report.started_time()),
        worker_facts: Default::default(),
    };
    super::workers::wait_for_workers(
        co.events,
        co.cancel,
        locust,
        plan.workers.or(plan.expect_workers),
    )
    .await?;
    // A server on another machine: its port here is someone else's (or nobody's).
    let port =
        crate::probes::url_port(&plan.base_url).filter(|_| report.server_elsewhere.is_none());
    if let Some(host) = &report.server_elsewhere {
        let text = t!(
            "the server runs on {host}, not on this machine: its CPU, memory and time are not measured; system CPU and memory are this load machine's";
            "서버가 이 머신이 아닌 {host}에서 실행 중: 서버의 CPU, 메모리, 시간 사용은 측정하지 않음; 시스템 CPU와 메모리는 이 부하 머신의 값"
        );
        report.profile_note = Some(text.clone());
        co.say(text);
    }
    let (mut collectors, spawner) = Collectors::new();
    collectors.add(collect::counters::spawn(&spawner, locust.api.clone()));
    collectors.add(collect::locust_state::spawn(&spawner, locust.api.clone()));
    collectors.add(collect::resources::spawn(
        &spawner,
        port,
        locust.pgids(),
        ctx.probes.clone(),
    ));
    if let Some(port) = port.filter(|_| plan.profile_hz > 0) {
        collectors.add(collect::profile::spawn(&spawner, port, plan.profile_hz));
    }
    if plan.workers.or(plan.expect_workers).is_some() {
        let known = super::workers::known_endpoints(&ctx.probes.locust_run().await);
        collectors.add(super::workers::spawn_watcher(&spawner, locust, known));
    }
    if let Some(task) = collect::db_waits::spawn(&spawner, &ctx.probes).await {
        collectors.add(task);
    }
    let result = stages(&mut co, &mut collectors, report, locust).await;
    collectors.stop().await;
    count_outside_stages(
        &mut co,
        report,
        locust,
        plan.workers.or(plan.expect_workers).is_some(),
    )
    .await;
    // The collectors' last words (the profiler's cost, notes) after they stopped.
    while let Ok(sample) = collectors.samples.try_recv() {
        note_run_sample(&co, report, &sample);
    }
    report.timeline = report
        .stages
        .iter()
        .flat_map(|s| {
            let from = (co.run_start + s.start_s).round() as i64;
            let to = (co.run_start + s.end_s).round() as i64;
            co.seconds.points(co.run_start, from, to, s.index)
        })
        .collect();
    result
}

/// Stop the users, then count what was answered outside every stage: between stages (while
/// doctor waited for the workers' last reports of a stage) and after the last one, while
/// Locust stopped. It is in Locust's totals, in no stage.
async fn count_outside_stages(
    co: &mut Coordinator<'_>,
    report: &mut RunReport,
    locust: &mut Locust,
    workers: bool,
) {
    let Some(last_end) = report
        .stages
        .last()
        .map(|s| (co.run_start + s.end_s).round() as i64)
    else {
        return;
    };
    if locust.exited().is_some() {
        return;
    }
    locust.api.stop_users().await;
    if workers {
        // Their last report (every 3 s) carries what they answered before stopping.
        tokio::time::sleep(GRACE_WITH_WORKERS + Duration::from_secs(1)).await;
    }
    for _ in 0..10 {
        match locust.api.live(last_end - 10).await {
            Ok(answer) => {
                co.seconds.merge(&answer);
                if answer.state == "stopped" && answer.in_flight.unwrap_or(0) == 0 {
                    break;
                }
            }
            Err(_) => break,
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let all = co.seconds.total(i64::MIN, i64::MAX);
    let (requests, failures) = report.stages.iter().fold((0, 0), |acc, s| {
        (acc.0 + s.measure.requests, acc.1 + s.measure.failures)
    });
    report.outside_stages = Some((
        all.requests.saturating_sub(requests),
        all.failures.saturating_sub(failures),
    ));
}

/// Samples that speak about the run rather than a stage.
fn note_run_sample(co: &Coordinator, report: &mut RunReport, sample: &Sample) {
    match sample {
        Sample::Note(text) => {
            if report.profile_note.is_none() {
                report.profile_note = Some(text.clone());
            }
            co.say(text.clone());
        }
        Sample::ProfilerCost { cpu_s, wall_s } => {
            report.profiler_cpu = Some(super::run_report::ProfilerCost {
                cpu_s: *cpu_s,
                wall_s: *wall_s,
            });
        }
        _ => {}
    }
}

async fn stages(
    co: &mut Coordinator<'_>,
    collectors: &mut Collectors,
    report: &mut RunReport,
    locust: &mut Locust,
) -> Result<(), Stop> {
    let plan = report.plan.clone();
    let db_vendor = super::monitor::vendor(&co.ctx.probes).await;
    let sqlite = crate::probes::database::sqlite_locking(&co.ctx.probes).await;
    let login_path = co.ctx.probes.config.login_path.value.clone();
    let pool_max = crate::probes::database::pool_max_size(&co.ctx.probes).await;
    let mut before = locust.api.stats().await.unwrap_or_default();
    let mut exceptions_before = Vec::new();
    // The machine without load: what other processes already hold.
    let baseline_until = Instant::now() + BASELINE;
    let mut idle_cpu = Vec::new();
    let mut last_resources = super::monitor::Resources::default();
    let mut worker_requests = std::collections::BTreeMap::new();
    while Instant::now() < baseline_until {
        tokio::select! {
            Some(sample) = collectors.samples.recv() => {
                match &sample {
                    Sample::Resources(r) => {
                        idle_cpu.extend(r.other_cpu_percent);
                        last_resources = (**r).clone();
                    }
                    other => note_run_sample(co, report, other),
                }
            }
            _ = tokio::time::sleep_until(baseline_until.into()) => {}
            _ = cancelled(co.cancel) => return Err(aborted("interrupted before the first stage")),
        }
    }
    report.other_cpu_before =
        (!idle_cpu.is_empty()).then(|| idle_cpu.iter().sum::<f32>() / idle_cpu.len() as f32);
    // Stages are whole seconds of Locust's clock, back to back: every answer belongs to
    // exactly one stage.
    let mut from = next_second();
    for (index, &users) in plan.stages.iter().enumerate() {
        sleep_until_epoch(from as f64).await;
        // Locust's own bound: this stage plus a margin (the next stage's swarm renews it).
        let bound = plan.stage_time() + LOCUST_RUN_TIME_MARGIN;
        if let Err(e) = locust.api.swarm(users, plan.spawn_rate, bound).await {
            return Err((Outcome::CouldNotStart, Some(e)));
        }
        let spec = StageSpec {
            index,
            users,
            spawn_rate: plan.spawn_rate,
            from,
            to: from + plan.stage_time().as_secs().max(1) as i64,
            run_start: co.run_start,
            db_vendor,
            sqlite: sqlite.clone(),
            login_path: login_path.clone(),
            project_dir: plan.project_dir.clone(),
            pool_max,
            server_elsewhere: report.server_elsewhere.clone(),
        };
        if let Some(f) = report.forecasts.get(index) {
            let line = crate::forecast::against::before_stage(f, index + 1, users);
            let _ = co.events.send(RunEvent::Message(line));
        }
        let _ = co.events.send(RunEvent::StageStarted {
            index,
            users,
            at_s: from as f64 - co.run_start,
        });
        let mut state = StageState::new(spec, &before, &exceptions_before, last_resources.clone());
        state.worker_requests_before = worker_requests.clone();
        state.worker_requests = worker_requests.clone();
        let (to, ends) = one_stage(co, collectors, &mut state, locust, report).await;
        let mut stage = state.close(&co.seconds, to, ends.clone());
        stage.verdict = verdict::judge(&stage.measure, &plan.targets);
        super::bottleneck::explain(&mut stage, report.other_cpu_before, &report.checks);
        co.worker_facts.add_findings(&mut stage);
        hold_forecast(&mut stage, report.forecasts.get(index));
        if let Some(profile) = stage.profile.as_mut() {
            let stem = format!("stage-{}-{}u", index + 1, users);
            let title = format!("stage {} · {users} users", index + 1);
            if let Ok((collapsed, svg)) = crate::profile::write_flame_graph(
                &report.run_dir,
                &stem,
                &title,
                &state.profile().collapsed(&plan.project_dir),
            ) {
                profile.collapsed = Some(collapsed);
                profile.flame_graph = Some(svg);
            }
        }
        report.live_ages_ms.extend(state.ages_ms.iter().copied());
        let _ = co.events.send(RunEvent::Tick(Box::new(
            state.closing_tick(&co.seconds, to),
        )));
        let passed = stage.verdict.passed;
        let fatal = ends.server_gone.is_some()
            || ends.locust_crash.is_some()
            || !stage.measure.exceptions.is_empty();
        let _ = co
            .events
            .send(RunEvent::StageFinished(Box::new(stage.clone())));
        report.stages.push(stage);
        super::history::mark_running(&plan.project_dir, report).await;
        before = state.stats.clone();
        last_resources = state.last_resources();
        worker_requests = state.worker_requests.clone();
        exceptions_before = state.exceptions_now().to_vec();
        if ends.interrupted {
            return Err(aborted(
                "interrupted (Ctrl-C or SIGTERM): Locust stopped, partial report saved",
            ));
        }
        if ends.locust_crash.is_some() {
            return Ok(());
        }
        let more = index + 1 < plan.stages.len();
        if !passed && fatal && plan.keep_going && more {
            // --keep-going asked for the next stages; with no server (or a broken locustfile)
            // there is nothing to load, so the run is cut short, not judged further.
            let why = if ends.server_gone.is_some() {
                t!("the server stopped listening during stage {} ({users} users): the remaining stages could not run, even with --keep-going", index + 1;
                   "{}단계 ({users}명) 중 서버가 포트에서 사라짐: --keep-going이 있어도 남은 단계를 실행할 수 없음", index + 1)
            } else {
                t!("the locustfile raised errors during stage {} ({users} users): the remaining stages could not run, even with --keep-going", index + 1;
                   "{}단계 ({users}명) 중 locustfile에서 오류 발생: --keep-going이 있어도 남은 단계를 실행할 수 없음", index + 1)
            };
            let saved = why.get(crate::i18n::Lang::En).to_string();
            co.say(why);
            return Err((Outcome::Aborted, Some(saved)));
        }
        if !passed && (fatal || !plan.keep_going) {
            if more {
                co.say(t!("stage {} ({users} users) missed its targets: not raising the load (use --keep-going to continue)", index + 1; "{}단계 ({users}명) 목표 미달: 부하를 더 올리지 않음 (--keep-going으로 계속)", index + 1));
            }
            return Ok(());
        }
        // The next stage starts at the next whole second: with workers that is a few seconds
        // after this one's end (their reports), and those seconds belong to no stage.
        from = next_second().max(to);
    }
    Ok(())
}

/// Feed one stage's samples to its state until its last second is counted or something
/// ends it early; returns the second it ends at and how.
async fn one_stage(
    co: &mut Coordinator<'_>,
    collectors: &mut Collectors,
    state: &mut StageState,
    locust: &mut Locust,
    report: &mut RunReport,
) -> (i64, Ends) {
    let planned_end = state.spec.to;
    let grace = if report.plan.workers.or(report.plan.expect_workers).is_some() {
        GRACE_WITH_WORKERS
    } else {
        GRACE
    };
    let mut deadline = epoch_instant(planned_end as f64) + grace;
    let mut ends = Ends::default();
    // Set when the server stopped listening: the stage then ends a whole second later, so
    // that the requests refused meanwhile are the stage's, not outside every stage.
    let mut cut_at: Option<i64> = None;
    let started = Instant::now();
    loop {
        let sample = tokio::select! {
            Some(sample) = collectors.samples.recv() => sample,
            _ = tokio::time::sleep_until(deadline.into()) => break,
            _ = cancelled(co.cancel) => { ends.interrupted = true; break; }
        };
        let now = epoch(SystemTime::now());
        state.apply(&sample, &mut co.seconds, now);
        match &sample {
            Sample::Counters { .. } => {
                let tick = state.tick(&co.seconds, now);
                let _ = co.events.send(RunEvent::Tick(Box::new(tick)));
            }
            Sample::Resources(r) => {
                if r.listening {
                    co.server_seen = true;
                    co.not_listening = 0;
                } else if co.server_seen {
                    co.not_listening += 1;
                }
            }
            Sample::OddWorker { id, text } => {
                // The watcher said it already; the verdicts will say it again.
                co.worker_facts.odd.insert(id.clone(), text.clone());
            }
            Sample::Locust { stats, .. } => {
                co.worker_facts
                    .note_rows(stats.workers.as_deref().unwrap_or(&[]));
                for w in stats.workers.iter().flatten() {
                    if w.state == "missing" && !co.lost_seen.contains(&w.id) {
                        co.lost_seen.push(w.id.clone());
                        ends.lost_workers.push(w.id.clone());
                    }
                }
            }
            other => note_run_sample(co, report, other),
        }
        if let Some(status) = locust.exited() {
            let line = locust::error_line(&locust::log_tail(&locust.log, 60))
                .unwrap_or_else(|| format!("Locust exited ({status})"));
            ends.locust_crash = Some(line);
            break;
        }
        if co.not_listening >= 2 && cut_at.is_none() {
            let cut = (epoch(SystemTime::now()).ceil() as i64 + 1).min(planned_end);
            cut_at = Some(cut);
            deadline = deadline.min(epoch_instant(cut as f64) + grace);
        }
        if !state.exceptions.is_empty() && started.elapsed() >= Duration::from_secs(3) {
            // The locustfile itself is broken: more load says nothing new.
            break;
        }
    }
    if cut_at.is_some() {
        ends.server_gone = Some(server_gone_quote(state, locust).await);
    }
    let now = epoch(SystemTime::now());
    let to = if now >= planned_end as f64 {
        planned_end
    } else {
        cut_at.map_or(now.floor() as i64, |cut| cut.min(now.floor() as i64))
    };
    (to, ends)
}

/// What Locust saw when the server went away (its answers are cached ~2 s).
async fn server_gone_quote(state: &StageState, locust: &Locust) -> String {
    let start_errors = &state.stats.errors;
    for _ in 0..4 {
        if let Ok(now) = locust.api.stats().await {
            let top = super::stage_state::error_deltas(start_errors, &now.errors);
            if let Some(e) = top.first().or(now.errors.first()) {
                return e.error.clone();
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    String::new()
}

pub(super) fn aborted(message: &str) -> Stop {
    (Outcome::Aborted, Some(message.to_string()))
}

fn next_second() -> i64 {
    epoch(SystemTime::now()).floor() as i64 + 1
}

/// The Instant at which the wall clock reads `at` (epoch seconds).
fn epoch_instant(at: f64) -> Instant {
    let now = epoch(SystemTime::now());
    Instant::now() + Duration::from_secs_f64((at - now).max(0.0))
}

async fn sleep_until_epoch(at: f64) {
    tokio::time::sleep_until(epoch_instant(at).into()).await;
}

/// The stage's forecast (made before load) beside what it measured, in its verdict.
fn hold_forecast(stage: &mut StageReport, forecast: Option<&crate::forecast::Forecast>) {
    let Some(f) = forecast else {
        return;
    };
    let measured = crate::forecast::against::Measured {
        rpm: stage.measure.rpm(),
        p95_ms: stage.measure.p95_ms,
        failure_ratio: stage.measure.failure_ratio(),
        server_busy: stage.profile.as_ref().map(|p| p.busy_share),
        missed: stage.verdict.missed(),
        skew: stage.verdict.skews.first().cloned(),
    };
    stage.verdict.forecast = crate::forecast::against::held(f, &measured);
    stage.forecast = Some(f.clone());
}
