//! The report of a run: per stage users, requests, failures, rps, percentiles, verdicts,
//! resources and errors. Plain data: the outputs layer writes it as
//! report.json, report.md and report.html next to Locust's own files.

use super::plan::Plan;
use super::stats::{Final, WorkerRow};
use super::verdict::{StageMeasure, Verdict};
use crate::i18n::{Lang, Text};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every stage met its targets.
    Passed,
    /// A stage missed a target (or a stage was not reached).
    Missed,
    /// Checks failed or Locust did not start.
    CouldNotStart,
    /// Ctrl-C / SIGTERM.
    Aborted,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Missed => 1,
            Outcome::CouldNotStart | Outcome::Aborted => 3,
        }
    }

    /// The outcome as a person reads it.
    pub fn words(self, lang: Lang) -> &'static str {
        let ko = lang == Lang::Ko;
        match self {
            Outcome::Passed if ko => "모든 단계가 목표 달성",
            Outcome::Passed => "every stage met its targets",
            Outcome::Missed if ko => "목표를 놓친 단계 있음",
            Outcome::Missed => "a stage missed its targets",
            Outcome::CouldNotStart if ko => "시작하지 못함",
            Outcome::CouldNotStart => "could not start",
            Outcome::Aborted if ko => "중단됨",
            Outcome::Aborted => "aborted",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckLine {
    pub id: String,
    pub status: String,
    pub summary: Text,
}

#[derive(Clone, Debug, Serialize)]
pub struct StageReport {
    pub index: usize,
    #[serde(flatten)]
    pub measure: StageMeasure,
    pub users_reached: u64,
    pub rps: f64,
    pub rpm: f64,
    /// p50/p95: the first stage: Locust's cumulative figures (exact); later stages: the
    /// mixture of its ~10 s windows polled during the stage, weighted by requests.
    pub p50_ms: Option<f64>,
    pub p95_max_window_ms: Option<f64>,
    /// Whole run up to the end of this stage (Locust's cumulative figure).
    pub cumulative_p99_ms: Option<f64>,
    pub server_cpu_max: Option<f32>,
    pub server_rss_max_mb: Option<u64>,
    /// doctor's own process during the stage (% of one core, the profiler's threads
    /// included; see `RunReport::profiler_cpu`) and its largest resident memory.
    pub doctor_cpu_avg: Option<f32>,
    /// Requests each Locust worker reported during the stage (distributed runs).
    pub worker_requests: BTreeMap<String, u64>,
    /// This machine's CPU (% of all cores) on average: the load machine's when the server
    /// runs elsewhere (then `cpu_avg` is not set).
    pub load_cpu_avg: Option<f32>,
    /// The machine's CPU (% of all cores) used by other processes than the server, Locust
    /// and doctor, on average during the stage.
    pub other_cpu_avg: Option<f32>,
    pub doctor_rss_max_mb: Option<u64>,
    pub tcp_states_end: BTreeMap<String, usize>,
    pub workers: Option<Vec<WorkerRow>>,
    pub interrupted: bool,
    pub verdict: Verdict,
    /// Seconds since the run started when the stage began and ended.
    pub start_s: f64,
    pub end_s: f64,
    /// Where the server spent its time (None: not sampled, see `profile_note`).
    pub profile: Option<crate::profile::StageProfile>,
    /// What the database waited on (PostgreSQL only).
    pub waits: Option<crate::db_waits::StageWaits>,
    /// What doctor forecast for this stage before load (None: no forecast could be made).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<crate::forecast::Forecast>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProfilerCost {
    pub cpu_s: f64,
    pub wall_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration_s: f64,
    pub base_url: String,
    pub locustfile: PathBuf,
    pub plan: Plan,
    pub outcome: Outcome,
    pub exit_code: u8,
    pub message: Option<String>,
    pub checks: Vec<CheckLine>,
    pub stages: Vec<StageReport>,
    /// Locust's own final numbers (its --json-file).
    pub totals: Option<Final>,
    pub comparison: Vec<Text>,
    /// Second by second, per endpoint (the HTML report's charts).
    pub timeline: Vec<super::timeline::SecondPoint>,
    /// The server's host when it is not this machine: the system CPU and memory in this
    /// report are the load machine's, and the server was neither profiled nor measured.
    pub server_elsewhere: Option<String>,
    /// Why the server was not profiled, when it was not (ptrace refused, no server here…).
    pub profile_note: Option<Text>,
    /// The profiler's own CPU time over the time it sampled.
    pub profiler_cpu: Option<ProfilerCost>,
    /// Before the first stage: the CPU (% of all cores) other processes already held.
    pub other_cpu_before: Option<f32>,
    /// Requests (and failures) answered outside every stage: between stages (while doctor
    /// waited for the workers' last reports of one) and after the last, while Locust stopped.
    /// In `totals`, in no stage.
    pub outside_stages: Option<(u64, u64)>,
    /// How old the live numbers were when shown (ms): median and worst.
    pub live_age_ms: Option<(f64, f64)>,
    #[serde(skip)]
    pub live_ages_ms: Vec<f64>,
    pub web_url: Option<String>,
    /// Locust's master and workers (all stopped when the report is written).
    pub locust_pids: Vec<u32>,
    pub run_dir: PathBuf,
    pub files: Vec<String>,
    #[serde(skip)]
    pub locust_log_tail: String,
    /// Each planned stage's forecast, made before load (empty: none could be made).
    #[serde(skip)]
    pub forecasts: Vec<crate::forecast::Forecast>,
    /// Why there is no forecast, or what it assumed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forecast_notes: Vec<Text>,
    #[serde(skip)]
    started: Option<SystemTime>,
}

impl RunReport {
    pub fn new(plan: &Plan) -> RunReport {
        let now = SystemTime::now();
        let (stamp, iso) = crate::clock::utc(now);
        let runs = super::runs_dir(&plan.project_dir);
        let id = stamp;
        RunReport {
            run_dir: runs.join(&id),
            id,
            started_at: iso,
            finished_at: String::new(),
            duration_s: 0.0,
            base_url: plan.base_url.clone(),
            locustfile: plan.locustfile.clone(),
            plan: plan.clone(),
            outcome: Outcome::Aborted,
            exit_code: 3,
            message: None,
            checks: Vec::new(),
            stages: Vec::new(),
            totals: None,
            comparison: Vec::new(),
            timeline: Vec::new(),
            profile_note: None,
            server_elsewhere: None,
            profiler_cpu: None,
            other_cpu_before: None,
            live_age_ms: None,
            outside_stages: None,
            live_ages_ms: Vec::new(),
            web_url: None,
            locust_pids: Vec::new(),
            files: Vec::new(),
            locust_log_tail: String::new(),
            forecasts: Vec::new(),
            forecast_notes: Vec::new(),
            started: Some(now),
        }
    }

    /// When the run started (the stages' seconds are counted from here).
    pub fn started_time(&self) -> SystemTime {
        self.started.unwrap_or_else(SystemTime::now)
    }

    pub fn finish(&mut self, outcome: Outcome, message: Option<String>) {
        if !self.live_ages_ms.is_empty() {
            let mut ages = self.live_ages_ms.clone();
            ages.sort_by(f64::total_cmp);
            self.live_age_ms = Some((ages[ages.len() / 2], ages[ages.len() - 1]));
        }
        self.outcome = outcome;
        self.exit_code = outcome.exit_code();
        self.message = message;
        let now = SystemTime::now();
        self.finished_at = crate::clock::utc(now).1;
        self.duration_s = self
            .started
            .and_then(|s| now.duration_since(s).ok())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
    }
}

/// Create the run's directory; two runs started in the same second get `-2`, `-3`, ...
pub fn claim_dir(report: &mut RunReport) -> std::io::Result<()> {
    super::state_dir::ensure(&report.plan.project_dir)?;
    let runs = super::runs_dir(&report.plan.project_dir);
    std::fs::create_dir_all(&runs)?;
    let stamp = report.id.clone();
    for n in 1..1000 {
        let id = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        match std::fs::create_dir(runs.join(&id)) {
            Ok(()) => {
                report.run_dir = runs.join(&id);
                report.id = id;
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many runs in one second"))
}
