//! Locust workers: waiting for them to join before the first stage (telling the user what to
//! run on each load host), watching them while the stages run, and what they mean for a
//! stage's verdict (a lost worker's missing load, a saturated worker, a worker with another
//! Locust version or another locustfile).
//!
//! What the master knows about its workers: `/stats/requests`' worker rows (id
//! `hostname_hex`, state, users, CPU), its log (Locust warns of a worker with another
//! major.minor version), and Locust's `worker_report` event, which doctor's listener keeps
//! per worker (`/doctor/workers`): the endpoints it requested and its User classes. Locust
//! exchanges no hash of the locustfile; a worker whose locustfile differs shows as User
//! classes the master does not have, or endpoints neither the other workers nor the project's
//! locustfile (executed by doctor before the load) request.

use super::collect::{Sample, Spawner};
use super::locust::{self, Locust};
use super::report::{Outcome, StageReport};
use super::stage::aborted;
use super::stats::WorkerRow;
use super::{RunEvent, Stop, cancelled};
use crate::i18n::Text;
use crate::t;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc::UnboundedSender, watch};
use tokio::task::JoinHandle;

/// A worker above this CPU (% of a core) measures Locust's limit, not the server's.
pub const SATURATED_CPU: f64 = 90.0;
/// How long remote workers get to join (local ones: 60 s).
const REMOTE_WAIT: Duration = Duration::from_secs(120);

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

/// The command to run on each load host (`--master-port`, not `--master-bind-port`).
pub fn join_command(locustfile: &Path, bind: IpAddr, port: u16) -> String {
    format!(
        "locust -f {} --worker --master-host {bind} --master-port {port}",
        locustfile.display()
    )
}

/// `locust 2.47.0 from … (Python 3.11.7)` → `2.47.0`.
pub fn parse_version(output: &str) -> Option<String> {
    let mut words = output.split_whitespace();
    while let Some(w) = words.next() {
        if w.eq_ignore_ascii_case("locust") {
            return words
                .next()
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string);
        }
    }
    None
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

/// Nothing (or too little) joined within the wait.
pub fn never_joined(bind: IpAddr, port: u16, secs: u64, joined: usize, expected: u32) -> String {
    let what = if joined == 0 {
        format!("nothing connected to {bind}:{port} in {secs} s")
    } else {
        format!("only {joined} of {expected} Locust workers connected to {bind}:{port} in {secs} s")
    };
    let mut out = format!(
        "{what}: start the workers with --master-host {bind} --master-port {port} (--master-port, not --master-bind-port: with --master-bind-port a worker still dials 5557 and retries for 5 minutes); check that a firewall on this machine lets TCP {port} in (and {} for Locust's heartbeats)",
        port as u32 + 1
    );
    if bind.is_loopback() {
        out += "; the master listens on loopback only: workers on other hosts need --master-bind <this machine's address>";
    }
    out
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

/// The facts about a stage's workers besides its report.
#[derive(Clone, Debug, Default)]
pub struct WorkerFacts {
    pub last_users: BTreeMap<String, u64>,
    pub cpu_max: BTreeMap<String, f64>,
    pub odd: BTreeMap<String, Text>,
}

/// Problems and skews of a stage's workers: the load a lost worker took with it, workers at
/// their CPU limit, workers with another locustfile.
pub fn findings_from(stage: &StageReport, facts: &WorkerFacts) -> (Vec<Text>, Vec<Text>) {
    let mut problems = Vec::new();
    let mut skews = Vec::new();
    let rows = stage.workers.as_deref().unwrap_or(&[]);
    let users = stage.measure.users as u64;
    let lost = &stage.measure.lost_workers;
    if !lost.is_empty() && users > 0 {
        let known: Option<u64> = lost
            .iter()
            .map(|id| facts.last_users.get(id).copied())
            .sum();
        // Not redistributed (no --enable-rebalancing): what the others do not hold is gone.
        let remaining: u64 = rows
            .iter()
            .filter(|w| w.state != "missing")
            .map(|w| w.user_count)
            .sum();
        let missing = known
            .filter(|n| *n > 0)
            .unwrap_or(users.saturating_sub(remaining));
        let names = lost
            .iter()
            .map(|id| short_id(id))
            .collect::<Vec<_>>()
            .join(", ");
        let share = missing as f64 * 100.0 / users as f64;
        problems.push(t!("{missing} of the stage's {users} users ({share:.0} %) were lost with worker {names}: the stage ran with less load than planned — its numbers are not those of {users} users";
                         "워커 {names}와 함께 {users}명 중 {missing}명 ({share:.0} %) 손실: 계획보다 적은 부하로 진행된 단계 — {users}명의 수치가 아님"));
    }
    let mut cpus: BTreeMap<&str, f64> = rows.iter().map(|w| (w.id.as_str(), w.cpu_usage)).collect();
    for (id, cpu) in &facts.cpu_max {
        if let Some(c) = cpus.get_mut(id.as_str()) {
            *c = c.max(*cpu);
        }
    }
    for (id, cpu) in cpus.into_iter().filter(|(_, c)| *c > SATURATED_CPU) {
        let w = short_id(id);
        skews.push(t!("worker {w} at {cpu:.0} % CPU: the numbers are Locust's limit, not the server's; add workers (`--workers N` or more hosts)";
                      "워커 {w} CPU {cpu:.0} %: 서버가 아니라 Locust의 한계 — 워커를 늘리세요 (`--workers N` 또는 호스트 추가)"));
    }
    for w in rows {
        if let Some(text) = facts.odd.get(&w.id) {
            problems.push(text.clone());
        }
    }
    (problems, skews)
}

impl WorkerFacts {
    /// Take Locust's worker rows (every 2 s): last users of each worker still there, the
    /// highest CPU since the stage began.
    pub fn note_rows(&mut self, rows: &[WorkerRow]) {
        for w in rows {
            if w.state != "missing" {
                self.last_users.insert(w.id.clone(), w.user_count);
            }
            let max = self.cpu_max.entry(w.id.clone()).or_insert(0.0);
            *max = max.max(w.cpu_usage);
        }
    }

    /// Add the workers' findings to a closed stage's verdict; the CPU maxima start again for
    /// the next stage. A worker with another locustfile fails the stage: its numbers are not
    /// the project's.
    pub fn add_findings(&mut self, stage: &mut StageReport) {
        if stage.workers.as_ref().is_some_and(|w| !w.is_empty()) {
            let (problems, skews) = findings_from(stage, self);
            stage.verdict.passed &= problems.is_empty();
            stage.verdict.problems.extend(problems);
            stage.verdict.skews.extend(skews);
        }
        self.cpu_max.clear();
    }
}

/// `<python> -m locust --version` → the master's version.
async fn master_version(python: &[String]) -> Option<String> {
    let (program, args) = python.split_first()?;
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(program)
            .args(args)
            .args(["-m", "locust", "--version"])
            .output(),
    )
    .await
    .ok()?
    .ok()?;
    parse_version(&String::from_utf8_lossy(&out.stdout))
        .or_else(|| parse_version(&String::from_utf8_lossy(&out.stderr)))
}

/// The first 12 hex digits of the file's SHA-256 (`sha256sum`).
async fn digest(path: &Path) -> Option<String> {
    let out = tokio::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .await
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.split_whitespace().next()?;
    (out.status.success() && hex.len() >= 12).then(|| hex[..12].to_string())
}

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
    let Some(port) = locust.master_port else {
        return Ok(());
    };
    let bind = locust.master_bind;
    let remote = !locust.has_local_workers();
    if bind.is_unspecified() {
        say(
            t!("the master listens on all interfaces ({bind}:{port}): anyone who reaches this machine can join as a worker"; "마스터가 모든 인터페이스에서 대기 ({bind}:{port}): 이 머신에 닿는 누구나 워커로 참여 가능"),
        );
    }
    if remote {
        let command = join_command(&locust.locustfile, bind, port);
        let version = master_version(&locust.python)
            .await
            .unwrap_or_else(|| "?".into());
        let sha = digest(&locust.locustfile)
            .await
            .unwrap_or_else(|| "?".into());
        let file = locust.locustfile.display().to_string();
        say(
            t!("waiting for {expected} Locust worker(s) on {bind}:{port}; on each load host run:\n    {command}\n  with Locust {version} (the master's) and the same locustfile ({file}: sha256 {sha}…, compare with `sha256sum`)";
               "Locust 워커 {expected}개 대기 중 ({bind}:{port}); 각 부하 호스트에서 실행:\n    {command}\n  Locust {version} (마스터와 같은 버전), 같은 locustfile ({file}: sha256 {sha}…, `sha256sum`으로 비교)"),
        );
    } else {
        say(
            t!("waiting for {expected} Locust worker(s) on master port {port}"; "Locust 워커 {expected}개 대기 중 (마스터 포트 {port})"),
        );
    }
    let wait = if remote {
        REMOTE_WAIT
    } else {
        Duration::from_secs(60)
    };
    let deadline = Instant::now() + wait;
    let mut seen: Vec<String> = Vec::new();
    let mut versions_said = 0;
    loop {
        let stats = locust.api.stats().await.ok();
        let rows = stats
            .as_ref()
            .and_then(|s| s.workers.clone())
            .unwrap_or_default();
        for w in &rows {
            if seen.contains(&w.id) {
                continue;
            }
            seen.push(w.id.clone());
            let (id, host, state, users, cpu) = (
                short_id(&w.id),
                host_of(&w.id),
                &w.state,
                w.user_count,
                w.cpu_usage,
            );
            say(
                t!("worker {id} joined from {host} ({state}, {users} users, CPU {cpu:.0} %) — {} of {expected}", seen.len();
                   "워커 {id} 참여, 호스트 {host} ({state}, 사용자 {users}명, CPU {cpu:.0} %) — {expected}개 중 {}개", seen.len()),
            );
        }
        let mismatches =
            version_mismatches(&std::fs::read_to_string(&locust.log).unwrap_or_default());
        for m in mismatches.iter().skip(versions_said) {
            say(version_words(m));
        }
        versions_said = mismatches.len();
        let count = stats.and_then(|s| s.worker_count).unwrap_or(0);
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
                Some(never_joined(
                    bind,
                    port,
                    wait.as_secs(),
                    count as usize,
                    expected,
                )),
            ));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = cancelled(cancel) => return Err(aborted("interrupted while waiting for workers")),
        }
    }
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

    fn row(id: &str, state: &str, users: u64, cpu: f64) -> WorkerRow {
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

    #[test]
    fn the_join_command_uses_master_port() {
        let cmd = join_command(
            Path::new("/srv/shop/locustfile.py"),
            "10.0.0.5".parse().unwrap(),
            5557,
        );
        assert_eq!(
            cmd,
            "locust -f /srv/shop/locustfile.py --worker --master-host 10.0.0.5 --master-port 5557"
        );
        assert!(!cmd.contains("bind"));
        assert_eq!(
            parse_version("locust 2.47.0 from /x/site-packages/locust (Python 3.11.7)").as_deref(),
            Some("2.47.0")
        );
        assert_eq!(parse_version("nope"), None);
    }

    #[test]
    fn a_worker_that_never_joins_names_the_port_trap_and_the_firewall() {
        let text = never_joined("10.0.0.5".parse().unwrap(), 40123, 120, 0, 2);
        assert!(text.starts_with("nothing connected to 10.0.0.5:40123 in 120 s"));
        assert!(text.contains("--master-port, not --master-bind-port"));
        assert!(text.contains("firewall"));
        let text = never_joined("127.0.0.1".parse().unwrap(), 5557, 120, 1, 2);
        assert!(text.contains("only 1 of 2"));
        assert!(text.contains("--master-bind"));
    }

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

    fn stage(users: u32, rows: Vec<WorkerRow>, lost: &[&str]) -> StageReport {
        use super::super::stage_state::{Ends, StageSpec, StageState};
        let spec = StageSpec {
            users,
            from: 100,
            to: 110,
            ..Default::default()
        };
        let state = StageState::new(spec, &Default::default(), &[], Default::default());
        let ends = Ends {
            lost_workers: lost.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        };
        let mut s = state.close(&Default::default(), 110, ends);
        s.workers = Some(rows);
        s
    }

    #[test]
    fn a_lost_worker_takes_its_users_with_it() {
        let s = stage(
            10,
            vec![
                row("a_01", "running", 5, 20.0),
                row("b_02", "missing", 0, 0.0),
            ],
            &["b_02"],
        );
        let mut facts = WorkerFacts::default();
        facts.last_users.insert("b_02".into(), 5);
        let (problems, _) = findings_from(&s, &facts);
        assert!(
            problems[0]
                .en
                .starts_with("5 of the stage's 10 users (50 %) were lost with worker b_02"),
            "{:?}",
            problems[0].en
        );
        // Without the last rows: what the others do not hold.
        let (problems, _) = findings_from(&s, &WorkerFacts::default());
        assert!(problems[0].en.starts_with("5 of the stage's 10 users"));
    }

    #[test]
    fn a_saturated_worker_is_a_skew() {
        let s = stage(10, vec![row("a_01", "running", 5, 40.0)], &[]);
        let mut facts = WorkerFacts::default();
        facts.cpu_max.insert("a_01".into(), 97.0);
        let (problems, skews) = findings_from(&s, &facts);
        assert!(problems.is_empty());
        assert_eq!(skews.len(), 1);
        assert!(
            skews[0]
                .en
                .contains("worker a_01 at 97 % CPU: the numbers are Locust's limit")
        );
        let (_, skews) = findings_from(&s, &WorkerFacts::default());
        assert!(skews.is_empty());
    }
}
