//! Servers started by a fix (runserver) live as long as doctor: kept here, with their logs for
//! diagnosis, and stopped by `stop_all` on every way out of doctor.

use super::{Applied, Exit};
use crate::process::Group;
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
) -> Result<Applied, String> {
    let say = |line: String| {
        if let Some(progress) = progress {
            let _ = progress.send(line.clone());
        }
        line
    };
    let dir = std::env::temp_dir().join(format!("doctor-{}", nix::unistd::getuid()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let log = dir.join(format!(
        "server-{}.log",
        address.replace([':', '[', ']'], "_")
    ));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut group = Group::spawn(&mut command, Stdio::from(file), Stdio::from(err))
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut output = vec![say(format!(
        "started pid {} — log {}",
        group.pid(),
        log.display()
    ))];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            output.push(say(format!(
                "listening on {address}; doctor stops it when it exits"
            )));
            RUNNING.lock().expect("server list").push(group);
            return Ok(Applied {
                success: true,
                exit: Exit::default(),
                output,
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
            });
        }
        if Instant::now() > deadline {
            group.stop(Duration::from_secs(2)).await;
            output.push(say(format!(
                "nothing answered on {address} within 30 s; stopped it"
            )));
            return Ok(Applied {
                success: false,
                exit: Exit::default(),
                output,
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
