//! The locustfile runner on locustfiles that fail or misbehave: FastHttpSession headers as under
//! Locust, import errors, endless tasks, record mode without a database, and locustfiles that
//! sleep, end or stall their own process — each ends in bounded time with a result.

mod common;

#[path = "common/locust_helper.rs"]
mod locust_helper;

use locust_helper::*;
use serde_json::{Value, json};
use std::fs;
use std::time::{Duration, Instant};

#[test]
fn fasthttp_session_headers_fail_as_under_locust() {
    let db = Db::fresh();
    let a = run_helper("fasthttp_headers.py", json!({}), &db.url(), &[]);
    let u = user(&a.json, "MobileUser");
    assert_eq!(u["client"], "FastHttpSession");
    let message = "'FastHttpSession' object has no attribute 'headers'";
    let err = &u["on_start"]["error"];
    assert_eq!(err["type"], "AttributeError", "{u:#}");
    assert_eq!(err["message"], message);
    assert_eq!(err["line"], 8);
    let frame = &err["frames"].as_array().unwrap()[0];
    assert_eq!(frame["function"], "on_start");
    assert!(frame["code"].as_str().unwrap().contains("headers.update"));
    let err = &task(u, "products")["error"];
    assert_eq!(err["message"], message);
    assert_eq!(err["line"], 12);
    // The login itself went through before the mistake.
    assert_eq!(request(u, "on_start", None)["status"], 200);
}

#[test]
fn import_errors_and_endless_tasks_still_answer() {
    let db = Db::fresh();
    let syntax = run_helper("syntax_error.py", json!({}), &db.url(), &[]);
    let err = &syntax.json["import_error"];
    assert_eq!(err["type"], "SyntaxError", "{:#}", syntax.json);
    assert_eq!(err["line"], 6);
    assert_eq!(err["frames"].as_array().unwrap().len(), 1, "{err:#}");
    assert_eq!(syntax.json["users"], json!([]));

    let exit = run_helper("exit_at_import.py", json!({}), &db.url(), &[]);
    let err = &exit.json["import_error"];
    assert_eq!(err["type"], "SystemExit", "{:#}", exit.json);
    assert_eq!(err["message"], "missing configuration");
    assert_eq!(err["line"], 6);

    let endless = run_helper(
        "endless_task.py",
        json!({"task_timeout_s": 0.5, "token_lifetime_s": 300}),
        &db.url(),
        &[],
    );
    let u = user(&endless.json, "Spinner");
    assert_eq!(task(u, "spin")["timed_out"], true, "{u:#}");
    assert_eq!(task(u, "health")["timed_out"], false);
    assert_eq!(request(u, "task", Some("health"))["status"], 200);
    assert!(
        endless.wall < Duration::from_secs(20),
        "took {:?}",
        endless.wall
    );
    assert!(!endless.stderr.contains(MARKER));
}

#[test]
fn record_mode_without_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.sqlite3");
    let a = run_helper(
        "token_refresh.py",
        json!({"token_lifetime_s": 300}),
        &format!("sqlite:///{}", missing.display()),
        &[],
    );
    let json = &a.json;
    assert_eq!(json["mode"], "record", "{json:#}");
    assert_eq!(json["mode_reason"]["code"], "sqlite_missing");
    assert!(!missing.exists(), "the helper created the SQLite file");
    let u = user(json, "RefreshingUser");
    let login = request(u, "on_start", None);
    assert_eq!(login["status"], 200);
    assert!(login["json_excerpt"].as_str().unwrap().contains("access"));
    assert_eq!(u["token_refresh"]["seconds"], 240.0);
    assert_eq!(u["relogin_after_expiry"], true);
}

/// Issue 22: a sleep at import is not skipped by doctor's frozen clock; it counts against the
/// import's deadline and is reported as a timeout at its line, quickly.
#[test]
fn a_long_sleep_at_import_is_a_timeout_not_a_quick_pass() {
    let db = Db::fresh();
    let answer = run_helper("sleep_at_import.py", json!({}), &db.url(), &[]);
    let err = &answer.json["import_error"];
    assert_eq!(err["code"], "timed_out", "{:#}", answer.json);
    assert_eq!(err["line"], 6, "{err:#}");
    assert_eq!(answer.json["users"], json!([]));
    assert!(
        answer.wall < Duration::from_secs(20),
        "took {:?}",
        answer.wall
    );
}

/// Issue 22: a locustfile that ends its own process at import (os._exit(0), SIGKILL) or sleeps
/// past the deadline is never a pass of the locustfile check.
#[test]
fn a_locustfile_that_ends_or_stalls_its_process_is_not_a_pass() {
    for (file, words) in [
        ("os_exit_at_import.py", "could not test"),
        ("kill_self_at_import.py", "could not test"),
        ("sleep_at_import.py", "import"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("doctor.toml"),
            format!(
                "[django]\nproject_dir = {:?}\n[locust]\nlocustfile = {:?}\n",
                common::sample_dir().display().to_string(),
                fixture(file).display().to_string()
            ),
        )
        .unwrap();
        let started = Instant::now();
        let (code, stdout, stderr) = common::run_doctor(
            &["--format", "json", "--check", "locustfile"],
            dir.path(),
            &[],
        );
        let json: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{file}: {e}\n{stdout}\n{stderr}"));
        let check = json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "locustfile")
            .unwrap_or_else(|| panic!("{file}: no locustfile result\n{json:#}"));
        assert_ne!(check["status"], "pass", "{file} (exit {code}): {check:#}");
        let summary = check["summary"].as_str().unwrap();
        assert!(summary.contains(words), "{file}: {summary}");
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "{file}: {:?}",
            started.elapsed()
        );
    }
}

/// Issue 22: 100,000 nested parentheses crashed `doctor config` and the locustfile check with a
/// stack overflow; 10,000 comment lines after an indented block took 100 s. Both now end in
/// bounded time with a plain result, and the command exits by itself.
#[test]
fn hostile_locustfiles_end_in_bounded_time_with_a_result() {
    let deep = format!(
        "from locust import HttpUser, task\n\nclass U(HttpUser):\n    x = {}1{}\n\n    @task\n    def t(self):\n        self.client.get('/api/health/')\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let mut comments = String::from(
        "from locust import HttpUser, task\n\nclass U(HttpUser):\n    @task\n    def t(self):\n        self.client.get('/api/health/')\n",
    );
    for i in 0..10_000 {
        comments.push_str(&format!("        # note {i}\n"));
    }
    for (name, text) in [("deep.py", deep), ("comments.py", comments)] {
        let dir = tempfile::tempdir().unwrap();
        let locustfile = dir.path().join(name);
        fs::write(&locustfile, text).unwrap();
        fs::write(
            dir.path().join("doctor.toml"),
            format!(
                "[django]\nproject_dir = {:?}\n[locust]\nlocustfile = {:?}\n",
                common::sample_dir().display().to_string(),
                locustfile.display().to_string()
            ),
        )
        .unwrap();
        for args in [
            &["config"][..],
            &["--format", "json", "--check", "locustfile"][..],
        ] {
            let started = Instant::now();
            let (code, stdout, stderr) = common::run_doctor(args, dir.path(), &[]);
            let took = started.elapsed();
            assert!(
                code == 0 || code == 1,
                "{name} {args:?}: exit {code}\n{stderr}"
            );
            assert!(took < Duration::from_secs(60), "{name} {args:?}: {took:?}");
            if args[0] == "--format" {
                let json: Value = serde_json::from_str(&stdout).unwrap();
                let check = &json["checks"][0];
                assert_eq!(check["id"], "locustfile", "{json:#}");
                let summary = check["summary"].as_str().unwrap();
                assert!(!summary.is_empty(), "{name}: {check:#}");
                eprintln!("{name}: {} in {took:?}: {summary}", check["status"]);
            }
        }
    }
}
