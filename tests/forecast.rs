//! `doctor forecast` against real projects served by runserver on a free loopback port: the
//! sample service (limited by its own pacing; costs and the password hash measured) and the
//! throttled-shop fixture (DRF throttles per IP that fail most requests, the settings' switch
//! named, an N+1 serializer found). No load is sent: only the forecast's own probes.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn forecast_json(code: i32, stdout: &str, stderr: &str) -> Value {
    assert_eq!(code, 0, "doctor forecast failed:\n{stdout}\n{stderr}");
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{stderr}"))
}

fn limit<'a>(forecast: &'a Value, kind: &str) -> Option<&'a Value> {
    forecast["limits"]
        .as_array()
        .expect("limits")
        .iter()
        .find(|l| l["kind"] == kind)
}

fn cost<'a>(json: &'a Value, request: &str) -> &'a Value {
    json["costs"]
        .as_array()
        .expect("costs")
        .iter()
        .find(|c| c["request"] == request)
        .unwrap_or_else(|| panic!("no cost row {request}: {}", json["costs"]))
}

#[test]
fn the_sample_is_limited_by_its_pacing_and_its_costs_are_measured() {
    let service = SampleService::start(ServiceOptions::default());
    let (code, out, err) = service.doctor(&[
        "forecast",
        "--stages",
        "20,40",
        "--spawn-rate",
        "10",
        "--stage-time",
        "30s",
        "--format",
        "json",
    ]);
    let json = forecast_json(code, &out, &err);
    let stages = json["stages"].as_array().expect("stages");
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0]["users"], 20);
    let first = &stages[0]["forecast"];
    // between(1, 2): a task every ~1.5 s, one request each: ~40/min per user; 20 users spawned
    // in 2 s of a 30 s stage, plus their two on_start requests.
    let rpm = first["rpm"].as_f64().unwrap();
    assert!((700.0..=950.0).contains(&rpm), "rpm {rpm}: {first}");
    assert_eq!(first["limiting"], "pacing", "{first}");
    assert_eq!(first["limits"][0]["kind"], "pacing");
    let pacing = limit(first, "pacing").unwrap();
    assert!(
        pacing["text"]["en"]
            .as_str()
            .unwrap()
            .contains("between(1, 2)"),
        "{pacing}"
    );
    assert!(limit(first, "capacity").is_some(), "{first}");
    // seed_stock's 10,000 units against ~1/4 of the requests reserving randint(1, 3) units.
    let stock = limit(first, "stock").expect("a stock figure");
    let per_min = stock["units_per_min"].as_f64().unwrap();
    assert!((250.0..=600.0).contains(&per_min), "{stock}");
    let second_rpm = stages[1]["forecast"]["rpm"].as_f64().unwrap();
    assert!(
        second_rpm > 1.7 * rpm,
        "40 users offer about twice 20's: {second_rpm} vs {rpm}"
    );
    // The login's costs: its SQL measured, its password hash counted and measured apart.
    let login = cost(&json, "POST /api/token/");
    assert_eq!(login["password_checks"], 1, "{login}");
    assert!(login["sql_queries"].as_u64().unwrap() >= 1, "{login}");
    let hasher = &json["password_hasher"];
    assert_eq!(hasher["algorithm"], "pbkdf2_sha256", "{hasher}");
    assert!(hasher["iterations"].as_u64().unwrap() >= 100_000);
    assert!(hasher["cpu_ms"].as_f64().unwrap() > 10.0, "{hasher}");
    let list = cost(&json, "GET /api/products/");
    assert_eq!(list["password_checks"], 0);
    assert!(
        list["repeated_sql"].as_array().unwrap().is_empty(),
        "select_related: {list}"
    );
    // The running server was read: runserver, one process.
    assert_eq!(json["server"]["kind"], "runserver", "{}", json["server"]);
}

#[test]
fn the_forecast_in_korean_has_no_english_prose() {
    let service = SampleService::start(ServiceOptions::default());
    let (code, out, err) = service.doctor(&[
        "forecast",
        "--stages",
        "10",
        "--spawn-rate",
        "5",
        "--stage-time",
        "20s",
        "--lang",
        "ko",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("1단계: 사용자 10명"), "{out}");
    let prose: Vec<String> = korean::english_in(&out)
        .into_iter()
        // Code and names are not prose: the locustfile's wait_time, request names, paths.
        .filter(|l| !l.contains('`') && !l.contains("/api/") && !l.contains("pbkdf2"))
        .collect();
    assert!(
        prose.is_empty(),
        "English in Korean output: {prose:#?}\n{out}"
    );
}

fn shop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/throttled-shop")
}

/// The throttled-shop fixture, migrated and seeded in a temp SQLite file, on runserver.
struct Shop {
    base_url: String,
    config: String,
    env: Vec<(String, String)>,
    _server: Group,
    _db: FixtureDb,
}

impl Shop {
    fn start(extra_env: &[(&str, &str)]) -> Shop {
        let db = FixtureDb::migrated(&shop_dir(), "doctor-throttled-shop-");
        let mut env = vec![("DATABASE_URL".to_string(), db.database_url.clone())];
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        manage_in(&shop_dir(), &["seed_shop"], &refs);
        let log = db.dir.path().join("runserver.log");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = scrubbed(Command::new(python()));
            cmd.args([
                "manage.py",
                "runserver",
                &format!("127.0.0.1:{port}"),
                "--noreload",
            ])
            .current_dir(shop_dir())
            .env("PYTHONUNBUFFERED", "1");
            for (k, v) in &env {
                cmd.env(k, v);
            }
            let mut server = Group::spawn("throttled-shop runserver", cmd, &log);
            if server.wait_for_port(port) {
                return Shop {
                    base_url: format!("http://127.0.0.1:{port}"),
                    config: db.config.clone(),
                    env,
                    _server: server,
                    _db: db,
                };
            }
            server.stop();
        }
        panic!("throttled-shop runserver found no free port in 5 attempts");
    }

    fn forecast(&self, args: &[&str]) -> Value {
        let mut all = vec![
            "--config",
            &self.config,
            "--base-url",
            &self.base_url,
            "forecast",
        ];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (code, out, err) = run_doctor(&all, &shop_dir(), &env);
        forecast_json(code, &out, &err)
    }

    fn check(&self, ids: &str) -> Value {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let args = [
            "--config",
            &self.config,
            "--base-url",
            &self.base_url,
            "--check",
            ids,
        ];
        check_json(&args, &shop_dir(), &env)
    }
}

#[test]
fn throttles_per_ip_fail_the_shop_and_the_settings_switch_is_named() {
    let shop = Shop::start(&[]);
    let json = shop.forecast(&[
        "--stages",
        "30",
        "--spawn-rate",
        "30",
        "--stage-time",
        "60s",
    ]);
    let f = &json["stages"][0]["forecast"];
    assert_eq!(f["limiting"], "throttle", "{f}");
    let throttles: Vec<&Value> = f["limits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "throttle")
        .collect();
    let login = throttles
        .iter()
        .find(|l| l["scope"] == "login")
        .unwrap_or_else(|| panic!("no login throttle: {f}"));
    // 3/min per IP, 30 users logging in once: 27 refused.
    assert_eq!(login["rate"], "3/min");
    assert_eq!(login["key"], "ip");
    assert_eq!(login["refused"], 27.0, "{login}");
    let switches = login["switches"].as_array().unwrap();
    assert!(
        switches.iter().any(|s| s
            .as_str()
            .unwrap()
            .starts_with("SHOP_LOGIN_RATE (shopconf/settings.py:")),
        "{login}"
    );
    assert!(
        switches
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("SHOP_NO_THROTTLE")),
        "{login}"
    );
    let anon = throttles
        .iter()
        .find(|l| l["scope"] == "anon")
        .unwrap_or_else(|| panic!("{f}"));
    assert_eq!(anon["rate"], "100/hour");
    assert!(f["failure_ratio"].as_f64().unwrap() > 0.3, "{f}");
    // The serializer method that reads each product's stock: 20 rows, 20 queries, its frame.
    let list = cost(&json, "GET /api/products/");
    let repeated = &list["repeated_sql"][0];
    assert_eq!(repeated["count"], 20, "{list}");
    assert_eq!(
        repeated["frame"]["function"], "get_available_stock",
        "{list}"
    );
    assert_eq!(
        repeated["frame"]["file"], "catalog/serializers.py",
        "{list}"
    );
    // TaskSets picked by {Browse: 3, Account: 1} with between(3, 15): the lazy login counts
    // once per user, the browse lists three times per cycle.
    let pacing = limit(f, "pacing").unwrap();
    assert!(
        pacing["text"]["en"]
            .as_str()
            .unwrap()
            .contains("between(3, 15)"),
        "{pacing}"
    );
}

#[test]
fn with_the_default_throttles_switched_off_only_the_views_own_remains() {
    let shop = Shop::start(&[("SHOP_NO_THROTTLE", "1")]);
    let json = shop.forecast(&[
        "--stages",
        "30",
        "--spawn-rate",
        "30",
        "--stage-time",
        "60s",
    ]);
    let f = &json["stages"][0]["forecast"];
    let scopes: Vec<&str> = f["limits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "throttle")
        .filter_map(|l| l["scope"].as_str())
        .collect();
    assert_eq!(scopes, vec!["login"], "{f}");

    // The requests check warns in words, at the serializer's line, with the fix.
    let checked = shop.check("requests");
    let requests = check(&checked, "requests");
    assert_eq!(requests["status"], "warn", "{requests:#}");
    assert_eq!(requests["diagnosis"], "n_plus_one", "{requests:#}");
    let summary = requests["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("GET /api/products/")
            && summary.contains(" runs ")
            && summary.contains("`get_available_stock` (catalog/serializers.py:")
            && summary.contains("prefetch_related"),
        "{summary}"
    );
}

#[test]
fn missing_accounts_and_little_stock_fail_their_share() {
    let service = SampleService::start(ServiceOptions::default().users(false).stock(false));
    // The locustfile picks user1..user100; 60 exist. 300 units against ~400/min reserved.
    manage(&["create_test_users", "--count", "60"], &service.env);
    manage(&["seed_stock", "--quantity", "300"], &service.env);
    let (code, out, err) = service.doctor(&[
        "forecast",
        "--stages",
        "20",
        "--spawn-rate",
        "10",
        "--stage-time",
        "60s",
        "--format",
        "json",
    ]);
    let json = forecast_json(code, &out, &err);
    let f = &json["stages"][0]["forecast"];
    let pool = limit(f, "pool").unwrap_or_else(|| panic!("no pool limit: {f}"));
    assert_eq!(pool["pool_size"], 100, "{pool}");
    assert_eq!(pool["existing"], 60, "{pool}");
    assert_eq!(pool["share"], 0.4, "{pool}");
    let stock = limit(f, "stock").unwrap_or_else(|| panic!("no stock limit: {f}"));
    let out_at = stock["runs_out_s"].as_f64().unwrap();
    assert!(out_at > 10.0 && out_at < 60.0, "{stock}");
    assert_eq!(f["limiting"], "pool", "{f}");
    let failures = f["failure_ratio"].as_f64().unwrap();
    assert!((0.35..0.7).contains(&failures), "{f}");
}

#[test]
fn gunicorn_workers_are_read_from_the_process_and_logins_fill_them() {
    let mut service = SampleService::start(ServiceOptions::default());
    service.stop();
    let (_gunicorn, port) = gunicorn::serve(&service, 2);
    let base_url = format!("http://127.0.0.1:{port}");
    let locustfile =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/locustfiles/login_heavy.py");
    let file = locustfile.display().to_string();
    let args = [
        "--base-url",
        &base_url,
        "forecast",
        "--locustfile",
        &file,
        "--stages",
        "8",
        "--spawn-rate",
        "8",
        "--stage-time",
        "30s",
        "--format",
        "json",
    ];
    let env: Vec<(&str, &str)> = service
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (code, out, err) = run_doctor(&args, &sample_dir(), &env);
    let json = forecast_json(code, &out, &err);
    assert_eq!(json["server"]["kind"], "gunicorn", "{}", json["server"]);
    assert_eq!(json["server"]["processes"], 2);
    assert_eq!(json["server"]["per_process"], 1);
    let f = &json["stages"][0]["forecast"];
    assert_eq!(f["limiting"], "capacity", "{f}");
    // Every task hashes a password (~0.3 s of CPU): 8 users offer far more than 2 workers do.
    let (rpm, offered) = (
        f["rpm"].as_f64().unwrap(),
        f["offered_rpm"].as_f64().unwrap(),
    );
    assert!(rpm < 0.5 * offered, "{f}");
    assert!(rpm > 30.0 && rpm < 500.0, "{f}");
    assert!(f["p95_ms"].as_f64().unwrap() > 500.0, "{f}");
}

/// A view's own waits (here the sample's reservation holding its row 150 ms, as a payment call
/// would) are in its measured cost: the in-process replay runs the project's code on the real
/// clock, only the locustfile's on doctor's frozen one. Its transaction read, then wrote.
#[test]
fn a_view_s_own_wait_is_in_its_cost_and_its_read_then_write_is_timed() {
    let service =
        SampleService::start(ServiceOptions::default().env("SAMPLE_RESERVE_HOLD_MS", "150"));
    let (code, out, err) = service.doctor(&["forecast", "--stages", "2", "--format", "json"]);
    let json = forecast_json(code, &out, &err);
    let reserve = cost(&json, "POST /api/products/[id]/reserve/");
    let wall = reserve["wall_ms"].as_f64().unwrap();
    let cpu = reserve["cpu_ms"].as_f64().unwrap();
    let held = reserve["read_write_ms"].as_f64().unwrap();
    assert!(wall >= 150.0 && cpu < 100.0, "{reserve}");
    assert!((150.0..=wall).contains(&held), "{reserve}");
    // A list only reads: no read-then-write transaction.
    let list = cost(&json, "GET /api/products/");
    assert_eq!(list["read_write_ms"].as_f64(), Some(0.0), "{list}");
}
