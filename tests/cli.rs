//! Command-line behaviour that needs no server: usage and configuration errors, `config`.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

/// A scratch project: a copy of the sample's manage.py (so discovery finds a project) and
/// nothing else; doctor never starts a server or Python for these commands.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("doctor-cli-")
        .tempdir()
        .unwrap();
    fs::copy(sample_dir().join("manage.py"), dir.path().join("manage.py")).unwrap();
    dir
}

const BAD_CHECK_LINE4: &str = "id = \"broken\"\ntitle = { en = \"Broken\", ko = \"고장\" }\nprobe = \"http\"\nneeds = [\"server\"\n";

fn usage_error(args: &[&str], cwd: &Path) -> String {
    let (code, stdout, stderr) = run_doctor(args, cwd, &[]);
    assert_eq!(
        code, 2,
        "exit code of {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.trim().is_empty(),
        "a usage error printed a report:\n{stdout}"
    );
    stderr
}

#[test]
fn unknown_check_id_is_a_usage_error_listing_known_ids() {
    let dir = scratch();
    let stderr = usage_error(&["--check", "port,no-such-check"], dir.path());
    assert!(stderr.contains("no-such-check"), "{stderr}");
    for id in [
        "port",
        "server",
        "users",
        "auth",
        "stock",
        "resources",
        "db",
    ] {
        assert!(stderr.contains(id), "known id {id} not listed:\n{stderr}");
    }
    // Same with JSON output requested: still a usage error, not a report.
    usage_error(&["--check", "nope", "--format", "json"], dir.path());
}

#[test]
fn malformed_doctor_toml_names_file_and_line() {
    let dir = scratch();
    fs::write(
        dir.path().join("doctor.toml"),
        "[target]\nbase_url = \"http://127.0.0.1:8000\"\nlogin_path = = \"/api/token/\"\n",
    )
    .unwrap();
    // Discovered in the cwd...
    let stderr = usage_error(&["--list"], dir.path());
    assert!(stderr.contains("doctor.toml:3"), "{stderr}");
    assert!(stderr.starts_with("doctor: "), "{stderr}");
    // ...or given with --config from elsewhere.
    let other = scratch();
    let path = dir.path().join("doctor.toml").display().to_string();
    let stderr = usage_error(&["--config", &path, "--check", "port"], other.path());
    assert!(stderr.contains("doctor.toml:3"), "{stderr}");
}

#[test]
fn unknown_key_in_doctor_toml_is_rejected() {
    let dir = scratch();
    fs::write(
        dir.path().join("doctor.toml"),
        "[target]\nlogin_path = \"/api/token/\"\npasword = \"typo\"\n",
    )
    .unwrap();
    let stderr = usage_error(&["--list"], dir.path());
    assert!(stderr.contains("doctor.toml:3"), "{stderr}");
    assert!(stderr.contains("pasword"), "{stderr}");
}

#[test]
fn malformed_check_file_names_file_and_line() {
    let dir = scratch();
    let checks = dir.path().join("mychecks");
    fs::create_dir(&checks).unwrap();
    fs::write(checks.join("broken.toml"), BAD_CHECK_LINE4).unwrap();
    let stderr = usage_error(&["--checks", "mychecks", "--list"], dir.path());
    assert!(stderr.contains("broken.toml:4"), "{stderr}");

    // doctor.d in the cwd is read without --checks.
    let dir2 = scratch();
    fs::create_dir(dir2.path().join("doctor.d")).unwrap();
    fs::write(dir2.path().join("doctor.d/broken.toml"), BAD_CHECK_LINE4).unwrap();
    let stderr = usage_error(&["--check", "port"], dir2.path());
    assert!(stderr.contains("broken.toml:4"), "{stderr}");
}

#[test]
fn unknown_key_in_check_file_is_rejected() {
    let dir = scratch();
    let checks = dir.path().join("mychecks");
    fs::create_dir(&checks).unwrap();
    fs::write(
        checks.join("typo.toml"),
        "id = \"typo\"\ntitle = { en = \"Typo\", ko = \"오타\" }\nprobe = \"http\"\nneeds_ = [\"server\"]\n",
    )
    .unwrap();
    let stderr = usage_error(&["--checks", "mychecks", "--list"], dir.path());
    assert!(stderr.contains("typo.toml:4"), "{stderr}");
    assert!(stderr.contains("needs_"), "{stderr}");
}

#[test]
fn absurd_timeout_in_check_file_is_refused_not_dropped() {
    // Issue 22: `timeout_s = 1e308` overriding the built-in auth check once made the runner
    // panic, the check vanish and the exit code stay 0. Now the file is refused where it is read.
    for value in ["1e308", "18446744073709551615", "nan", "-3"] {
        let dir = scratch();
        let checks = dir.path().join("mychecks");
        fs::create_dir(&checks).unwrap();
        fs::write(
            checks.join("auth.toml"),
            format!("id = \"auth\"\ntitle = {{ en = \"Auth\", ko = \"인증\" }}\nprobe = \"login\"\ntimeout_s = {value}\n"),
        )
        .unwrap();
        let stderr = usage_error(&["--checks", "mychecks", "--check", "auth"], dir.path());
        assert!(stderr.contains("auth.toml:4"), "{value}: {stderr}");
        assert!(stderr.contains("timeout_s"), "{value}: {stderr}");
    }
}

#[test]
fn valid_check_file_is_listed() {
    // The counterpart of the error tests: the same directory layout loads when the file is good.
    let dir = scratch();
    let checks = dir.path().join("mychecks");
    fs::create_dir(&checks).unwrap();
    fs::write(
        checks.join("fine.toml"),
        "id = \"fine\"\ntitle = { en = \"Fine\", ko = \"정상\" }\nprobe = \"http\"\nneeds = [\"server\"]\n[params]\npath = \"/api/health/\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run_doctor(&["--checks", "mychecks", "--list"], dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("fine"))
        .unwrap_or_else(|| panic!("fine not listed:\n{stdout}"));
    assert!(line.contains("fine.toml"), "{line}");
}

#[test]
fn config_shows_origins_and_never_the_password() {
    let dir = scratch();
    fs::write(
        dir.path().join("doctor.toml"),
        "[target]\nusername = \"user7\"\nlogin_path = \"/api/token/\"\n",
    )
    .unwrap();
    let env = [
        ("DOCTOR_PASSWORD", "sekrit-value"),
        ("DOCTOR_BASE_URL", "http://127.0.0.1:18765"),
    ];
    // NOTE: `--format` is not a global option, so it goes before the subcommand.
    let (code, stdout, stderr) = run_doctor(&["--format", "json", "config"], dir.path(), &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("sekrit"), "password leaked:\n{stdout}");
    assert!(!stderr.contains("sekrit"), "password leaked:\n{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("config JSON");
    let entry = |key: &str| -> (String, String) {
        let e = &json[key];
        (
            e["value"]
                .as_str()
                .unwrap_or_else(|| panic!("{key}: {json:#}"))
                .to_string(),
            e["origin"]
                .as_str()
                .unwrap_or_else(|| panic!("{key}: {json:#}"))
                .to_string(),
        )
    };
    let (value, origin) = entry("target.password");
    assert!(!value.is_empty(), "password shown as empty");
    assert!(origin.contains("DOCTOR_PASSWORD"), "{origin}");
    let (value, origin) = entry("target.username");
    assert_eq!(value, "user7");
    assert!(origin.contains("doctor.toml"), "{origin}");
    let (value, origin) = entry("target.base_url");
    assert_eq!(value, "http://127.0.0.1:18765");
    assert!(origin.contains("DOCTOR_BASE_URL"), "{origin}");
    let (value, _) = entry("django.project_dir");
    assert_eq!(
        Path::new(&value).canonicalize().unwrap(),
        dir.path().canonicalize().unwrap()
    );

    // The text form neither.
    let (code, stdout, stderr) = run_doctor(&["config"], dir.path(), &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains("sekrit") && !stderr.contains("sekrit"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("DOCTOR_PASSWORD"), "{stdout}");

    // Nor the reports of checks, nor a password in base_url's `user:password@`.
    let base_url = format!("http://ops:url-pw@127.0.0.1:{}", free_port());
    for format in ["json", "text"] {
        let (_, stdout, stderr) = run_doctor(
            &[
                "--check",
                "port,server",
                "--format",
                format,
                "--base-url",
                &base_url,
            ],
            dir.path(),
            &env,
        );
        assert!(
            !stdout.contains("sekrit") && !stderr.contains("sekrit"),
            "{stdout}{stderr}"
        );
        assert!(
            !stdout.contains("url-pw") && !stderr.contains("url-pw"),
            "{stdout}{stderr}"
        );
        assert!(stdout.contains("127.0.0.1"), "{stdout}");
    }
    let (_, stdout, _) = run_doctor(&["config", "--base-url", &base_url], dir.path(), &env);
    assert!(
        stdout.contains("ops:********@127.0.0.1") && !stdout.contains("url-pw"),
        "{stdout}"
    );
}

#[test]
fn outside_a_django_project_one_check_says_so_and_the_others_skip() {
    let dir = tempfile::tempdir().unwrap();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let json = check_json(
        &[
            "--base-url",
            &closed,
            "--check",
            "settings,users,stock,reserve",
        ],
        dir.path(),
        &[],
    );
    assert_check(&json, "settings", "fail", Some("no_project"));
    for id in ["users", "stock", "reserve"] {
        assert_check(&json, id, "skip", None);
    }
}

#[test]
fn a_python_without_django_is_named() {
    // The project's interpreter: a fresh virtualenv without Django.
    let dir = scratch();
    let venv = dir.path().join("bare-venv");
    let made = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    let python = venv.join("bin/python").display().to_string();
    fs::write(
        dir.path().join("doctor.toml"),
        format!("[django]\npython = {python:?}\n"),
    )
    .unwrap();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let json = check_json(
        &["--base-url", &closed, "--check", "settings,users"],
        dir.path(),
        &[],
    );
    assert_check(&json, "settings", "fail", Some("django_not_installed"));
    assert_eq!(evidence(&json, "settings", "python"), Some(python.as_str()));
    assert_check(&json, "users", "skip", None);
}

/// Issue 22: whoever could write doctor's pidfile folder could make the next `doctor` SIGKILL
/// any of your process groups. A real `doctor` now ignores a planted pidfile, and refuses a
/// state folder others can write.
#[test]
fn a_planted_pidfile_gets_nothing_killed_and_an_open_state_folder_is_refused() {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let mut victim = std::process::Command::new("setsid")
        .args(["sleep", "30"])
        .spawn()
        .unwrap();
    let pid = victim.id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.starts_with(b"sleep")) {
        assert!(std::time::Instant::now() < deadline, "setsid did not exec");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let start = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(19)
        .unwrap();
    let plant = |runtime: &Path, mode: u32| {
        let state = runtime.join("doctor");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&state)
            .unwrap();
        fs::set_permissions(&state, fs::Permissions::from_mode(mode)).unwrap();
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(state.join("groups"))
            .unwrap();
        // The right start time, and a run id whose doctor is gone: all an attacker can know.
        fs::write(
            state.join("groups").join(pid.to_string()),
            format!("{start}\n1-0-x\n"),
        )
        .unwrap();
        // Where doctor kept pidfiles before (shared $TMPDIR, start time only): ignored now.
        let old = runtime.join(format!("doctor-{}/groups", nix::unistd::getuid()));
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join(pid.to_string()), start).unwrap();
    };
    let dir = scratch();
    for (mode, refused) in [(0o700, false), (0o777, true)] {
        let runtime = tempfile::tempdir().unwrap();
        plant(runtime.path(), mode);
        let at = runtime.path().to_str().unwrap();
        let env = [("XDG_RUNTIME_DIR", at), ("TMPDIR", at)];
        let (code, _, stderr) = run_doctor(&["--list"], dir.path(), &env);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            stderr.contains("not looking for leftovers"),
            refused,
            "{stderr}"
        );
        assert!(!stderr.contains("stopped"), "{stderr}");
        assert!(
            victim.try_wait().unwrap().is_none(),
            "mode {mode:o}: the sleep was killed"
        );
    }
    let _ = victim.kill();
    let _ = victim.wait();
}

/// Issue 22: `stage_time = nan` once made `doctor run` panic after Locust started; non-UTF-8
/// bytes gave no line. Both are now usage errors naming file:line, before anything starts.
#[test]
fn meaningless_run_values_and_non_utf8_are_refused_with_file_and_line() {
    let dir = scratch();
    let stderr = usage_error(&["run", "--stage-time", "nan", "--stages", "2"], dir.path());
    assert!(stderr.contains("stage time"), "{stderr}");
    fs::write(
        dir.path().join("doctor.toml"),
        "[run]\nstages = [2]\nstage_time = nan\n",
    )
    .unwrap();
    let stderr = usage_error(&["run"], dir.path());
    assert!(stderr.contains("doctor.toml:3"), "{stderr}");
    assert!(stderr.contains("stage_time"), "{stderr}");
    fs::write(
        dir.path().join("doctor.toml"),
        b"[run]\nstages = [2]\n# \xff\x1b[2J\n".as_slice(),
    )
    .unwrap();
    let stderr = usage_error(&["config"], dir.path());
    assert!(
        stderr.contains("doctor.toml:3") && stderr.contains("0xFF"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "a control character reached the terminal"
    );
}

/// Issue 22: a `.doctor` that is a file made `doctor history` say "No doctor run yet".
#[test]
fn a_dot_doctor_file_is_named_by_history() {
    let dir = scratch();
    fs::write(dir.path().join(".doctor"), "my notes").unwrap();
    let (code, stdout, stderr) = run_doctor(&["history"], dir.path(), &[]);
    assert_ne!(code, 0, "{stdout}");
    assert!(!stdout.contains("No doctor run yet"), "{stdout}");
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
}
