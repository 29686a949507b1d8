//! Children doctor starts (runserver, locust and its workers) run in their own process group,
//! are stopped as a group, and are recorded in a pidfile so that a doctor killed with SIGKILL
//! has its leftovers stopped at the next start.

pub mod lifeline;
mod lineage;
#[cfg(test)]
mod orphan_tests;
mod private_dir;

pub use lineage::{RUN_ID_VAR, owner_is_gone as doctor_is_gone, run_id};
pub use private_dir::{check_private, private_subdir, state_dir};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A child process group that dies with this value.
pub struct Group {
    pub child: tokio::process::Child,
    pub pgid: i32,
    pidfile: Option<PathBuf>,
}

/// Where pidfiles live: `groups/` in doctor's private state folder (see `private_dir`).
fn pid_dir() -> Result<PathBuf, String> {
    private_subdir(&state_dir()?, "groups")
}

/// Why orphans cannot be looked for (the state folder is missing or not private), if so.
pub fn orphan_dir_problem() -> Option<String> {
    pid_dir().err()
}

impl Group {
    /// Start `command` as the leader of a new process group.
    pub fn spawn(
        command: &mut tokio::process::Command,
        stdout: Stdio,
        stderr: Stdio,
    ) -> std::io::Result<Group> {
        // SIGTERM when doctor dies: Locust then stops its users and writes its JSON.
        lineage::mark_child(command, Signal::SIGTERM);
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true);
        let child = command.spawn()?;
        let pgid = child.id().map(|p| p as i32).unwrap_or(0);
        // Recorded with the start time (a reused pid is never mistaken for ours) and the run
        // id its environment carries. No private folder: nothing recorded, nothing trusted.
        let pidfile = pid_dir().ok().map(|dir| dir.join(pgid.to_string()));
        if let Some(path) = &pidfile {
            let start = start_time(pgid).unwrap_or_default();
            let _ = std::fs::write(path, format!("{start}\n{}\n", run_id()));
        }
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
        if let Some(path) = &self.pidfile {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // Last resort when `stop` was not awaited (panic, early return): no grace, no leftovers.
        let recorded = self
            .pidfile
            .as_ref()
            .is_none_or(|p| std::fs::remove_file(p).is_ok());
        if self.pgid > 0 && recorded {
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
    pid_dir()
        .map(|dir| reap_orphans_in(&dir))
        .unwrap_or_default()
}

/// A group is stopped only when all hold: its leader still has the recorded start time, its
/// environment carries the recorded run id and its command is one doctor starts, and the
/// doctor of that run id is gone. Any other pidfile is removed and nothing is signalled.
fn reap_orphans_in(dir: &Path) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stopped = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(pgid) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<i32>().ok())
            .filter(|p| *p > 1)
        else {
            continue;
        };
        let recorded = std::fs::read_to_string(&path).unwrap_or_default();
        let mut lines = recorded.lines();
        let (start, id) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
        let same_process = start_time(pgid).is_some_and(|t| !start.is_empty() && t == start);
        let ours = same_process && lineage::is_doctors(pgid, id);
        if ours && !lineage::owner_is_gone(id) {
            continue; // its doctor still runs and will stop it
        }
        if ours {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
            stopped.push(pgid);
        }
        let _ = std::fs::remove_file(&path);
    }
    stopped
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
