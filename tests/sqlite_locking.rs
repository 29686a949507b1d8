//! SQLite's write lock against the real sample on real SQLite: the `sqlite` check says, before
//! load, how the settings take the lock (Django's DEFERRED default, or IMMEDIATE) and where
//! DATABASES is assigned, and the forecast says how many reservations it will refuse; a run
//! of concurrent reservations then shows what they said: under DEFERRED the 500s come at once
//! and are traced to it, under IMMEDIATE the writers queue for the one lock and none fails.

mod common;

use common::load::*;
use common::{SampleService, ServiceOptions, assert_check, check, evidence, sample_dir};
use serde_json::Value;

/// The lines of the sample's settings that assign DATABASES (an if/else on DATABASE_URL).
fn databases_lines() -> Vec<String> {
    let text = std::fs::read_to_string(sample_dir().join("config/base.py")).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("DATABASES = "))
        .map(|(i, _)| format!("config/base.py:{}", i + 1))
        .collect()
}

fn service(mode: Option<&str>) -> SampleService {
    let mut options = ServiceOptions::default().env("SAMPLE_RESERVE_HOLD_MS", "100");
    if let Some(mode) = mode {
        options = options.env("SAMPLE_SQLITE_TRANSACTION_MODE", mode);
    }
    SampleService::start(options)
}

#[test]
fn the_check_names_django_s_deferred_default_its_timeout_and_the_databases_lines() {
    let svc = service(None);
    let json = svc.check_json(&["--check", "sqlite"]);
    // The sample has stock: the warning speaks of reservations, and of why they fail at once.
    assert_check(&json, "sqlite", "warn", Some("sqlite_deferred"));
    let result = check(&json, "sqlite");
    let summary = result["summary"].as_str().unwrap();
    assert!(
        summary.contains("DEFERRED") && summary.contains("fails at once"),
        "{summary}"
    );
    assert!(
        summary.contains("up to 5 s"),
        "the settings' timeout: {summary}"
    );
    // That a reservation reads before it writes is measured, not assumed from the stock model:
    // the in-process replay of the load test timed its transaction (it holds its row 100 ms).
    assert!(
        summary.contains("POST /api/products/[id]/reserve/ reads, then writes"),
        "{summary}"
    );
    let measured = evidence(&json, "sqlite", "read_then_write").unwrap_or_default();
    assert!(
        measured.starts_with("POST /api/products/[id]/reserve/ ("),
        "{measured}"
    );
    let detail = result["detail"].as_str().unwrap();
    let lines = databases_lines();
    assert_eq!(lines.len(), 2, "the sample's if/else: {lines:?}");
    assert!(detail.contains(&lines.join(", ")), "{detail}");
    assert_eq!(
        evidence(&json, "sqlite", "transaction_mode"),
        Some("DEFERRED")
    );
    let django = evidence(&json, "sqlite", "django").unwrap();
    assert!(
        detail.contains(&format!(
            "this Django ({django}) accepts \"transaction_mode\""
        )),
        "{detail}"
    );
    let fix = result["fix"].as_str().unwrap();
    assert!(fix.contains("\"transaction_mode\": \"IMMEDIATE\""), "{fix}");

    let svc = service(Some("IMMEDIATE"));
    let json = svc.check_json(&["--check", "sqlite"]);
    assert_check(&json, "sqlite", "warn", Some("sqlite"));
    let summary = check(&json, "sqlite")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        summary.contains("IMMEDIATE transactions") && summary.contains("queue"),
        "{summary}"
    );
    assert_eq!(
        evidence(&json, "sqlite", "transaction_mode"),
        Some("IMMEDIATE")
    );
}

/// The sample's locustfile with reservations only and no think time: 4 users reserve at once.
fn reservations_only(svc: &SampleService) -> std::path::PathBuf {
    let text = std::fs::read_to_string(sample_dir().join("locust_test/locustfile.py")).unwrap();
    let text = text
        .replace(
            "from locust import FastHttpUser, between, task",
            "from locust import FastHttpUser, constant, task",
        )
        .replace("wait_time = between(1, 2)", "wait_time = constant(0)")
        .replace(
            "    @task(3)\n    def list_products",
            "    def list_products",
        );
    assert!(text.contains("constant(0)") && !text.contains("@task(3)"));
    let path = svc.dir().join("reserve_locustfile.py");
    std::fs::write(&path, text).unwrap();
    path
}

fn reserve_run(svc: &SampleService) -> (i32, Value, String) {
    let locustfile = reservations_only(svc);
    let cfg = config(
        svc,
        &format!("p95_ms = 60000\n\n[locust]\nlocustfile = {locustfile:?}\n"),
    );
    run_json(
        svc,
        &cfg,
        &["--stages", "4", "--stage-time", "8s", "--spawn-rate", "4"],
    )
}

fn reserve_500s(stage: &Value) -> u64 {
    stage["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter(|e| e["name"].as_str().is_some_and(|n| n.contains("reserve")))
                .filter(|e| e["error"].as_str().is_some_and(|e| e.contains("500")))
                .map(|e| e["occurrences"].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn concurrent_reservations_fail_at_once_under_deferred_and_queue_under_immediate() {
    // DEFERRED: the 500s answered far under the timeout, traced to the settings.
    let svc = service(None);
    let (code, json, stderr) = reserve_run(&svc);
    let stage = &stages(&json)[0];
    assert!(
        reserve_500s(stage) > 0,
        "no reservation failed: {stage:#}\n{stderr}"
    );
    assert_eq!(code, 1, "the failures miss the target: {json:#}");
    // Said before the stage: the reservations' transactions will be refused, most of them.
    let forecast = &stage["forecast"];
    assert_eq!(forecast["limiting"], "sqlite_locks", "{forecast:#}");
    assert!(
        forecast["failure_ratio"].as_f64().unwrap() > 0.3,
        "{forecast:#}"
    );
    assert!(
        stderr.contains("will be refused at once with \"database is locked\""),
        "{stderr}"
    );
    let patterns = stage["verdict"]["patterns"].to_string();
    assert!(
        patterns.contains("writes to POST /api/products/[id]/reserve/ answered 500"),
        "{patterns}"
    );
    assert!(patterns.contains("did not wait for the lock"), "{patterns}");
    let lines = databases_lines().join(", ");
    assert!(patterns.contains(&lines), "{lines} in {patterns}");

    // IMMEDIATE, as the advice says: the same load, and no reservation answers 500.
    let svc = service(Some("IMMEDIATE"));
    let (_, json, stderr) = reserve_run(&svc);
    let stage = &stages(&json)[0];
    assert!(
        stage["requests"].as_u64().unwrap() > 20,
        "reservations ran: {stage:#}"
    );
    assert_eq!(reserve_500s(stage), 0, "{stage:#}\n{stderr}");
    // Said before the stage: none refused, but the one write lock is taken in turn.
    let forecast = &stage["forecast"];
    assert!(
        !forecast["limits"].to_string().contains("sqlite_locks"),
        "IMMEDIATE queues: {forecast:#}"
    );
    assert_eq!(forecast["limiting"], "capacity", "{forecast:#}");
    assert_eq!(
        forecast["limits"][0]["resource"], "sqlite_lock",
        "{forecast:#}"
    );
    assert!(
        !stage["verdict"]["patterns"]
            .to_string()
            .contains("answered 500"),
        "{stage:#}"
    );
}
