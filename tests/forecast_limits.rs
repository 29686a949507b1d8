//! Issue 20: the forecast's token and database-connection limits against real processes (the
//! other kinds are in tests/forecast.rs): read before load, with their figures.

mod common;

use common::*;
use serde_json::Value;

fn limit<'a>(stage: &'a Value, kind: &str) -> Option<&'a Value> {
    stage["forecast"]["limits"]
        .as_array()
        .expect("limits")
        .iter()
        .find(|l| l["kind"] == kind)
}

fn forecast(service: &SampleService, args: &[&str]) -> Value {
    let mut all = vec!["forecast", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = service.doctor(&all);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// A locustfile that logs in once (on_start) against a 20-s access token: from 20 s into the
/// run its requests answer 401, two thirds of a 60-s first stage.
#[test]
fn a_token_that_expires_before_the_stage_ends_is_named_with_its_share() {
    let service =
        SampleService::start(ServiceOptions::default().env("SAMPLE_ACCESS_TOKEN_SECONDS", "20"));
    let locustfile = sample_dir().join("../../tests/fixtures/locustfiles/browse_catalog.py");
    let json = forecast(
        &service,
        &[
            "--locustfile",
            locustfile.to_str().unwrap(),
            "--stages",
            "5",
            "--stage-time",
            "60s",
        ],
    );
    let stage = &json["stages"][0];
    let token = limit(stage, "token").unwrap_or_else(|| panic!("{stage:#}"));
    assert_eq!(token["lifetime_s"], 20.0, "{token}");
    let share = token["share"].as_f64().unwrap();
    assert!((share - 0.667).abs() < 0.01, "{token}");
    assert_eq!(stage["forecast"]["limiting"], "token", "{stage:#}");
    assert!(stage["forecast"]["failure_ratio"].as_f64().unwrap() > 0.3);
}

/// runserver keeps one thread per connection and, with CONN_MAX_AGE, one database connection
/// per thread: at 120 users that is more than PostgreSQL's max_connections (100).
#[test]
fn persistent_connections_past_max_connections_are_named() {
    let pg = Postgres::start();
    let url = pg.create_database("doctor_forecast_limits");
    let service = SampleService::start(
        ServiceOptions::default()
            .database_url(&url)
            .env("SAMPLE_CONN_MAX_AGE", "60"),
    );
    let json = forecast(&service, &["--stages", "50,120", "--stage-time", "30s"]);
    let stages = json["stages"].as_array().unwrap();
    assert!(
        limit(&stages[0], "db_connections").is_none(),
        "{:#}",
        stages[0]
    );
    let db = limit(&stages[1], "db_connections").unwrap_or_else(|| panic!("{:#}", stages[1]));
    assert_eq!(db["max_connections"], 100, "{db}");
    assert_eq!(db["connections"], 120, "{db}");
    assert!(
        db["text"]["en"]
            .as_str()
            .unwrap()
            .contains("max_connections 100"),
        "{db}"
    );
}
