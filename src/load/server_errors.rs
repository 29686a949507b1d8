//! A stage's 500s from one endpoint, explained: every request failing is a bug in the view;
//! some writes failing on SQLite is its write lock, traced to how the settings take it.

use super::verdict::StageMeasure;
use crate::i18n::Text;
use crate::probes::database::Vendor;
use crate::probes::sqlite_locking;
use crate::t;

fn is_500(error: &str) -> bool {
    error.contains("500") || error.contains("Internal Server Error")
}

pub fn patterns(m: &StageMeasure) -> Vec<Text> {
    let mut out = Vec::new();
    let totals = m.endpoint_totals();
    for e in totals.iter().filter(|e| e.requests > 0 && e.failures > 0) {
        let errors_500: u64 = m
            .errors
            .iter()
            .filter(|r| r.name == e.name && is_500(&r.error))
            .map(|r| r.occurrences)
            .sum();
        if errors_500 == 0 || (errors_500 as f64) < 0.5 * e.failures as f64 {
            continue;
        }
        let share = errors_500 as f64 * 100.0 / e.requests as f64;
        let write = matches!(e.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
        if share >= 95.0 {
            out.push(t!(
                "every request to {} fails with 500 ({errors_500} of {}), already at {} users: a bug in the view, not load. Reproduce one request and read the traceback (e.g. guide §2: a ReservationResult handed to a serializer).",
                e.label(), e.requests, m.users;
                "{} 요청이 모두 500으로 실패 ({errors_500}/{}), {}명에서도: 부하가 아니라 뷰의 버그. 요청 하나를 재현해 traceback을 보세요 (예: 가이드 §2 ReservationResult를 serializer에 넘김).",
                e.label(), e.requests, m.users
            ));
        } else if write && m.db_vendor == Some(Vendor::Sqlite) {
            let total_ms = e.mean_ms * e.requests as f64;
            let why =
                sqlite_locking::after_stage(m.sqlite.as_ref(), errors_500, total_ms, e.mean_ms);
            let (en, ko) = (&why.en, &why.ko);
            out.push(t!(
                "{errors_500} of {} writes to {} answered 500 ({share:.1}%) at {} users on SQLite: {en}.",
                e.requests, e.label(), m.users;
                "{} 쓰기 {}건 중 {errors_500}건이 500 ({share:.1}%), {}명, SQLite: {ko}.",
                e.label(), e.requests, m.users
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::django::{FileLine, SqliteLocking};
    use crate::i18n::Lang;
    use crate::load::plan::Targets;
    use crate::load::stats::ErrorRow;
    use crate::load::verdict::{EndpointPhase, judge};

    /// 1000 writes to POST /r/, 40 of them 500 on SQLite, each taking `mean_ms` on average.
    fn sqlite_stage(mean_ms: f64) -> StageMeasure {
        StageMeasure {
            users: 100,
            spawn_rate: 25.0,
            secs: 60.0,
            requests: 4000,
            failures: 40,
            p95_ms: Some(300.0),
            db_vendor: Some(Vendor::Sqlite),
            steady: vec![
                EndpointPhase::of("GET", "/api/products/", 3000, 0, 100.0),
                EndpointPhase::of("POST", "/r/", 1000, 40, mean_ms),
            ],
            errors: vec![ErrorRow {
                method: Some("POST".into()),
                name: "/r/".into(),
                error: "unexpected status 500".into(),
                occurrences: 40,
            }],
            ..StageMeasure::default()
        }
    }

    #[test]
    fn sqlite_write_500s_versus_a_broken_view() {
        let mut m = sqlite_stage(300.0);
        let v = judge(&m, &Targets::default());
        let p = v.patterns[0].get(Lang::En);
        assert!(
            p.contains("40 of 1000 writes to POST /r/ answered 500 (4.0%)"),
            "{p}"
        );
        assert!(p.contains("database is locked"));
        m.steady[1].failures = 1000;
        m.errors[0].occurrences = 1000;
        m.failures = 1000;
        let v = judge(&m, &Targets::default());
        assert!(v.patterns[0].get(Lang::En).contains("a bug in the view"));
    }

    fn deferred() -> SqliteLocking {
        SqliteLocking {
            transaction_mode: None,
            timeout_s: Some(5.0),
            modes_supported: true,
            django_version: "5.2.19".into(),
            databases_at: vec![FileLine {
                file: "config/base.py".into(),
                line: 144,
            }],
        }
    }

    #[test]
    fn fast_sqlite_500s_are_traced_to_deferred_transactions_and_the_settings_line() {
        let mut m = sqlite_stage(6.0);
        m.sqlite = Some(deferred());
        let v = judge(&m, &Targets::default());
        let en = v.patterns[0].get(Lang::En);
        assert!(
            en.starts_with("40 of 1000 writes to POST /r/ answered 500"),
            "{en}"
        );
        assert!(
            en.contains("6 ms on average") && en.contains("did not wait"),
            "{en}"
        );
        assert!(en.contains("DATABASES at config/base.py:144"), "{en}");
        assert!(en.contains("\"transaction_mode\": \"IMMEDIATE\""), "{en}");
        let ko = v.patterns[0].get(Lang::Ko);
        assert!(
            ko.contains("config/base.py:144") && ko.contains("DEFERRED"),
            "{ko}"
        );
        // 500s that took the whole timeout waited: the lock was contended, not refused.
        let mut slow = sqlite_stage(5200.0);
        slow.sqlite = Some(deferred());
        let v = judge(&slow, &Targets::default());
        let en = v.patterns[0].get(Lang::En);
        assert!(
            !en.contains("did not wait") && en.contains("past its 5 s timeout"),
            "{en}"
        );
    }
}
