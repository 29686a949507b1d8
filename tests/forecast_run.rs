//! `doctor run` holds each stage's forecast against its measurement: the forecast is made
//! before load from the running sample (no load sent), shown before each stage, kept in
//! report.json as `stages[i].forecast` (the JSON contract), and the stage's verdict sets the
//! forecast beside the measured figures. Real sample service, real Locust, short stages.

mod common;

use common::load::*;
use common::{SampleService, ServiceOptions};
use serde_json::Value;

const KINDS: &[&str] = &[
    "pacing",
    "capacity",
    "throttle",
    "pool",
    "stock",
    "token",
    "db_connections",
    "load_machine",
    "sqlite_locks",
];

fn assert_contract(forecast: &Value) {
    for key in ["rpm", "p95_ms", "failure_ratio"] {
        assert!(forecast[key].as_f64().is_some(), "{key}: {forecast:#}");
    }
    let limiting = forecast["limiting"].as_str().expect("limiting");
    assert!(KINDS.contains(&limiting), "{limiting}");
    let limits = forecast["limits"].as_array().expect("limits");
    assert_eq!(
        limits[0]["kind"], limiting,
        "the limiting one first: {forecast:#}"
    );
    for limit in limits {
        assert!(
            KINDS.contains(&limit["kind"].as_str().unwrap()),
            "{limit:#}"
        );
        assert!(
            !limit["text"]["en"].as_str().unwrap().is_empty(),
            "{limit:#}"
        );
        assert!(
            !limit["text"]["ko"].as_str().unwrap().is_empty(),
            "{limit:#}"
        );
    }
}

#[test]
fn each_stage_is_forecast_before_load_and_held_against_its_measurement() {
    let service = SampleService::start(ServiceOptions::default());
    // Both stages must run: the sample's SQLite may honestly refuse a reserve, and the
    // subject here is the forecast held against the measurement, not the targets.
    let cfg = config(&service, &format!("p95_ms = 60000\n{ANY_FAILURES}"));
    let args = [
        "--stages",
        "2,4",
        "--stage-time",
        "8s",
        "--spawn-rate",
        "4",
        "--keep-going",
    ];
    let (code, json, stderr) = run_json(&service, &cfg, &args);
    assert!(code == 0 || code == 1, "exit {code}: {json:#}\n{stderr}");
    let stages = stages(&json);
    assert_eq!(stages.len(), 2, "{json:#}\n{stderr}");
    for (i, stage) in stages.iter().enumerate() {
        let forecast = &stage["forecast"];
        assert_contract(forecast);
        // The sample paces its users with between(1, 2): the stage is the locustfile's.
        assert!(forecast["rpm"].as_f64().unwrap() > 0.0, "{forecast:#}");
        let held = stage["verdict"]["forecast"]
            .as_array()
            .expect("verdict.forecast");
        let first = held[0]["en"].as_str().unwrap();
        let forecast_rpm = format!("{:.0}/min forecast", forecast["rpm"].as_f64().unwrap());
        let measured_rpm = format!("{:.0}/min measured", stage["rpm"].as_f64().unwrap());
        assert!(
            first.starts_with("forecast against measured") && first.contains(&forecast_rpm),
            "{first}"
        );
        assert!(first.contains(&measured_rpm), "{first} / {stage:#}");
        // Shown before the stage started, in the order of the stages.
        let users = stage["users"].as_u64().unwrap();
        let line = format!("forecast for stage {} ({users} users): about", i + 1);
        assert!(stderr.contains(&line), "{line}\n{stderr}");
    }
    let first_forecast = stderr.find("forecast for stage 1 (2 users)").unwrap();
    let second_forecast = stderr.find("forecast for stage 2 (4 users)").unwrap();
    assert!(first_forecast < second_forecast, "{stderr}");
    // The saved report carries the same contract.
    let saved = saved_report(&json);
    assert_eq!(saved["stages"][0]["forecast"], stages[0]["forecast"]);
    assert_contract(&saved["stages"][1]["forecast"]);
}
