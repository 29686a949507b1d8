//! doctor judges the server that runs, not its own environment: real runserver (and gunicorn,
//! when the sample venv has it) processes read from /proc; the `server_fresh` check against a
//! copy of the sample whose files are touched after the server started.

mod common;

use common::*;
use doctor::config::{Config, Overrides};
use doctor::python_helper::{self, Launch, LaunchEnv};
use doctor::server::{self, NoServer, ServerKind};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// `python manage.py runserver 127.0.0.1:PORT [--noreload]` in `dir`, in its own process group.
fn runserver(dir: &Path, noreload: bool, env: &[(&str, &str)], log: &Path) -> (Group, u16) {
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = scrubbed(Command::new(python()));
        cmd.arg("manage.py")
            .arg("runserver")
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1");
        if noreload {
            cmd.arg("--noreload");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut group = Group::spawn("runserver", cmd, log);
        if group.wait_for_port(port) {
            return (group, port);
        }
        group.stop();
    }
    panic!("runserver found no free port in 5 attempts");
}

fn config_for(dir: &Path, port: u16) -> Config {
    let overrides = Overrides {
        base_url: Some(format!("http://127.0.0.1:{port}")),
        ..Overrides::default()
    };
    Config::load_with_env(dir, &overrides, &|_| None).expect("config")
}

/// What a Python started with `launch` sees: Django's DEBUG and the fault switch.
async fn seen_by_helper(launch: &Launch) -> Value {
    let code = "import json, os, sys\nimport django\ndjango.setup()\nfrom django.conf import settings\nprint('M:' + json.dumps({'debug': settings.DEBUG, 'var': os.environ.get('SAMPLE_DEBUG'), 'exe': sys.executable, 'cwd': os.getcwd(), 'dsm': os.environ.get('DJANGO_SETTINGS_MODULE')}))";
    let mut launch = launch.clone();
    launch.argv.extend(["-c".to_string(), code.to_string()]);
    let answer = python_helper::run(
        &launch,
        "__init__.py",
        &serde_json::json!({}),
        "M:",
        Duration::from_secs(60),
    )
    .await
    .unwrap_or_else(|e| panic!("helper with {launch:?}: {e}"));
    serde_json::from_str(&answer).unwrap()
}

fn exact_env(launch: &Launch) -> &[(String, String)] {
    match &launch.env {
        LaunchEnv::Exact(vars) => vars,
        LaunchEnv::Inherit(_) => panic!("a running server gives an exact environment: {launch:?}"),
    }
}

fn has_var(launch: &Launch, key: &str, value: &str) -> bool {
    exact_env(launch)
        .iter()
        .any(|(k, v)| k == key && v == value)
}

/// (a) Both directions in one test: it changes doctor's own environment halfway.
#[tokio::test(flavor = "multi_thread")]
async fn helpers_run_with_the_servers_environment_not_doctors() {
    let scratch = tempfile::tempdir().unwrap();
    let db = format!("sqlite:///{}", scratch.path().join("db.sqlite3").display());
    // SAFETY: only this test reads or writes SAMPLE_DEBUG in this process; every process the
    // other tests start removes it from its environment explicitly.
    unsafe { std::env::remove_var("SAMPLE_DEBUG") };

    // 1. The server has SAMPLE_DEBUG=1 (DEBUG = True), doctor has not. --noreload: one process.
    let (mut debug_server, port) = runserver(
        &sample_dir(),
        true,
        &[("SAMPLE_DEBUG", "1"), ("DATABASE_URL", &db)],
        &scratch.path().join("debug.log"),
    );
    let config = config_for(&sample_dir(), port);
    let server = server::running_server(&config).await.expect("server read");
    assert_eq!(Some(server.pid), debug_server.pid());
    assert_eq!(server.kind, ServerKind::Runserver);
    assert!(!server.reloads && server.reloader_pid.is_none());
    assert_eq!(
        server.interpreter,
        python(),
        "the venv path, not the resolved binary"
    );
    assert_eq!(server.venv, Some(sample_dir().join(".venv")));
    assert_ne!(
        server.exe,
        python(),
        "/proc exe resolves the venv's symlink"
    );
    assert_eq!(server.cwd, sample_dir());
    assert_eq!(server.env_var("SAMPLE_DEBUG"), Some("1"));
    let age = SystemTime::now().duration_since(server.started_at).unwrap();
    assert!(age < Duration::from_secs(60), "started {age:?} ago?");

    let launch = server::project_launch(&config).await.unwrap();
    assert_eq!(launch.argv, vec![python().display().to_string()]);
    assert_eq!(launch.cwd, sample_dir());
    assert_eq!(launch.origin, format!("server pid {}", server.pid));
    assert!(has_var(&launch, "SAMPLE_DEBUG", "1"));
    assert!(has_var(&launch, "DJANGO_SETTINGS_MODULE", "config.base"));
    let seen = seen_by_helper(&launch).await;
    assert_eq!(seen["debug"], true, "{seen}");
    assert_eq!(seen["var"], "1");
    assert_eq!(seen["exe"], python().display().to_string());
    assert_eq!(seen["dsm"], "config.base");

    let (code, stdout, stderr) = run_doctor(
        &["--base-url", &format!("http://127.0.0.1:{port}"), "config"],
        &sample_dir(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let row = |key: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} row in:\n{stdout}"))
            .to_string()
    };
    let at = format!("[server pid {}]", server.pid);
    assert!(row("django.python").contains(&python().display().to_string()));
    assert!(row("django.python").ends_with(&at), "{stdout}");
    assert!(row("django.project_dir").ends_with(&at), "{stdout}");
    assert!(row("server.started").contains(" ago)"), "{stdout}");
    assert!(
        row("server.command").contains("runserver") && row("server.command").contains("--noreload")
    );
    debug_server.stop();
    server::forget(&config.base_url.value).await;

    // 2. The reverse: doctor has SAMPLE_DEBUG=1, the server has not. A reloading runserver:
    // the socket is held by the autoreloader's child.
    // SAFETY: as above.
    unsafe { std::env::set_var("SAMPLE_DEBUG", "1") };
    let (mut plain_server, port) = runserver(
        &sample_dir(),
        false,
        &[("DATABASE_URL", &db)],
        &scratch.path().join("plain.log"),
    );
    let config = config_for(&sample_dir(), port);
    let server = server::running_server(&config).await.expect("server read");
    assert_eq!(server.reloader_pid, plain_server.pid(), "{server:?}");
    assert_ne!(Some(server.pid), plain_server.pid());
    assert!(server.reloads);
    assert_eq!(server.env_var("RUN_MAIN"), None);
    assert_eq!(server.env_var("SAMPLE_DEBUG"), None);
    let launch = server::project_launch(&config).await.unwrap();
    assert!(!exact_env(&launch).iter().any(|(k, _)| k == "SAMPLE_DEBUG"));
    let seen = seen_by_helper(&launch).await;
    assert_eq!(seen["debug"], false, "{seen}");
    assert_eq!(seen["var"], Value::Null);
    // doctor's own configured launch (no server) would have seen it: the old behaviour.
    plain_server.stop();
    server::forget(&config.base_url.value).await;
    assert!(matches!(
        server::running_server(&config).await,
        Err(NoServer::NotListening { .. })
    ));
    let fallback = server::project_launch(&config).await.unwrap();
    assert!(matches!(fallback.env, LaunchEnv::Inherit(_)));
    let seen = seen_by_helper(&fallback).await;
    assert_eq!(
        seen["var"], "1",
        "without a server doctor falls back to its environment"
    );
    // SAFETY: as above.
    unsafe { std::env::remove_var("SAMPLE_DEBUG") };
}

/// A copy of the sample's code (its .venv symlinked, never walked) that the test may touch.
fn sample_copy() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let name = entry.file_name();
            if name == ".venv"
                || name == "__pycache__"
                || name.to_string_lossy().ends_with(".sqlite3")
            {
                continue;
            }
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                copy(&path, &to.join(&name));
            } else {
                std::fs::copy(&path, to.join(&name)).unwrap();
            }
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("doctor-fresh-")
        .tempdir()
        .unwrap();
    copy(&sample_dir(), dir.path());
    std::os::unix::fs::symlink(sample_dir().join(".venv"), dir.path().join(".venv")).unwrap();
    dir
}

fn touch(path: &Path) {
    let file = std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.set_modified(SystemTime::now()).unwrap();
}

fn fresh_json(dir: &Path, port: u16, lang: &str) -> Value {
    let url = format!("http://127.0.0.1:{port}");
    check_json(
        &[
            "--lang",
            lang,
            "--base-url",
            &url,
            "--check",
            "server_fresh",
        ],
        dir,
        &[],
    )
}

/// More than the start time's precision (MARGIN, 1 s) after the server started.
fn after_the_start() {
    std::thread::sleep(Duration::from_millis(1600));
}

/// (b) runserver --noreload: fresh → a .py touched → a .env touched; a reloading runserver
/// ignores the .py but not the .env.
#[test]
fn a_server_older_than_its_files_is_named() {
    let copy = sample_copy();
    let dir = copy.path();
    let db = format!("sqlite:///{}", dir.join("db.sqlite3").display());
    let (mut server, port) = runserver(dir, true, &[("DATABASE_URL", &db)], &dir.join("a.log"));
    let pid = server.pid().unwrap();

    let json = fresh_json(dir, port, "en");
    assert_check(&json, "server_fresh", "pass", None);

    after_the_start();
    touch(&dir.join("apps/products/views.py"));
    let json = fresh_json(dir, port, "en");
    assert_check(&json, "server_fresh", "warn", Some("stale_code"));
    let result = check(&json, "server_fresh");
    let summary = result["summary"].as_str().unwrap();
    assert!(
        summary.contains("apps/products/views.py changed")
            && summary.contains(&format!("pid {pid}")),
        "{summary}"
    );
    assert_eq!(result["location"]["file"], "apps/products/views.py");
    let restart = evidence(&json, "server_fresh", "restart").unwrap();
    assert!(
        restart.contains(&dir.display().to_string())
            && restart.contains("manage.py runserver")
            && restart.contains("--noreload"),
        "{restart}"
    );
    assert!(
        result["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("kill {pid}"))
    );
    let ko = fresh_json(dir, port, "ko");
    let summary_ko = check(&ko, "server_fresh")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(summary_ko.contains("이전 코드로 실행 중"), "{summary_ko}");

    touch(&dir.join(".env"));
    let json = fresh_json(dir, port, "en");
    assert_check(&json, "server_fresh", "warn", Some("stale_code_env"));
    server.stop();

    // A reloading runserver started now: the touched files are older than it.
    let (mut server, port) = runserver(dir, false, &[("DATABASE_URL", &db)], &dir.join("b.log"));
    let json = fresh_json(dir, port, "en");
    assert_check(&json, "server_fresh", "pass", None);
    after_the_start();
    std::fs::write(
        dir.join(".env"),
        "DJANGO_SECRET_KEY=changed-after-the-start\n",
    )
    .unwrap();
    let json = fresh_json(dir, port, "en");
    assert_check(&json, "server_fresh", "warn", Some("stale_env"));
    let summary = check(&json, "server_fresh")["summary"].as_str().unwrap();
    assert!(summary.starts_with(".env changed"), "{summary}");
    server.stop();
}

/// (c) Nothing listens, or something that is not Django: skip with the reason, never pass.
#[test]
fn without_a_readable_server_the_check_says_why_it_skipped() {
    let port = free_port();
    let json = fresh_json(&sample_dir(), port, "en");
    assert_check(&json, "server_fresh", "skip", None);
    let summary = check(&json, "server_fresh")["summary"].as_str().unwrap();
    assert_eq!(
        summary,
        format!("could not test, because nothing listens on port {port}")
    );

    let other = HttpServer::start();
    let json = fresh_json(&sample_dir(), other.port, "en");
    assert_check(&json, "server_fresh", "skip", None);
    let summary = check(&json, "server_fresh")["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("pid {}", other.pid().unwrap()))
            && summary.contains("is not a Django server"),
        "{summary}"
    );
    let (_, stdout, _) = run_doctor(
        &["--base-url", &other.base_url, "config"],
        &sample_dir(),
        &[],
    );
    assert!(stdout.contains("is not a Django server"), "{stdout}");
}

/// gunicorn's master holds the socket with its workers: the master is the server.
#[tokio::test(flavor = "multi_thread")]
async fn gunicorn_master_and_workers() {
    let gunicorn: PathBuf = sample_dir().join(".venv/bin/gunicorn");
    if !gunicorn.exists() {
        eprintln!("skipped: gunicorn is not installed in the sample venv");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("gunicorn.log");
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = scrubbed(Command::new(&gunicorn));
        cmd.args(["config.wsgi", "-w", "2", "-b", &format!("127.0.0.1:{port}")])
            .current_dir(sample_dir());
        let mut group = Group::spawn("gunicorn", cmd, &log);
        if !group.wait_for_port(port) {
            continue;
        }
        std::thread::sleep(Duration::from_millis(800));
        let config = config_for(&sample_dir(), port);
        let server = server::running_server(&config)
            .await
            .expect("gunicorn read");
        assert_eq!(server.kind, ServerKind::Gunicorn);
        assert_eq!(Some(server.pid), group.pid());
        assert_eq!(server.worker_pids.len(), 2, "{server:?}");
        assert!(!server.reloads);
        assert_eq!(server.interpreter, python());
        group.stop();
        return;
    }
    panic!("gunicorn found no free port");
}
