//! Issue 22: two doctors at once on one project. Their in-process replays run in transactions
//! rolled back at the end; on SQLite one's writes made the other's fail ("500 database is
//! locked, fix services.py:49"), a false bug in the user's code. Replays now take turns through
//! a lock in the project's `.doctor/`, and a lock held too long is "could not test", naming the
//! doctor that held it.

mod common;

use common::project_copy::{copy_sample, serve};
use common::*;
use serde_json::Value;
use std::process::Command;

fn report(child: std::process::Child) -> Value {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e})\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn four_doctors_at_once_on_sqlite_never_blame_the_project() {
    let service = SampleService::start(ServiceOptions::default());
    let args = [
        "--base-url",
        service.base_url.as_str(),
        "--check",
        "all",
        "--format",
        "json",
    ];
    let env = service.env_refs();
    let children: Vec<_> = (0..4)
        .map(|_| spawn_doctor(&args, &sample_dir(), &env))
        .collect();
    for json in children.into_iter().map(report) {
        for c in json["checks"].as_array().unwrap() {
            assert!(
                !(c["status"] == "fail" && c.to_string().contains("database is locked")),
                "doctor's own lock blamed on the project:\n{c:#}"
            );
        }
        for id in ["locustfile", "requests", "reserve"] {
            assert_eq!(status(&json, id), "pass", "{:#}", check(&json, id));
        }
    }
}

#[test]
fn a_replay_lock_held_too_long_is_could_not_test_naming_the_holder() {
    let root = tempfile::Builder::new()
        .prefix("doctor-two-")
        .tempdir()
        .unwrap();
    let project = root.path().join("shop");
    copy_sample(&project);
    let (_server, port) = serve(&project, &[]);
    // Another doctor's replay, as the lock protocol sees it: the flock held, its pid inside.
    std::fs::create_dir_all(project.join(".doctor")).unwrap();
    let lock = project.join(".doctor/replay.lock");
    let _ = std::fs::remove_file(&lock); // one copied from the sample's own runs
    let holder_script = format!(
        "import fcntl, os, sys, time\nfd = os.open({lock:?}, os.O_RDWR | os.O_CREAT)\nfcntl.flock(fd, fcntl.LOCK_EX)\nos.ftruncate(fd, 0)\nos.write(fd, str(os.getpid()).encode())\nprint('held', flush=True)\ntime.sleep(300)\n"
    );
    let mut cmd = Command::new("python3");
    cmd.args(["-c", &holder_script]);
    let log = root.path().join("holder.log");
    let mut holder = Group::spawn("lock holder", cmd, &log);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&lock).is_ok_and(|t| !t.is_empty()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the holder never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let holder_pid = std::fs::read_to_string(&lock).unwrap();
    let json = check_json(
        &[
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--check",
            "requests,reserve",
        ],
        &project,
        &[(
            "DATABASE_URL",
            &format!("sqlite:///{}", project.join("db.sqlite3").display()),
        )],
    );
    holder.stop();
    for id in ["requests", "reserve"] {
        let c = check(&json, id);
        assert_eq!(status(&json, id), "skip", "{c:#}");
        let summary = c["summary"].to_string();
        assert!(
            summary.contains(&format!("another doctor (pid {holder_pid})")),
            "{c:#}"
        );
    }
}
