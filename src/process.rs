//! Children doctor starts (runserver, locust and its workers) run in their own process group,
//! are stopped as a group, and are recorded in a pidfile so that a doctor killed with SIGKILL
//! has its leftovers stopped at the next start.

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// A child process group that dies with this value.
pub struct Group {
    pub child: tokio::process::Child,
    pub pgid: i32,
    pidfile: PathBuf,
}

fn pid_dir() -> PathBuf {
    std::env::temp_dir()
        .join(format!("doctor-{}", nix::unistd::getuid()))
        .join("groups")
}

impl Group {
    /// Start `command` as the leader of a new process group.
    pub fn spawn(
        command: &mut tokio::process::Command,
        stdout: Stdio,
        stderr: Stdio,
    ) -> std::io::Result<Group> {
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true);
        let child = command.spawn()?;
        let pgid = child.id().map(|p| p as i32).unwrap_or(0);
        let dir = pid_dir();
        let _ = std::fs::create_dir_all(&dir);
        let pidfile = dir.join(pgid.to_string());
        // Recorded with the start time so a reused pid is never mistaken for ours.
        let _ = std::fs::write(&pidfile, start_time(pgid).unwrap_or_default());
        Ok(Group {
            child,
            pgid,
            pidfile,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pgid as u32
    }

    /// Has the leader exited? (Non-blocking.)
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM to the whole group, SIGKILL after `grace`; always reaps the leader.
    pub async fn stop(&mut self, grace: Duration) {
        if self.pgid > 0 {
            let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGTERM);
            if tokio::time::timeout(grace, self.child.wait())
                .await
                .is_err()
            {
                let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGKILL);
                let _ = self.child.wait().await;
            }
            // Members may outlive the leader (workers); make sure none is left.
            let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGKILL);
        }
        let _ = std::fs::remove_file(&self.pidfile);
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // Last resort when `stop` was not awaited (panic, early return): no grace, no leftovers.
        if self.pgid > 0 && std::fs::remove_file(&self.pidfile).is_ok() {
            let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGKILL);
        }
    }
}

/// Field `n` (1-based, as in proc(5)) of /proc/PID/stat; the name in parentheses may hold
/// spaces, so fields are counted after its closing parenthesis (field 3 onward).
fn stat_field(pid: i32, n: usize) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit(')').next()?;
    after_name
        .split_whitespace()
        .nth(n.checked_sub(3)?)
        .map(str::to_string)
}

/// The process's start time (field 22): identifies it across pid reuse.
fn start_time(pid: i32) -> Option<String> {
    stat_field(pid, 22)
}

/// Pids whose process group is one of `pgids` (a group's leader and everything it started).
pub fn group_members(pgids: &[i32]) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            stat_field(*pid as i32, 5)
                .and_then(|g| g.parse::<i32>().ok())
                .is_some_and(|g| pgids.contains(&g))
        })
        .collect()
}

/// Process group ids as a person reads them: "12, 345".
pub fn pid_list(pgids: &[i32]) -> String {
    pgids
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stop process groups a previous doctor left behind (it was killed before it could).
/// Returns the pgids stopped.
pub fn reap_orphans() -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir(pid_dir()) else {
        return Vec::new();
    };
    let mut stopped = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(pgid) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let recorded = std::fs::read_to_string(&path).unwrap_or_default();
        let alive_and_ours = start_time(pgid).is_some_and(|t| t == recorded.trim());
        if alive_and_ours && owner_is_gone(pgid) {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
            stopped.push(pgid);
        }
        if !alive_and_ours || stopped.contains(&pgid) {
            let _ = std::fs::remove_file(&path);
        }
    }
    stopped
}

/// A group is orphaned when its leader's parent is no longer a doctor (it was re-parented).
fn owner_is_gone(pgid: i32) -> bool {
    let Some(ppid) = stat_field(pgid, 4).and_then(|p| p.parse::<i32>().ok()) else {
        return false;
    };
    let parent = std::fs::read_to_string(format!("/proc/{ppid}/comm")).unwrap_or_default();
    parent.trim() != "doctor"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: i32) -> bool {
        nix::sys::signal::kill(Pid::from_raw(pid), None).is_ok() && start_time(pid).is_some()
    }

    #[tokio::test]
    async fn stop_ends_the_whole_group() {
        // A shell that starts a grandchild in the same group, like locust and its workers.
        let mut command = tokio::process::Command::new("sh");
        command.args(["-c", "sleep 30 & sleep 30; wait"]);
        let mut group = Group::spawn(&mut command, Stdio::null(), Stdio::null()).unwrap();
        let pgid = group.pgid;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let members: Vec<i32> = group_members(&[pgid])
            .into_iter()
            .map(|p| p as i32)
            .collect();
        assert!(members.len() >= 2, "{members:?}");
        group.stop(Duration::from_secs(2)).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        for pid in members {
            assert!(!alive(pid) || is_zombie(pid), "pid {pid} survived");
        }
    }

    fn is_zombie(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(true)
    }
}
