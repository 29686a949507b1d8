//! doctor against the real sample service on SQLite: one service, port and database per scenario.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const BUILTIN: &[&str] = &[
    "port",
    "server",
    "users",
    "auth",
    "stock",
    "resources",
    "db",
];

/// A `--checks` directory with an http check on /api/health/ and an sql check on the products.
fn write_custom_checks(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("health.toml"),
        r#"id = "health"
title = { en = "Health endpoint", ko = "헬스 엔드포인트" }
probe = "http"
needs = ["server"]

[params]
path = "/api/health/"
expect_status = 200
expect_json = true

[diagnoses.default]
cause = { en = "The health endpoint does not answer.", ko = "헬스 엔드포인트가 응답하지 않음." }
fix = { en = "Start the server.", ko = "서버를 실행." }
"#,
    )
    .unwrap();
    fs::write(
        dir.join("products.toml"),
        r#"id = "products"
title = { en = "Products exist", ko = "상품 존재" }
probe = "sql"

[params]
query = "SELECT COUNT(*) FROM products_product"
label = "products"

[thresholds]
min = 1

[diagnoses.below_min]
cause = { en = "There are no products.", ko = "상품이 없음." }
fix = { en = "Run seed_stock.", ko = "seed_stock 실행." }
"#,
    )
    .unwrap();
}

fn write_config(path: &Path, body: &str) -> String {
    fs::write(path, body).unwrap();
    path.display().to_string()
}

#[test]
fn healthy_service_passes() {
    let svc = SampleService::start(ServiceOptions::default());
    let json = svc.check_json(&["--check", "all"]);

    for id in ["port", "server", "users", "auth", "stock"] {
        assert_check(&json, id, "pass", None);
    }
    assert_check(&json, "db", "skip", None);
    assert_eq!(json["exit_code"], 0, "{json:#}");
    assert_eq!(evidence(&json, "auth", "token_lifetime_s"), Some("300"));
    assert_eq!(evidence(&json, "users", "users"), Some("100"));
    assert_eq!(evidence(&json, "stock", "available_units"), Some("10000"));
    let listener = evidence(&json, "port", "listener").expect("listener evidence");
    assert!(listener.contains("runserver"), "{listener}");
    assert!(
        listener.contains(&format!("pid {}", svc.pid().unwrap())),
        "{listener}"
    );

    // The JSON schema.
    for key in [
        "doctor_version",
        "lang",
        "target",
        "checks",
        "summary",
        "exit_code",
    ] {
        assert!(json.get(key).is_some(), "no {key:?} in {json:#}");
    }
    for key in ["base_url", "project_dir", "config_file", "locustfile"] {
        assert!(json["target"].get(key).is_some(), "no target.{key}");
    }
    assert_eq!(json["target"]["base_url"], svc.base_url.as_str());
    let checks = json["checks"].as_array().unwrap();
    for id in BUILTIN {
        check(&json, id);
    }
    for c in checks {
        for key in [
            "id",
            "title",
            "section",
            "status",
            "summary",
            "evidence",
            "duration_ms",
        ] {
            assert!(c.get(key).is_some(), "no {key:?} in {c:#}");
        }
        assert!(
            ["pass", "warn", "fail", "skip", "error"].contains(&c["status"].as_str().unwrap()),
            "{c:#}"
        );
        for e in c["evidence"].as_array().unwrap() {
            assert!(e["key"].is_string() && e["value"].is_string(), "{e}");
        }
    }
    let summary = &json["summary"];
    let counted: i64 = ["pass", "warn", "fail", "skip", "error"]
        .iter()
        .map(|k| summary[*k].as_i64().unwrap())
        .sum();
    assert_eq!(summary["total"].as_i64(), Some(counted));
    assert_eq!(counted, checks.len() as i64);
    assert_eq!(summary["fail"], 0);

    // Text output in Korean.
    let (code, text, stderr) = svc.doctor(&["--check", "port,server,users", "--lang", "ko"]);
    assert_eq!(code, 0, "{text}\n{stderr}");
    assert!(text.contains("통과"), "no Korean status in:\n{text}");
    let json_ko = svc.check_json(&["--check", "port", "--lang", "ko"]);
    assert_eq!(json_ko["lang"], "ko");
    assert_eq!(
        check(&json_ko, "port")["title"],
        "서버 포트에서 대기 중인 프로세스"
    );
}

#[test]
fn no_users_fails_users_and_auth() {
    let svc = SampleService::start(ServiceOptions::default().users(false));
    let json = svc.check_json(&["--check", "all"]);
    assert_check(&json, "users", "fail", Some("no_users"));
    assert_check(&json, "auth", "fail", Some("unauthorized"));
    assert_eq!(evidence(&json, "users", "users"), Some("0"));
    assert_check(&json, "stock", "pass", None);
    assert_eq!(json["exit_code"], 1);
    // The failing check carries its cause and fix.
    let users = check(&json, "users");
    assert!(
        users["cause"].is_string() && users["fix"].is_string(),
        "{users:#}"
    );
}

#[test]
fn no_stock_fails_stock_and_custom_sql_check() {
    let svc = SampleService::start(ServiceOptions::default().stock(false));
    let dir = svc.dir().join("checks");
    write_custom_checks(&dir);
    let dir = dir.display().to_string();

    let json = svc.check_json(&["--checks", &dir, "--check", "all"]);
    assert_check(&json, "stock", "fail", Some("empty"));
    assert_check(&json, "products", "fail", Some("below_min"));
    assert_check(&json, "health", "pass", None);
    assert_check(&json, "users", "pass", None);
    assert_check(&json, "auth", "pass", None);
    assert_eq!(json["exit_code"], 1);
    // The stock check offers its fix.
    let fixes = check(&json, "stock")["fixes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        fixes
            .iter()
            .any(|f| f["id"].as_str().is_some_and(|id| id.ends_with("seed"))),
        "{json:#}"
    );
}

#[test]
fn custom_checks_run_without_recompiling() {
    let svc = SampleService::start(ServiceOptions::default());
    let dir = svc.dir().join("checks");
    write_custom_checks(&dir);
    let dir_s = dir.display().to_string();

    let json = svc.check_json(&["--checks", &dir_s, "--check", "health,products"]);
    assert_check(&json, "health", "pass", None);
    assert_check(&json, "products", "pass", None);
    assert_eq!(json["exit_code"], 0);
    // `needs` pulled in the dependencies of health.
    assert_check(&json, "server", "pass", None);
    let ids: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(!ids.contains(&"stock"), "unselected check ran: {ids:?}");

    // --list shows them with the file they come from.
    let (code, stdout, stderr) = svc.doctor(&["--checks", &dir_s, "--list", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let list: Value = serde_json::from_str(&stdout).expect("--list --format json");
    let entry = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {list:#}"))
            .clone()
    };
    assert!(
        entry("health")["defined_in"]
            .as_str()
            .unwrap()
            .ends_with("health.toml")
    );
    assert!(
        entry("products")["defined_in"]
            .as_str()
            .unwrap()
            .ends_with("products.toml")
    );
    for id in BUILTIN {
        entry(id);
    }
    let (code, text, _) = svc.doctor(&["--checks", &dir_s, "--list"]);
    assert_eq!(code, 0);
    let line = text
        .lines()
        .find(|l| l.starts_with("products"))
        .expect("products line");
    assert!(line.contains("products.toml"), "{line}");
}

#[test]
fn stopped_server_fails_port_and_server() {
    let mut svc = SampleService::start(ServiceOptions::default());
    // Running first, so the failure below is the stop.
    let json = svc.check_json(&["--check", "port"]);
    assert_check(&json, "port", "pass", None);

    svc.stop();
    let json = svc.check_json(&["--check", "all"]);
    assert_check(&json, "port", "fail", Some("not_listening"));
    // server needs port: with port failed it is skipped, not run.
    assert_check(&json, "server", "skip", None);
    assert_check(&json, "auth", "skip", None);
    // The database is still there.
    assert_check(&json, "users", "pass", None);
    assert_eq!(json["exit_code"], 1);
}

#[test]
fn foreign_process_on_port_warns_not_django() {
    let other = HttpServer::start();
    let env = [];
    let base = other.base_url.as_str();
    let json = check_json(
        &["--base-url", base, "--check", "port"],
        &sample_dir(),
        &env,
    );
    assert_check(&json, "port", "warn", Some("not_django"));
    let listener = evidence(&json, "port", "listener").expect("listener evidence");
    assert!(listener.contains("http.server"), "{listener}");
    assert!(listener.contains("python"), "{listener}");
    assert!(
        listener.contains(&format!("pid {}", other.pid().unwrap())),
        "{listener}"
    );
    // A warning alone passes...
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["summary"]["warn"], 1);
    // ...unless --strict.
    let (code, stdout, stderr) = run_doctor(
        &[
            "--base-url",
            base,
            "--check",
            "port",
            "--strict",
            "--format",
            "json",
        ],
        &sample_dir(),
        &env,
    );
    let strict = parse_report(code, &stdout, &stderr, "");
    assert_check(&strict, "port", "warn", Some("not_django"));
    assert_eq!(code, 1);
}

#[test]
fn login_500_is_server_error() {
    let svc = SampleService::start(ServiceOptions::default().env("SAMPLE_FAULT_LOGIN_500", "1"));
    let json = svc.check_json(&["--check", "auth"]);
    assert_check(&json, "auth", "fail", Some("server_error"));
    assert_eq!(evidence(&json, "auth", "status"), Some("500"));
    assert_check(&json, "server", "pass", None);
    assert_eq!(json["exit_code"], 1);
}

#[test]
fn login_wrong_path_from_config() {
    let svc = SampleService::start(ServiceOptions::default());
    let config = write_config(
        &svc.dir().join("doctor.toml"),
        "[target]\nlogin_path = \"/nope/\"\n",
    );
    let json = svc.check_json(&["--config", &config, "--check", "auth"]);
    assert_check(&json, "auth", "fail", Some("wrong_path"));
    assert_eq!(evidence(&json, "auth", "status"), Some("404"));
    assert_eq!(json["target"]["config_file"], config.as_str());
    assert_eq!(json["exit_code"], 1);
}

#[test]
fn login_html_answer_is_not_json() {
    // Django Silk's page answers a POST with 200 and HTML.
    let svc = SampleService::start(ServiceOptions::default().env("SAMPLE_SILK", "1"));
    let config = write_config(
        &svc.dir().join("doctor.toml"),
        "[target]\nlogin_path = \"/silk/\"\n",
    );
    let json = svc.check_json(&["--config", &config, "--check", "auth"]);
    assert_check(&json, "auth", "fail", Some("not_json"));
    assert_eq!(evidence(&json, "auth", "status"), Some("200"));
    let content_type = evidence(&json, "auth", "content_type").unwrap_or("");
    assert!(content_type.starts_with("text/html"), "{json:#}");
}

#[test]
fn django_is_started_once_per_run() {
    let svc = SampleService::start(ServiceOptions::default());
    let counter = svc.dir().join("python-calls.txt");
    let wrapper = svc.dir().join("python-wrapper.sh");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"python started as pid $$: $*\" >> '{}'\nexec '{}' \"$@\"\n",
            counter.display(),
            python().display()
        ),
    )
    .unwrap();
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    let config = write_config(
        &svc.dir().join("doctor.toml"),
        &format!("[django]\npython = \"{}\"\n", wrapper.display()),
    );

    let json = svc.check_json(&["--config", &config, "--check", "all"]);
    for id in ["users", "auth", "stock"] {
        assert_check(&json, id, "pass", None);
    }
    // Two helpers, each started once, side by side: the Django answer and the executed
    // locustfile.
    let calls = fs::read_to_string(&counter).unwrap_or_default();
    for entry in ["django_main.py", "locust_main.py"] {
        assert_eq!(
            calls.lines().filter(|l| l.contains(entry)).count(),
            1,
            "{entry} ran more than once (or never):\n{calls}"
        );
    }
    assert_eq!(calls.lines().count(), 2, "{calls}");
}
