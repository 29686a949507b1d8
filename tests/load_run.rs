//! `doctor run` against the real sample service with the real Locust (short stages).

mod common;

use common::load::*;
use common::{SampleService, ServiceOptions, run_doctor, sample_dir};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[test]
fn the_report_counts_are_locusts_own() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let (_code, json, stderr) = run_json(
        &service,
        &cfg,
        &["--stages", "2,4", "--stage-time", "5s", "--spawn-rate", "5"],
    );
    let dir = PathBuf::from(json["run_dir"].as_str().unwrap());
    let locust: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("locust.json")).unwrap()).unwrap();
    let want_requests: u64 = locust
        .iter()
        .map(|e| e["num_requests"].as_u64().unwrap())
        .sum();
    let want_failures: u64 = locust
        .iter()
        .map(|e| e["num_failures"].as_u64().unwrap())
        .sum();
    assert!(want_requests > 0, "{stderr}");
    assert_eq!(json["totals"]["requests"].as_u64(), Some(want_requests));
    assert_eq!(json["totals"]["failures"].as_u64(), Some(want_failures));
    let stage_requests: u64 = stages(&json)
        .iter()
        .map(|s| s["requests"].as_u64().unwrap())
        .sum();
    let stage_failures: u64 = stages(&json)
        .iter()
        .map(|s| s["failures"].as_u64().unwrap())
        .sum();
    // doctor's listener counted every answer: those of the stages' seconds, and those outside
    // every stage (after the last, while Locust stopped). Together: Locust's own totals.
    let after = &json["outside_stages"];
    assert_eq!(
        (
            stage_requests + after[0].as_u64().unwrap(),
            stage_failures + after[1].as_u64().unwrap()
        ),
        (want_requests, want_failures),
        "{json:#}"
    );
    // The timeline is the stages' seconds, endpoint by endpoint.
    let timeline: u64 = json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(timeline, stage_requests);
    assert!(
        dir.join("locust_stats.csv").is_file() && dir.join("locust_stats_history.csv").is_file()
    );
    assert_eq!(saved_report(&json)["totals"], json["totals"]);
    // Progress lines without a terminal.
    assert!(
        stderr.contains("/min") && stderr.contains("p95"),
        "{stderr}"
    );
    // The three views of a finished stage agree: its closing line on the console (the live
    // view's last tick), the verdict, and the saved report.
    let saved = saved_report(&json);
    for (i, stage) in stages(&json).iter().enumerate() {
        let closing = stderr
            .lines()
            .find(|l| l.contains(&format!("stage {}/2 done ·", i + 1)))
            .unwrap_or_else(|| panic!("no closing line for stage {}:\n{stderr}", i + 1));
        let rpm = format!("{:.0}/min", stage["rpm"].as_f64().unwrap());
        assert!(
            closing.contains(&format!("· {rpm} (")),
            "{rpm} in {closing}"
        );
        let failures = stage["failures"].as_u64().unwrap();
        let requests = stage["requests"].as_u64().unwrap();
        let verdict = stderr
            .lines()
            .find(|l| l.starts_with(&format!("doctor run: stage {} (", i + 1)))
            .unwrap();
        assert!(
            verdict.contains(&format!("({failures} of {requests};")),
            "{verdict}"
        );
        assert!(
            verdict.contains(&format!(
                "{:.0} requests/min",
                stage["rpm"].as_f64().unwrap()
            )),
            "{verdict}"
        );
        let saved_stage = &saved["stages"][i];
        assert_eq!(saved_stage["requests"], stage["requests"]);
        assert_eq!(saved_stage["rpm"], stage["rpm"]);
        assert_eq!(saved_stage["p95_ms"], stage["p95_ms"]);
        if let Some(p95) = stage["p95_ms"].as_f64() {
            assert!(closing.contains(&format!("p95 {p95:.0} ms")), "{closing}");
        }
    }
    // The history lists it.
    let (code, out, _) = run_doctor(&["--format", "json", "history"], &sample_dir(), &[]);
    assert_eq!(code, 0);
    assert!(out.contains(json["id"].as_str().unwrap()), "{out}");
}

#[test]
fn a_missed_target_stops_the_escalation() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, &format!("p95_ms = 1\n{ANY_FAILURES}"));
    let (code, json, stderr) = run_json(
        &service,
        &cfg,
        &["--stages", "2,5", "--stage-time", "5s", "--spawn-rate", "5"],
    );
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(stages(&json).len(), 1, "stage 2 must not run: {json:#}");
    // The console's FAIL line marks the target that missed, and only that one.
    let fail = stderr
        .lines()
        .find(|l| l.starts_with("doctor run: stage 1 (2 users) FAIL: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(fail.contains("FAIL: ✗ p95 "), "{fail}");
    assert_eq!(fail.matches('✗').count(), 1, "{fail}");
    assert_eq!(fail.matches('✓').count(), 4, "{fail}");
    let stage = &stages(&json)[0];
    assert_eq!(stage["verdict"]["passed"], false);
    let missed: Vec<&str> = stage["verdict"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["passed"] == false)
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(missed, vec!["p95_ms"]);
    assert_eq!(json["outcome"], "missed");
}

/// Two stages of 2 and 4 users; the server stopped 4 s into the first. `extra`: more flags.
fn server_dies_in_stage_one(extra: &[&str]) -> (i32, Value, String) {
    let mut service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let mut args = vec![
        "--stages",
        "2,4",
        "--stage-time",
        "20s",
        "--spawn-rate",
        "5",
    ];
    args.extend_from_slice(extra);
    let mut child = spawn_run(&service, &cfg, &args);
    let stderr = Stderr::follow(&mut child);
    wait_for_stage(&stderr, 1);
    std::thread::sleep(Duration::from_secs(4));
    service.stop();
    finish_followed(child, stderr)
}

#[test]
fn a_server_that_dies_fails_the_stage_and_the_report_is_saved() {
    let (code, json, stderr) = server_dies_in_stage_one(&[]);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    let stage = &stages(&json)[0];
    assert_eq!(stage["verdict"]["passed"], false);
    assert!(problems(stage).contains("stopped listening"), "{stage:#}");
    assert!(
        problems(stage).contains("Locust: "),
        "Locust's own error quoted: {stage:#}"
    );
    assert_eq!(stages(&json).len(), 1);
    assert_eq!(saved_report(&json)["outcome"], "missed");
    // The requests refused once the server was gone belong to the stage it died in.
    assert!(
        stage["failures"].as_u64().is_some_and(|f| f > 0),
        "refused requests not counted in the stage: {stage:#}"
    );
}

/// With --keep-going a dead server cannot be kept going with: the run is cut short
/// ("aborted", exit 3), and nothing tells the user to pass the flag they passed.
#[test]
fn a_server_that_dies_under_keep_going_aborts_the_run() {
    let (code, json, stderr) = server_dies_in_stage_one(&["--keep-going"]);
    assert_eq!(code, 3, "{json:#}\n{stderr}");
    assert_eq!(stages(&json).len(), 1);
    assert!(problems(&stages(&json)[0]).contains("stopped listening"));
    let saved = saved_report(&json);
    assert_eq!(saved["outcome"], "aborted");
    assert!(
        saved["message"]
            .as_str()
            .unwrap_or("")
            .contains("even with --keep-going"),
        "{saved:#}"
    );
    assert!(!stderr.contains("use --keep-going"), "{stderr}");
}

/// Issue 22: a server stopped (SIGSTOP) for 8 s mid-stage is named in that stage, with where
/// in the stage it happened; the port stays open all along, so only the silence tells.
#[test]
fn a_frozen_server_is_named_in_the_stage_it_froze() {
    use nix::sys::signal::{Signal, kill};
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let mut child = spawn_run(
        &service,
        &cfg,
        &["--stages", "4", "--stage-time", "25s", "--spawn-rate", "4"],
    );
    let stderr = Stderr::follow(&mut child);
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while !stderr.contains("stage 1/1") {
        assert!(
            std::time::Instant::now() < deadline,
            "the stage never started"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(6));
    let group = nix::unistd::Pid::from_raw(-(service.pid().unwrap() as i32));
    kill(group, Signal::SIGSTOP).unwrap();
    std::thread::sleep(Duration::from_secs(8));
    kill(group, Signal::SIGCONT).unwrap();
    let (_, json, stderr) = finish_followed(child, stderr);
    let stage = &stages(&json)[0];
    let silence = &stage["silence"];
    assert!(
        silence["secs"]
            .as_f64()
            .is_some_and(|s| (6.0..=12.0).contains(&s)),
        "{stage:#}\n{stderr}"
    );
    assert!(
        silence["from_s"]
            .as_f64()
            .is_some_and(|s| (3.0..=12.0).contains(&s)),
        "{silence:#}"
    );
    assert!(
        problems(stage).contains("no request was answered for"),
        "{stage:#}"
    );
}

#[test]
fn sigterm_stops_locust_and_its_two_workers_and_saves_a_partial_report() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let mut child = spawn_run(
        &service,
        &cfg,
        &[
            "--stages",
            "4,6",
            "--stage-time",
            "30s",
            "--spawn-rate",
            "4",
            "--workers",
            "2",
        ],
    );
    let doctor = child.id() as i32;
    let stderr = Stderr::follow(&mut child);
    wait_for_stage(&stderr, 1);
    std::thread::sleep(Duration::from_secs(5));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(doctor),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let (code, json, stderr) = finish_followed(child, stderr);
    assert_eq!(code, 3, "{json:#}\n{stderr}");
    assert_eq!(json["outcome"], "aborted");
    let pids = json["locust_pids"].as_array().unwrap();
    assert_eq!(pids.len(), 3, "master and two workers: {json:#}");
    for pid in pids {
        assert!(
            !alive(pid.as_u64().unwrap()),
            "Locust process {pid} outlived doctor"
        );
    }
    let stage = &stages(&json)[0];
    assert_eq!(stage["interrupted"], true);
    assert_eq!(
        stage["workers"].as_array().map(|w| w.len()),
        Some(2),
        "{stage:#}"
    );
    assert!(stderr.contains("2 worker(s) connected"), "{stderr}");
    assert_eq!(saved_report(&json)["outcome"], "aborted");
}

#[test]
fn the_bad_locustfile_fails_the_stage_with_locusts_message() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let bad = "locust_test/locustfile_bad.py";
    // Without --force the locustfile check stops it before any load.
    let (code, json, _) = run_json(
        &service,
        &cfg,
        &["--locustfile", bad, "--stages", "2", "--stage-time", "5s"],
    );
    assert_eq!(code, 3, "{json:#}");
    assert!(stages(&json).is_empty());
    let (code, json, _) = run_json(
        &service,
        &cfg,
        &[
            "--force",
            "--locustfile",
            bad,
            "--stages",
            "2,4",
            "--stage-time",
            "6s",
            "--spawn-rate",
            "5",
        ],
    );
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(stages(&json).len(), 1);
    assert!(
        problems(&stages(&json)[0]).contains("'FastHttpSession' object has no attribute 'headers'"),
        "{json:#}"
    );
}

#[test]
fn a_remote_target_is_refused_before_anything_starts() {
    let (code, stdout, stderr) = run_doctor(
        &[
            "--base-url",
            "http://10.255.255.1:8000",
            "run",
            "--stages",
            "2",
            "--stage-time",
            "5s",
        ],
        &sample_dir(),
        &[],
    );
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("--allow-remote") && stderr.contains("10.255.255.1"),
        "{stderr}"
    );
    assert!(stdout.is_empty());
}

#[test]
fn a_killed_doctors_locust_dies_with_it_and_the_run_reads_as_interrupted() {
    // Issue 22: after SIGKILL of `doctor run`, Locust kept loading the server until doctor was
    // next started, and the run was missing from the history. Its parent-death signal now ends
    // Locust within seconds, and the history keeps the run, interrupted, with its first stage.
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let mut child = spawn_run(
        &service,
        &cfg,
        &[
            "--stages",
            "2,3",
            "--stage-time",
            "10s",
            "--spawn-rate",
            "2",
            "--force",
        ],
    );
    let marker = format!("DATABASE_URL={}", service.database_url);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let locust = loop {
        let found = processes_with_env(&marker);
        if !found.is_empty() {
            break found;
        }
        assert!(std::time::Instant::now() < deadline, "Locust never started");
        std::thread::sleep(Duration::from_millis(200));
    };
    // Every Locust carries the run id of the doctor that started it.
    for pid in &locust {
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        assert!(
            env.split(|b| *b == 0)
                .any(|v| v.starts_with(b"DOCTOR_RUN_ID=")),
            "Locust {pid} has no DOCTOR_RUN_ID"
        );
    }
    // Kill during the second stage, once the first is in the history.
    let history_row = || {
        let (_, out, _) = run_doctor(&["--format", "json", "history"], &sample_dir(), &[]);
        let rows: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        rows.as_array()
            .and_then(|rows| {
                rows.iter()
                    .find(|r| r["base_url"] == service.base_url.as_str())
                    .cloned()
            })
            .unwrap_or_default()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let row = history_row();
        if row["stages"].as_array().is_some_and(|s| !s.is_empty()) {
            assert_eq!(row["outcome"], "running", "{row:#}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no stage in the history: {row:#}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    // SIGKILL: doctor cannot clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while locust.iter().any(|pid| alive(*pid)) {
        assert!(
            std::time::Instant::now() < deadline,
            "Locust outlived the killed doctor by 5 s: {locust:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let row = history_row();
    assert_eq!(row["outcome"], "interrupted", "{row:#}");
    assert_eq!(row["stages"].as_array().map(Vec::len), Some(1), "{row:#}");
    assert_eq!(row["stages"][0]["users"], 2, "{row:#}");
}
