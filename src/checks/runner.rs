//! Running checks: all at once on tokio, each waiting only for the checks it needs; each under
//! its own timeout; a probe that errors or panics becomes status `error`, never a crash.

use super::model::CheckDef;
use super::ranges;
use super::registry::Registry;
use super::result::{CheckResult, OfferedFix, Outcome, Status};
use crate::t;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Progress of a run, for whoever shows it (the TUI streams these; text output waits).
#[derive(Debug, Clone)]
pub enum Event {
    Started(String),
    Finished(Arc<CheckResult>),
}

type Slot = watch::Receiver<Option<Arc<CheckResult>>>;

/// What measures a check: the `probes` layer implements it for its `Context`. The runner
/// (and so the check model) never imports the probes.
pub trait ProbeSet: Clone + Send + Sync + 'static {
    /// Start what several checks will wait for, before any of them asks.
    fn warm_up(&self, kinds: &[&str]);
    /// Measure `check` (its probe kind and params), given the results of the checks it waited for.
    fn probe(
        &self,
        check: CheckDef,
        deps: HashMap<String, Arc<CheckResult>>,
    ) -> impl std::future::Future<Output = anyhow::Result<Outcome>> + Send + 'static;
}

/// Run `selected` and everything they need; results come back in dependency order.
pub async fn run<P: ProbeSet>(
    registry: Arc<Registry>,
    selected: &[String],
    ctx: P,
    events: Option<mpsc::UnboundedSender<Event>>,
) -> Vec<Arc<CheckResult>> {
    let order = registry
        .order(selected)
        .unwrap_or_else(|_| selected.to_vec());
    let kinds: Vec<&str> = order
        .iter()
        .filter_map(|id| registry.get(id))
        .map(|c| c.probe.as_str())
        .collect();
    ctx.warm_up(&kinds);
    let mut senders = HashMap::new();
    let mut slots: HashMap<String, Slot> = HashMap::new();
    for id in &order {
        let (tx, rx) = watch::channel(None);
        senders.insert(id.clone(), tx);
        slots.insert(id.clone(), rx);
    }
    let mut tasks = Vec::new();
    for id in &order {
        let check = registry.get(id).expect("ordered ids are known").clone();
        let deps: Vec<(String, Slot)> = check
            .needs
            .iter()
            .chain(&check.after)
            .map(|d| (d.clone(), slots[d].clone()))
            .collect();
        let sender = senders.remove(id).expect("one sender per check");
        let (ctx, events) = (ctx.clone(), events.clone());
        tasks.push(tokio::spawn(async move {
            // Its own task again: whatever panics while running a check becomes its `error`
            // result, so the check is never missing from the report and dependents still learn.
            let events_for_run = events.clone();
            let shown = check.clone();
            let ran =
                tokio::spawn(
                    async move { run_one(check, deps, ctx, events_for_run.as_ref()).await },
                )
                .await;
            let result = Arc::new(ran.unwrap_or_else(|join| crashed(&shown, join)));
            if let Some(events) = &events {
                let _ = events.send(Event::Finished(result.clone()));
            }
            let _ = sender.send(Some(result.clone()));
            result
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        if let Ok(result) = task.await {
            results.push(result);
        }
    }
    // Show results in the checklist's order, not the order they finished in.
    let position = |id: &str| {
        registry
            .checks
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by_key(|r| position(&r.id));
    results
}

async fn run_one<P: ProbeSet>(
    check: CheckDef,
    deps: Vec<(String, Slot)>,
    ctx: P,
    events: Option<&mpsc::UnboundedSender<Event>>,
) -> CheckResult {
    let mut done = HashMap::new();
    for (id, mut slot) in deps {
        let result = loop {
            if let Some(result) = slot.borrow().clone() {
                break Some(result);
            }
            if slot.changed().await.is_err() {
                break None;
            }
        };
        if let Some(result) = result {
            done.insert(id, result);
        }
    }
    if let Some(blocker) = check.needs.iter().filter_map(|n| done.get(n)).find(|r| {
        !r.status.lets_dependents_run()
            && r.diagnosis.as_deref() != Some(crate::checks::diagnosis::REMOTE_SERVER)
    }) {
        let (id, status) = (&blocker.id, blocker.status.key());
        let outcome = Outcome::skip(
            t!("skipped: {id} did not pass ({status})"; "건너뜀: {id} 통과 못함 ({status})"),
        );
        return finish(&check, outcome, Duration::ZERO);
    }
    if let Some(events) = events {
        let _ = events.send(Event::Started(check.id.clone()));
    }
    let started = Instant::now();
    // Check files are refused with such a value when read; a definition built any other way
    // still gets an answer rather than a panic in `Duration::from_secs_f64`.
    if !ranges::usable_timeout(check.timeout_s) {
        let secs = check.timeout_s;
        let (low, high) = (ranges::MIN_TIMEOUT_S, ranges::MAX_TIMEOUT_S);
        let outcome = Outcome::new(
            Status::Error,
            t!("not run: timeout_s = {secs} is not between {low} and {high} seconds";
               "실행 안 함: timeout_s = {secs} 값이 {low}~{high}초 범위 밖"),
        );
        return finish(&check, outcome, Duration::ZERO);
    }
    let timeout = Duration::from_secs_f64(check.timeout_s);
    let probe_check = check.clone();
    // A separate task: a panicking probe fails its own check and nothing else.
    let probe = tokio::spawn(ctx.probe(probe_check, done));
    let abort = probe.abort_handle();
    let outcome = match tokio::time::timeout(timeout, probe).await {
        Ok(Ok(Ok(outcome))) => outcome,
        Ok(Ok(Err(error))) => Outcome::new(
            Status::Error,
            t!("probe failed: {error:#}"; "측정 실패: {error:#}"),
        ),
        Ok(Err(join)) => Outcome::new(
            Status::Error,
            t!("probe crashed: {}", panic_text(join); "측정 중 비정상 종료: {}", "panic"),
        ),
        Err(_) => {
            abort.abort();
            let secs = check.timeout_s;
            Outcome::new(
                Status::Error,
                t!("no result within {secs} s (timeout_s)"; "{secs}초 안에 결과 없음 (timeout_s)"),
            )
            .diagnosed("timeout")
        }
    };
    finish(&check, outcome, started.elapsed())
}

/// The `error` result of a check whose run panicked outside its probe.
fn crashed(check: &CheckDef, join: tokio::task::JoinError) -> CheckResult {
    let text = panic_text(join);
    let outcome = Outcome::new(
        Status::Error,
        t!("check crashed: {text}"; "점검 중 비정상 종료"),
    );
    finish(check, outcome, Duration::ZERO)
}

fn panic_text(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into()),
        Err(_) => "cancelled".into(),
    }
}

/// The probe's outcome dressed with the check's own texts.
pub fn finish(check: &CheckDef, outcome: Outcome, took: Duration) -> CheckResult {
    let status = outcome.status.unwrap_or(Status::Error);
    let diagnosis = if status == Status::Pass {
        None
    } else {
        check.diagnosis(outcome.diagnosis.as_deref())
    };
    let diagnosis = diagnosis.filter(|_| status != Status::Skip);
    let fixes = if matches!(status, Status::Fail | Status::Warn | Status::Error) {
        check
            .fixes_for(outcome.diagnosis.as_deref())
            .into_iter()
            .map(|f| OfferedFix {
                id: format!("{}.{}", check.id, f.id),
                title: f.title.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    CheckResult {
        id: check.id.clone(),
        title: check.title.clone(),
        section: check.section.clone(),
        status,
        summary: outcome.summary,
        evidence: outcome.evidence,
        diagnosis: outcome.diagnosis,
        cause: diagnosis.map(|d| d.cause.clone()),
        fix: diagnosis.map(|d| d.fix.clone()),
        code: diagnosis.and_then(|d| outcome.code.or_else(|| d.code.clone())),
        detail: outcome.detail,
        location: outcome.location,
        fixes,
        duration_ms: took.as_millis() as u64,
        facts: outcome.facts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::probes::Context;

    fn context() -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load_with_env(dir.path(), &Default::default(), &|name| {
            // A closed loopback port: the probe answers quickly and touches nothing.
            (name == "DOCTOR_BASE_URL").then(|| "http://127.0.0.1:9".to_string())
        })
        .unwrap();
        (dir, Context::new(config))
    }

    /// Checks built without the file reader's range check (as a future caller might) still
    /// each give an `error` result, and the exit code says failure: none vanishes.
    #[tokio::test]
    async fn absurd_timeouts_become_error_results_not_missing_checks() {
        let mut registry = Registry::default();
        let template = Registry::builtin().unwrap().get("port").unwrap().clone();
        let absurd = [1e308, u64::MAX as f64, f64::NAN, -1.0, f64::INFINITY, 0.0];
        let ids: Vec<String> = (0..absurd.len()).map(|i| format!("absurd{i}")).collect();
        for (id, secs) in ids.iter().zip(absurd) {
            let mut check = template.clone();
            check.id = id.clone();
            check.needs.clear();
            check.after.clear();
            check.timeout_s = secs;
            registry.checks.push(check);
        }
        let (_dir, ctx) = context();
        let results = run(Arc::new(registry), &ids, ctx, None).await;
        let got: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
        for result in &results {
            assert_eq!(result.status, Status::Error, "{}", result.id);
            assert!(
                result.summary.en.contains("timeout_s"),
                "{:?}",
                result.summary
            );
        }
        assert_eq!(crate::report::exit_code(&results, false), 1);
    }

    #[tokio::test]
    async fn a_panic_while_running_a_check_is_its_error() {
        let check = Registry::builtin().unwrap().get("port").unwrap().clone();
        let join = tokio::spawn(async { panic!("boom in the runner") })
            .await
            .unwrap_err();
        let result = crashed(&check, join);
        assert_eq!(result.status, Status::Error);
        assert!(
            result.summary.en.contains("boom in the runner"),
            "{:?}",
            result.summary
        );
        assert!(
            !result.summary.ko.contains("boom"),
            "Korean text carries English"
        );
    }
}
