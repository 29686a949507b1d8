//! A stage's forecast held against what the stage measured: the three figures side by side,
//! each missed target explained from the limit that decides the stage, and a miss of more
//! than 25 % named with the assumption that broke. Pure: the run passes its numbers in.

use super::{Forecast, LimitKind};
use crate::i18n::Text;
use crate::t;

/// How far measured and forecast requests/min may differ before doctor says so.
pub const TOLERANCE: f64 = 0.25;

/// What one stage measured, in the forecast's terms.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub rpm: f64,
    pub p95_ms: Option<f64>,
    pub failure_ratio: f64,
    /// Share of the stage the server was busy (0..=1), when it was profiled.
    pub server_busy: Option<f64>,
    /// Which targets the stage missed (`requests_per_min`, `p95_ms`, `error_ratio`).
    pub missed: Vec<&'static str>,
    /// The first thing the verdict found skewing the stage, if any (e.g. debug-toolbar's share).
    pub skew: Option<Text>,
}

/// The line shown before a stage starts: its forecast, the deciding limit first.
pub fn before_stage(f: &Forecast, number: usize, users: u32) -> Text {
    let limit = f.limits.iter().find(|l| l.kind == f.limiting);
    let (why_en, why_ko) = limit.map_or((String::new(), String::new()), |l| {
        (format!(" — {}", l.text.en), format!(" — {}", l.text.ko))
    });
    t!(
        "forecast for stage {number} ({users} users): about {:.0} requests/min, p95 about {:.0} ms, failures about {:.1} %{why_en}",
        f.rpm, f.p95_ms, f.failure_ratio * 100.0;
        "{number}단계 예측 (사용자 {users}명): 분당 약 {:.0}건, p95 약 {:.0} ms, 실패율 약 {:.1} %{why_ko}",
        f.rpm, f.p95_ms, f.failure_ratio * 100.0
    )
}

/// Sentences for the verdict, forecast against measured first.
pub fn held(f: &Forecast, m: &Measured) -> Vec<Text> {
    let p95 = m
        .p95_ms
        .map(|p| format!("{p:.0} ms"))
        .unwrap_or_else(|| "-".into());
    let mut out = vec![t!(
        "forecast against measured: {:.0}/min forecast, {:.0}/min measured; p95 {:.0} ms forecast, {p95} measured; failures {:.1} % forecast, {:.1} % measured",
        f.rpm, m.rpm, f.p95_ms, f.failure_ratio * 100.0, m.failure_ratio * 100.0;
        "예측과 측정: 분당 {:.0}건 예측, {:.0}건 측정; p95 {:.0} ms 예측, {p95} 측정; 실패율 {:.1} % 예측, {:.1} % 측정",
        f.rpm, m.rpm, f.p95_ms, f.failure_ratio * 100.0, m.failure_ratio * 100.0
    )];
    if !m.missed.is_empty()
        && let Some(limit) = f.limits.iter().find(|l| l.kind == f.limiting)
    {
        out.push(t!("what decided it, known before load: {}", limit.text.en;
                    "부하 전에 알 수 있었던 결정 요인: {}", limit.text.ko));
        if f.limiting == LimitKind::Pacing
            && let Some(busy) = m.server_busy.filter(|b| *b < 0.5)
        {
            let idle = ((1.0 - busy) * 100.0).round();
            out.push(t!("not the server: it was {idle:.0} % idle"; "서버 탓이 아님: 서버는 {idle:.0} % 유휴 상태"));
        }
    }
    if let Some(broke) = broken_assumption(f, m) {
        out.push(broke);
    }
    out
}

/// When measured requests/min differ from the forecast by more than [`TOLERANCE`]: by how much,
/// and which assumption broke.
fn broken_assumption(f: &Forecast, m: &Measured) -> Option<Text> {
    if f.rpm <= 0.0 {
        return None;
    }
    let off = (m.rpm - f.rpm) / f.rpm;
    if off.abs() <= TOLERANCE {
        return None;
    }
    let pct = (off.abs() * 100.0).round();
    if off > 0.0 {
        return Some(t!(
            "measured {pct:.0} % more than forecast: the requests cost less under load than in doctor's replay, or the locustfile paced faster than it read";
            "예측보다 {pct:.0} % 많이 측정됨: 부하 중 요청 비용이 doctor의 재현보다 적었거나 locustfile이 읽힌 것보다 빠르게 보냄"
        ));
    }
    let server_busy = m.server_busy.is_some_and(|b| b >= 0.7);
    Some(match (&m.skew, server_busy) {
        (Some(skew), _) => t!(
            "measured {pct:.0} % less than forecast: the server answered slower than its measured cost allows; {}", skew.en;
            "예측보다 {pct:.0} % 적게 측정됨: 서버가 측정된 비용보다 느리게 응답함; {}", skew.ko
        ),
        (None, true) => t!(
            "measured {pct:.0} % less than forecast: the server was busy {:.0} % of the stage, more than its measured cost per request allows (other work on its cores, or costs that grow under load: locks, connections)",
            m.server_busy.unwrap_or(0.0) * 100.0;
            "예측보다 {pct:.0} % 적게 측정됨: 서버가 단계의 {:.0} % 동안 바빴음, 요청당 측정 비용보다 많음 (같은 코어의 다른 작업, 또는 부하 중 커지는 비용: 잠금, 연결)",
            m.server_busy.unwrap_or(0.0) * 100.0
        ),
        (None, false) => t!(
            "measured {pct:.0} % less than forecast, and not because the server was busy: the users did not send what the locustfile's pacing allows (Locust's own CPU, users still spawning, or failed logins)";
            "예측보다 {pct:.0} % 적게 측정됨, 서버가 바빠서가 아님: 사용자가 locustfile의 간격만큼 보내지 못함 (Locust 자체 CPU, 아직 생성 중인 사용자, 또는 실패한 로그인)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Limit;

    fn pacing_forecast(rpm: f64) -> Forecast {
        Forecast {
            rpm,
            offered_rpm: rpm,
            p95_ms: 40.0,
            failure_ratio: 0.0,
            limiting: LimitKind::Pacing,
            limits: vec![Limit::new(
                LimitKind::Pacing,
                t!("the locustfile's wait_time = between(3, 15) allows about 6.7/min per user"; "locustfile의 wait_time = between(3, 15): 사용자당 분당 약 6.7건"),
            )],
        }
    }

    #[test]
    fn a_pacing_limited_miss_is_explained_and_the_idle_server_cleared() {
        let f = pacing_forecast(290.0);
        let m = Measured {
            rpm: 314.0,
            p95_ms: Some(35.0),
            failure_ratio: 0.0,
            server_busy: Some(0.25),
            missed: vec!["requests_per_min"],
            skew: None,
        };
        let said = held(&f, &m);
        assert!(
            said[0].en.contains("290/min forecast, 314/min measured"),
            "{said:?}"
        );
        assert!(said[1].en.contains("between(3, 15)"), "{said:?}");
        assert_eq!(said[2].en, "not the server: it was 75 % idle");
        // 314 against 290 is within 25 %: nothing broke.
        assert_eq!(said.len(), 3);
        assert!(said.iter().all(|s| !s.ko.is_empty()));
    }

    #[test]
    fn a_miss_beyond_a_quarter_names_the_assumption_that_broke() {
        let f = pacing_forecast(1000.0);
        let skew = t!("46 % of its time went to debug-toolbar's panels"; "시간의 46 %가 debug-toolbar 패널에 쓰임");
        let slow = Measured {
            rpm: 600.0,
            server_busy: Some(0.95),
            skew: Some(skew),
            ..Measured::default()
        };
        let said = held(&f, &slow);
        let last = &said.last().unwrap().en;
        assert!(
            last.starts_with("measured 40 % less than forecast: the server answered slower"),
            "{last}"
        );
        assert!(last.contains("debug-toolbar"), "{last}");
        let idle = Measured {
            rpm: 600.0,
            server_busy: Some(0.2),
            ..Measured::default()
        };
        let last = held(&f, &idle).last().unwrap().en.clone();
        assert!(last.contains("not because the server was busy"), "{last}");
        let close = Measured {
            rpm: 800.0,
            ..Measured::default()
        };
        assert_eq!(
            held(&f, &close).len(),
            1,
            "20 % off is within the tolerance"
        );
    }
}
