//! Locust workers: waiting for them to join before the first stage (`join`), watching them
//! while the stages run (here), and what they mean for a stage's verdict (`findings`: a lost
//! worker's missing load, a saturated worker; `mismatch`: a worker with another Locust version
//! or another locustfile).
//!
//! What the master knows about its workers: `/stats/requests`' worker rows (id
//! `hostname_hex`, state, users, CPU), its log (Locust warns of a worker with another
//! major.minor version), and Locust's `worker_report` event, which doctor's listener keeps
//! per worker (`/doctor/workers`): the endpoints it requested and its User classes.

mod findings;
pub mod join;
mod loopback;
mod mismatch;

pub use findings::{SATURATED_CPU, WorkerFacts, findings_from};
pub(super) use join::wait_for_workers;
pub use join::{join_command, never_joined, parse_version};
pub use loopback::master_unreachable;
pub use mismatch::{
    VersionMismatch, WatchedWorker, WatcherAnswer, known_endpoints, odd_locustfiles,
    version_mismatches, version_words,
};

use super::collect::{Sample, Spawner};
use super::locust::Locust;
use super::stats::WorkerRow;
use crate::t;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The host of a worker id (`hostname_hex`).
pub fn host_of(id: &str) -> &str {
    match id.rsplit_once('_') {
        Some((host, hex)) if !host.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => host,
        _ => id,
    }
}

/// A worker id short enough for one line: its host and the first 6 hex digits.
pub fn short_id(id: &str) -> String {
    let host = host_of(id);
    if host.len() == id.len() {
        return id.to_string();
    }
    let hex = &id[host.len() + 1..];
    format!("{host}_{}", &hex[..hex.len().min(6)])
}

/// One worker for a status line: `host_abc123 running 5u 12%`.
pub fn worker_cell(w: &WorkerRow) -> String {
    format!(
        "{} {} {}u {:.0}%",
        short_id(&w.id),
        w.state,
        w.user_count,
        w.cpu_usage
    )
}

/// The workers' collector, while the stages run: says once per worker when it runs another
/// Locust version, another locustfile, or at its CPU limit, and sends what a verdict needs
/// (`Sample::OddWorker`). The rows themselves come with Locust's tables.
/// `known`: the endpoints the project's locustfile requests (see [`known_endpoints`]).
pub fn spawn_watcher(
    spawner: &Spawner,
    locust: &Locust,
    known: BTreeSet<String>,
) -> JoinHandle<()> {
    let api = locust.api.clone();
    let log = locust.log.clone();
    let source = Arc::new(known);
    let said = Arc::new(Mutex::new(Said::default()));
    spawner.every(Duration::from_secs(3), move |tx| {
        let (api, log, source, said) = (api.clone(), log.clone(), source.clone(), said.clone());
        async move {
            let mut texts = Vec::new();
            let mut odd = Vec::new();
            if let Ok(stats) = api.stats().await {
                for w in stats.workers.unwrap_or_default() {
                    if w.cpu_usage > SATURATED_CPU && said.lock().unwrap().hot.insert(w.id.clone()) {
                        let (id, cpu) = (short_id(&w.id), w.cpu_usage);
                        texts.push(t!("worker {id} at {cpu:.0} % CPU: the numbers are Locust's limit, not the server's; add workers (`--workers N` or more hosts)";
                                      "워커 {id} CPU {cpu:.0} %: 서버가 아니라 Locust의 한계 — 워커를 늘리세요 (`--workers N` 또는 호스트 추가)"));
                    }
                }
            }
            if let Ok(answer) = api.workers().await {
                for (id, text) in odd_locustfiles(&answer, &source) {
                    if said.lock().unwrap().odd.insert(id.clone()) {
                        texts.push(text.clone());
                        odd.push((id, text));
                    }
                }
            }
            let mismatches = version_mismatches(&std::fs::read_to_string(&log).unwrap_or_default());
            {
                let mut said = said.lock().unwrap();
                texts.extend(mismatches.iter().skip(said.versions).map(version_words));
                said.versions = said.versions.max(mismatches.len());
            }
            let notes = texts.into_iter().map(Sample::Note);
            let facts = odd.into_iter().map(|(id, text)| Sample::OddWorker { id, text });
            notes.chain(facts).all(|sample| tx.send(sample).is_ok())
        }
    })
}

/// What the watcher has said already (once per worker, once per version line).
#[derive(Default)]
struct Said {
    hot: BTreeSet<String>,
    odd: BTreeSet<String>,
    versions: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn row(id: &str, state: &str, users: u64, cpu: f64) -> WorkerRow {
        WorkerRow {
            id: id.into(),
            state: state.into(),
            user_count: users,
            cpu_usage: cpu,
        }
    }

    #[test]
    fn worker_ids_name_their_host() {
        let id = "loadbox-2_8f3a9c0d1e2f44b1a2b3c4d5e6f70812";
        assert_eq!(host_of(id), "loadbox-2");
        assert_eq!(short_id(id), "loadbox-2_8f3a9c");
        assert_eq!(short_id("plain"), "plain");
        assert_eq!(host_of("my_host_abc"), "my_host");
        let cell = worker_cell(&row(id, "running", 5, 12.4));
        assert_eq!(cell, "loadbox-2_8f3a9c running 5u 12%");
    }
}
