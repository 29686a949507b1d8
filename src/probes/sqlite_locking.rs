//! SQLite's write lock as the project configures it, in words: the `sqlite` check says it
//! before load, and a run's 500s on SQLite are traced to it afterwards.
//!
//! Django opens SQLite transactions DEFERRED by default. A transaction that reads and then
//! writes (a reservation: read the stock, then update it) holds a read lock when it asks for
//! the write lock; if another connection is writing, SQLite cannot let it wait without risking
//! a deadlock, so it answers `database is locked` at once, whatever the timeout. With
//! `"transaction_mode": "IMMEDIATE"` (Django 5.1+) a transaction takes the write lock first,
//! and writers queue for up to the timeout instead.

use crate::django::SqliteLocking;
use crate::i18n::Text;
use crate::t;

/// "DATABASES at config/base.py:144", or a plain "the DATABASES setting".
fn place(locking: &SqliteLocking) -> (String, String) {
    match locking.places() {
        shown if shown.is_empty() => ("the DATABASES setting".into(), "DATABASES 설정".into()),
        shown => (
            format!("DATABASES at {shown}"),
            format!("{shown}의 DATABASES"),
        ),
    }
}

/// The timeout as each language writes seconds.
fn timeout(locking: &SqliteLocking) -> (String, String) {
    let secs = locking.timeout_s.unwrap_or(5.0);
    (format!("{secs:.0} s"), format!("{secs:.0}초"))
}

/// The facts behind the advice, for the check's detail: where DATABASES is assigned and the
/// transaction mode it sets, or whether this Django accepts one.
pub fn facts(locking: &SqliteLocking) -> Text {
    let version = &locking.django_version;
    let shown = locking.places();
    let (where_en, where_ko) = if shown.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("DATABASES is assigned at {shown}; "),
            format!("DATABASES 할당 위치: {shown}; "),
        )
    };
    if let Some(mode) = locking
        .transaction_mode
        .as_deref()
        .filter(|_| !locking.deferred())
    {
        t!(
            "{where_en}its OPTIONS set \"transaction_mode\": \"{mode}\"";
            "{where_ko}OPTIONS의 \"transaction_mode\"가 \"{mode}\""
        )
    } else if locking.modes_supported {
        t!(
            "{where_en}this Django ({version}) accepts \"transaction_mode\" in its OPTIONS";
            "{where_ko}이 Django ({version})는 OPTIONS의 \"transaction_mode\"를 지원"
        )
    } else {
        t!(
            "{where_en}this Django ({version}) has no \"transaction_mode\" (it came in Django 5.1)";
            "{where_ko}이 Django ({version})에는 \"transaction_mode\"가 없음 (Django 5.1부터 지원)"
        )
    }
}

/// What to change, for this project's Django: IMMEDIATE where it can, PostgreSQL always.
pub fn advice(locking: &SqliteLocking) -> Text {
    let (en_place, ko_place) = place(locking);
    let version = &locking.django_version;
    if locking.modes_supported {
        t!(
            "add \"transaction_mode\": \"IMMEDIATE\" to OPTIONS in {en_place} (Django {version} supports it) so writers queue for the lock, or load-test on PostgreSQL as in production";
            "{ko_place}의 OPTIONS에 \"transaction_mode\": \"IMMEDIATE\"를 추가하면 (Django {version} 지원) 쓰기가 잠금을 차례로 기다림; 또는 운영과 같이 PostgreSQL로 부하 테스트하세요"
        )
    } else {
        t!(
            "load-test on PostgreSQL as in production: Django {version} cannot open IMMEDIATE transactions (5.1 and later can, through \"transaction_mode\" in {en_place})";
            "운영과 같이 PostgreSQL로 부하 테스트하세요: Django {version}은 IMMEDIATE 트랜잭션을 열 수 없음 (5.1 이상은 {ko_place}의 \"transaction_mode\"로 가능)"
        )
    }
}

/// What doctor's in-process replay of the load test measured: the requests whose own
/// transaction read, then wrote (Locust's name, ms from the read to the transaction's end).
/// None when the load test was not replayed; empty when none of its requests did.
pub type ReadThenWrite = Option<Vec<(String, f64)>>;

/// Under DEFERRED transactions, reads-then-writes are refused rather than queued: true unless
/// the replay showed the load test makes none.
pub fn refuses(locking: &SqliteLocking, measured: &ReadThenWrite) -> bool {
    locking.deferred() && measured.as_ref().is_none_or(|m| !m.is_empty())
}

/// "POST /api/products/[id]/reserve/ (and 1 more)": the most held of them.
fn measured_names(measured: &[(String, f64)]) -> Option<(String, String, f64)> {
    let (label, ms) = measured.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let more = measured.len() - 1;
    Some(if more > 0 {
        (
            format!("{label} (and {more} more)"),
            format!("{label} (외 {more}개)"),
            *ms,
        )
    } else {
        (label.clone(), label.clone(), *ms)
    })
}

/// Before load: what concurrent writes (or, for a project with stock, reservations) will do
/// under this locking, with the load test's own read-then-write requests when the replay
/// measured them (a stock model alone does not say that a reservation reads first).
pub fn forecast(locking: &SqliteLocking, reservations: bool, measured: &ReadThenWrite) -> Text {
    let (wait, wait_ko) = timeout(locking);
    let (mode, mode_ko) = match &locking.transaction_mode {
        Some(m) if !locking.deferred() => (format!("{m} transactions"), format!("트랜잭션이 {m}")),
        _ => (
            "DEFERRED transactions (Django's default)".to_string(),
            "트랜잭션이 DEFERRED (Django 기본값)".to_string(),
        ),
    };
    if refuses(locking, measured) {
        if let Some((en, ko, ms)) = measured.as_deref().and_then(measured_names) {
            let ms = if ms >= 10.0 {
                format!("{ms:.0}")
            } else {
                format!("{ms:.1}")
            };
            return t!(
                "the database is SQLite with {mode}: {en} reads, then writes, in one transaction (held {ms} ms in doctor's replay), so while another request writes it fails at once with \"database is locked\" instead of waiting up to {wait}";
                "DB가 SQLite이고 {mode_ko}: {ko}은(는) 한 트랜잭션에서 읽은 뒤 씀 (doctor 재현에서 {ms} ms 유지), 따라서 다른 요청이 쓰는 동안에는 {wait_ko}까지 기다리지 않고 즉시 \"database is locked\"로 실패함"
            );
        }
        return if reservations {
            t!(
                "the database is SQLite with {mode}: a reservation that reads the stock before it writes fails at once with \"database is locked\" while another request writes, instead of waiting up to {wait}";
                "DB가 SQLite이고 {mode_ko}: 쓰기 전에 재고를 읽는 예약은 다른 요청이 쓰는 동안 {wait_ko}까지 기다리지 않고 즉시 \"database is locked\"로 실패함"
            )
        } else {
            t!(
                "the database is SQLite with {mode}: concurrent writes will serialize, and a transaction that reads before it writes fails at once with \"database is locked\" instead of waiting up to {wait}";
                "DB가 SQLite이고 {mode_ko}: 동시 쓰기가 직렬화되고, 쓰기 전에 읽는 트랜잭션은 {wait_ko}까지 기다리지 않고 즉시 \"database is locked\"로 실패함"
            )
        };
    }
    let none_read = if locking.deferred() {
        (
            " (doctor's replay of the load test saw no transaction read before it wrote)",
            " (doctor의 부하 테스트 재현에서 쓰기 전에 읽은 트랜잭션 없음)",
        )
    } else {
        ("", "")
    };
    let (why, why_ko) = none_read;
    if reservations {
        t!(
            "the database is SQLite with {mode}{why}: concurrent reservations queue for its one write lock, each waiting up to {wait}, and fail with \"database is locked\" past that";
            "DB가 SQLite이고 {mode_ko}{why_ko}: 동시 예약이 하나뿐인 쓰기 잠금을 차례로 기다리며 (각각 최대 {wait_ko}), 그보다 길면 \"database is locked\"로 실패함"
        )
    } else {
        t!(
            "the database is SQLite with {mode}{why}: concurrent writes queue for its one write lock, each waiting up to {wait}, and fail with \"database is locked\" past that";
            "DB가 SQLite이고 {mode_ko}{why_ko}: 동시 쓰기가 하나뿐인 쓰기 잠금을 차례로 기다리며 (각각 최대 {wait_ko}), 그보다 길면 \"database is locked\"로 실패함"
        )
    }
}

/// After a stage: did the failed writes wait for the lock? If every 500 had waited out the
/// timeout, the endpoint's summed time would be at least `errors × timeout`; far less means
/// they were refused at once (a deferred transaction asking for the write lock).
pub fn refused_at_once(locking: &SqliteLocking, errors: u64, total_ms: f64) -> bool {
    let timeout_ms = locking.timeout_s.unwrap_or(5.0) * 1000.0;
    errors > 0 && timeout_ms > 0.0 && total_ms < 0.5 * errors as f64 * timeout_ms
}

/// After a stage: why an endpoint's writes answered 500 on SQLite, from the settings (None:
/// not known) and the endpoint's measured time (`errors` 500s, `total_ms` summed over all its
/// requests).
pub fn after_stage(
    locking: Option<&SqliteLocking>,
    errors: u64,
    total_ms: f64,
    mean_ms: f64,
) -> Text {
    if let Some(locking) = locking.filter(|l| l.deferred() && refused_at_once(l, errors, total_ms))
    {
        let (wait, wait_ko) = timeout(locking);
        let mean = format!("{mean_ms:.0} ms");
        let fix = advice(locking);
        let (en, ko) = (&fix.en, &fix.ko);
        return t!(
            "they answered in {mean} on average, far under SQLite's {wait} timeout, so they did not wait for the lock: Django opens SQLite transactions DEFERRED, and one that reads before it writes is refused at once while another request writes. Fix: {en}";
            "평균 {mean}에 응답해 SQLite 시간 제한 {wait_ko}보다 훨씬 짧음, 즉 잠금을 기다리지 않음: Django는 SQLite 트랜잭션을 DEFERRED로 열고, 쓰기 전에 읽은 트랜잭션은 다른 요청이 쓰는 동안 즉시 거절됨. 해결: {ko}"
        );
    }
    let (wait, wait_ko) = locking.map_or_else(
        || (String::new(), String::new()),
        |l| {
            let (en, ko) = timeout(l);
            (format!(" {en}"), format!(" {ko}"))
        },
    );
    t!(
        "SQLite serializes writes: concurrent writers queue for one lock and fail with `database is locked` past its{wait} timeout. Load-test on PostgreSQL (or raise the timeout and expect lower throughput)";
        "SQLite는 쓰기를 한 번에 하나씩 처리: 동시 쓰기가 하나의 잠금을 기다리다 시간 제한{wait_ko}를 넘으면 `database is locked`로 실패. PostgreSQL에서 부하 테스트하세요 (또는 시간 제한을 늘리고 낮은 처리량을 감수)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::django::FileLine;
    use crate::i18n::Lang;
    use std::path::Path;

    fn sample(mode: Option<&str>, supported: bool) -> SqliteLocking {
        SqliteLocking {
            transaction_mode: mode.map(str::to_string),
            timeout_s: Some(5.0),
            modes_supported: supported,
            django_version: "5.2.19".into(),
            databases_at: vec![FileLine {
                file: "/srv/shop/config/base.py".into(),
                line: 144,
            }],
        }
    }

    #[test]
    fn deferred_is_the_default_and_named_case_insensitively() {
        assert!(sample(None, true).deferred());
        assert!(sample(Some("deferred"), true).deferred());
        assert!(!sample(Some("IMMEDIATE"), true).deferred());
    }

    #[test]
    fn advice_names_the_settings_line_and_what_this_django_can_do() {
        let root = Path::new("/srv/shop");
        let yes = advice(&sample(None, true).relative_to(root));
        assert!(
            yes.get(Lang::En)
                .contains("\"transaction_mode\": \"IMMEDIATE\"")
        );
        assert!(yes.get(Lang::En).contains("config/base.py:144"));
        assert!(yes.get(Lang::Ko).contains("config/base.py:144"));
        let mut old = sample(None, false);
        old.django_version = "4.2.16".into();
        let no = advice(&old.relative_to(root));
        assert!(no.get(Lang::En).contains("Django 4.2.16 cannot"), "{no:?}");
    }

    #[test]
    fn fast_500s_did_not_wait_slow_ones_did() {
        let l = sample(None, true);
        // 1 failure among 4 requests answered in 6 ms on average: no one waited 5 s.
        assert!(refused_at_once(&l, 1, 24.0));
        // 2 failures, 10 s summed: they waited out the timeout.
        assert!(!refused_at_once(&l, 2, 10_400.0));
        let fast = after_stage(Some(&l), 1, 24.0, 6.0);
        assert!(fast.get(Lang::En).contains("did not wait"), "{fast:?}");
        assert!(fast.get(Lang::En).contains("6 ms"));
        let slow = after_stage(Some(&l), 2, 10_400.0, 2600.0);
        assert!(
            slow.get(Lang::En).contains("past its 5 s timeout"),
            "{slow:?}"
        );
        // IMMEDIATE transactions queue: a fast 500 is not blamed on DEFERRED.
        let queued = after_stage(Some(&sample(Some("IMMEDIATE"), true)), 1, 24.0, 6.0);
        assert!(!queued.get(Lang::En).contains("DEFERRED"), "{queued:?}");
    }

    #[test]
    fn facts_name_every_databases_line_and_what_this_django_accepts() {
        let mut l = sample(None, true);
        l.databases_at.push(FileLine {
            file: "/srv/shop/config/base.py".into(),
            line: 152,
        });
        let text = facts(&l.clone().relative_to(Path::new("/srv/shop")));
        assert_eq!(
            text.get(Lang::En),
            "DATABASES is assigned at config/base.py:144, config/base.py:152; this Django (5.2.19) accepts \"transaction_mode\" in its OPTIONS"
        );
        l.modes_supported = false;
        l.databases_at.clear();
        assert!(
            facts(&l)
                .get(Lang::Ko)
                .starts_with("이 Django (5.2.19)에는")
        );
    }

    #[test]
    fn the_warning_names_what_the_replay_measured_and_claims_nothing_it_did_not() {
        let l = sample(None, true);
        let reserve = "POST /api/products/[id]/reserve/".to_string();
        let measured = Some(vec![(reserve.clone(), 3.4), ("POST /orders/".into(), 1.0)]);
        assert!(refuses(&l, &measured));
        let named = forecast(&l, true, &measured);
        assert!(
            named
                .get(Lang::En)
                .contains(&format!("{reserve} (and 1 more) reads, then writes")),
            "{named:?}"
        );
        assert!(
            named
                .get(Lang::En)
                .contains("held 3.4 ms in doctor's replay")
        );
        assert!(named.get(Lang::Ko).contains("3.4 ms 유지"), "{named:?}");
        // Not replayed: a stock model alone does not say a reservation reads first.
        let unknown = forecast(&l, true, &None);
        assert!(
            unknown
                .get(Lang::En)
                .contains("a reservation that reads the stock before it writes fails at once"),
            "{unknown:?}"
        );
        // Replayed, and no transaction read before it wrote: the writers queue.
        let none = Some(Vec::new());
        assert!(!refuses(&l, &none));
        let queued = forecast(&l, true, &none).get(Lang::En).to_string();
        assert!(
            queued.contains("saw no transaction read before it wrote")
                && queued.contains("queue")
                && !queued.contains("at once"),
            "{queued}"
        );
        // IMMEDIATE never refuses, whatever was measured.
        assert!(!refuses(&sample(Some("IMMEDIATE"), true), &measured));
    }

    #[test]
    fn the_forecast_speaks_of_the_mode_and_the_timeout() {
        let deferred = forecast(&sample(None, true), true, &None);
        assert!(deferred.get(Lang::En).contains("fails at once"));
        assert!(deferred.get(Lang::En).contains("5 s"));
        assert!(deferred.get(Lang::Ko).contains("5초"));
        let queued = forecast(&sample(Some("IMMEDIATE"), true), false, &None);
        assert!(queued.get(Lang::En).contains("IMMEDIATE transactions"));
        assert!(queued.get(Lang::En).contains("concurrent writes"));
        // Already IMMEDIATE: the detail says so rather than offer the setting.
        let set = facts(&sample(Some("IMMEDIATE"), true));
        assert!(
            set.get(Lang::En)
                .contains("set \"transaction_mode\": \"IMMEDIATE\""),
            "{set:?}"
        );
    }
}
