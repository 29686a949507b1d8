//! One stage's samples as they arrive, and what they add up to: the live tick of the stage
//! so far, and the finished stage. Pure: no processes, no I/O, no clock of its own (times
//! come in as epoch seconds), so every rule here is unit-tested without Locust.

use super::collect::Sample;
use super::live::Tick;
use super::monitor::Resources;
use super::numbers::{Counts, Seconds};
use super::run_report::StageReport;
use super::stats::{ErrorRow, ExceptionRow, StatsResponse};
use super::verdict::{self, EndpointPhase, StageMeasure};
use crate::db_waits::WaitSample;
use crate::probes::database::Vendor;
use crate::profile::{Batch, FuncStat, ProfileAccumulator};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

/// After the last user of a stage started: still the spawning phase for this long (logins of
/// the last users started are still in flight when Locust reports them all spawned).
pub const SETTLE_S: f64 = 5.0;
/// The "last interval" beside the stage so far, and the hot spot's window.
pub const RECENT_S: i64 = 5;

/// What stays the same through a stage.
#[derive(Clone, Debug, Default)]
pub struct StageSpec {
    pub index: usize,
    pub users: u32,
    pub spawn_rate: f64,
    /// Epoch seconds: the stage counts the requests answered in `from..to`.
    pub from: i64,
    pub to: i64,
    /// Epoch seconds when the run started (for times shown "since start").
    pub run_start: f64,
    pub db_vendor: Option<Vendor>,
    /// SQLite's locking, its DATABASES line relative to the project.
    pub sqlite: Option<crate::django::SqliteLocking>,
    pub login_path: String,
    pub project_dir: PathBuf,
    /// The app's connection pool size (Django's `OPTIONS["pool"]`), when it has one.
    pub pool_max: Option<i64>,
    /// The server's host when it is not this machine.
    pub server_elsewhere: Option<String>,
}

/// The listener's facts besides the counts.
#[derive(Clone, Debug, Default)]
struct Flow {
    in_flight: Option<u64>,
    last_answer: Option<f64>,
    /// Locust's clock when it answered.
    counted_at: f64,
    users: u64,
    state: String,
}

pub struct StageState {
    pub spec: StageSpec,
    start_errors: Vec<ErrorRow>,
    exceptions_before: Vec<ExceptionRow>,
    latest_exceptions: Vec<ExceptionRow>,
    pub stats: StatsResponse,
    pub exceptions: Vec<ExceptionRow>,
    flow: Flow,
    resources: Vec<Resources>,
    previous: Resources,
    /// Epoch seconds when every user of the stage ran.
    reached_at: Option<f64>,
    profile: ProfileAccumulator,
    recent: VecDeque<Batch>,
    /// The busiest function of `recent`, worked out once per profile batch (about once a
    /// second), not on every tick.
    hot: Option<FuncStat>,
    waits: Vec<WaitSample>,
    /// The longest span with requests waiting and none answered: (last answer, seconds, most
    /// waiting), in Locust's clock.
    silence: Option<(f64, f64, u64)>,
    /// Ages (ms) of the counts when they were shown.
    pub ages_ms: Vec<f64>,
    /// Requests each worker had reported when the stage began, and the latest figures.
    pub worker_requests_before: BTreeMap<String, u64>,
    pub worker_requests: BTreeMap<String, u64>,
}

impl StageState {
    /// `before`: Locust's tables and exceptions as the previous stage left them.
    /// `resources`: the machine's last sample, shown until this stage's first one arrives.
    pub fn new(
        spec: StageSpec,
        before: &StatsResponse,
        exceptions_before: &[ExceptionRow],
        resources: Resources,
    ) -> Self {
        StageState {
            spec,
            start_errors: before.errors.clone(),
            exceptions_before: exceptions_before.to_vec(),
            latest_exceptions: exceptions_before.to_vec(),
            stats: before.clone(),
            exceptions: Vec::new(),
            flow: Flow::default(),
            resources: Vec::new(),
            previous: resources,
            reached_at: None,
            profile: ProfileAccumulator::default(),
            recent: VecDeque::new(),
            hot: None,
            waits: Vec::new(),
            silence: None,
            ages_ms: Vec::new(),
            worker_requests_before: BTreeMap::new(),
            worker_requests: BTreeMap::new(),
        }
    }

    /// Take one sample (`now`: epoch seconds when it is applied).
    pub fn apply(&mut self, sample: &Sample, seconds: &mut Seconds, now: f64) {
        match sample {
            Sample::Counters { answer, .. } => {
                seconds.merge(answer);
                self.worker_requests = answer.worker_requests.clone();
                self.flow = Flow {
                    in_flight: answer.in_flight,
                    last_answer: answer.last_answer,
                    counted_at: answer.now,
                    users: answer.users,
                    state: answer.state.clone(),
                };
                self.note_silence(answer.last_answer, answer.in_flight, answer.now);
                if self.reached_at.is_none()
                    && answer.users >= self.spec.users as u64
                    && answer.state != "spawning"
                {
                    self.reached_at = Some(now);
                }
            }
            Sample::Locust { stats, exceptions } => {
                self.stats = (**stats).clone();
                if let Some(ex) = exceptions {
                    self.exceptions = exception_deltas(&self.exceptions_before, ex);
                    self.latest_exceptions = ex.clone();
                }
            }
            Sample::Resources(r) => self.resources.push((**r).clone()),
            Sample::Profile(batch) => {
                self.profile.add(batch);
                self.recent.push_back((**batch).clone());
                while self.recent.len() > RECENT_S as usize {
                    self.recent.pop_front();
                }
                let batches: Vec<Batch> = self.recent.iter().cloned().collect();
                self.hot = crate::profile::hot_spot(&batches, &self.spec.project_dir);
            }
            Sample::DbWaits(w) => self.waits.push((**w).clone()),
            Sample::ProfilerCost { .. } | Sample::Note(_) | Sample::OddWorker { .. } => {}
        }
    }

    /// Requests in flight and the last answer long ago: a silent span, kept while it grows.
    fn note_silence(&mut self, last_answer: Option<f64>, in_flight: Option<u64>, now: f64) {
        let (Some(at), Some(waiting)) = (last_answer, in_flight) else {
            return;
        };
        if waiting == 0 {
            return;
        }
        let secs = now - at;
        match &mut self.silence {
            Some((since, longest, most)) if *since == at => {
                *longest = longest.max(secs);
                *most = (*most).max(waiting);
            }
            Some((_, longest, _)) if *longest >= secs => {}
            _ => self.silence = Some((at, secs, waiting)),
        }
    }

    /// Exceptions as Locust last listed them (the next stage's starting point).
    pub fn exceptions_now(&self) -> &[ExceptionRow] {
        &self.latest_exceptions
    }

    pub fn last_resources(&self) -> Resources {
        self.resources
            .last()
            .cloned()
            .unwrap_or_else(|| self.previous.clone())
    }

    /// The stage so far (`now`: epoch seconds): the same sums the finished stage will use,
    /// the current second included as far as it is counted.
    pub fn tick(&mut self, seconds: &Seconds, now: f64) -> Tick {
        let spec = &self.spec;
        let upto = (now.floor() as i64 + 1).min(spec.to);
        let elapsed = (now - spec.from as f64).clamp(0.0, (spec.to - spec.from) as f64);
        let age_ms = ((now - self.flow.counted_at) * 1000.0).max(0.0);
        if self.flow.counted_at > 0.0 {
            self.ages_ms.push(age_ms);
        }
        let mut tick = self.tick_over(seconds, upto, elapsed);
        tick.elapsed_s = now - spec.run_start;
        tick.age_ms = age_ms;
        tick
    }

    /// The last tick of a stage closed at `to`: exactly the finished stage's numbers.
    pub fn closing_tick(&self, seconds: &Seconds, to: i64) -> Tick {
        let to = to.clamp(self.spec.from, self.spec.to);
        let mut tick = self.tick_over(seconds, to, (to - self.spec.from) as f64);
        tick.elapsed_s = to as f64 - self.spec.run_start;
        tick.closed = true;
        tick
    }

    fn tick_over(&self, seconds: &Seconds, upto: i64, elapsed: f64) -> Tick {
        let spec = &self.spec;
        let so_far = seconds.total(spec.from, upto);
        // The last complete seconds (the current one is still being counted).
        let recent_to = (upto - 1).max(spec.from);
        let recent_from = (recent_to - RECENT_S).max(spec.from);
        let recent = seconds.total(recent_from, recent_to);
        let errors = error_deltas(&self.start_errors, &self.stats.errors);
        let resources = self.last_resources();
        let silent_s = self
            .flow
            .last_answer
            .map(|at| (self.flow.counted_at - at).max(0.0))
            .filter(|_| self.flow.users > 0);
        Tick {
            elapsed_s: 0.0,
            stage: spec.index,
            stage_elapsed_s: elapsed,
            users: self.flow.users.max(self.stats.user_count),
            target_users: spec.users,
            state: if self.flow.state.is_empty() {
                self.stats.state.clone()
            } else {
                self.flow.state.clone()
            },
            stage_requests: so_far.requests,
            stage_failures: so_far.failures,
            stage_rpm: so_far
                .per_second(elapsed)
                .filter(|_| elapsed >= 1.0)
                .map(|r| r * 60.0),
            stage_failure_ratio: so_far.failure_ratio(),
            stage_p50_ms: so_far.p(0.5),
            stage_p95_ms: so_far.p(0.95),
            recent_rps: recent.per_second((recent_to - recent_from) as f64),
            recent_failure_ratio: recent.failure_ratio(),
            recent_p95_ms: recent.p(0.95),
            in_flight: self.flow.in_flight,
            silent_s,
            age_ms: 0.0,
            hot_spot: self.hot.clone(),
            requests: self.stats.aggregated().num_requests,
            failures: self.stats.aggregated().num_failures,
            top_errors: errors.into_iter().take(3).collect(),
            db_connections: self
                .resources
                .iter()
                .filter_map(|r| r.db_connections)
                .max_by_key(|c| c.0),
            resources,
            workers: self.stats.workers.clone(),
            exceptions: self.exceptions.iter().map(|e| e.count).sum(),
            closed: false,
        }
    }

    /// The finished stage, counting the requests answered in `from..to` (`to` is the planned
    /// end, or the second the stage was cut short).
    pub fn close(&self, seconds: &Seconds, to: i64, ends: Ends) -> StageReport {
        let spec = &self.spec;
        let to = to.clamp(spec.from, spec.to);
        let secs = (to - spec.from) as f64;
        let all = seconds.total(spec.from, to);
        let steady_from = self
            .reached_at
            .map(|at| (at + SETTLE_S).ceil() as i64)
            .unwrap_or(to)
            .clamp(spec.from, to);
        let phase = |from, to| -> Vec<EndpointPhase> {
            seconds
                .endpoints(from, to)
                .into_iter()
                .map(|((method, name), c)| EndpointPhase {
                    method,
                    name,
                    requests: c.requests,
                    failures: c.failures,
                    mean_ms: c.mean_ms().unwrap_or(0.0),
                })
                .collect()
        };
        let avg = |values: Vec<f32>| {
            (!values.is_empty()).then(|| values.iter().sum::<f32>() / values.len() as f32)
        };
        let r = &self.resources;
        let measure = StageMeasure {
            users: spec.users,
            spawn_rate: spec.spawn_rate,
            secs,
            requests: all.requests,
            failures: all.failures,
            p95_ms: all.p(0.95),
            // This machine's CPU and memory are the server's only when the server runs here.
            cpu_avg: avg(r.iter().map(|r| r.cpu_percent).collect())
                .filter(|_| spec.server_elsewhere.is_none()),
            server_locust_cpu_avg: avg(r.iter().filter_map(|r| r.server_locust_percent).collect())
                .filter(|_| spec.server_elsewhere.is_none()),
            other_processes: super::monitor::others_on_average(r),
            memory_max: r
                .iter()
                .map(|r| r.memory_percent)
                .reduce(f32::max)
                .filter(|_| spec.server_elsewhere.is_none()),
            server_cpu_avg: avg(r.iter().filter_map(|r| r.server_cpu_percent).collect()),
            locust_cpu_max: r
                .iter()
                .filter_map(|r| r.locust_cpu_percent)
                .reduce(f32::max),
            db_connections_max: r
                .iter()
                .filter_map(|r| r.db_connections)
                .max_by_key(|c| c.0),
            spawning: phase(spec.from, steady_from),
            steady: phase(steady_from, to),
            errors: error_deltas(&self.start_errors, &self.stats.errors),
            exceptions: self.exceptions.clone(),
            server_gone: ends.server_gone,
            locust_crash: ends.locust_crash,
            lost_workers: ends.lost_workers,
            silence: self
                .silence
                .filter(|(_, secs, _)| *secs >= verdict::SILENCE_MIN_S)
                .map(|(at, secs, waiting)| verdict::Silence {
                    from_s: (at - spec.from as f64).max(0.0),
                    secs,
                    waiting,
                }),
            db_vendor: spec.db_vendor,
            sqlite: spec.sqlite.clone(),
            login_path: spec.login_path.clone(),
            server_elsewhere: spec.server_elsewhere.clone(),
        };
        let profile =
            (self.profile.total().rounds() > 0).then(|| self.profile.summary(&spec.project_dir));
        let waits = (!self.waits.is_empty())
            .then(|| crate::db_waits::summarize(&self.waits, spec.pool_max));
        StageReport {
            index: spec.index,
            users_reached: self.stats.user_count.max(self.flow.users),
            rps: all.per_second(secs).unwrap_or(0.0),
            rpm: measure.rpm(),
            p50_ms: all.p(0.5),
            p95_max_window_ms: worst_window_p95(seconds, spec.from, to),
            cumulative_p99_ms: self.stats.aggregated().p99,
            server_cpu_max: r
                .iter()
                .filter_map(|r| r.server_cpu_percent)
                .reduce(f32::max),
            server_rss_max_mb: r.iter().filter_map(|r| r.server_rss_mb).max(),
            doctor_cpu_avg: avg(r.iter().filter_map(|r| r.doctor_cpu_percent).collect()),
            load_cpu_avg: avg(r.iter().map(|r| r.cpu_percent).collect()),
            // Reported by the time the stage closed (workers report every 3 s): close to the
            // stage's own seconds, not exact at its edges.
            worker_requests: self
                .worker_requests
                .iter()
                .map(|(id, n)| {
                    let before = self.worker_requests_before.get(id).copied().unwrap_or(0);
                    (id.clone(), n.saturating_sub(before))
                })
                .collect(),
            doctor_rss_max_mb: r.iter().filter_map(|r| r.doctor_rss_mb).max(),
            other_cpu_avg: avg(r.iter().filter_map(|r| r.other_cpu_percent).collect()),
            tcp_states_end: self.last_resources().tcp_states,
            workers: self.stats.workers.clone(),
            interrupted: ends.interrupted,
            verdict: verdict::Verdict::default(),
            start_s: spec.from as f64 - spec.run_start,
            end_s: to as f64 - spec.run_start,
            profile,
            waits,
            measure,
            forecast: None,
        }
    }

    /// The accumulated profile (for the flame graph files).
    pub fn profile(&self) -> &ProfileAccumulator {
        &self.profile
    }
}

/// How a stage ended besides its numbers.
#[derive(Clone, Debug, Default)]
pub struct Ends {
    pub server_gone: Option<String>,
    pub locust_crash: Option<String>,
    pub lost_workers: Vec<String>,
    pub interrupted: bool,
}

/// The worst p95 of any 5-second window of the stage.
fn worst_window_p95(seconds: &Seconds, from: i64, to: i64) -> Option<f64> {
    let each = seconds.each_second(from, to);
    each.windows(RECENT_S as usize)
        .filter_map(|w| {
            let mut c = Counts::default();
            w.iter().for_each(|(_, s)| c.add(s));
            c.p(0.95)
        })
        .reduce(f64::max)
        .or_else(|| seconds.total(from, to).p(0.95))
}

pub fn epoch(time: std::time::SystemTime) -> f64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

pub fn exception_deltas(before: &[ExceptionRow], now: &[ExceptionRow]) -> Vec<ExceptionRow> {
    now.iter()
        .filter_map(|e| {
            let old = before
                .iter()
                .find(|b| b.msg == e.msg)
                .map(|b| b.count)
                .unwrap_or(0);
            (e.count > old).then(|| ExceptionRow {
                count: e.count - old,
                ..e.clone()
            })
        })
        .collect()
}

pub fn error_deltas(start: &[ErrorRow], now: &[ErrorRow]) -> Vec<ErrorRow> {
    let mut out: Vec<ErrorRow> = now
        .iter()
        .filter_map(|e| {
            let before = start
                .iter()
                .find(|s| s.name == e.name && s.method == e.method && s.error == e.error)
                .map(|s| s.occurrences)
                .unwrap_or(0);
            let n = e.occurrences.saturating_sub(before);
            (n > 0).then(|| ErrorRow {
                occurrences: n,
                ..e.clone()
            })
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.occurrences));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(now: f64, last_answer: f64, in_flight: u64) -> Sample {
        Sample::Counters {
            answer: Box::new(crate::load::listener::LiveAnswer {
                now,
                last_answer: Some(last_answer),
                in_flight: Some(in_flight),
                users: 10,
                ..Default::default()
            }),
            received: std::time::SystemTime::now(),
        }
    }

    /// A server stopped for 8 s mid-stage is named with its place; a 2-s pause is not.
    #[test]
    fn the_longest_silent_span_is_kept_and_named_when_long() {
        let spec = StageSpec {
            users: 10,
            from: 100,
            to: 130,
            ..Default::default()
        };
        let mut state = StageState::new(spec, &Default::default(), &[], Default::default());
        let mut seconds = Seconds::default();
        for (now, last, waiting) in [
            (104.0, 103.9, 3),
            (106.0, 104.0, 10), // a 2-s pause
            (107.0, 106.9, 2),
            (111.0, 110.5, 10),
            (115.0, 110.5, 10),
            (118.5, 110.5, 9), // stopped from 110.5 for 8 s
            (119.0, 118.9, 4),
        ] {
            state.apply(&counters(now, last, waiting), &mut seconds, now);
        }
        let stage = state.close(&seconds, 130, Ends::default());
        let silence = stage.measure.silence.expect("named");
        assert_eq!(
            (silence.from_s, silence.secs, silence.waiting),
            (10.5, 8.0, 10)
        );

        let mut quiet = StageState::new(
            StageSpec {
                to: 130,
                from: 100,
                ..Default::default()
            },
            &Default::default(),
            &[],
            Default::default(),
        );
        quiet.apply(&counters(106.0, 104.0, 10), &mut seconds, 106.0);
        assert!(
            quiet
                .close(&seconds, 130, Ends::default())
                .measure
                .silence
                .is_none()
        );
    }
}
