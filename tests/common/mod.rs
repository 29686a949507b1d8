//! Test harness: the real sample service, a throw-away PostgreSQL cluster and the doctor binary.
//!
//! Every process started here runs in its own process group and is stopped by that group's id in
//! `Drop`, also when a test panics.
#![allow(dead_code)]

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use std::fs::{self, File};
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const USERNAME: &str = "user1";
pub const PASSWORD: &str = "testpass123";

/// Environment variables that would change what doctor or the sample service does; the tests set
/// them explicitly and never inherit them from the developer's shell.
const SCRUBBED_ENV: &[&str] = &[
    "DATABASE_URL",
    "DOCTOR_PASSWORD",
    "DOCTOR_USERNAME",
    "DOCTOR_BASE_URL",
    "DOCTOR_DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "SAMPLE_FAULT_LOGIN_500",
    "SAMPLE_FAULT_SERIALIZER",
    "SAMPLE_FAULT_SETTINGS",
    "SAMPLE_SILK",
    "SAMPLE_RESERVE_HOLD_MS",
    "SAMPLE_DEBUG",
    "SAMPLE_VERBOSE_LOGGING",
    "SAMPLE_ACCESS_TOKEN_SECONDS",
    "LOADTEST_PASSWORD",
    "VIRTUAL_ENV",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample-service")
}

/// The sample service's venv Python.
pub fn python() -> PathBuf {
    let python = sample_dir().join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-sample.sh",
        python.display()
    );
    python
}

pub fn doctor_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_doctor"))
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local_addr")
        .port()
}

pub fn scrubbed(mut cmd: Command) -> Command {
    for key in SCRUBBED_ENV {
        cmd.env_remove(key);
    }
    cmd.env("NO_PROXY", "*").env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

fn port_accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

pub(crate) fn read_log(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    text
}

/// A child process that leads its own process group; the group is stopped on drop.
pub struct Group {
    child: Option<Child>,
    pub log: PathBuf,
    pub name: String,
}

impl Group {
    /// Spawns `cmd` in a new process group with stdout+stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Group {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .expect("open log");
        let err = out.try_clone().expect("clone log handle");
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Group {
            child: Some(child),
            log: log.to_path_buf(),
            name: name.to_string(),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Does a process of this group hold `port`'s listening socket? True when the holders
    /// cannot be seen (another user's processes): the port's answer is then all there is.
    fn listens_on(&self, port: u16) -> bool {
        let Some(leader) = self.pid() else {
            return false;
        };
        let Ok(scan) = doctor::server::port::scan(port) else {
            return true;
        };
        if scan.listener_pids.is_empty() {
            return true;
        }
        scan.listener_pids.iter().any(|pid| {
            // Field 5 of /proc/PID/stat, after the command name's closing parenthesis.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = stat.rsplit_once(')')?.1;
                    rest.split_whitespace().nth(2)?.parse::<u32>().ok()
                })
                .is_some_and(|pgid| pgid == leader)
        })
    }

    /// Has the group leader exited?
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().expect("try_wait"))
    }

    /// Waits until `port` accepts connections; panics with the log if the process dies or
    /// 30 s pass. Returns false (instead of panicking) when the process died because the port
    /// was taken, so the caller can retry on another port.
    pub fn wait_for_port(&mut self, port: u16) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.exited() {
                let log = read_log(&self.log);
                if log.contains("already in use") {
                    return false;
                }
                panic!(
                    "{} exited ({status}) before listening on {port}; its log:\n{log}",
                    self.name
                );
            }
            // Another test's server may hold the port a moment ago free: only our own
            // listener counts (else ours exits with "already in use" and the caller retries).
            if port_accepts(port) && self.listens_on(port) {
                return true;
            }
            if Instant::now() > deadline {
                let log = read_log(&self.log);
                self.stop();
                panic!(
                    "{} did not listen on {port} within 30 s; its log:\n{log}",
                    self.name
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM to the group, SIGKILL after 3 s, then reap the leader. Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pgid = Pid::from_raw(child.id() as i32);
        if child.try_wait().ok().flatten().is_none() {
            let _ = killpg(pgid, Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                sleep(Duration::from_millis(50));
            }
        }
        // Whatever is left of the group (the leader if it ignored SIGTERM, or its children).
        let _ = killpg(pgid, Signal::SIGKILL);
        let _ = child.wait();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How to prepare and start the sample service.
#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// Default: a fresh SQLite file in the service's temp dir.
    pub database_url: Option<String>,
    /// Run `create_test_users` (user1..user100 / testpass123).
    pub users: bool,
    /// Run `seed_stock`.
    pub stock: bool,
    /// Extra environment for manage.py and runserver (fault switches).
    pub env: Vec<(String, String)>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            database_url: None,
            users: true,
            stock: true,
            env: Vec::new(),
        }
    }
}

impl ServiceOptions {
    pub fn users(mut self, on: bool) -> Self {
        self.users = on;
        self
    }
    pub fn stock(mut self, on: bool) -> Self {
        self.stock = on;
        self
    }
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }
    pub fn database_url(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_string());
        self
    }
}

/// A Django fixture project of our own (no venv of its own) migrated into a temporary SQLite
/// file, with a doctor.toml that names the sample venv's Python.
pub struct FixtureDb {
    pub database_url: String,
    /// The doctor.toml, for `--config`.
    pub config: String,
    pub dir: tempfile::TempDir,
}

impl FixtureDb {
    pub fn migrated(project: &Path, prefix: &str) -> FixtureDb {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("tempdir");
        let database_url = format!("sqlite:///{}", dir.path().join("db.sqlite3").display());
        let config = dir.path().join("doctor.toml");
        fs::write(
            &config,
            format!(
                "[django]\npython = [{:?}]\n",
                python().display().to_string()
            ),
        )
        .expect("write doctor.toml");
        manage_in(
            project,
            &["migrate", "--noinput", "-v", "0"],
            &[("DATABASE_URL", database_url.as_str())],
        );
        FixtureDb {
            database_url,
            config: config.display().to_string(),
            dir,
        }
    }
}

/// Runs `manage.py ARGS` of the sample with the venv Python; panics with its output on failure.
pub fn manage(args: &[&str], env: &[(String, String)]) -> String {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    manage_in(&sample_dir(), args, &env)
}

/// Runs `manage.py ARGS` of the Django project in `dir` with the sample venv's Python, in a
/// clean environment plus `env`; panics with its output on failure.
pub fn manage_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = scrubbed(Command::new(python()));
    cmd.arg("manage.py")
        .args(args)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run manage.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{}/manage.py {} failed ({}):\n{text}",
        dir.display(),
        args.join(" "),
        out.status
    );
    text
}

/// The sample service, migrated (and seeded), served by `runserver` on a free loopback port.
pub struct SampleService {
    pub port: u16,
    pub base_url: String,
    pub database_url: String,
    /// DATABASE_URL plus the option's extra environment.
    pub env: Vec<(String, String)>,
    server: Group,
    dir: TempDir,
}

impl SampleService {
    pub fn start(opts: ServiceOptions) -> SampleService {
        let dir = tempfile::Builder::new()
            .prefix("doctor-sample-")
            .tempdir()
            .expect("tempdir");
        let database_url = opts
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite:///{}", dir.path().join("db.sqlite3").display()));
        let mut env = vec![("DATABASE_URL".to_string(), database_url.clone())];
        env.extend(opts.env.iter().cloned());

        manage(&["migrate", "--noinput", "-v", "0"], &env);
        if opts.users {
            manage(&["create_test_users"], &env);
        }
        if opts.stock {
            manage(&["seed_stock"], &env);
        }

        let log = dir.path().join("runserver.log");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = scrubbed(Command::new(python()));
            cmd.arg("manage.py")
                .arg("runserver")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--noreload")
                .current_dir(sample_dir())
                .env("PYTHONUNBUFFERED", "1");
            for (k, v) in &env {
                cmd.env(k, v);
            }
            let mut server = Group::spawn("runserver", cmd, &log);
            if server.wait_for_port(port) {
                return SampleService {
                    port,
                    base_url: format!("http://127.0.0.1:{port}"),
                    database_url,
                    env,
                    server,
                    dir,
                };
            }
            server.stop();
        }
        panic!(
            "runserver found no free port in 5 attempts; log:\n{}",
            read_log(&log)
        );
    }

    /// Stops the server (the database and the port number stay).
    pub fn stop(&mut self) {
        self.server.stop();
    }

    pub fn pid(&self) -> Option<u32> {
        self.server.pid()
    }

    pub fn log(&self) -> String {
        read_log(&self.server.log)
    }

    /// A scratch directory that lives as long as the service.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn env_refs(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Runs doctor in the sample dir against this service (`--base-url` and DATABASE_URL set).
    pub fn doctor(&self, args: &[&str]) -> (i32, String, String) {
        self.doctor_with(args, &[])
    }

    /// Like `doctor`, with extra environment.
    pub fn doctor_with(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut all = vec!["--base-url", self.base_url.as_str()];
        all.extend_from_slice(args);
        let mut vars = self.env_refs();
        vars.extend_from_slice(env);
        run_doctor(&all, &sample_dir(), &vars)
    }

    /// `doctor --format json ARGS` against this service, parsed.
    pub fn check_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = self.doctor(&all);
        parse_report(code, &stdout, &stderr, &self.log())
    }
}

/// Parses doctor's JSON report and checks that its exit code matches the one it reports.
pub fn parse_report(code: i32, stdout: &str, stderr: &str, server_log: &str) -> Value {
    let json: Value = serde_json::from_str(stdout).unwrap_or_else(|e| {
        panic!(
            "doctor printed no JSON ({e}); exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{server_log}"
        )
    });
    assert_eq!(
        json["exit_code"].as_i64(),
        Some(code as i64),
        "exit code differs from the report's: {json:#}"
    );
    json
}

/// Runs the doctor binary; doctor's own and the sample's switches are never inherited.
pub fn run_doctor(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = scrubbed(Command::new(doctor_bin()));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env("CI", "true")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run doctor");
    let code = out.status.code().unwrap_or_else(|| {
        panic!("doctor died by a signal: {:?}", out.status);
    });
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `doctor --format json ARGS` with the given base URL and environment, parsed.
pub fn check_json(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_doctor(&all, cwd, env);
    parse_report(code, &stdout, &stderr, "")
}

/// The result of check `id` in a JSON report.
pub fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id:?} in the report: {json:#}"))
}

pub fn status<'a>(json: &'a Value, id: &str) -> &'a str {
    check(json, id)["status"].as_str().unwrap_or("")
}

pub fn diagnosis<'a>(json: &'a Value, id: &str) -> &'a str {
    check(json, id)["diagnosis"].as_str().unwrap_or("")
}

/// The value of evidence `key` of check `id`, if present.
pub fn evidence<'a>(json: &'a Value, id: &str, key: &str) -> Option<&'a str> {
    check(json, id)["evidence"]
        .as_array()?
        .iter()
        .find(|e| e["key"] == key)
        .and_then(|e| e["value"].as_str())
}

/// Asserts the status (and, if given, the diagnosis) of check `id`, showing the check on failure.
#[track_caller]
pub fn assert_check(json: &Value, id: &str, want_status: &str, want_diagnosis: Option<&str>) {
    let c = check(json, id);
    assert_eq!(
        c["status"].as_str(),
        Some(want_status),
        "status of {id}: {c:#}"
    );
    if let Some(d) = want_diagnosis {
        assert_eq!(c["diagnosis"].as_str(), Some(d), "diagnosis of {id}: {c:#}");
    }
}

/// Starts the doctor binary without waiting (stdout and stderr piped), environment scrubbed
/// like `run_doctor`: for tests that signal doctor or its target while it runs.
pub fn spawn_doctor(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Child {
    let mut cmd = scrubbed(Command::new(doctor_bin()));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("CI", "true")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("start doctor")
}
pub mod gunicorn;
mod http_server;
pub mod korean;
pub mod load;
pub mod netns;
mod postgres;
pub mod profile_report;
pub mod project_copy;

// Not every test binary uses every helper.
#[allow(unused_imports)]
pub use http_server::HttpServer;
#[allow(unused_imports)]
pub use postgres::{Postgres, postgres_bindir};
