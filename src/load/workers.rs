//! Locust workers: waiting for them to join before the first stage.

use super::locust::{self, Locust};
use super::report::Outcome;
use super::stage::aborted;
use super::stats::StatsResponse;
use super::{RunEvent, Stop, cancelled};
use crate::i18n::Text;
use crate::t;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc::UnboundedSender, watch};

pub(super) async fn wait_for_workers(
    events: &UnboundedSender<RunEvent>,
    cancel: &mut watch::Receiver<bool>,
    locust: &mut Locust,
    expected: Option<u32>,
) -> Result<(), Stop> {
    let say = |text: Text| {
        let _ = events.send(RunEvent::Message(text));
    };
    let Some(expected) = expected else {
        return Ok(());
    };
    if let Some(p) = locust.master_port {
        say(
            t!("waiting for {expected} Locust worker(s) on master port {p}"; "Locust 워커 {expected}개 대기 중 (마스터 포트 {p})"),
        );
    }
    // Remote workers get longer to arrive than the ones doctor starts itself.
    let deadline =
        Instant::now() + Duration::from_secs(if locust.has_local_workers() { 60 } else { 120 });
    loop {
        let count = locust
            .api
            .stats()
            .await
            .ok()
            .and_then(|s: StatsResponse| s.worker_count)
            .unwrap_or(0);
        if count >= expected as u64 {
            say(t!("{count} worker(s) connected"; "워커 {count}개 연결됨"));
            return Ok(());
        }
        if locust.exited().is_some() {
            let line = locust::error_line(&locust::log_tail(&locust.log, 40)).unwrap_or_default();
            return Err((
                Outcome::CouldNotStart,
                Some(format!("Locust exited while waiting for workers: {line}")),
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
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = cancelled(cancel) => return Err(aborted("interrupted while waiting for workers")),
        }
    }
}
