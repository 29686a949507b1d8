//! SQLite's write lock as the project configures it, in words: the `sqlite` check says it
//! before load, and a run's 500s on SQLite are traced to it afterwards.
//!
//! Django opens SQLite transactions DEFERRED by default. A transaction that reads and then
//! writes (a reservation: read the stock, then update it) holds a read lock when it asks for
//! the write lock; if another connection is writing, SQLite cannot let it wait without risking
//! a deadlock, so it answers `database is locked` at once, whatever the timeout. With
//! `"transaction_mode": "IMMEDIATE"` (Django 5.1+) a transaction takes the write lock first,
//! and writers queue for up to the timeout instead.

use crate::django::{FileLine, SqliteLocking};
use crate::i18n::Text;
use crate::t;

/// "config/base.py:152, config/base.py:154": every assignment of DATABASES (which branch of
/// an if/else ran is not in the source), empty when none is known.
pub fn places(locking: &SqliteLocking) -> String {
    let shown: Vec<String> = locking.databases_at.iter().map(FileLine::shown).collect();
    shown.join(", ")
}

/// "DATABASES at config/base.py:144", or a plain "the DATABASES setting".
fn place(locking: &SqliteLocking) -> (String, String) {
    match places(locking) {
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
    let shown = places(locking);
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

/// Before load: what concurrent writes (or, for a project with stock, reservations) will do
/// under this locking.
pub fn forecast(locking: &SqliteLocking, reservations: bool) -> Text {
    let (wait, wait_ko) = timeout(locking);
    let mode = locking
        .transaction_mode
        .clone()
        .unwrap_or_else(|| "DEFERRED".into());
    match (locking.deferred(), reservations) {
        (true, true) => t!(
            "the database is SQLite with DEFERRED transactions (Django's default): a reservation reads, then writes, so while another request writes it fails at once with \"database is locked\" instead of waiting up to {wait}";
            "DB가 SQLite이고 트랜잭션이 DEFERRED (Django 기본값): 예약은 읽은 뒤 쓰므로, 다른 요청이 쓰는 동안에는 {wait_ko}까지 기다리지 않고 즉시 \"database is locked\"로 실패함"
        ),
        (true, false) => t!(
            "the database is SQLite with DEFERRED transactions (Django's default): concurrent writes will serialize, and a transaction that reads before it writes fails at once with \"database is locked\" instead of waiting up to {wait}";
            "DB가 SQLite이고 트랜잭션이 DEFERRED (Django 기본값): 동시 쓰기가 직렬화되고, 쓰기 전에 읽는 트랜잭션은 {wait_ko}까지 기다리지 않고 즉시 \"database is locked\"로 실패함"
        ),
        (false, true) => t!(
            "the database is SQLite with {mode} transactions: concurrent reservations queue for its one write lock, each waiting up to {wait}, and fail with \"database is locked\" past that";
            "DB가 SQLite이고 트랜잭션이 {mode}: 동시 예약이 하나뿐인 쓰기 잠금을 차례로 기다리며 (각각 최대 {wait_ko}), 그보다 길면 \"database is locked\"로 실패함"
        ),
        (false, false) => t!(
            "the database is SQLite with {mode} transactions: concurrent writes queue for its one write lock, each waiting up to {wait}, and fail with \"database is locked\" past that";
            "DB가 SQLite이고 트랜잭션이 {mode}: 동시 쓰기가 하나뿐인 쓰기 잠금을 차례로 기다리며 (각각 최대 {wait_ko}), 그보다 길면 \"database is locked\"로 실패함"
        ),
    }
}

/// After a stage: did the failed writes wait for the lock? If every 500 had waited out the
/// timeout, the endpoint's summed time would be at least `errors × timeout`; far less means
/// they were refused at once (a deferred transaction asking for the write lock).
pub fn refused_at_once(locking: &SqliteLocking, errors: u64, total_ms: f64) -> bool {
    let timeout_ms = locking.timeout_s.unwrap_or(5.0) * 1000.0;
    errors > 0 && timeout_ms > 0.0 && total_ms < 0.5 * errors as f64 * timeout_ms
}

/// After a stage: why an endpoint's writes answered 500 on SQLite, from the settings and the
/// endpoint's measured time (`errors` 500s, `total_ms` summed over all its requests).
pub fn after_stage(locking: &SqliteLocking, errors: u64, total_ms: f64, mean_ms: f64) -> Text {
    let (wait, wait_ko) = timeout(locking);
    let mean = format!("{mean_ms:.0} ms");
    let advice = advice(locking);
    if locking.deferred() && refused_at_once(locking, errors, total_ms) {
        let (en, ko) = (
            advice.get(crate::i18n::Lang::En),
            advice.get(crate::i18n::Lang::Ko),
        );
        t!(
            "they answered in {mean} on average, far under SQLite's {wait} timeout, so they did not wait for the lock: Django opens SQLite transactions DEFERRED, and one that reads before it writes is refused at once while another request writes. Fix: {en}";
            "평균 {mean}에 응답해 SQLite 시간 제한 {wait_ko}보다 훨씬 짧음, 즉 잠금을 기다리지 않음: Django는 SQLite 트랜잭션을 DEFERRED로 열고, 쓰기 전에 읽은 트랜잭션은 다른 요청이 쓰는 동안 즉시 거절됨. 해결: {ko}"
        )
    } else {
        t!(
            "SQLite serializes writes: concurrent writers queue for one lock and fail with `database is locked` past its {wait} timeout. Load-test on PostgreSQL (or raise the timeout and expect lower throughput)";
            "SQLite는 쓰기를 한 번에 하나씩 처리: 동시 쓰기가 하나의 잠금을 기다리다 시간 제한 {wait_ko}를 넘으면 `database is locked`로 실패. PostgreSQL에서 부하 테스트하세요 (또는 시간 제한을 늘리고 낮은 처리량을 감수)"
        )
    }
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
        let fast = after_stage(&l, 1, 24.0, 6.0);
        assert!(fast.get(Lang::En).contains("did not wait"), "{fast:?}");
        assert!(fast.get(Lang::En).contains("6 ms"));
        let slow = after_stage(&l, 2, 10_400.0, 2600.0);
        assert!(
            slow.get(Lang::En).contains("past its 5 s timeout"),
            "{slow:?}"
        );
        // IMMEDIATE transactions queue: a fast 500 is not blamed on DEFERRED.
        let queued = after_stage(&sample(Some("IMMEDIATE"), true), 1, 24.0, 6.0);
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
    fn the_forecast_speaks_of_the_mode_and_the_timeout() {
        let deferred = forecast(&sample(None, true), true);
        assert!(deferred.get(Lang::En).contains("fails at once"));
        assert!(deferred.get(Lang::En).contains("5 s"));
        assert!(deferred.get(Lang::Ko).contains("5초"));
        let queued = forecast(&sample(Some("IMMEDIATE"), true), false);
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
