//! A worker that is not like the master: another Locust version (the master's own warning in
//! its log) or another locustfile. Locust exchanges no hash of the locustfile; a worker whose
//! locustfile differs shows as User classes the master does not have, or endpoints neither the
//! other workers nor the project's locustfile (executed by doctor before the load) request.
//! What doctor's listener keeps per worker (`/doctor/workers`) is read here.

use super::short_id;
use crate::i18n::Text;
use crate::t;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// `GET /doctor/workers`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WatcherAnswer {
    pub master_user_classes: Vec<String>,
    pub workers: BTreeMap<String, WatchedWorker>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WatchedWorker {
    /// "METHOD name" → requests reported.
    pub endpoints: BTreeMap<String, u64>,
    pub user_classes: Vec<String>,
    pub users: u64,
}

/// A worker with another Locust version, as the master logs it (Locust 2.47 runners.py,
/// `handle_message` "client_ready"; major.minor differences only, a patch difference is
/// logged at debug level):
/// `A worker (ID) running a different version (2.31.0) connected, master version is 2.47.0`.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionMismatch {
    pub worker: String,
    pub worker_version: String,
    pub master_version: String,
}

pub fn version_mismatches(log: &str) -> Vec<VersionMismatch> {
    const HEAD: &str = "A worker (";
    const MID: &str = ") running a different version (";
    const TAIL: &str = ") connected, master version is ";
    log.lines()
        .filter_map(|line| {
            let rest = &line[line.find(HEAD)? + HEAD.len()..];
            let (worker, rest) = rest.split_once(MID)?;
            let (worker_version, master) = rest.split_once(TAIL)?;
            Some(VersionMismatch {
                worker: worker.to_string(),
                worker_version: worker_version.to_string(),
                master_version: master.trim().to_string(),
            })
        })
        .collect()
}

pub fn version_words(m: &VersionMismatch) -> Text {
    let (w, wv, mv) = (short_id(&m.worker), &m.worker_version, &m.master_version);
    t!("worker {w} runs Locust {wv}, the master {mv} (Locust's own warning in locust.log): install the same version on that host (pip install locust=={mv})";
       "워커 {w}: Locust {wv}, 마스터: {mv} (locust.log의 Locust 경고) — 그 호스트에 같은 버전 설치: pip install locust=={mv}")
}

/// Workers whose locustfile differs from the others' and the master's: a worker that
/// reports User classes the master does not have, or endpoints no other worker reports and
/// the project's locustfile did not request when doctor executed it (`known`: "METHOD name";
/// with three workers or more, endpoints no other worker reports are enough). Locust exchanges no hash: this catches a changed task that
/// requests another endpoint name, and another User class; it does not catch a change that
/// keeps every endpoint name (e.g. another payload or wait time).
pub fn odd_locustfiles(answer: &WatcherAnswer, known: &BTreeSet<String>) -> Vec<(String, Text)> {
    let mut out = Vec::new();
    let master_classes: BTreeSet<&String> = answer.master_user_classes.iter().collect();
    for (id, w) in &answer.workers {
        let short = short_id(id);
        let classes: BTreeSet<&String> = w.user_classes.iter().collect();
        if !master_classes.is_empty() && !classes.is_empty() && classes != master_classes {
            let theirs = w.user_classes.join(", ");
            let ours = answer.master_user_classes.join(", ");
            out.push((id.clone(), t!("worker {short} runs User classes {theirs}, the master's locustfile has {ours}: its locustfile differs — copy the project's locustfile to that host";
                                    "워커 {short}의 User 클래스 {theirs}, 마스터 locustfile: {ours} — locustfile이 다름, 프로젝트의 locustfile을 그 호스트에 복사하세요")));
            continue;
        }
        let extra: Vec<&String> =
            w.endpoints
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, _)| k)
                .filter(|k| {
                    !answer.workers.iter().any(|(other, o)| {
                        other != id && o.endpoints.get(*k).is_some_and(|n| *n > 0)
                    })
                })
                .filter(|k| answer.workers.len() >= 3 || !known.contains(*k))
                .collect();
        if !extra.is_empty() && answer.workers.len() >= 2 {
            let list = extra
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            out.push((id.clone(), t!("worker {short} requests {list}, which no other worker requests and the master's locustfile does not name: its locustfile differs — copy the project's locustfile to that host";
                                    "워커 {short}만 {list} 요청 (다른 워커와 마스터 locustfile에 없음) — locustfile이 다름, 프로젝트의 locustfile을 그 호스트에 복사하세요")));
        }
    }
    out
}

/// "METHOD name" of every request the project's locustfile made when doctor executed it
/// before the load (Locust names a request by its `name=` or else its path); empty when it
/// could not be executed.
pub fn known_endpoints(run: &crate::locustfile::executed::Answer) -> BTreeSet<String> {
    let Ok(execution) = run else {
        return BTreeSet::new();
    };
    execution
        .users
        .iter()
        .flat_map(|u| &u.requests)
        .map(|r| format!("{} {}", r.method, r.name.as_deref().unwrap_or(&r.path)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_locusts_version_warning() {
        let log = "[2026-01-01 10:00:00,000] master/WARNING/locust.runners: A worker (lb1_abc123) running a different version (2.31.0) connected, master version is 2.47.0\n[x] master/INFO/locust.runners: lb1_abc123 (index 0) reported as ready. 1 workers connected.\n";
        let found = version_mismatches(log);
        assert_eq!(
            found,
            vec![VersionMismatch {
                worker: "lb1_abc123".into(),
                worker_version: "2.31.0".into(),
                master_version: "2.47.0".into()
            }]
        );
        let words = version_words(&found[0]);
        assert!(words.en.contains("2.31.0") && words.en.contains("locust==2.47.0"));
        assert!(words.ko.contains("2.31.0"));
    }

    fn watched(endpoints: &[(&str, u64)], classes: &[&str]) -> WatchedWorker {
        WatchedWorker {
            endpoints: endpoints.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            user_classes: classes.iter().map(|c| c.to_string()).collect(),
            users: 2,
        }
    }

    #[test]
    fn a_worker_with_another_locustfile_is_named() {
        let source: BTreeSet<String> = ["GET /api/products/".to_string()].into();
        let mut answer = WatcherAnswer {
            master_user_classes: vec!["StockUser".into()],
            ..Default::default()
        };
        answer.workers.insert(
            "a_01".into(),
            watched(&[("GET /api/products/", 30)], &["StockUser"]),
        );
        answer.workers.insert(
            "b_02".into(),
            watched(&[("GET /api/products/?v2", 12)], &["StockUser"]),
        );
        let odd = odd_locustfiles(&answer, &source);
        assert_eq!(odd.len(), 1, "{odd:?}");
        assert_eq!(odd[0].0, "b_02");
        assert!(odd[0].1.en.contains("GET /api/products/?v2"));
        // Same endpoints, same classes: nothing to say.
        answer.workers.insert(
            "b_02".into(),
            watched(&[("GET /api/products/", 3)], &["StockUser"]),
        );
        assert!(odd_locustfiles(&answer, &source).is_empty());
        // Another User class.
        answer
            .workers
            .insert("c_03".into(), watched(&[], &["OtherUser"]));
        let odd = odd_locustfiles(&answer, &source);
        assert_eq!(odd.len(), 1);
        assert!(odd[0].1.en.contains("OtherUser"));
    }
}
