//! Helpers for tests of `doctor run` (short stages against the sample service).

use super::{SampleService, sample_dir, spawn_doctor};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex};

pub fn parse_report(code: i32, stdout: &str, stderr: &str) -> Value {
    let json: Value = serde_json::from_str(stdout).unwrap_or_else(|e| {
        panic!("no JSON report ({e}), exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}")
    });
    assert_eq!(json["exit_code"].as_i64(), Some(code as i64), "{json:#}");
    json
}

/// Targets for a run whose subject is not the failure rate: the sample serves SQLite, where
/// two concurrent reserves can honestly answer `500 database is locked` (doctor reports it as
/// a pattern); a test of comparisons or output must not fail on that race.
pub const ANY_FAILURES: &str = "error_ratio = 1\n";

/// A doctor.toml next to the service: targets the short test stages can meet (this machine's
/// CPU is shared, a handful of users makes few requests per minute) plus `extra`.
pub fn config(service: &SampleService, extra: &str) -> PathBuf {
    let path = service.dir().join("doctor.toml");
    let text = format!(
        "[targets]\ncpu_percent = 101\nmemory_percent = 101\nrequests_per_min = 1\n{extra}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

pub fn run_json(service: &SampleService, config: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec![
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "run",
    ];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = service.doctor(&all);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("no JSON report ({e}), exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}", service.log())
    });
    assert_eq!(json["exit_code"].as_i64(), Some(code as i64), "{json:#}");
    (code, json, stderr)
}

pub fn finish(mut child: Child) -> (i32, Value, String) {
    let status = child.wait().expect("wait for doctor");
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let code = status.code().expect("doctor exited by itself");
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("no JSON report ({e}), exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}")
    });
    (code, json, stderr)
}

pub fn spawn_run(service: &SampleService, config: &Path, args: &[&str]) -> Child {
    let mut all = vec![
        "--base-url",
        service.base_url.as_str(),
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "run",
    ];
    all.extend_from_slice(args);
    let env: Vec<(&str, &str)> = service
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    spawn_doctor(&all, &sample_dir(), &env)
}

pub fn stages(json: &Value) -> &Vec<Value> {
    json["stages"].as_array().expect("stages")
}

pub fn problems(stage: &Value) -> String {
    stage["verdict"]["problems"].to_string()
}

pub fn saved_report(json: &Value) -> Value {
    let dir = PathBuf::from(json["run_dir"].as_str().unwrap());
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json saved");
    assert!(dir.join("report.md").is_file());
    serde_json::from_str(&text).unwrap()
}

pub fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false)
}

/// Pids of Locust (`python -m locust`) whose environment holds `needle` (the service's unique
/// DATABASE_URL marks what this test's doctor started; doctor's own helpers do not count).
pub fn processes_with_env(needle: &str) -> Vec<u64> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u64>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
                && std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| c.contains("\0-m\0locust"))
        })
        .filter(|pid| alive(*pid))
        .collect()
}

/// doctor's stderr as it comes, read by a thread (so the pipe never fills).
pub struct Stderr {
    text: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Stderr {
    pub fn follow(child: &mut Child) -> Stderr {
        let err = child.stderr.take().unwrap();
        let text = Arc::new(Mutex::new(String::new()));
        let sink = text.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Stderr { text, reader }
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.text.lock().unwrap().contains(needle)
    }

    pub fn join(self) -> String {
        self.reader.join().unwrap();
        self.text.lock().unwrap().clone()
    }
}

/// Waits until doctor says stage `n` started (the checks before it take longer on a busy
/// machine: a fault timed from doctor's start can land before any stage).
pub fn wait_for_stage(stderr: &Stderr, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !stderr.contains(&format!("stage {n}/")) {
        assert!(
            std::time::Instant::now() < deadline,
            "stage {n} never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Waits for doctor and parses its JSON report.
pub fn finish_followed(mut child: Child, stderr: Stderr) -> (i32, Value, String) {
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().expect("wait for doctor");
    let stderr = stderr.join();
    let code = status.code().expect("doctor exited by itself");
    (code, parse_report(code, &stdout, &stderr), stderr)
}

/// Children of `parent` (from /proc) whose command line holds `needle`.
pub fn children_with(parent: u32, needle: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            let ppid = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()?
                        .split_whitespace()
                        .nth(1)?
                        .parse::<u32>()
                        .ok()
                });
            ppid == Some(parent)
                && std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| c.split(|b| *b == 0).any(|arg| arg == needle.as_bytes()))
                && alive(u64::from(*pid))
        })
        .collect()
}
