//! Orphan reaping against real processes: a planted pidfile never gets an unrelated group
//! killed; a real leftover of a dead doctor is stopped.

use super::*;
use std::process::{Child, Command};

fn setsid(args: &[&str], run_id: Option<&str>) -> Child {
    let mut command = Command::new("setsid");
    command.args(args).stdin(Stdio::null());
    if let Some(id) = run_id {
        command.env(RUN_ID_VAR, id);
    }
    let child = command.spawn().unwrap();
    // The child is this test binary until it execs setsid, which then execs the program.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !std::fs::read(format!("/proc/{}/cmdline", child.id()))
        .is_ok_and(|c| c.starts_with(args[0].as_bytes()))
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn plant(dir: &Path, pid: u32, run_id: &str) -> PathBuf {
    let path = dir.join(pid.to_string());
    let start = start_time(pid as i32).expect("running");
    std::fs::write(&path, format!("{start}\n{run_id}\n")).unwrap();
    path
}

/// A run id whose doctor is gone: pid 1 never has start time 0.
const GONE: &str = "1-0-dead";

fn running(child: &mut Child) -> bool {
    child.try_wait().unwrap().is_none()
}

fn end(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_planted_pidfile_cannot_get_an_unrelated_group_killed() {
    let dir = tempfile::tempdir().unwrap();
    // The case: someone else's pidfile naming my `setsid sleep` with its true start time.
    let mut plain = setsid(&["sleep", "30"], None);
    plant(dir.path(), plain.id(), GONE);
    // Even carrying a run id in its environment, `sleep` is no command doctor starts.
    let mut marked = setsid(&["sleep", "30"], Some(GONE));
    plant(dir.path(), marked.id(), GONE);
    // A Locust-looking group whose environment names another run than the pidfile.
    let mut other_run = setsid(&["sh", "-c", "sleep 30", "locust"], Some("1-0-other"));
    plant(dir.path(), other_run.id(), GONE);

    let stopped = reap_orphans_in(dir.path());
    std::thread::sleep(Duration::from_millis(200));
    assert!(stopped.is_empty(), "{stopped:?}");
    for child in [&mut plain, &mut marked, &mut other_run] {
        assert!(running(child), "pid {} was killed", child.id());
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "pidfiles kept"
    );
    for child in [plain, marked, other_run] {
        end(child);
    }
}

#[test]
fn a_leftover_of_a_dead_doctor_is_stopped_and_a_living_doctors_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut orphan = setsid(&["sh", "-c", "sleep 30", "locust"], Some(GONE));
    plant(dir.path(), orphan.id(), GONE);
    // Its doctor (this process) still runs: not an orphan.
    let mut living = setsid(&["sh", "-c", "sleep 30", "locust"], Some(run_id()));
    let kept = plant(dir.path(), living.id(), run_id());

    let stopped = reap_orphans_in(dir.path());
    assert_eq!(stopped, vec![orphan.id() as i32]);
    let status = orphan.wait().unwrap();
    assert!(!status.success(), "{status}");
    assert!(running(&mut living));
    assert!(kept.exists());
    end(living);
}

#[tokio::test]
async fn children_carry_the_run_id() {
    let mut command = tokio::process::Command::new("sh");
    command.args(["-c", "sleep 30", "locust"]);
    let mut group = Group::spawn(&mut command, Stdio::null(), Stdio::null()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !lineage::is_doctors(group.pgid, run_id()) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(lineage::is_doctors(group.pgid, run_id()));
    group.stop(Duration::from_secs(2)).await;
}
