//! What a running `doctor run` tells whoever shows it, and the state built from it (for the
//! progress lines and the TUI dashboard).

use super::monitor::Resources;
use super::plan::Targets;
use super::run_report::{RunReport, StageReport};
use super::stats::{ErrorRow, WorkerRow};
use crate::i18n::Text;
use std::path::PathBuf;

/// What the live view shows, about twice a second. The stage's figures are the stage so far
/// by the same definition the verdict and the report use (see `numbers`); beside them the
/// last few complete seconds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Tick {
    pub elapsed_s: f64,
    pub stage: usize,
    pub stage_elapsed_s: f64,
    pub users: u64,
    pub target_users: u32,
    pub state: String,
    pub stage_requests: u64,
    pub stage_failures: u64,
    /// None in the stage's first second (no rate yet).
    pub stage_rpm: Option<f64>,
    /// None while nothing was answered: never a false 0 %.
    pub stage_failure_ratio: Option<f64>,
    pub stage_p50_ms: Option<f64>,
    pub stage_p95_ms: Option<f64>,
    /// The last 5 complete seconds.
    pub recent_rps: Option<f64>,
    pub recent_failure_ratio: Option<f64>,
    pub recent_p95_ms: Option<f64>,
    /// Requests sent and not answered yet (None: unknown).
    pub in_flight: Option<u64>,
    /// Seconds since the last answer, while users run.
    pub silent_s: Option<f64>,
    /// How old the counts were when this tick was made (ms).
    pub age_ms: f64,
    /// The server's busiest function over the last few seconds.
    pub hot_spot: Option<crate::profile::FuncStat>,
    /// The whole run so far (Locust's table).
    pub requests: u64,
    pub failures: u64,
    pub top_errors: Vec<ErrorRow>,
    pub resources: Resources,
    pub db_connections: Option<(i64, i64)>,
    pub workers: Option<Vec<WorkerRow>>,
    pub exceptions: u64,
    /// The stage's last tick, after it closed: its numbers are the verdict's.
    pub closed: bool,
}

#[derive(Clone, Debug)]
pub enum RunEvent {
    Message(Text),
    Started {
        run_dir: PathBuf,
        stages: Vec<u32>,
        targets: Targets,
        stage_secs: f64,
        /// The server's host when it is not this machine (CPU and memory are then the load
        /// machine's only).
        server_elsewhere: Option<String>,
    },
    StageStarted {
        index: usize,
        users: u32,
        at_s: f64,
    },
    Tick(Box<Tick>),
    StageFinished(Box<StageReport>),
    Finished(Box<RunReport>),
}

/// Everything the dashboard draws; a pure function of the events so far.
#[derive(Clone, Debug, Default)]
pub struct LiveState {
    pub stages: Vec<u32>,
    pub stage_secs: f64,
    pub targets: Targets,
    pub run_dir: Option<PathBuf>,
    pub stage: Option<usize>,
    pub last: Option<Tick>,
    /// (seconds since start, requests/s of the last complete seconds) over the whole run.
    pub rps: Vec<(f64, f64)>,
    /// (seconds since start, p95 of the last complete seconds, ms).
    pub p95: Vec<(f64, f64)>,
    /// Where each stage began (seconds since start) and its users.
    pub stage_starts: Vec<(f64, u32)>,
    /// Finished stages: users and whether they met the targets.
    pub verdicts: Vec<(u32, bool)>,
    /// The last finished stage's verdict in a few sentences: the targets it missed, where
    /// the server's time went, what skewed it.
    pub last_words: Vec<Text>,
    pub messages: Vec<Text>,
    /// The server's host when it runs elsewhere.
    pub server_elsewhere: Option<String>,
    pub finished: Option<RunReport>,
}

impl LiveState {
    pub fn apply(&mut self, event: &RunEvent) {
        match event {
            RunEvent::Message(text) => {
                self.messages.push(text.clone());
                if self.messages.len() > 20 {
                    self.messages.remove(0);
                }
            }
            RunEvent::Started {
                run_dir,
                stages,
                targets,
                stage_secs,
                server_elsewhere,
            } => {
                self.server_elsewhere = server_elsewhere.clone();
                self.run_dir = Some(run_dir.clone());
                self.stages = stages.clone();
                self.targets = targets.clone();
                self.stage_secs = *stage_secs;
            }
            RunEvent::StageStarted { index, users, at_s } => {
                self.stage = Some(*index);
                self.stage_starts.push((*at_s, *users));
            }
            RunEvent::Tick(tick) => {
                if !tick.closed {
                    if let Some(rps) = tick.recent_rps {
                        self.rps.push((tick.elapsed_s, rps));
                    }
                    if let Some(p95) = tick.recent_p95_ms {
                        self.p95.push((tick.elapsed_s, p95));
                    }
                }
                self.last = Some((**tick).clone());
            }
            RunEvent::StageFinished(stage) => {
                self.verdicts
                    .push((stage.measure.users, stage.verdict.passed));
                let v = &stage.verdict;
                let missed = v.targets.iter().filter(|t| !t.passed).map(|t| &t.text);
                self.last_words = missed
                    .chain(v.problems.first())
                    .chain(v.forecast.first())
                    .chain(v.bottleneck.first())
                    .chain(v.skews.first())
                    .cloned()
                    .collect();
            }
            RunEvent::Finished(report) => self.finished = Some((**report).clone()),
        }
    }

    /// Requests/s of the last complete seconds.
    pub fn current_rps(&self) -> Option<f64> {
        self.last.as_ref().and_then(|t| t.recent_rps)
    }
}
