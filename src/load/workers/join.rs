//! Waiting for the Locust workers before the first stage: the command each load host runs to
//! join, the master's Locust version and locustfile digest to match, what the joining workers
//! are, and why none (or too few) joined.

use super::mismatch::{version_mismatches, version_words};
use super::{host_of, short_id};
use crate::i18n::Text;
use crate::load::locust::{self, Locust};
use crate::load::run_report::Outcome;
use crate::load::stage::aborted;
use crate::load::{RunEvent, Stop, cancelled};
use crate::t;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc::UnboundedSender, watch};

/// How long remote workers get to join (local ones: 60 s).
const REMOTE_WAIT: Duration = Duration::from_secs(120);

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

pub(in crate::load) async fn wait_for_workers(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
