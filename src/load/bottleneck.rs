//! Where a stage's time went, in words with figures: the server's hot spot and the view it
//! ran under, the project's own hottest line, where request threads waited on the database
//! and on what (PostgreSQL's view joined to the project line the profile shows), and what
//! skews the result (Silk, debug-toolbar, logging, DEBUG, runserver, CPU other processes
//! held before the load). Pure: it reads what the stage measured.

use super::run_report::{CheckLine, StageReport};
use super::stats::ErrorRow;
use crate::i18n::Text;
use crate::probes::database::Vendor;
use crate::profile::{SkewFactor, StageProfile};
use crate::t;

/// The project's own hottest line is worth a sentence from this share of busy samples.
const MIN_PROJECT_SHARE: f64 = 0.05;
fn avg_text(v: Option<f32>) -> String {
    v.map(|v| format!("{v:.0} %")).unwrap_or_else(|| "-".into())
}

/// Request threads waiting on the database at one line, on average, worth a sentence.
const MIN_WAITING: f64 = 0.5;
/// Below this share of sampled moments with a busy thread (and this many busy threads per
/// moment on average), the server is mostly idle.
const MOSTLY_IDLE: f64 = 0.2;
/// Other processes holding this much of the machine's CPU before the load skew a run.
const OTHER_CPU_PERCENT: f32 = 20.0;

/// Fill the stage verdict's `bottleneck` and `skews`.
pub fn explain(stage: &mut StageReport, other_cpu_before: Option<f32>, checks: &[CheckLine]) {
    let login_path = stage.measure.login_path.clone();
    let mut bottleneck = Vec::new();
    let mut skews = Vec::new();
    if let Some(profile) = &stage.profile {
        // A server busy a small part of the time limited nothing: its busiest code is named
        // as what it did, never as "the bottleneck".
        // Both: few moments with a busy thread, and few busy threads per moment (a burst of
        // logins keeps many threads busy in a few moments: that limited the stage).
        let threads_busy = profile.busy_samples as f64 / profile.rounds.max(1) as f64;
        if profile.busy_share < MOSTLY_IDLE && threads_busy < MOSTLY_IDLE {
            let busy = format!("{:.0} %", profile.busy_share * 100.0);
            let (en, ko) = match crate::profile::hot_spot_sentence(profile, &login_path) {
                Some(hot) => (
                    format!("; while busy: {}", hot.en),
                    format!("; 바쁠 때: {}", hot.ko),
                ),
                None => (String::new(), String::new()),
            };
            skews.push(t!(
                "the server was busy in only {busy} of the sampled moments: it was not what limited this stage{en}";
                "서버가 샘플링한 순간의 {busy}에서만 바빴음: 이 단계를 제한한 것은 서버가 아님{ko}"
            ));
        } else {
            bottleneck.extend(crate::profile::hot_spot_sentence(profile, &login_path));
            let project_share = profile.top_self.iter().find(|f| f.project).map(|f| f.share);
            if project_share.is_some_and(|s| s >= MIN_PROJECT_SHARE) {
                bottleneck.extend(crate::profile::project_sentence(profile));
            }
        }
        let waited = profile
            .waits
            .iter()
            .filter(|w| w.threads_avg >= MIN_WAITING);
        bottleneck.extend(waited.take(2).map(crate::profile::wait_sentence));
        skews.extend(crate::profile::skew_sentences(profile));
        if stage.measure.db_vendor == Some(Vendor::Sqlite) {
            bottleneck.extend(sqlite_lock_sentence(profile, &stage.measure.errors));
        }
    }
    if let Some(waits) = &stage.waits {
        let line = stage.profile.as_ref().and_then(project_wait_line);
        if waits.peak_waiting > 0 || !waits.groups.is_empty() {
            bottleneck.extend(crate::db_waits::words::sentences(waits, line.as_deref(), 2));
        }
        bottleneck.extend(crate::db_waits::words::limit_sentences(waits));
    }
    skews.extend(unmeasured_skews(stage.profile.as_ref(), checks));
    if let Some(other) = other_cpu_before.filter(|c| *c >= OTHER_CPU_PERCENT) {
        skews.push(t!(
            "before any load, other processes already held {other:.0} % of the machine's CPU: the server and Locust had that much less";
            "부하 전에 이미 다른 프로세스가 머신 CPU의 {other:.0} %를 쓰고 있었음: 서버와 Locust가 그만큼 덜 썼음"
        ));
    }
    if let Some(other) = stage.other_cpu_avg.filter(|c| *c >= OTHER_CPU_PERCENT) {
        // Named, so the user can tell a build or a browser from the server's own work.
        let named: Vec<String> = stage
            .measure
            .other_processes
            .iter()
            .take(3)
            .map(|o| format!("pid {} `{}` ({:.0} %)", o.pid, o.command, o.cpu_percent))
            .collect();
        let list = if named.is_empty() {
            String::new()
        } else {
            format!(": {}", named.join("; "))
        };
        skews.push(t!(
            "during the stage, other processes held {other:.0} % of the machine's CPU on average{list}; the CPU target is judged on the server's and Locust's share";
            "단계 동안 다른 프로세스가 머신 CPU의 평균 {other:.0} %를 씀{list}; CPU 목표는 서버와 Locust의 몫으로 판정함"
        ));
    }
    if let Some(host) = &stage.measure.server_elsewhere {
        let cpu = avg_text(stage.load_cpu_avg);
        skews.push(t!(
            "the CPU and memory targets are the server machine's and were not judged: the server runs on {host}; this load machine's CPU averaged {cpu}";
            "CPU·메모리 목표는 서버 머신 기준이라 판정하지 않음: 서버가 {host}에서 실행 중; 이 부하 머신의 CPU 평균 {cpu}"
        ));
    }
    stage.verdict.bottleneck = bottleneck;
    stage.verdict.skews = skews;
}

/// SQLite answers concurrent writers with `database is locked` (a 500): name the line where
/// request threads waited for its lock, so the failures are traced to the writing code.
fn sqlite_lock_sentence(profile: &StageProfile, errors: &[ErrorRow]) -> Option<Text> {
    let failed: u64 = errors
        .iter()
        .filter(|e| e.error.contains("500"))
        .map(|e| e.occurrences)
        .sum();
    if failed == 0 {
        return None;
    }
    let site = profile
        .waits
        .iter()
        .find(|w| matches!(w.driver.as_str(), "sqlite3" | "database"))?;
    let place = format!("{} ({}:{})", site.function, site.file, site.line);
    let samples = site.samples;
    Some(t!(
        "{failed} answers were 500 on SQLite; request threads waited for SQLite's write lock at {place} ({samples} samples): that write is where `database is locked` comes from";
        "SQLite에서 500 응답 {failed}건; 요청 스레드가 {place}에서 SQLite 쓰기 잠금을 기다림 (샘플 {samples}개): `database is locked`는 이 쓰기에서 생김"
    ))
}

/// "reserve_stock (apps/products/services.py:22)": the project line where request threads
/// waited on the database most.
fn project_wait_line(profile: &StageProfile) -> Option<String> {
    profile
        .waits
        .iter()
        .find(|w| w.project)
        .map(|w| format!("{} ({}:{})", w.function, w.file, w.line))
}

/// The skew checks that warned, for factors the profile did not measure: named, with why
/// their share is unknown.
fn unmeasured_skews(profile: Option<&StageProfile>, checks: &[CheckLine]) -> Vec<Text> {
    let measured = |factor: SkewFactor| {
        profile.is_some_and(|p| p.skew.iter().any(|s| s.factor == factor && s.share >= 0.05))
    };
    let mut out = Vec::new();
    for check in checks {
        if !matches!(check.status.as_str(), "warn" | "fail") {
            continue;
        }
        let factor = match check.id.as_str() {
            "silk" => SkewFactor::Silk,
            "debug_toolbar" => SkewFactor::DebugToolbar,
            "logging" => SkewFactor::Logging,
            "debug" => SkewFactor::DebugSql,
            "devserver" => SkewFactor::Runserver,
            _ => continue,
        };
        if measured(factor) {
            continue;
        }
        let (id, en, ko) = (&check.id, &check.summary.en, &check.summary.ko);
        out.push(match profile {
            Some(_) => t!(
                "{en} (check {id}); under this load it took under 5 % of the server's busy time";
                "{ko} ({id} 점검); 이번 부하에서는 서버가 바쁜 시간의 5 % 미만"
            ),
            None => t!(
                "{en} (check {id}); its share of the server's time was not measured (no profile)";
                "{ko} ({id} 점검); 서버 시간 중 차지한 몫은 측정하지 못함 (프로파일 없음)"
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{SkewShare, WaitSite};

    fn check(id: &str, status: &str) -> CheckLine {
        CheckLine {
            id: id.into(),
            status: status.into(),
            summary: t!("Silk is on"; "Silk가 켜져 있음"),
        }
    }

    #[test]
    fn a_skew_check_is_named_when_the_profile_did_not_measure_it() {
        let checks = [check("silk", "warn"), check("debug", "pass")];
        let none = unmeasured_skews(None, &checks);
        assert_eq!(none.len(), 1);
        assert!(none[0].en.contains("not measured"), "{}", none[0].en);
        let profile = StageProfile {
            skew: vec![SkewShare {
                factor: SkewFactor::Silk,
                share: 0.23,
                top: None,
            }],
            ..Default::default()
        };
        // Measured: the profile's sentence says it, with its share; not repeated here.
        assert!(unmeasured_skews(Some(&profile), &checks).is_empty());
    }

    #[test]
    fn a_mostly_idle_server_has_no_bottleneck() {
        use crate::load::stage_state::{StageSpec, StageState};
        let state = StageState::new(
            StageSpec::default(),
            &Default::default(),
            &[],
            Default::default(),
        );
        let mut stage = state.close(&Default::default(), 0, Default::default());
        let hot = crate::profile::FuncStat {
            function: "stat".into(),
            file: "pathlib.py".into(),
            line: 1,
            share: 1.0,
            samples: 10,
            ..Default::default()
        };
        stage.profile = Some(StageProfile {
            rounds: 200,
            busy_samples: 10,
            busy_share: 0.05,
            top_self: vec![hot],
            ..Default::default()
        });
        explain(&mut stage, None, &[]);
        assert!(
            stage.verdict.bottleneck.is_empty(),
            "{:?}",
            stage.verdict.bottleneck
        );
        assert!(stage.verdict.skews[0].en.contains("busy in only 5 %"));
        // A burst: few moments, but many threads busy in them (logins at spawn).
        let profile = stage.profile.as_mut().unwrap();
        (profile.busy_share, profile.busy_samples, profile.rounds) = (0.19, 676, 286);
        explain(&mut stage, None, &[]);
        assert!(stage.verdict.bottleneck[0].en.contains("busy time in stat"));
    }

    #[test]
    fn other_processes_are_named_as_a_skew() {
        use crate::load::stage_state::{StageSpec, StageState};
        let spec = StageSpec {
            users: 10,
            from: 100,
            to: 110,
            ..Default::default()
        };
        let state = StageState::new(spec, &Default::default(), &[], Default::default());
        let mut stage = state.close(&Default::default(), 110, Default::default());
        stage.other_cpu_avg = Some(54.0);
        stage.measure.other_processes = vec![crate::load::monitor::OtherProcess {
            pid: 4242,
            command: "cargo build".into(),
            cpu_percent: 48.0,
        }];
        explain(&mut stage, None, &[]);
        let skew = &stage.verdict.skews[0];
        assert!(
            skew.en.contains("54 %") && skew.en.contains("pid 4242 `cargo build` (48 %)"),
            "{}",
            skew.en
        );
    }

    #[test]
    fn sqlite_500s_are_traced_to_the_line_that_waited_for_the_lock() {
        let profile = StageProfile {
            waits: vec![WaitSite {
                function: "reserve_stock".into(),
                file: "apps/products/services.py".into(),
                line: 24,
                driver: "sqlite3".into(),
                samples: 40,
                ..Default::default()
            }],
            ..Default::default()
        };
        let errors = [ErrorRow {
            method: Some("POST".into()),
            name: "/api/products/1/reserve/".into(),
            error: "HTTPError('500 Server Error')".into(),
            occurrences: 12,
        }];
        let text = sqlite_lock_sentence(&profile, &errors).unwrap();
        assert!(text.en.contains("12 answers were 500"), "{}", text.en);
        assert!(
            text.en
                .contains("reserve_stock (apps/products/services.py:24)")
        );
        assert!(
            crate::i18n::english_fragments(&text.ko).is_empty(),
            "{}",
            text.ko
        );
        assert!(sqlite_lock_sentence(&profile, &[]).is_none());
    }

    #[test]
    fn the_wait_line_is_the_projects() {
        let profile = StageProfile {
            waits: vec![WaitSite {
                function: "reserve_stock".into(),
                file: "apps/products/services.py".into(),
                line: 22,
                project: true,
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            project_wait_line(&profile).as_deref(),
            Some("reserve_stock (apps/products/services.py:22)")
        );
    }
}
