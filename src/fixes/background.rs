//! Servers started by a fix (runserver) live as long as doctor: kept here, with their logs for
//! diagnosis, and stopped by `stop_all` on every way out of doctor.

use super::{Applied, Exit};
use crate::i18n::Lang;
use crate::process::Group;
use crate::t;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

static RUNNING: Mutex<Vec<Group>> = Mutex::new(Vec::new());

/// Start `command` in its own process group and wait until `address` accepts connections.
pub async fn start(
    mut command: tokio::process::Command,
    address: &str,
    progress: Option<&mpsc::UnboundedSender<String>>,
    lang: Lang,
) -> Result<Applied, String> {
    let say = |line: String| {
        if let Some(progress) = progress {
            let _ = progress.send(line.clone());
        }
        line
    };
    // doctor's private folder, not /tmp: no other user can put a symlink where the log goes.
    let dir = crate::process::state_dir()?;
    let log = dir.join(format!(
        "server-{}.log",
        address.replace([':', '[', ']'], "_")
    ));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut group = Group::spawn(&mut command, Stdio::from(file), Stdio::from(err))
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let (pid, shown_log) = (group.pid(), log.display());
    let mut output = vec![say(
        t!("started pid {pid} — log {shown_log}"; "pid {pid}로 시작 — 로그 {shown_log}")
            .get(lang)
            .to_string(),
    )];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            output.push(say(t!("listening on {address}; doctor stops it when it exits"; "{address}에서 대기 중 — doctor가 끝날 때 중지함")
                .get(lang)
                .to_string()));
            RUNNING.lock().expect("server list").push(group);
            return Ok(Applied {
                success: true,
                exit: Exit::default(),
                output,
                answer: None,
            });
        }
        if let Some(status) = group.exited() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            output.extend(
                text.lines()
                    .rev()
                    .take(12)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .map(|l| say(l.to_string())),
            );
            group.stop(Duration::from_secs(1)).await;
            return Ok(Applied {
                success: false,
                exit: status.into(),
                output,
                answer: None,
            });
        }
        if Instant::now() > deadline {
            group.stop(Duration::from_secs(2)).await;
            output.push(say(t!("nothing answered on {address} within 30 s; stopped it"; "30초 안에 {address}에서 응답이 없어 중지함")
                .get(lang)
                .to_string()));
            return Ok(Applied {
                success: false,
                exit: Exit::default(),
                output,
                answer: None,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stop every server a fix started (SIGTERM to its group, SIGKILL after 3 s).
pub async fn stop_all() {
    let groups: Vec<Group> = std::mem::take(&mut *RUNNING.lock().expect("server list"));
    for mut group in groups {
        group.stop(Duration::from_secs(3)).await;
    }
}

/// How many fix-started servers are running (for the TUI footer and tests).
pub fn running() -> usize {
    RUNNING.lock().map(|r| r.len()).unwrap_or(0)
}
