//! Issue 21 item 10: doctor never counts itself. Its PostgreSQL sessions (its own pool, its
//! Python helpers) are tagged with application_name and left out of the `db` figures, and
//! the CPU of its own process tree is left out of the system's.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn connections(json: &serde_json::Value) -> i64 {
    evidence(json, "db", "connections_to_database")
        .unwrap_or_else(|| panic!("no connections_to_database: {json:#}"))
        .parse()
        .unwrap()
}

#[test]
fn doctors_own_postgres_sessions_are_not_the_apps() {
    let pg = Postgres::start();
    let url = pg.create_database("doctor_footprint");
    let svc = SampleService::start(ServiceOptions::default().database_url(&url).stock(false));

    // The server is idle (runserver closes its connection after each request): the only
    // sessions while the check runs are doctor's own, and they are not counted.
    let json = svc.check_json(&["--check", "db,settings"]);
    assert_check(&json, "db", "pass", None);
    assert_eq!(connections(&json), 0, "{json:#}");
    assert_eq!(
        evidence(&json, "db", "client_connections"),
        Some("0"),
        "{json:#}"
    );

    // One session of the app's own (Django's connection, untagged) is counted.
    let mut cmd = scrubbed(Command::new(python()));
    cmd.args([
        "manage.py",
        "shell",
        "-c",
        "from django.db import connection\nconnection.ensure_connection()\nprint('held', flush=True)\nimport time\ntime.sleep(120)",
    ])
    .current_dir(sample_dir())
    .env("DATABASE_URL", &url);
    let log = svc.dir().join("app-session.log");
    let _app = Group::spawn("app session", cmd, &log);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("held")
    {
        assert!(Instant::now() < deadline, "{}", read_log(&log));
        std::thread::sleep(Duration::from_millis(100));
    }
    let json = svc.check_json(&["--check", "db,settings"]);
    assert_eq!(connections(&json), 1, "{json:#}");
}

/// utime + stime of `pid` in clock ticks, from /proc (not doctor's reader).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn doctors_own_process_tree_is_not_the_systems_cpu() {
    // A child of this process (as doctor's helpers are doctor's) keeps a core as busy as the
    // shared machine lets it.
    let mut burner = Command::new(python())
        .args(["-c", "while True: pass"])
        .spawn()
        .expect("start a busy child");
    std::thread::sleep(Duration::from_millis(300));
    let (before, started) = (cpu_ticks(burner.id()), Instant::now());
    let sample = doctor::probes::resources::sample(None).expect("sample");
    let (after, elapsed) = (cpu_ticks(burner.id()), started.elapsed());
    let _ = burner.kill();
    let _ = burner.wait();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f32;
    let ticks_per_s = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f32;
    // The child's share of all cores while doctor sampled, as /proc counted it.
    let child = (after - before) as f32 / ticks_per_s / elapsed.as_secs_f32() * 100.0 / cores;
    assert!(child > 2.0, "the child never ran: {child:.1} %");
    assert!(
        sample.doctor_cpu_percent >= 0.5 * child,
        "child {child:.1} % of all cores, doctor's tree {sample:?}"
    );
    assert!(
        sample.cpu_percent + sample.doctor_cpu_percent <= 101.0,
        "{sample:?}"
    );
}
