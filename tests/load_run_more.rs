//! More of `doctor run` against the real sample service and the real Locust (short stages):
//! the comparison with the previous run, a lost worker, PostgreSQL connections, and the text
//! output without a terminal in Korean.

mod common;

use common::korean::assert_korean;
use common::load::*;
use common::{Postgres, SampleService, ServiceOptions, run_doctor, sample_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn ms(v: &Value) -> String {
    v.as_f64()
        .map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "-".into())
}

#[test]
fn a_second_run_on_the_same_target_is_compared_with_the_first() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, &format!("p95_ms = 60000\n{ANY_FAILURES}"));
    let args = ["--stages", "2,3", "--stage-time", "5s", "--spawn-rate", "5"];
    let (code, first, stderr) = run_json(&service, &cfg, &args);
    assert_eq!(code, 0, "{first:#}\n{stderr}");
    // The second run in text: its comparison is printed, and saved in its report.json.
    let mut all = vec!["--config", cfg.to_str().unwrap(), "run"];
    all.extend_from_slice(&args);
    let (code, text, stderr) = service.doctor(&all);
    assert_eq!(code, 0, "{text}\n{stderr}");
    let report_md = text
        .lines()
        .find_map(|l| l.strip_prefix("report: "))
        .unwrap_or_else(|| panic!("no report path printed:\n{text}"));
    let second_dir = Path::new(report_md).parent().unwrap().to_path_buf();
    let second: Value =
        serde_json::from_str(&std::fs::read_to_string(second_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(second["base_url"], first["base_url"]);
    assert_ne!(second["id"], first["id"]);
    let first_id = first["id"].as_str().unwrap();
    let comparison = second["comparison"].as_array().expect("comparison");
    assert_eq!(comparison.len(), 2, "one line per stage: {second:#}");
    for (index, users) in [(0, 2), (1, 3)] {
        let (a, b) = (&stages(&first)[index], &stages(&second)[index]);
        assert_eq!(a["users"], users);
        assert_eq!(b["users"], users);
        let line = comparison[index]["en"].as_str().unwrap();
        let ko = comparison[index]["ko"].as_str().unwrap();
        // Both runs' figures, previous → now, and the previous run's id.
        let p95 = format!("{} → {}", ms(&a["p95_ms"]), ms(&b["p95_ms"]));
        let rps = format!(
            "{:.1} → {:.1}",
            a["rps"].as_f64().unwrap(),
            b["rps"].as_f64().unwrap()
        );
        for l in [line, ko] {
            assert!(l.contains(&p95), "{p95} in {l}");
            assert!(l.contains(&rps), "{rps} in {l}");
            assert!(l.contains(first_id), "{first_id} in {l}");
            assert!(l.contains(&users.to_string()), "{l}");
        }
        assert!(text.contains(line), "the text report shows {line}:\n{text}");
    }
    assert!(
        first["comparison"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c.to_string().contains(second["id"].as_str().unwrap())),
        "the first run cannot know the second"
    );
    // --format json of a run carries the same comparison (a third run compares with the second).
    let (code, third, stderr) = run_json(&service, &cfg, &args);
    assert_eq!(code, 0, "{third:#}\n{stderr}");
    let lines = third["comparison"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{third:#}");
    let second_id = second["id"].as_str().unwrap();
    assert!(
        lines
            .iter()
            .all(|l| l["en"].as_str().unwrap().contains(second_id)),
        "{third:#}"
    );
    assert_eq!(saved(&third)["comparison"], third["comparison"]);
    // The history lists all three runs with their directories and stages.
    let (code, out, _) = run_doctor(&["--format", "json", "history"], &sample_dir(), &[]);
    assert_eq!(code, 0);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    for run in [&first, &second, &third] {
        let row = rows
            .iter()
            .find(|r| r["id"] == run["id"])
            .unwrap_or_else(|| panic!("run {} not in the history", run["id"]));
        assert_eq!(row["base_url"], service.base_url.as_str());
        assert_eq!(row["report_dir"], run["run_dir"]);
        assert_eq!(row["outcome"], "passed");
        assert_eq!(row["exit_code"], 0);
        let users: Vec<u64> = row["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["users"].as_u64().unwrap())
            .collect();
        assert_eq!(users, vec![2, 3]);
    }
}

fn saved(json: &Value) -> Value {
    let dir = PathBuf::from(json["run_dir"].as_str().unwrap());
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn a_worker_killed_mid_stage_is_reported_missing() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "p95_ms = 60000\n");
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
    let doctor = child.id();
    let stderr = Stderr::follow(&mut child);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !stderr.contains("stage 1/2") {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            // SIGTERM: doctor stops its Locust before exiting.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(doctor as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let _ = child.wait();
            panic!("the first stage never started:\n{}", stderr.join());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let workers = children_with(doctor, "--worker");
    assert_eq!(workers.len(), 2, "two workers, children of doctor");
    // Let them take their users, then one dies without a word.
    std::thread::sleep(Duration::from_secs(4));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(workers[0] as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let (code, json, stderr) = finish_followed(child, stderr);
    assert_eq!(code, 1, "{json:#}\n{stderr}");
    assert_eq!(json["outcome"], "missed");
    // The escalation stops at the stage that lost it.
    assert_eq!(stages(&json).len(), 1, "{json:#}");
    let stage = &stages(&json)[0];
    assert_eq!(stage["verdict"]["passed"], false, "{stage:#}");
    let lost: Vec<&str> = stage["lost_workers"]
        .as_array()
        .expect("lost_workers")
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(lost.len(), 1, "{stage:#}");
    let states: Vec<(&str, &str)> = stage["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|w| (w["id"].as_str().unwrap(), w["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&(lost[0], "missing")), "{stage:#}");
    assert_eq!(
        states.iter().filter(|(_, s)| *s != "missing").count(),
        1,
        "the other worker still works: {stage:#}"
    );
    assert!(
        stage["verdict"]["problems"].to_string().contains(lost[0]),
        "{stage:#}"
    );
    // Live: a progress line showed the worker missing.
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("workers 2 [") && l.contains("missing")),
        "{stderr}"
    );
    assert!(stderr.contains(lost[0]), "{stderr}");
    // Nothing outlives doctor.
    let pids = json["locust_pids"].as_array().unwrap();
    assert_eq!(pids.len(), 3, "{json:#}");
    assert!(
        pids.iter()
            .any(|p| p.as_u64() == Some(u64::from(workers[0])))
    );
    for pid in pids {
        assert!(
            !alive(pid.as_u64().unwrap()),
            "Locust {pid} outlived doctor"
        );
    }
    assert!(children_with(doctor, "--worker").is_empty());
}

#[test]
fn a_run_on_postgresql_reports_the_database_connections() {
    let pg = Postgres::start();
    let url = pg.create_database("doctor_run");
    // Persistent connections: the app's own sessions stay open through the stage (doctor's own
    // are never counted, so without them an idle moment reads 0).
    let service = SampleService::start(
        ServiceOptions::default()
            .database_url(&url)
            .env("SAMPLE_CONN_MAX_AGE", "60"),
    );
    let cfg = config(&service, "p95_ms = 60000\n");
    let (code, json, stderr) = run_json(
        &service,
        &cfg,
        &["--stages", "2", "--stage-time", "6s", "--spawn-rate", "5"],
    );
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    let stage = &stages(&json)[0];
    let db = stage["db_connections_max"]
        .as_array()
        .unwrap_or_else(|| panic!("db_connections_max: {stage:#}"));
    let (used, max) = (db[0].as_i64().unwrap(), db[1].as_i64().unwrap());
    assert!(used >= 1, "{stage:#}");
    assert!(max >= used, "{stage:#}");
    // The same in the live progress lines: "DB used/max".
    let live: Vec<(i64, i64)> = stderr
        .split(" · DB ")
        .skip(1)
        .filter_map(|rest| {
            let (u, m) = rest.split_whitespace().next()?.split_once('/')?;
            Some((u.parse().ok()?, m.parse().ok()?))
        })
        .collect();
    assert!(!live.is_empty(), "{stderr}");
    assert!(live.iter().all(|(u, m)| *u >= 1 && *m == max), "{live:?}");
    drop(service);
    drop(pg);
}

/// `[mm:ss]` at the start of a progress line, in seconds.
fn stamp(line: &str) -> Option<u64> {
    let rest = line.strip_prefix('[')?;
    let (mm, rest) = rest.split_once(':')?;
    let (ss, _) = rest.split_once(']')?;
    Some(mm.parse::<u64>().ok()? * 60 + ss.parse::<u64>().ok()?)
}

#[test]
fn text_output_without_a_terminal_is_korean_with_progress_lines_and_verdicts() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, &format!("p95_ms = 60000\n{ANY_FAILURES}"));
    let (code, stdout, stderr) = service.doctor(&[
        "--config",
        cfg.to_str().unwrap(),
        "--lang",
        "ko",
        "run",
        "--stages",
        "2,3",
        "--stage-time",
        "12s",
        "--spawn-rate",
        "5",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    // Progress lines: per stage, at least one, never two within 5 s (4.5 s, whole seconds shown).
    for (n, users) in [(1, 2), (2, 3)] {
        let marker = format!("단계 {n}/2 · 사용자 ");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&marker)).collect();
        assert!(
            !lines.is_empty(),
            "no progress line for stage {n}:\n{stderr}"
        );
        assert!(
            lines.len() <= 4,
            "12 s stage, a line at most every 5 s:\n{stderr}"
        );
        let stamps: Vec<u64> = lines.iter().map(|l| stamp(l).unwrap()).collect();
        assert!(
            stamps.windows(2).all(|w| w[1] >= w[0] + 4),
            "{stamps:?}\n{stderr}"
        );
        for l in &lines {
            assert!(l.contains(&format!("/{users} ·")), "{l}");
            assert!(l.contains("실패") && l.contains("메모리"), "{l}");
            assert!(l.contains("/분") && l.contains("p95"), "{l}");
        }
        // The stage's start and verdict, in Korean.
        assert!(
            stderr.contains(&format!("doctor run: {n}/2단계: 사용자 {users}명")),
            "{stderr}"
        );
        let verdict = stderr
            .lines()
            .find(|l| l.starts_with(&format!("doctor run: {n}단계 (사용자 {users}명) 통과: ")))
            .unwrap_or_else(|| panic!("no verdict for stage {n}:\n{stderr}"));
        assert!(
            verdict.contains("목표 ≤ 60000 ms") && verdict.contains("실패율"),
            "{verdict}"
        );
        assert!(
            verdict.contains("분당") && verdict.contains("목표 ≥ 1)"),
            "{verdict}"
        );
    }
    assert!(
        !stderr.contains(" users"),
        "no English stage lines:\n{stderr}"
    );
    // The report on stdout, in Korean too.
    assert!(
        stdout.contains("- 대상: ")
            && stdout.contains("- 결과: 모든 단계가 목표 달성 (종료 코드 0)"),
        "{stdout}"
    );
    assert!(stdout.contains("보고서: "), "{stdout}");
    // No English prose anywhere: progress, verdicts, the report on stdout and the saved one.
    assert_korean("doctor run --lang ko", &format!("{stdout}\n{stderr}"));
    let report = stdout
        .lines()
        .find_map(|l| l.strip_prefix("보고서: "))
        .unwrap_or_else(|| panic!("no report path printed:\n{stdout}"));
    let saved = std::fs::read_to_string(report.trim()).expect("report.md");
    assert_korean("report.md of the run", &saved);
}
