//! The project's Locust: started once with its web UI on loopback, in its own process group
//! (with explicit workers in theirs), driven through its web API: swarm, poll, exceptions, stop.

use super::listener::LiveAnswer;
use super::stats::{ExceptionRow, ExceptionsResponse, StatsResponse};
use crate::process::Group;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

pub struct LaunchOptions<'a> {
    pub python: &'a [String],
    pub locustfile: &'a Path,
    pub host: &'a str,
    pub cwd: &'a Path,
    /// Files go here: locust.log, locust.json, locust_*.csv.
    pub out_dir: &'a Path,
    pub local_workers: Option<u32>,
    pub expect_workers: Option<u32>,
    /// The master's `--master-bind-host` (127.0.0.1 unless `--master-bind` says otherwise).
    pub master_bind: std::net::IpAddr,
    /// doctor's listener, loaded beside the locustfile (see `listener`).
    pub listener: &'a Path,
}

/// `-f`'s value: the project's locustfile and doctor's listener (Locust merges their users;
/// the listener defines none).
fn locustfiles(opts: &LaunchOptions<'_>) -> std::ffi::OsString {
    let mut value = opts.locustfile.as_os_str().to_owned();
    value.push(",");
    value.push(opts.listener.as_os_str());
    value
}

pub struct Locust {
    master: Group,
    /// Closed when doctor is gone: the master's listener then stops the load.
    _lifeline: crate::process::lifeline::Lifeline,
    workers: Vec<Group>,
    pub web_url: String,
    pub master_port: Option<u16>,
    /// Where the master listens for workers.
    pub master_bind: std::net::IpAddr,
    /// The project's locustfile and Python (what a remote worker must match).
    pub locustfile: PathBuf,
    pub python: Vec<String>,
    pub log: PathBuf,
    pub json_file: PathBuf,
    pub api: Api,
}

/// Locust's web API (cheap to clone: collectors each hold one).
#[derive(Clone)]
pub struct Api {
    web_url: String,
    http: reqwest::Client,
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn base_command(python: &[String], cwd: &Path) -> Result<tokio::process::Command, String> {
    let (program, args) = python
        .split_first()
        .ok_or("no Python configured ([django] python)")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .args(["-m", "locust"])
        .current_dir(cwd)
        .env("PYTHONUNBUFFERED", "1")
        // A locustfile that opens Django's database is doctor's load, not the app's sessions.
        .env("PGAPPNAME", crate::python_helper::PG_APP_NAME)
        .env("NO_PROXY", "127.0.0.1,localhost,::1");
    Ok(cmd)
}

fn log_files(path: &Path) -> Result<(Stdio, Stdio), String> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    Ok((Stdio::from(out), Stdio::from(err)))
}

impl Locust {
    /// Start Locust and wait until its web UI answers; an early exit is returned with the
    /// end of its log (import errors, "No User class found!").
    pub async fn start(opts: LaunchOptions<'_>) -> Result<Locust, String> {
        let log = opts.out_dir.join("locust.log");
        let json_base = opts.out_dir.join("locust");
        let json_file = opts.out_dir.join("locust.json");
        let csv_prefix = opts.out_dir.join("locust");
        let distributed = opts.local_workers.is_some() || opts.expect_workers.is_some();
        let mut last_error = String::new();
        for _attempt in 0..3 {
            let web_port = free_port().map_err(|e| e.to_string())?;
            let master_port = if distributed {
                Some(free_port().map_err(|e| e.to_string())?)
            } else {
                None
            };
            let mut cmd = base_command(opts.python, opts.cwd)?;
            cmd.arg("-f")
                .arg(locustfiles(&opts))
                .args(["--host", opts.host])
                .args([
                    "--web-host",
                    "127.0.0.1",
                    "--web-port",
                    &web_port.to_string(),
                ])
                .arg("--json-file")
                .arg(&json_base)
                .arg("--csv")
                .arg(&csv_prefix)
                .arg("--csv-full-history")
                .args(["--exit-code-on-error", "0"]);
            if let Some(port) = master_port {
                let bind = opts.master_bind.to_string();
                let expected = opts.local_workers.or(opts.expect_workers).unwrap_or(1);
                cmd.args(["--master", "--master-bind-host", &bind])
                    .args(["--master-bind-port", &port.to_string()])
                    .args(["--expect-workers", &expected.to_string()]);
            }
            let (out, err) = log_files(&log)?;
            let lifeline = crate::process::lifeline::attach(&mut cmd).map_err(|e| e.to_string())?;
            let master = Group::spawn(&mut cmd, out, err)
                .map_err(|e| format!("cannot start {} -m locust: {e}", opts.python.join(" ")))?;
            let mut locust = Locust {
                master,
                _lifeline: lifeline,
                workers: Vec::new(),
                web_url: format!("http://127.0.0.1:{web_port}"),
                master_port,
                master_bind: opts.master_bind,
                locustfile: opts.locustfile.to_path_buf(),
                python: opts.python.to_vec(),
                log: log.clone(),
                json_file: json_file.clone(),
                api: Api {
                    web_url: format!("http://127.0.0.1:{web_port}"),
                    http: reqwest::Client::builder()
                        .no_proxy()
                        .connect_timeout(Duration::from_secs(2))
                        .timeout(Duration::from_secs(10))
                        .build()
                        .map_err(|e| e.to_string())?,
                },
            };
            match locust.wait_ready(Duration::from_secs(60)).await {
                Ok(()) => {
                    if let (Some(n), Some(port)) = (opts.local_workers, master_port) {
                        // Local workers reach the master where it listens (loopback when it
                        // listens everywhere).
                        let master_host = if opts.master_bind.is_unspecified() {
                            "127.0.0.1".to_string()
                        } else {
                            opts.master_bind.to_string()
                        };
                        for _ in 0..n {
                            let mut cmd = base_command(opts.python, opts.cwd)?;
                            cmd.arg("-f")
                                .arg(locustfiles(&opts))
                                .args(["--worker", "--master-host", &master_host])
                                .args(["--master-port", &port.to_string()]);
                            let (out, err) = log_files(&log)?;
                            let worker = Group::spawn(&mut cmd, out, err)
                                .map_err(|e| format!("cannot start a Locust worker: {e}"))?;
                            locust.workers.push(worker);
                        }
                    }
                    return Ok(locust);
                }
                Err(message) => {
                    locust.stop(Duration::from_secs(3)).await;
                    let tail = log_tail(&log, 30);
                    if tail.contains("Address already in use") {
                        last_error = message;
                        continue; // the port was taken between our check and Locust's bind
                    }
                    let line = error_line(&tail).unwrap_or_default();
                    return Err(format!("{line} ({message})\n{tail}"));
                }
            }
        }
        Err(last_error)
    }

    async fn wait_ready(&mut self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.master.exited() {
                return Err(format!(
                    "Locust exited before its web UI came up ({status})"
                ));
            }
            if self.api.stats().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "Locust's web UI did not answer within {} s",
                    within.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn pids(&self) -> Vec<u32> {
        std::iter::once(self.master.pid())
            .chain(self.workers.iter().map(Group::pid))
            .collect()
    }

    pub fn pgids(&self) -> Vec<i32> {
        std::iter::once(self.master.pgid)
            .chain(self.workers.iter().map(|w| w.pgid))
            .collect()
    }

    pub fn has_local_workers(&self) -> bool {
        !self.workers.is_empty()
    }

    /// The master's exit status, once it has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.master.exited()
    }

    /// Stop the test, then end Locust with SIGTERM (it writes --json-file on the way out),
    /// SIGKILL after `grace`; workers after the master.
    pub async fn stop(&mut self, grace: Duration) {
        if self.master.exited().is_none() {
            let _ = self
                .api
                .http
                .post(format!("{}/stop", self.web_url))
                .timeout(Duration::from_secs(3))
                .send()
                .await;
        }
        self.master.stop(grace).await;
        for worker in &mut self.workers {
            worker.stop(Duration::from_secs(3)).await;
        }
    }
}

impl Api {
    pub async fn stats(&self) -> Result<StatsResponse, String> {
        let response = self
            .http
            .get(format!("{}/stats/requests", self.web_url))
            .send()
            .await
            .map_err(|e| crate::probes::http::error_chain(&e))?;
        response
            .json::<StatsResponse>()
            .await
            .map_err(|e| format!("/stats/requests: {e}"))
    }

    pub async fn exceptions(&self) -> Result<Vec<ExceptionRow>, String> {
        let response = self
            .http
            .get(format!("{}/exceptions", self.web_url))
            .send()
            .await
            .map_err(|e| crate::probes::http::error_chain(&e))?;
        Ok(response
            .json::<ExceptionsResponse>()
            .await
            .map_err(|e| format!("/exceptions: {e}"))?
            .exceptions)
    }

    /// Start or change the test: form-encoded (a JSON body is ignored by Locust). Locust stops
    /// its users by itself after `run_time` (each swarm restarts that timer), so load never
    /// runs unwatched for long even when doctor cannot stop it.
    pub async fn swarm(
        &self,
        users: u32,
        spawn_rate: f64,
        run_time: Duration,
    ) -> Result<(), String> {
        let response = self
            .http
            .post(format!("{}/swarm", self.web_url))
            .form(&[
                ("user_count", users.to_string()),
                ("spawn_rate", spawn_rate.to_string()),
                ("run_time", format!("{}s", run_time.as_secs().max(1))),
            ])
            .send()
            .await
            .map_err(|e| crate::probes::http::error_chain(&e))?;
        let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
        if body.get("success").and_then(|v| v.as_bool()) == Some(false) {
            return Err(format!(
                "Locust refused /swarm: {}",
                body.get("message").and_then(|m| m.as_str()).unwrap_or("")
            ));
        }
        Ok(())
    }

    /// Stop the users (Locust keeps running and answering).
    pub async fn stop_users(&self) {
        let _ = self
            .http
            .post(format!("{}/stop", self.web_url))
            .timeout(Duration::from_secs(3))
            .send()
            .await;
    }

    /// doctor's listener (master only): what each worker reported.
    pub async fn workers(&self) -> Result<super::workers::WatcherAnswer, String> {
        let response = self
            .http
            .get(format!("{}/doctor/workers", self.web_url))
            .send()
            .await
            .map_err(|e| crate::probes::http::error_chain(&e))?;
        response
            .json()
            .await
            .map_err(|e| format!("/doctor/workers: {e}"))
    }

    pub async fn live(&self, after: i64) -> Result<LiveAnswer, String> {
        let response = self
            .http
            .get(format!("{}/doctor/live?after={after}", self.web_url))
            .send()
            .await
            .map_err(|e| crate::probes::http::error_chain(&e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Err("Locust did not load doctor's listener (/doctor/live answered 404)".into());
        }
        response
            .json::<LiveAnswer>()
            .await
            .map_err(|e| format!("/doctor/live: {e}"))
    }
}

/// The last `lines` lines of a log.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The line that says what went wrong in Locust's output: the last exception line of a
/// traceback, or the last ERROR/CRITICAL line.
pub fn error_line(log: &str) -> Option<String> {
    let lines: Vec<&str> = log.lines().collect();
    let exception = lines.iter().rev().find(|l| {
        let l = l.trim_start();
        !l.starts_with(' ')
            && l.split(':').next().is_some_and(|head| {
                (head.ends_with("Error") || head.ends_with("Exception")) && !head.contains(' ')
            })
    });
    exception
        .or_else(|| {
            lines.iter().rev().find(|l| {
                l.contains("/ERROR/") || l.contains("/CRITICAL/") || l.contains("Could not find")
            })
        })
        .or_else(|| {
            lines
                .iter()
                .rev()
                .find(|l| l.contains("No User class found"))
        })
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_error_of_a_traceback() {
        let log = "Traceback (most recent call last):\n  File \"x.py\", line 1\n    import nope\nModuleNotFoundError: No module named 'nope'\n";
        assert_eq!(
            error_line(log).as_deref(),
            Some("ModuleNotFoundError: No module named 'nope'")
        );
        let log = "[2026-01-01 00:00:00,000] h/INFO/locust.main: Starting\n[2026-01-01 00:00:01,000] h/ERROR/locust.user.task: 'FastHttpSession' object has no attribute 'headers'\n";
        assert!(error_line(log).unwrap().contains("FastHttpSession"));
    }
}
