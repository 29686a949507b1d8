//! Running doctor's locustfile helper for the tests: one prepared SQLite database copied per
//! test, the helper started with the sample venv's Python, its JSON answer and lookups in it.

#![allow(dead_code)]

use super::common;
use serde_json::{Value, json};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const MARKER: &str = "DOCTOR_LOCUST_JSON: ";

pub fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/fixtures/locustfiles").join(name)
}

/// The prepared database, built once per test binary. It is built under a per-process name
/// and renamed into place, so two concurrent test runs never see a half-built file.
pub fn base_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("locust_exec");
        fs::create_dir_all(&dir).expect("create target tmp dir");
        let building = dir.join(format!("base.sqlite3.{}", std::process::id()));
        let _ = fs::remove_file(&building);
        let env = vec![(
            "DATABASE_URL".to_string(),
            format!("sqlite:///{}", building.display()),
        )];
        common::manage(&["migrate", "--noinput", "-v", "0"], &env);
        common::manage(&["create_test_users"], &env);
        common::manage(&["seed_stock"], &env);
        let db = dir.join("base.sqlite3");
        fs::rename(&building, &db).expect("rename prepared database");
        db
    })
}

/// A private copy of the prepared database.
pub struct Db {
    path: PathBuf,
    _dir: TempDir,
}

impl Db {
    pub fn fresh() -> Db {
        let dir = tempfile::Builder::new()
            .prefix("doctor-locust-exec-")
            .tempdir()
            .expect("tempdir");
        let path = dir.path().join("db.sqlite3");
        fs::copy(base_db(), &path).expect("copy prepared database");
        Db { path, _dir: dir }
    }

    pub fn url(&self) -> String {
        format!("sqlite:///{}", self.path.display())
    }

    /// (reservations, available stock, reserved stock) as stored.
    pub fn stock(&self) -> (i64, i64, i64) {
        let script = "import sqlite3, sys\n\
            c = sqlite3.connect(sys.argv[1])\n\
            n = c.execute('select count(*) from products_reservation').fetchone()[0]\n\
            a, r = c.execute('select sum(available_stock), sum(reserved_stock) from products_productstock').fetchone()\n\
            print(n, a, r)";
        let out = Command::new(common::python())
            .arg("-c")
            .arg(script)
            .arg(&self.path)
            .output()
            .expect("run sqlite3 query");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let n: Vec<i64> = text
            .split_whitespace()
            .map(|x| x.parse().expect("number"))
            .collect();
        (n[0], n[1], n[2])
    }
}

/// The helper's answer plus how long the whole process took.
pub struct Answer {
    pub json: Value,
    pub stderr: String,
    pub wall: Duration,
}

/// Runs the helper in the sample dir on `locustfile` with the default request merged with
/// `overrides`, DATABASE_URL = `database_url` and `env`; panics if it gives no answer.
pub fn run_helper(
    locustfile: &str,
    overrides: Value,
    database_url: &str,
    env: &[(&str, &str)],
) -> Answer {
    let mut request = json!({
        "locustfile": fixture(locustfile),
        "host": "http://127.0.0.1:8000",
        "mode": "django",
        "runs": 30,
        "task_timeout_s": 3.0,
        "token_lifetime_s": null,
    });
    for (k, v) in overrides.as_object().expect("overrides object") {
        request[k] = v.clone();
    }
    let mut cmd = common::scrubbed(Command::new(common::python()));
    cmd.arg(manifest().join("assets/doctor_py/locust_main.py"))
        .current_dir(common::sample_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env("DATABASE_URL", database_url)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "*");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start the helper");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let deadline = started + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the helper ran over 60 s on {locustfile}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let wall = started.elapsed();
    let stdout = reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    assert!(
        status.success(),
        "helper exit {status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or("");
    let body = last.strip_prefix(MARKER).unwrap_or_else(|| {
        panic!("no answer line\nstdout:\n{stdout}\nstderr:\n{stderr}");
    });
    let json: Value = serde_json::from_str(body).expect("answer is JSON");
    assert_eq!(json["protocol"], 1, "{json:#}");
    assert!(json["internal_error"].is_null(), "{json:#}\n{stderr}");
    Answer { json, stderr, wall }
}

pub fn user<'a>(answer: &'a Value, class: &str) -> &'a Value {
    answer["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["class"] == class)
        .unwrap_or_else(|| panic!("no user class {class}: {answer:#}"))
}

pub fn task<'a>(user: &'a Value, name: &str) -> &'a Value {
    user["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no task {name}: {user:#}"))
}

/// The first reported request of `task` (None = on_start) in the first phase it ran.
pub fn request<'a>(user: &'a Value, phase: &str, task: Option<&str>) -> &'a Value {
    user["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["phase"] == phase && r["task"].as_str() == task)
        .unwrap_or_else(|| panic!("no {phase} request of {task:?}: {user:#}"))
}

pub fn names(pool: &Value) -> Vec<&str> {
    pool["names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("name"))
        .collect()
}
