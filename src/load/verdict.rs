//! A stage against the targets, and why it missed: pure functions of what was measured.

use super::plan::Targets;
use super::stats::{ErrorRow, ExceptionRow};
use crate::i18n::Text;
use crate::probes::database::Vendor;
use crate::t;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Users were still being started.
    Spawning,
    /// Every user of the stage was running.
    Steady,
}

/// One endpoint in one phase of a stage: counts and mean response time (exact, from deltas of
/// Locust's running totals).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EndpointPhase {
    pub method: String,
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    pub mean_ms: f64,
}

impl EndpointPhase {
    pub fn label(&self) -> String {
        super::stats::endpoint_key(&self.method, &self.name)
    }

    /// A row for unit tests.
    #[cfg(test)]
    pub fn of(method: &str, name: &str, requests: u64, failures: u64, mean_ms: f64) -> Self {
        EndpointPhase {
            method: method.into(),
            name: name.into(),
            requests,
            failures,
            mean_ms,
        }
    }
}

/// What a stage measured, as the verdict needs it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StageMeasure {
    pub users: u32,
    pub spawn_rate: f64,
    pub secs: f64,
    pub requests: u64,
    pub failures: u64,
    pub p95_ms: Option<f64>,
    /// The machine's CPU (% of all cores), everything included.
    pub cpu_avg: Option<f32>,
    /// The server's and Locust's share of it: the CPU target is judged on this when known.
    pub server_locust_cpu_avg: Option<f32>,
    /// Other processes' average CPU during the stage, busiest first (a skew, never a miss).
    pub other_processes: Vec<crate::load::monitor::OtherProcess>,
    pub memory_max: Option<f32>,
    pub server_cpu_avg: Option<f32>,
    pub locust_cpu_max: Option<f32>,
    pub db_connections_max: Option<(i64, i64)>,
    pub spawning: Vec<EndpointPhase>,
    pub steady: Vec<EndpointPhase>,
    /// Errors that occurred during this stage (occurrences are stage deltas).
    pub errors: Vec<ErrorRow>,
    pub exceptions: Vec<ExceptionRow>,
    /// The server stopped listening during the stage: Locust's top error then, if any.
    pub server_gone: Option<String>,
    /// Locust exited during the stage: its own last error line.
    pub locust_crash: Option<String>,
    pub lost_workers: Vec<String>,
    /// The longest span with requests waiting and none answered, when it reached SILENCE_MIN_S.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silence: Option<Silence>,
    #[serde(skip)]
    pub db_vendor: Option<Vendor>,
    /// SQLite's locking as the settings configure it (its DATABASES line relative to the
    /// project), to say why writes answered 500.
    #[serde(skip)]
    pub sqlite: Option<crate::django::SqliteLocking>,
    pub login_path: String,
    /// The server's host when it is not this machine: the CPU and memory targets (the
    /// server machine's) are then not judged from this machine's figures.
    pub server_elsewhere: Option<String>,
}

/// Requests waited and nothing was answered: a server stopped (SIGSTOP, a debugger, swap) or
/// every request stuck behind one wait. Shorter spans are ordinary slow answers.
pub const SILENCE_MIN_S: f64 = 5.0;

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Silence {
    /// Seconds into the stage when the last answer before it came.
    pub from_s: f64,
    pub secs: f64,
    /// The most requests seen waiting meanwhile.
    pub waiting: u64,
}

impl StageMeasure {
    pub fn rpm(&self) -> f64 {
        super::stats::per_second(self.requests, self.secs) * 60.0
    }

    pub fn failure_ratio(&self) -> f64 {
        super::stats::ratio(self.failures, self.requests)
    }

    pub fn endpoint_totals(&self) -> Vec<EndpointPhase> {
        let mut out: Vec<EndpointPhase> = Vec::new();
        for e in self.spawning.iter().chain(&self.steady) {
            match out
                .iter_mut()
                .find(|o| o.name == e.name && o.method == e.method)
            {
                Some(o) => {
                    let n = o.requests + e.requests;
                    if n > 0 {
                        o.mean_ms = (o.mean_ms * o.requests as f64 + e.mean_ms * e.requests as f64)
                            / n as f64;
                    }
                    o.requests = n;
                    o.failures += e.failures;
                }
                None => out.push(e.clone()),
            }
        }
        out
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TargetResult {
    pub key: &'static str,
    pub measured: Option<f64>,
    pub limit: f64,
    pub passed: bool,
    pub text: Text,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    pub targets: Vec<TargetResult>,
    /// Things that end a stage whatever the numbers: the server or Locust died, task exceptions.
    pub problems: Vec<Text>,
    /// Likely causes of a miss, from what was measured.
    pub causes: Vec<Text>,
    /// Recognised patterns, with their figures and what to do.
    pub patterns: Vec<Text>,
    /// Where the server spent its time and what it waited on (see `bottleneck`).
    pub bottleneck: Vec<Text>,
    /// What skewed the result, with its measured share.
    pub skews: Vec<Text>,
    /// The stage's forecast (made before load) against what it measured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forecast: Vec<Text>,
}

impl Verdict {
    /// The keys of the targets that were missed, e.g. `["p95_ms"]`.
    pub fn missed(&self) -> Vec<&'static str> {
        self.targets
            .iter()
            .filter(|t| !t.passed)
            .map(|t| t.key)
            .collect()
    }
}

fn ms(v: f64) -> String {
    format!("{v:.0} ms")
}

pub fn judge(m: &StageMeasure, targets: &Targets) -> Verdict {
    let mut v = Verdict::default();
    let users = m.users;
    // p95
    let p95_ok = m.p95_ms.is_none_or(|p| p <= targets.p95_ms);
    v.targets.push(TargetResult {
        key: "p95_ms",
        measured: m.p95_ms,
        limit: targets.p95_ms,
        passed: p95_ok && m.p95_ms.is_some(),
        text: match m.p95_ms {
            Some(p) => t!("p95 {} (target ≤ {})", ms(p), ms(targets.p95_ms); "p95 {} (목표 ≤ {})", ms(p), ms(targets.p95_ms)),
            None => t!("p95: no responses measured"; "p95: 측정된 응답 없음"),
        },
    });
    let ratio = m.failure_ratio();
    v.targets.push(TargetResult {
        key: "error_ratio",
        measured: Some(ratio),
        limit: targets.error_ratio,
        passed: ratio <= targets.error_ratio,
        text: t!("failures {:.2}% ({} of {}; target ≤ {:.2}%)", ratio * 100.0, m.failures, m.requests, targets.error_ratio * 100.0;
                 "실패율 {:.2}% ({}/{}; 목표 ≤ {:.2}%)", ratio * 100.0, m.failures, m.requests, targets.error_ratio * 100.0),
    });
    let rpm = m.rpm();
    v.targets.push(TargetResult {
        key: "requests_per_min",
        measured: Some(rpm),
        limit: targets.requests_per_min,
        passed: rpm >= targets.requests_per_min,
        text: t!("{rpm:.0} requests/min (target ≥ {:.0})", targets.requests_per_min;
                 "분당 {rpm:.0} 요청 (목표 ≥ {:.0})", targets.requests_per_min),
    });
    // The server's and Locust's share: other processes' CPU is not the server's failure.
    let cpu = match (m.server_locust_cpu_avg, m.cpu_avg) {
        (Some(share), Some(_)) => Some((
            share,
            t!("the server and Locust used {share:.0}% of the machine's CPU on average (target < {:.0}%)", targets.cpu_percent;
                     "서버와 Locust가 머신 CPU의 평균 {share:.0}% 사용 (목표 < {:.0}%)", targets.cpu_percent),
        )),
        (None, Some(cpu)) => Some((
            cpu,
            t!("system CPU {cpu:.0}% on average (target < {:.0}%)", targets.cpu_percent;
                     "시스템 CPU 평균 {cpu:.0}% (목표 < {:.0}%)", targets.cpu_percent),
        )),
        _ => None,
    };
    if let Some((cpu, text)) = cpu {
        v.targets.push(TargetResult {
            key: "cpu_percent",
            measured: Some(cpu as f64),
            limit: targets.cpu_percent,
            passed: (cpu as f64) < targets.cpu_percent,
            text,
        });
    }
    if let Some(mem) = m.memory_max {
        v.targets.push(TargetResult {
            key: "memory_percent",
            measured: Some(mem as f64),
            limit: targets.memory_percent,
            passed: (mem as f64) < targets.memory_percent,
            text: t!("memory {mem:.0}% at most (target < {:.0}%)", targets.memory_percent;
                     "메모리 최대 {mem:.0}% (목표 < {:.0}%)", targets.memory_percent),
        });
    }

    if let Some(error) = &m.server_gone {
        let quoted = if error.is_empty() {
            String::new()
        } else {
            format!(" — Locust: {error}")
        };
        v.problems.push(
            t!("the server stopped listening during the stage (at {users} users){quoted}";
                           "단계 중 서버가 포트에서 사라짐 ({users}명){quoted}"),
        );
    }
    if let Some(line) = &m.locust_crash {
        v.problems
            .push(t!("Locust exited during the stage: {line}"; "단계 중 Locust 종료: {line}"));
    }
    for e in &m.exceptions {
        v.problems.push(
            t!("Locust's users raised an exception {} time(s): {}", e.count, e.msg;
                           "Locust 사용자 코드 예외 {}회: {}", e.count, e.msg),
        );
    }
    if let Some(s) = &m.silence {
        let (from, to, secs, waiting) = (s.from_s, s.from_s + s.secs, s.secs, s.waiting);
        v.problems.push(t!("no request was answered for {secs:.0} s ({from:.0}–{to:.0} s into the stage) while up to {waiting} waited: the server was stopped or frozen (SIGSTOP, a debugger, swapping), or every request was stuck behind the same wait";
                           "{secs:.0}초 동안 응답이 하나도 없음 (단계 시작 후 {from:.0}–{to:.0}초, 최대 {waiting}건 대기): 서버가 멈췄거나 (SIGSTOP, 디버거, 스와프) 모든 요청이 같은 대기에 걸림"));
    }
    for w in &m.lost_workers {
        v.problems.push(
            t!("Locust worker {w} was lost (state missing); its users were not replaced";
                           "Locust 워커 {w} 연결 끊김 (missing); 그 사용자들은 다시 배분되지 않음"),
        );
    }
    v.passed = v.problems.is_empty() && v.targets.iter().all(|t| t.passed);
    v.causes = causes(m, &v);
    v.patterns = patterns(m, targets);
    v
}

fn causes(m: &StageMeasure, v: &Verdict) -> Vec<Text> {
    let mut out = Vec::new();
    if v.passed {
        return out;
    }
    if let Some(cpu) = m.server_cpu_avg.filter(|c| *c >= 90.0) {
        out.push(t!("the server process is CPU-bound: {cpu:.0}% of a core on average (one Python process serves requests on one core)";
                    "서버 프로세스가 CPU 한계: 평균 코어 하나의 {cpu:.0}% (Python 프로세스 하나는 코어 하나만 씀)"));
    }
    if let Some((used, max)) = m.db_connections_max
        && max > 0
        && used as f64 >= 0.8 * max as f64
    {
        out.push(
            t!("database connections near the limit: {used} of max_connections {max}";
                    "DB 연결이 한계에 가까움: {used}/{max} (max_connections)"),
        );
    }
    if let Some(cpu) = m.locust_cpu_max.filter(|c| *c > 90.0) {
        out.push(t!("Locust itself is CPU-bound ({cpu:.0}% of a core): the numbers measure the load generator, not the server — run with --workers N";
                    "Locust 자체가 CPU 한계 ({cpu:.0}%): 서버가 아니라 부하 생성기를 재는 중 — --workers N 으로 실행하세요"));
    }
    let totals = m.endpoint_totals();
    if m.failures >= 5
        && let Some(top) = totals.iter().max_by_key(|e| e.failures)
        && top.failures as f64 >= 0.8 * m.failures as f64
    {
        let share = top.failures as f64 * 100.0 / m.failures as f64;
        out.push(t!("failures are concentrated on one endpoint: {} has {} of {} failures ({share:.0}%)", top.label(), top.failures, m.failures;
                    "실패가 한 엔드포인트에 몰림: {}에서 {}/{}건 ({share:.0}%)", top.label(), top.failures, m.failures));
    }
    if m.server_gone.is_some() {
        out.push(t!("the server process exited or stopped listening: check its console for a crash or an out-of-memory kill";
                    "서버 프로세스가 종료되었거나 포트를 닫음: 서버 콘솔에서 오류나 메모리 부족 종료를 확인하세요"));
    }
    out
}

fn is_login(name: &str, login_path: &str) -> bool {
    let n = name.to_lowercase();
    (!login_path.is_empty() && n.starts_with(&login_path.to_lowercase()))
        || n.contains("token")
        || n.contains("login")
        || n.contains("auth")
}

fn patterns(m: &StageMeasure, targets: &Targets) -> Vec<Text> {
    let mut out = Vec::new();
    // Logins while users spawn: password hashing dominates response times.
    let login_spawn = m
        .spawning
        .iter()
        .find(|e| is_login(&e.name, &m.login_path) && e.requests > 0);
    if let Some(login) = login_spawn {
        let others: Vec<&EndpointPhase> = m
            .spawning
            .iter()
            .filter(|e| !is_login(&e.name, &m.login_path) && e.requests > 0)
            .collect();
        let other_n: u64 = others.iter().map(|e| e.requests).sum();
        let other_mean = if other_n > 0 {
            others
                .iter()
                .map(|e| e.mean_ms * e.requests as f64)
                .sum::<f64>()
                / other_n as f64
        } else {
            0.0
        };
        let slow = login.mean_ms >= 300.0 && login.mean_ms >= 2.0 * other_mean.max(1.0);
        let p95_high = m.p95_ms.is_some_and(|p| p > targets.p95_ms * 0.5);
        if slow && (p95_high || login.mean_ms >= targets.p95_ms * 0.5) {
            let steady = m
                .steady
                .iter()
                .find(|e| e.name == login.name && e.requests > 0)
                .map(|e| ms(e.mean_ms))
                .unwrap_or_else(|| "-".into());
            out.push(t!(
                "logins dominate response times while users spawn: {} answered {} logins in {} on average (other requests: {}; logins after spawning: {}). Every new user logs in, {:.0} per second at spawn rate {:.0}, and each login hashes a password (PBKDF2 by default, CPU-heavy on purpose). Reuse tokens across users (log in once per user name, share the token) or use a fast hasher (MD5PasswordHasher) for load-test users.",
                login.label(), login.requests, ms(login.mean_ms), ms(other_mean), steady, m.spawn_rate, m.spawn_rate;
                "사용자 생성 중 로그인이 응답 시간을 지배: {} 로그인 {}건 평균 {} (다른 요청 {}; 생성 후 로그인 {}). 새 사용자마다 로그인하며 (초당 생성 수 {:.0}명이면 초당 {:.0}건) 로그인마다 비밀번호 해시 계산 (기본값 PBKDF2는 일부러 CPU를 많이 씀). 사용자 간 토큰을 재사용하거나 부하 테스트 사용자에게 빠른 해셔(MD5PasswordHasher)를 쓰세요.",
                login.label(), login.requests, ms(login.mean_ms), ms(other_mean), steady, m.spawn_rate, m.spawn_rate
            ));
        }
    }
    out.extend(super::server_errors::patterns(m));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn healthy() -> StageMeasure {
        StageMeasure {
            users: 100,
            spawn_rate: 25.0,
            secs: 60.0,
            requests: 4000,
            failures: 4,
            p95_ms: Some(300.0),
            cpu_avg: Some(50.0),
            memory_max: Some(40.0),
            login_path: "/api/token/".into(),
            ..Default::default()
        }
    }

    #[test]
    fn other_processes_cpu_does_not_miss_the_cpu_target() {
        let mut m = healthy();
        m.cpu_avg = Some(95.0);
        m.server_locust_cpu_avg = Some(41.0);
        let v = judge(&m, &Targets::default());
        let cpu = v.targets.iter().find(|t| t.key == "cpu_percent").unwrap();
        assert!(cpu.passed && cpu.measured == Some(41.0), "{cpu:?}");
        assert!(
            cpu.text.en.contains("the server and Locust used 41%"),
            "{cpu:?}"
        );
    }

    #[test]
    fn a_healthy_stage_passes() {
        let v = judge(&healthy(), &Targets::default());
        assert!(v.passed, "{v:?}");
        assert!(v.causes.is_empty() && v.problems.is_empty());
    }

    #[test]
    fn each_target_is_named_when_missed() {
        let mut m = healthy();
        m.p95_ms = Some(2500.0);
        m.failures = 100;
        m.requests = 900;
        m.cpu_avg = Some(95.0);
        let v = judge(&m, &Targets::default());
        assert!(!v.passed);
        assert_eq!(
            v.missed(),
            vec!["p95_ms", "error_ratio", "requests_per_min", "cpu_percent"]
        );
    }

    #[test]
    fn causes_come_from_measurements() {
        let mut m = healthy();
        m.p95_ms = Some(5000.0);
        m.server_cpu_avg = Some(99.0);
        m.locust_cpu_max = Some(97.0);
        m.db_connections_max = Some((90, 100));
        m.failures = 200;
        m.steady = vec![
            EndpointPhase::of("GET", "/api/products/", 3000, 10, 200.0),
            EndpointPhase::of("POST", "/api/products/[id]/reserve/", 1000, 190, 400.0),
        ];
        let v = judge(&m, &Targets::default());
        let text: Vec<&str> = v.causes.iter().map(|c| c.get(Lang::En)).collect();
        assert!(text[0].contains("CPU-bound: 99%"), "{text:?}");
        assert!(text.iter().any(|t| t.contains("90 of max_connections 100")));
        assert!(text.iter().any(|t| t.contains("--workers")));
        assert!(
            text.iter()
                .any(|t| t.contains("reserve/ has 190 of 200 failures (95%)"))
        );
    }

    #[test]
    fn slow_logins_while_spawning_are_named_with_figures() {
        let mut m = healthy();
        m.p95_ms = Some(2400.0);
        m.spawning = vec![
            EndpointPhase::of("POST", "/api/token/", 100, 0, 1900.0),
            EndpointPhase::of("GET", "/api/products/", 300, 0, 250.0),
        ];
        m.steady = vec![EndpointPhase::of("POST", "/api/token/", 5, 0, 450.0)];
        let v = judge(&m, &Targets::default());
        let p = v.patterns[0].get(Lang::En);
        assert!(
            p.contains("POST /api/token/ answered 100 logins in 1900 ms"),
            "{p}"
        );
        assert!(
            p.contains("after spawning: 450 ms") && p.contains("PBKDF2"),
            "{p}"
        );
        assert!(!v.patterns[0].get(Lang::Ko).is_empty());
    }

    #[test]
    fn crashes_and_exceptions_fail_the_stage() {
        let mut m = healthy();
        m.exceptions = vec![ExceptionRow {
            count: 7,
            msg: "'FastHttpSession' object has no attribute 'headers'".into(),
            ..Default::default()
        }];
        let v = judge(&m, &Targets::default());
        assert!(!v.passed);
        assert!(
            v.problems[0]
                .get(Lang::En)
                .contains("'FastHttpSession' object has no attribute 'headers'")
        );
    }

    #[test]
    fn a_silent_span_fails_the_stage_with_its_place() {
        let mut m = healthy();
        m.silence = Some(super::Silence {
            from_s: 14.2,
            secs: 10.4,
            waiting: 12,
        });
        let v = judge(&m, &Targets::default());
        assert!(!v.passed);
        let en = v.problems[0].get(crate::i18n::Lang::En);
        assert!(
            en.contains("for 10 s (14–25 s into the stage) while up to 12 waited"),
            "{en}"
        );
        let ko = v.problems[0].get(crate::i18n::Lang::Ko);
        assert_eq!(
            crate::i18n::english_fragments(ko),
            Vec::<String>::new(),
            "{ko}"
        );
    }
}
