//! The report of a run: per stage users, requests, failures, rps, percentiles, verdicts,
//! resources and errors; saved as `report.json` and `report.md` next to Locust's own files.

use super::plan::Plan;
use super::stats::{Final, WorkerRow};
use super::verdict::{StageMeasure, Verdict};
use crate::i18n::{Lang, Text};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::SystemTime;

pub mod html;
pub mod words;

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
    #[serde(skip)]
    started: Option<SystemTime>,
}

/// UTC date and time from a SystemTime: (`20261124T061905Z`, `2026-11-24T06:19:05Z`).
pub fn utc(time: SystemTime) -> (String, String) {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    (
        format!("{y:04}{m:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
    )
}

impl RunReport {
    pub fn new(plan: &Plan) -> RunReport {
        let now = SystemTime::now();
        let (stamp, iso) = utc(now);
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
        self.finished_at = utc(now).1;
        self.duration_s = self
            .started
            .and_then(|s| now.duration_since(s).ok())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
    }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "-".into())
}

fn opt_pct(v: Option<f32>) -> String {
    v.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "-".into())
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

/// The report as Markdown.
pub fn markdown(report: &RunReport, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let mut md = String::new();
    let _ = writeln!(md, "# doctor run {}\n", report.id);
    let _ = writeln!(
        md,
        "- {}: {}\n- locustfile: {}\n- {}: {} ({} {})\n- {}: {} → {} ({:.0} {})",
        if ko { "대상" } else { "target" },
        report.base_url,
        report.locustfile.display(),
        if ko { "결과" } else { "outcome" },
        report.outcome.words(lang),
        if ko { "종료 코드" } else { "exit" },
        report.exit_code,
        if ko { "시간" } else { "time" },
        report.started_at,
        report.finished_at,
        report.duration_s,
        if ko { "초" } else { "s" }
    );
    if let Some(message) = &report.message {
        let _ = writeln!(
            md,
            "- {}: {}",
            if ko { "메시지" } else { "message" },
            words::message(message, report, lang)
        );
    }
    let t = &report.plan.targets;
    let _ = writeln!(
        md,
        "- {}: p95 ≤ {:.0} ms, {} ≤ {:.2}%, ≥ {:.0} req/min, CPU < {:.0}%, {} < {:.0}%\n",
        if ko { "목표" } else { "targets" },
        t.p95_ms,
        if ko { "실패율" } else { "failures" },
        t.error_ratio * 100.0,
        t.requests_per_min,
        t.cpu_percent,
        if ko { "메모리" } else { "memory" },
        t.memory_percent
    );
    if !report.checks.is_empty() {
        let _ = writeln!(
            md,
            "## {}\n",
            if ko {
                "사전 점검"
            } else {
                "Checks before load"
            }
        );
        for c in &report.checks {
            let _ = writeln!(
                md,
                "- {} {}: {}",
                words::status(&c.status, lang),
                c.id,
                c.summary.get(lang)
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## {}\n", if ko { "단계" } else { "Stages" });
    let header = if ko {
        "| 사용자 | 요청 | 실패 | 초당 요청 | 분당 요청 | p50 | p95 | p99 (누적) | CPU | 서버 CPU | 판정 |"
    } else {
        "| users | requests | failures | req/s | req/min | p50 | p95 | p99 (cum.) | CPU | server CPU | verdict |"
    };
    let _ = writeln!(md, "{header}");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for s in &report.stages {
        let m = &s.measure;
        let _ = writeln!(
            md,
            "| {} ({} {}) | {} | {} ({:.2}%) | {:.1} | {:.0} | {} | {} | {} | {} | {} | {} |",
            m.users,
            if ko { "도달" } else { "reached" },
            s.users_reached,
            m.requests,
            m.failures,
            m.failure_ratio() * 100.0,
            s.rps,
            s.rpm,
            opt_ms(s.p50_ms),
            opt_ms(m.p95_ms),
            opt_ms(s.cumulative_p99_ms),
            opt_pct(m.cpu_avg),
            opt_pct(m.server_cpu_avg),
            crate::i18n::word(lang, if s.verdict.passed { "pass" } else { "fail" })
        );
    }
    for s in &report.stages {
        let m = &s.measure;
        let _ = writeln!(
            md,
            "\n### {} {} ({}){}\n",
            if ko { "단계" } else { "Stage" },
            s.index + 1,
            if ko {
                format!("사용자 {}명", m.users)
            } else {
                format!("{} users", m.users)
            },
            if s.interrupted {
                if ko {
                    " — 중단됨"
                } else {
                    " — interrupted"
                }
            } else {
                ""
            }
        );
        for target in &s.verdict.targets {
            let _ = writeln!(
                md,
                "- [{}] {}",
                if target.passed { "x" } else { " " },
                target.text.get(lang)
            );
        }
        for p in &s.verdict.problems {
            let _ = writeln!(
                md,
                "- **{}**: {}",
                if ko { "문제" } else { "problem" },
                p.get(lang)
            );
        }
        for c in &s.verdict.causes {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "원인" } else { "likely cause" },
                c.get(lang)
            );
        }
        for p in &s.verdict.patterns {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "패턴" } else { "pattern" },
                p.get(lang)
            );
        }
        for b in &s.verdict.bottleneck {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko { "병목" } else { "where the time went" },
                b.get(lang)
            );
        }
        for k in &s.verdict.skews {
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko {
                    "결과 왜곡"
                } else {
                    "skews the result"
                },
                k.get(lang)
            );
        }
        if let Some(flame) = s.profile.as_ref().and_then(|p| p.flame_graph.as_ref()) {
            let _ = writeln!(
                md,
                "- {}: [{flame}]({flame})",
                if ko {
                    "플레임 그래프"
                } else {
                    "flame graph"
                }
            );
        }
        let (cpu, mem, scpu, smax) = (
            opt_pct(m.cpu_avg),
            opt_pct(m.memory_max),
            opt_pct(m.server_cpu_avg),
            opt_pct(s.server_cpu_max),
        );
        let rss = s
            .server_rss_max_mb
            .map(|r| format!("{r} MB"))
            .unwrap_or_else(|| "-".into());
        let lcpu = opt_pct(m.locust_cpu_max);
        let db = m
            .db_connections_max
            .map(|(u, x)| format!("{u}/{x}"))
            .unwrap_or_else(|| "-".into());
        let resources = crate::t!(
            "- resources: system CPU avg {cpu}, memory max {mem}, server CPU avg {scpu} / max {smax}, server RSS max {rss}, Locust CPU max {lcpu}, DB connections {db}";
            "- 리소스: 시스템 CPU 평균 {cpu}, 메모리 최대 {mem}, 서버 CPU 평균 {scpu} / 최대 {smax}, 서버 RSS 최대 {rss}, Locust CPU 최대 {lcpu}, DB 연결 {db}"
        );
        let _ = writeln!(md, "{}", resources.get(lang));
        if !s.tcp_states_end.is_empty() {
            let states: Vec<String> = s
                .tcp_states_end
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let _ = writeln!(
                md,
                "- {}: {}",
                if ko {
                    "서버 포트의 TCP 상태"
                } else {
                    "TCP on the server port"
                },
                states.join(", ")
            );
        }
        let phases = if ko {
            [("사용자 증가 중", &m.spawning), ("안정 구간", &m.steady)]
        } else {
            [("spawning", &m.spawning), ("steady", &m.steady)]
        };
        let columns = if ko {
            "요청 | 실패 | 평균"
        } else {
            "requests | failures | mean"
        };
        for (phase, rows) in phases {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(md, "\n| {phase} | {columns} |\n|---|---|---|---|");
            for e in rows {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.0} ms |",
                    e.label(),
                    e.requests,
                    e.failures,
                    e.mean_ms
                );
            }
        }
        if !m.errors.is_empty() {
            let _ = writeln!(md, "\n{}:\n", if ko { "오류" } else { "Errors" });
            for e in m.errors.iter().take(10) {
                let _ = writeln!(
                    md,
                    "- {}× {} {}: `{}`",
                    e.occurrences,
                    e.method.as_deref().unwrap_or(""),
                    e.name,
                    e.error
                );
            }
        }
        for e in &m.exceptions {
            let _ = writeln!(
                md,
                "\n{}× `{}`\n\n```\n{}\n```",
                e.count,
                e.msg,
                e.traceback.trim_end()
            );
        }
    }
    if let Some(t) = &report.totals {
        let (requests, failures) = (t.requests, t.failures);
        let (p50, p95, p99) = (opt_ms(t.p50_ms), opt_ms(t.p95_ms), opt_ms(t.p99_ms));
        let max = format!("{:.0} ms", t.max_ms);
        let totals = crate::t!(
            "{requests} requests, {failures} failures, p50 {p50}, p95 {p95}, p99 {p99}, max {max} (Locust's `--json-file`)";
            "요청 {requests}건, 실패 {failures}건, p50 {p50}, p95 {p95}, p99 {p99}, 최대 {max} (Locust `--json-file` 기준)"
        );
        let _ = writeln!(
            md,
            "\n## {}\n\n{}",
            if ko { "전체" } else { "Totals" },
            totals.get(lang)
        );
        if let Some((after, failed)) = report.outside_stages.filter(|a| a.0 > 0) {
            let text = crate::t!(
                "{after} of them ({failed} failed) were answered outside every stage (between stages, or while Locust stopped): they count in no stage";
                "그중 {after}건(실패 {failed}건)은 어느 단계에도 속하지 않는 시간에 응답됨 (단계 사이, 또는 Locust가 멈추는 동안)"
            );
            let _ = writeln!(md, "\n{}", text.get(lang));
        }
    }
    if !report.comparison.is_empty() {
        let _ = writeln!(
            md,
            "\n## {}\n",
            if ko {
                "이전 실행과 비교"
            } else {
                "Compared with the previous run"
            }
        );
        for c in &report.comparison {
            let _ = writeln!(md, "- {}", c.get(lang));
        }
    }
    if !report.files.is_empty() {
        let _ = writeln!(md, "\n## {}\n", if ko { "파일" } else { "Files" });
        for f in &report.files {
            let _ = writeln!(md, "- {f}");
        }
    }
    md
}

/// Write report.json and report.md into the run directory (best effort: a report that
/// cannot be written is still printed).
pub fn save(report: &mut RunReport) {
    let dir = report.run_dir.clone();
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .chain(["report.json", "report.md", "report.html"].map(String::from))
        .collect();
    files.sort();
    files.dedup();
    report.files = files;
    if let Ok(json) = serde_json::to_string_pretty(&*report) {
        let _ = std::fs::write(dir.join("report.json"), json);
    }
    let _ = std::fs::write(dir.join("report.md"), markdown(report, report.plan.lang));
    let _ = html::save_html(report, report.plan.lang);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_500_000);
        assert_eq!(utc(t).1, "2026-11-24T06:00:00Z");
        assert_eq!(utc(SystemTime::UNIX_EPOCH).0, "19700101T000000Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(utc(leap).1, "2000-02-29T00:00:00Z");
    }
}
