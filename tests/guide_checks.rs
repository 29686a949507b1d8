//! Issue 4: every section of the guide as a check, against the real sample service with the
//! matching fault switched on and off; the fixes; and checks that leave nothing behind.

mod common;

use common::*;

fn sample_path(rel: &str) -> String {
    sample_dir().join(rel).display().to_string()
}

/// A doctor.toml in the service's scratch dir; returns its path.
fn config_file(svc: &SampleService, text: &str) -> String {
    let path = svc.dir().join("doctor.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn healthy_sample_passes_every_guide_section() {
    let svc = SampleService::start(ServiceOptions::default());
    let json = svc.check_json(&["--check", "all"]);
    for id in [
        "locustfile",
        "reserve",
        "settings",
        "silk",
        "logging",
        "debug",
        "users",
        "auth",
        "stock",
    ] {
        assert_check(&json, id, "pass", None);
    }
    // The sample is runserver + SQLite: honest warnings, each with its diagnosis.
    assert_check(&json, "devserver", "warn", Some("runserver"));
    assert_check(&json, "sqlite", "warn", Some("sqlite_deferred"));
    assert_eq!(evidence(&json, "users", "pool_size"), Some("100"));
}

#[test]
fn serializer_fault_names_the_view_file_and_line() {
    let svc = SampleService::start(ServiceOptions::default().env("SAMPLE_FAULT_SERIALIZER", "1"));
    let json = svc.check_json(&["--check", "reserve"]);
    assert_check(&json, "reserve", "fail", Some("reservation_result"));
    let location = &check(&json, "reserve")["location"];
    assert!(
        location["file"]
            .as_str()
            .unwrap()
            .ends_with("apps/products/views.py"),
        "{location}"
    );
    assert!(location["line"].as_u64().unwrap() > 0);
    assert!(
        check(&json, "reserve")["code"]
            .as_str()
            .unwrap()
            .contains("response_data")
    );
}

#[test]
fn settings_fault_lists_the_missing_app_and_where_to_add_it() {
    // Django cannot start, so there is no server: doctor runs against the project alone.
    let svc = SampleService::start(ServiceOptions::default());
    let mut env: Vec<(&str, &str)> = svc
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.push(("SAMPLE_FAULT_SETTINGS", "1"));
    // doctor's helpers run as a listening server runs (its environment, without the fault):
    // a closed port makes doctor run the project as configured, with this environment.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let json = check_json(
        &["--base-url", &closed, "--check", "settings,users,stock"],
        &sample_dir(),
        &env,
    );
    assert_check(&json, "settings", "fail", Some("missing_apps"));
    assert_eq!(
        evidence(&json, "settings", "missing_apps"),
        Some("django.contrib.contenttypes")
    );
    let location = &check(&json, "settings")["location"];
    assert!(
        location["file"]
            .as_str()
            .unwrap()
            .ends_with("config/base.py"),
        "{location}"
    );
    assert!(
        check(&json, "settings")["detail"]
            .as_str()
            .unwrap()
            .contains("+    \"django.contrib.contenttypes\",")
    );
    // Checks that need Django say so instead of repeating the error.
    assert_check(&json, "users", "skip", None);
    assert_check(&json, "stock", "skip", None);
}

#[test]
fn bad_locustfile_fails_with_line_and_the_guides_fix() {
    let svc = SampleService::start(ServiceOptions::default());
    let config = config_file(
        &svc,
        &format!(
            "[locust]\nlocustfile = {:?}\n",
            sample_path("locust_test/locustfile_bad.py")
        ),
    );
    let json = svc.check_json(&["--config", &config, "--check", "locustfile"]);
    assert_check(&json, "locustfile", "fail", Some("session_headers"));
    let result = check(&json, "locustfile");
    assert_eq!(result["location"]["line"].as_u64(), Some(31), "{result:#}");
    assert!(
        evidence(&json, "locustfile", "missing_timeouts").is_some(),
        "{result:#}"
    );
    assert!(result["code"].as_str().unwrap().contains("headers=headers"));
}

#[test]
fn load_skewing_settings_are_warned() {
    let svc = SampleService::start(
        ServiceOptions::default()
            .env("SAMPLE_SILK", "1")
            .env("SAMPLE_DEBUG", "1")
            .env("SAMPLE_VERBOSE_LOGGING", "1"),
    );
    let json = svc.check_json(&["--check", "silk,debug,logging"]);
    assert_check(&json, "silk", "warn", Some("silk_on"));
    assert_check(&json, "debug", "warn", Some("debug_on"));
    assert_check(&json, "logging", "warn", Some("debug_logging"));
}

#[test]
fn a_partial_user_pool_is_counted_with_the_share_of_failing_logins() {
    let svc = SampleService::start(ServiceOptions::default().users(false));
    manage(&["create_test_users", "--count", "40"], &svc.env);
    let json = svc.check_json(&["--check", "users"]);
    assert_check(&json, "users", "fail", Some("user_missing"));
    assert_eq!(evidence(&json, "users", "pool_size"), Some("100"));
    assert_eq!(evidence(&json, "users", "pool_existing"), Some("40"));
    assert!(
        check(&json, "users")["summary"]
            .as_str()
            .unwrap()
            .contains("60%")
    );
}

/// Issue 22 item 6: a pool larger than doctor lists by name (300,000 accounts) is counted
/// whole, never capped: with 1,000 accounts, nearly every login of the load test fails.
#[test]
fn a_pool_of_300000_is_counted_whole() {
    let svc = SampleService::start(ServiceOptions::default().users(false));
    manage(&["create_test_users", "--count", "1000"], &svc.env);
    let locustfile = sample_dir().join("../../tests/fixtures/locustfiles/big_pool.py");
    let config = config_file(
        &svc,
        &format!(
            "[locust]\nlocustfile = {:?}\n",
            locustfile.display().to_string()
        ),
    );
    let json = svc.check_json(&["--config", &config, "--check", "users"]);
    assert_check(&json, "users", "fail", Some("user_missing"));
    assert_eq!(
        evidence(&json, "users", "pool_size"),
        Some("300000"),
        "{json:#}"
    );
    assert_eq!(
        evidence(&json, "users", "pool_existing"),
        Some("1000"),
        "{json:#}"
    );
    let summary = check(&json, "users")["summary"].as_str().unwrap();
    assert!(summary.contains("100%"), "{summary}");
}

#[test]
fn fixes_create_users_and_seed_stock_idempotently() {
    let svc = SampleService::start(ServiceOptions::default().users(false).stock(false));
    let before = svc.check_json(&["--check", "users,stock"]);
    assert_check(&before, "users", "fail", Some("no_users"));
    assert_check(&before, "stock", "fail", Some("empty"));
    let offered: Vec<&str> = check(&before, "users")["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"users.bulk"), "{offered:?}");

    // Without --yes and without a terminal, nothing runs.
    let (code, _, stderr) = svc.doctor(&["fix", "stock.seed"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");

    for _ in 0..2 {
        let (code, stdout, stderr) = svc.doctor(&["fix", "users.bulk", "--yes"]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert!(
            !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
            "the password leaked:\n{stdout}"
        );
        let (code, stdout, stderr) = svc.doctor(&["fix", "stock.seed", "--yes"]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
    }
    let after = svc.check_json(&["--check", "users,stock,auth"]);
    assert_check(&after, "users", "pass", None);
    assert_eq!(evidence(&after, "users", "users"), Some("100"));
    assert_check(&after, "stock", "pass", None);
    assert_eq!(
        evidence(&after, "stock", "products_total"),
        Some("1"),
        "seeding twice must not duplicate"
    );
    assert_eq!(evidence(&after, "stock", "available_units"), Some("10000"));
    assert_check(&after, "auth", "pass", None);
}

#[test]
fn checks_leave_nothing_behind_in_the_database() {
    let svc = SampleService::start(ServiceOptions::default());
    let checks = svc.dir().join("counting");
    std::fs::create_dir_all(&checks).unwrap();
    std::fs::write(
        checks.join("rows.toml"),
        "id = \"rows\"\ntitle = { en = \"rows\" }\nprobe = \"sql\"\n[params]\nquery = \"SELECT (SELECT COUNT(*) FROM products_reservation) * 1000000 + (SELECT SUM(available_stock) FROM products_productstock)\"\nlabel = \"rows\"\n",
    )
    .unwrap();
    let dir = checks.display().to_string();
    let first = svc.check_json(&["--checks", &dir, "--check", "rows"]);
    let all = svc.check_json(&["--checks", &dir, "--check", "all"]);
    assert_check(&all, "reserve", "pass", None); // it did reserve, in a transaction rolled back
    let second = svc.check_json(&["--checks", &dir, "--check", "rows"]);
    assert_eq!(evidence(&first, "rows", "rows"), Some("10000"));
    assert_eq!(
        evidence(&first, "rows", "rows"),
        evidence(&second, "rows", "rows")
    );
}

#[test]
fn every_fault_at_once_is_named_then_fixed() {
    let svc = SampleService::start(
        ServiceOptions::default()
            .users(false)
            .stock(false)
            .env("SAMPLE_FAULT_SERIALIZER", "1")
            .env("SAMPLE_SILK", "1")
            .env("SAMPLE_DEBUG", "1"),
    );
    let config = config_file(
        &svc,
        &format!(
            "[locust]\nlocustfile = {:?}\n[target]\npassword = \"testpass123\"\nusername = \"user1\"\n",
            sample_path("locust_test/locustfile_bad.py")
        ),
    );
    let json = svc.check_json(&["--config", &config, "--check", "all"]);
    let named = [
        ("locustfile", "1"),
        ("users", "4"),
        ("stock", "5"),
        ("silk", "debug.2"),
        ("debug", "load"),
    ];
    for (id, section) in named {
        let result = check(&json, id);
        assert!(
            matches!(result["status"].as_str(), Some("fail" | "warn")),
            "{id}: {result:#}"
        );
        assert_eq!(result["section"].as_str(), Some(section), "{id}");
        assert!(
            result["cause"].is_string() && result["fix"].is_string(),
            "{id}: {result:#}"
        );
    }
    for fix in ["users.bulk", "stock.seed"] {
        let (code, stdout, stderr) = svc.doctor(&["--config", &config, "fix", fix, "--yes"]);
        assert_eq!(code, 0, "{fix}: {stdout}\n{stderr}");
    }
    let again = svc.check_json(&["--config", &config, "--check", "all"]);
    assert_check(&again, "users", "pass", None);
    assert_check(&again, "stock", "pass", None);
    // With stock there now, the §2 bug shows itself; it needs a code change, not a fix.
    assert_check(&again, "reserve", "fail", Some("reservation_result"));
}

#[test]
fn a_missing_database_is_never_created_and_an_empty_one_asks_for_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.sqlite3");
    let url = format!("sqlite:///{}", missing.display());
    let closed = format!("http://127.0.0.1:{}", free_port());
    let args = [
        "--base-url",
        closed.as_str(),
        "--check",
        "users,stock,reserve",
    ];
    let json = check_json(&args, &sample_dir(), &[("DATABASE_URL", url.as_str())]);
    assert_check(&json, "users", "fail", Some("database_unavailable"));
    assert_check(&json, "reserve", "skip", None);
    assert!(
        !missing.exists(),
        "doctor (or Django in its probe) created the database file"
    );

    let empty = dir.path().join("empty.sqlite3");
    std::process::Command::new(python())
        .args([
            "-c",
            "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('create table t(a)')",
        ])
        .arg(&empty)
        .status()
        .unwrap();
    let url = format!("sqlite:///{}", empty.display());
    let json = check_json(&args, &sample_dir(), &[("DATABASE_URL", url.as_str())]);
    for id in ["users", "stock", "reserve"] {
        assert_check(&json, id, "fail", Some("not_migrated"));
        assert!(
            check(&json, id)["code"]
                .as_str()
                .unwrap()
                .contains("migrate")
        );
    }
}
