//! What a run will do: stages, spawn rate, stage time, workers and the targets, from
//! doctor.toml's `[run]`/`[targets]` and the command line (flags win).

use crate::config::Config;
use crate::config::run::parse_duration;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// The guide's performance targets.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Targets {
    pub p95_ms: f64,
    pub error_ratio: f64,
    pub requests_per_min: f64,
    pub cpu_percent: f64,
    pub memory_percent: f64,
}

impl Default for Targets {
    fn default() -> Targets {
        Targets {
            p95_ms: 2000.0,
            error_ratio: 0.01,
            requests_per_min: 1000.0,
            cpu_percent: 80.0,
            memory_percent: 80.0,
        }
    }
}

/// py-spy's rate: enough samples for a stage's hot spots, little cost on a small machine
/// (see scripts/bench-profiler.sh).
pub const DEFAULT_PROFILE_HZ: u32 = 50;

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub stages: Vec<u32>,
    pub spawn_rate: f64,
    pub stage_secs: f64,
    /// Local Locust workers (explicit master + N `--worker` processes).
    pub workers: Option<u32>,
    /// Remote workers to wait for before the first stage.
    pub expect_workers: Option<u32>,
    /// The address Locust's master listens on for its workers (`--master-bind-host`):
    /// 127.0.0.1 unless `--master-bind` says otherwise.
    pub master_bind: std::net::IpAddr,
    pub targets: Targets,
    pub keep_going: bool,
    pub force: bool,
    pub allow_remote: bool,
    /// Without `user:password@` (see `Config::base_url`): printed and saved as is.
    pub base_url: String,
    pub base_url_credentials: Option<crate::config::Secret>,
    pub locustfile: PathBuf,
    pub python: Vec<String>,
    /// Where Locust runs (imports relative to the project) and where `.doctor/` goes.
    pub project_dir: PathBuf,
    /// Seconds between progress lines without a terminal.
    pub progress_secs: f64,
    /// The language of the saved Markdown report (the caller's `--lang`).
    pub lang: crate::i18n::Lang,
    /// Samples per second of the server's stacks (0: not profiled).
    pub profile_hz: u32,
}

/// What the command line says about a run (None: from doctor.toml or the default).
#[derive(Clone, Debug, Default)]
pub struct RunFlags {
    pub stages: Option<String>,
    pub spawn_rate: Option<f64>,
    pub stage_time: Option<String>,
    pub workers: Option<u32>,
    pub expect_workers: Option<u32>,
    /// `--master-bind ADDR`: where the master listens for workers.
    pub master_bind: Option<String>,
    pub keep_going: bool,
    pub force: bool,
    pub allow_remote: bool,
    pub locustfile: Option<PathBuf>,
    pub profile_hz: Option<u32>,
}

pub fn parse_stages(text: &str) -> Result<Vec<u32>, String> {
    let stages: Result<Vec<u32>, _> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse::<u32>)
        .collect();
    match stages {
        Ok(s) if !s.is_empty() && !s.contains(&0) => Ok(s),
        _ => Err(format!(
            "--stages '{text}': give user counts above 0 separated by commas, e.g. 100,500,1000"
        )),
    }
}

/// `--master-bind`'s value: an IP address of this machine (Locust binds it, no names).
pub fn parse_master_bind(text: &str) -> Result<std::net::IpAddr, String> {
    text.trim().parse().map_err(|_| {
        format!("--master-bind '{text}': give an IP address of this machine, e.g. 127.0.0.1 or 10.0.0.5 (0.0.0.0: every interface)")
    })
}

impl Plan {
    /// The plan, or a usage error (exit 2) — including a non-loopback target without
    /// `--allow-remote`, refused before anything starts.
    pub fn build(config: &Config, flags: &RunFlags, cwd: &std::path::Path) -> Result<Plan, String> {
        let run = &config.run;
        let stages = match &flags.stages {
            Some(text) => parse_stages(text)?,
            None => run.stages.value.clone(),
        };
        let spawn_rate = flags.spawn_rate.unwrap_or(run.spawn_rate.value);
        if !spawn_rate.is_finite() || spawn_rate <= 0.0 {
            return Err(format!("--spawn-rate {spawn_rate}: give a rate above 0"));
        }
        let stage_secs = match &flags.stage_time {
            Some(text) => parse_duration(text).map_err(|e| format!("--stage-time {e}"))?,
            None => run.stage_secs.value,
        };
        // NaN fails every comparison: ask for the range, not against it.
        if !(1.0..=crate::config::file::ranges::MAX_STAGE_SECS).contains(&stage_secs) {
            return Err(format!("stage time {stage_secs}s: give 1s to 24h"));
        }
        let workers = flags.workers.or(run.workers.value).filter(|w| *w > 0);
        if workers.is_some() && flags.expect_workers.is_some() {
            return Err("--workers and --expect-workers: choose one (local workers, or remote workers joining doctor's master)".into());
        }
        let master_bind = match &flags.master_bind {
            Some(text) => parse_master_bind(text)?,
            None => std::net::IpAddr::from([127, 0, 0, 1]),
        };
        let allow_remote = flags.allow_remote || config.allow_remote.value;
        if !allow_remote && !config.target_is_loopback() {
            return Err(format!(
                "refusing to send load to {}: it is not a loopback address. Load tests of remote hosts need --allow-remote (or [target] allow_remote = true in doctor.toml)",
                config.base_url.value
            ));
        }
        let locustfile = match &flags.locustfile {
            Some(p) if p.is_absolute() => p.clone(),
            Some(p) => cwd.join(p),
            None => config.locustfile.value.clone().ok_or_else(|| {
                "no locustfile found: set [locust] locustfile in doctor.toml or pass --locustfile"
                    .to_string()
            })?,
        };
        let project_dir = config
            .project_dir
            .value
            .clone()
            .unwrap_or_else(|| cwd.to_path_buf());
        Ok(Plan {
            stages,
            spawn_rate,
            stage_secs,
            workers,
            expect_workers: flags.expect_workers.filter(|w| *w > 0),
            master_bind,
            targets: Targets {
                p95_ms: run.p95_ms.value,
                error_ratio: run.error_ratio.value,
                requests_per_min: run.requests_per_min.value,
                cpu_percent: run.cpu_percent.value,
                memory_percent: run.memory_percent.value,
            },
            keep_going: flags.keep_going,
            force: flags.force,
            allow_remote,
            profile_hz: flags.profile_hz.unwrap_or(DEFAULT_PROFILE_HZ),
            base_url: config.base_url.value.clone(),
            base_url_credentials: config.base_url_credentials.clone(),
            locustfile,
            python: config.python.value.clone(),
            project_dir,
            progress_secs: 5.0,
            lang: crate::i18n::Lang::En,
        })
    }

    pub fn stage_time(&self) -> Duration {
        Duration::from_secs_f64(self.stage_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse() {
        assert_eq!(parse_stages("100,500, 1000").unwrap(), vec![100, 500, 1000]);
        assert!(parse_stages("").is_err());
        assert!(parse_stages("0,5").is_err());
        assert!(parse_stages("a").is_err());
    }

    #[test]
    fn master_bind_is_an_address() {
        assert_eq!(
            parse_master_bind("10.1.2.3").unwrap().to_string(),
            "10.1.2.3"
        );
        assert!(parse_master_bind("0.0.0.0").unwrap().is_unspecified());
        assert!(parse_master_bind("myhost").is_err());
    }
}
