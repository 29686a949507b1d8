//! The locustfile runner (`assets/doctor_py/locust_main.py`): it executes real locustfiles
//! (tests/fixtures/locustfiles) against the sample Django service in-process and reports what
//! they do as JSON. Every test copies one prepared SQLite database (migrated, user1..user100,
//! the guide's product) and runs the helper with the sample venv's Python.

mod common;

use serde_json::{Value, json};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const MARKER: &str = "DOCTOR_LOCUST_JSON: ";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/fixtures/locustfiles").join(name)
}

/// The prepared database, built once per test binary. It is built under a per-process name
/// and renamed into place, so two concurrent test runs never see a half-built file.
fn base_db() -> &'static Path {
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
struct Db {
    path: PathBuf,
    _dir: TempDir,
}

impl Db {
    fn fresh() -> Db {
        let dir = tempfile::Builder::new()
            .prefix("doctor-locust-exec-")
            .tempdir()
            .expect("tempdir");
        let path = dir.path().join("db.sqlite3");
        fs::copy(base_db(), &path).expect("copy prepared database");
        Db { path, _dir: dir }
    }

    fn url(&self) -> String {
        format!("sqlite:///{}", self.path.display())
    }

    /// (reservations, available stock, reserved stock) as stored.
    fn stock(&self) -> (i64, i64, i64) {
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
struct Answer {
    json: Value,
    stderr: String,
    wall: Duration,
}

/// Runs the helper in the sample dir on `locustfile` with the default request merged with
/// `overrides`, DATABASE_URL = `database_url` and `env`; panics if it gives no answer.
fn run_helper(
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

fn user<'a>(answer: &'a Value, class: &str) -> &'a Value {
    answer["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["class"] == class)
        .unwrap_or_else(|| panic!("no user class {class}: {answer:#}"))
}

fn task<'a>(user: &'a Value, name: &str) -> &'a Value {
    user["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no task {name}: {user:#}"))
}

/// The first reported request of `task` (None = on_start) in the first phase it ran.
fn request<'a>(user: &'a Value, phase: &str, task: Option<&str>) -> &'a Value {
    user["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["phase"] == phase && r["task"].as_str() == task)
        .unwrap_or_else(|| panic!("no {phase} request of {task:?}: {user:#}"))
}

fn names(pool: &Value) -> Vec<&str> {
    pool["names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("name"))
        .collect()
}

#[test]
fn pool_size_from_a_class_constant_through_variables() {
    let db = Db::fresh();
    let a = run_helper("pool_constant.py", json!({}), &db.url(), &[]);
    let json = &a.json;
    assert_eq!(json["mode"], "django", "{json:#}");
    assert!(json["mode_reason"].is_null());
    assert_eq!(json["django"]["settings_module"], "config.base");
    assert_eq!(json["django"]["token_lifetime_s"], 300.0);
    let u = user(json, "ApiUser");
    assert_eq!(u["client"], "HttpSession");
    assert_eq!(u["line"], 7);
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "randint", "{pool:#}");
    assert_eq!(pool["template"], "user{}");
    assert_eq!(pool["low"], 0);
    assert_eq!(pool["high"], 9999);
    assert_eq!(pool["runs"], 30);
    assert_eq!(pool["line"], 15);
    assert_eq!(u["credentials"]["passwords"], json!(["testpass123"]));
    let login = &u["login"];
    assert_eq!(login["path"], "/api/token/");
    assert_eq!(login["body_kind"], "json");
    assert_eq!(login["username_field"], "username");
    assert_eq!(login["password_field"], "password");
    assert_eq!(login["line"], 17);
    let first = request(u, "on_start", None);
    assert_eq!(first["name"], "login");
    assert_eq!(first["body"]["password"], "***");
    assert!(
        a.wall < Duration::from_secs(15),
        "one helper run took {:?}",
        a.wall
    );
}

#[test]
fn choice_over_a_module_list_and_a_password_from_the_environment() {
    let db = Db::fresh();
    let without = run_helper("choice_names.py", json!({}), &db.url(), &[]);
    let u = user(&without.json, "Shopper");
    assert_eq!(u["credentials"]["passwords"], json!(["default-pass"]));
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "choice", "{pool:#}");
    assert_eq!(
        names(pool),
        ["user1", "user2", "user3", "user5", "user8", "user13"]
    );
    assert_eq!(pool["line"], 15);
    // An existing account logs in whatever the password (hashing is skipped in-process).
    assert_eq!(u["login"]["status"], 200);

    let with = run_helper(
        "choice_names.py",
        json!({}),
        &db.url(),
        &[("LOADTEST_PASSWORD", "testpass123")],
    );
    let u = user(&with.json, "Shopper");
    assert_eq!(u["credentials"]["passwords"], json!(["testpass123"]));
    assert_eq!(request(u, "task", Some("browse"))["status"], 200);
    assert_eq!(request(u, "task", Some("health"))["status"], 200);
}

#[test]
fn csv_accounts_chosen_at_random_and_taken_from_a_queue() {
    let db = Db::fresh();
    let rows: Vec<String> = (1..=40).map(|i| format!("user{i}")).collect();

    let chosen = run_helper("csv_choice.py", json!({}), &db.url(), &[]);
    let u = user(&chosen.json, "CsvUser");
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "choice", "{pool:#}");
    assert_eq!(pool["field"], "username");
    assert_eq!(names(pool), rows);
    let login = request(u, "on_start", None);
    assert_eq!(login["status"], 200);
    assert_eq!(login["catch"], "success");

    // The queue is filled by a test_start listener, as Locust fires it before users start.
    let queued = run_helper("csv_queue.py", json!({}), &db.url(), &[]);
    assert!(
        queued.json["events"]["test_start"]["error"].is_null(),
        "{:#}",
        queued.json
    );
    let u = user(&queued.json, "QueueUser");
    assert_eq!(u["client"], "FastHttpSession");
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "distinct", "{pool:#}");
    assert_eq!(names(pool), rows[..30]);
    assert_eq!(pool["distinct_seen"], 30);
    assert!(task(u, "Journey")["error"].is_null(), "{u:#}");
    let reserve = request(u, "task", Some("Journey.reserve"));
    assert_eq!(reserve["status"], 201, "{reserve:#}");
    assert_eq!(reserve["line"], 29);
}

#[test]
fn form_login_with_an_email_field() {
    let db = Db::fresh();
    let a = run_helper("form_email_login.py", json!({}), &db.url(), &[]);
    let u = user(&a.json, "FormUser");
    let login = &u["login"];
    assert_eq!(login["body_kind"], "form", "{u:#}");
    assert_eq!(login["username_field"], "email");
    assert_eq!(login["password_field"], "pwd");
    assert_eq!(login["line"], 7);
    // The sample logs in by username: the form post is a real 400.
    assert_eq!(login["status"], 400);
    assert_eq!(u["credentials"]["passwords"], json!(["s3cret-form"]));
    assert_eq!(u["credentials"]["pool"]["kind"], "single");
    assert_eq!(request(u, "on_start", None)["body"]["pwd"], "***");
}

#[test]
fn token_deadline_and_relogin_after_expiry() {
    let db = Db::fresh();
    let short = run_helper(
        "token_refresh.py",
        json!({"token_lifetime_s": 60}),
        &db.url(),
        &[],
    );
    let refreshing = user(&short.json, "RefreshingUser");
    let refresh = &refreshing["token_refresh"];
    assert_eq!(refresh["attribute"], "expires", "{refreshing:#}");
    assert_eq!(refresh["seconds"], 240.0);
    // It refreshes after 240 s, the token died after 60 s: no new login in time.
    assert_eq!(refreshing["relogin_after_expiry"], false);
    let naive = user(&short.json, "NaiveUser");
    assert!(naive["token_refresh"].is_null(), "{naive:#}");
    assert_eq!(naive["relogin_after_expiry"], false);

    let long = run_helper(
        "token_refresh.py",
        json!({"token_lifetime_s": 300}),
        &db.url(),
        &[],
    );
    assert_eq!(
        user(&long.json, "RefreshingUser")["relogin_after_expiry"],
        true
    );
    // A datetime deadline, on the same frozen clock.
    let dated = user(&long.json, "DatetimeUser");
    assert_eq!(
        dated["token_refresh"]["attribute"], "valid_until",
        "{dated:#}"
    );
    assert_eq!(dated["token_refresh"]["seconds"], 200.0);
    assert_eq!(dated["token_refresh"]["clock"], "datetime");
    assert_eq!(dated["relogin_after_expiry"], true);
    assert_eq!(user(&long.json, "NaiveUser")["relogin_after_expiry"], false);
}

#[test]
fn reservations_are_real_answers_and_rolled_back() {
    let db = Db::fresh();
    let before = db.stock();
    assert_eq!(before, (0, 10000, 0));
    let a = run_helper("reservations.py", json!({}), &db.url(), &[]);
    let u = user(&a.json, "Reserver");
    assert!(u["on_start"]["error"].is_null(), "{u:#}");

    let by_body = request(u, "task", Some("reserve_by_body"));
    assert_eq!(by_body["status"], 404);
    assert_eq!(by_body["url_match"]["code"], "no_url_pattern");
    assert_eq!(by_body["body"], json!({"product_id": 1, "quantity": 1}));
    assert_eq!(by_body["line"], 13);

    let in_path = request(u, "task", Some("reserve_in_path"));
    assert_eq!(in_path["status"], 201, "{in_path:#}");
    assert_eq!(
        in_path["url_match"]["route"],
        "api/products/<int:pk>/reserve/"
    );
    assert_eq!(
        in_path["url_match"]["view"],
        "apps.products.views.ProductStockReserveView"
    );
    assert!(
        in_path["json_excerpt"]
            .as_str()
            .unwrap()
            .contains("\"success\":true")
    );

    let too_many = request(u, "task", Some("reserve_too_many"));
    assert_eq!(too_many["status"], 400);
    assert_eq!(too_many["catch"], "success");

    let no_slash = request(u, "task", Some("products_without_slash"));
    assert_eq!(no_slash["status"], 200, "{no_slash:#}");
    assert_eq!(
        no_slash["redirects"],
        json!([{"status": 301, "method": "GET", "path": "/api/products/"}])
    );

    let orders = request(u, "task", Some("orders"));
    assert_eq!(orders["path"], "/api/orders/?page=2");
    assert_eq!(orders["line"], 32);
    assert_eq!(orders["url_match"]["code"], "no_url_pattern");
    let problems: Vec<&str> = u["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(problems, ["/api/reservations/", "/api/orders/?page=2"]);

    assert_eq!(db.stock(), before, "the run left rows behind");

    // The guide's section 2 bug: the view raises after reserving; a 500 for the locustfile,
    // the exception with the project's frame for doctor, and still nothing left behind.
    let faulty = run_helper(
        "reservations.py",
        json!({}),
        &db.url(),
        &[("SAMPLE_FAULT_SERIALIZER", "1")],
    );
    let u = user(&faulty.json, "Reserver");
    let in_path = request(u, "task", Some("reserve_in_path"));
    assert_eq!(in_path["status"], 500, "{in_path:#}");
    let exc = &in_path["exception"];
    assert_eq!(exc["type"], "AttributeError");
    assert!(
        exc["message"]
            .as_str()
            .unwrap()
            .contains("'ReservationResult' object has no attribute 'product_id'")
    );
    let frames = exc["frames"].as_array().unwrap();
    assert!(
        frames.iter().all(|f| f["file"]
            .as_str()
            .unwrap()
            .ends_with("apps/products/views.py")),
        "{frames:#?}"
    );
    assert_eq!(db.stock(), before, "the faulty run left rows behind");
}

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
