//! A stage's database waits in sentences, English and Korean, with their figures.

use super::summarize::{cut, fold_select_list};
use super::summary::{StageWaits, WaitGroup};
use crate::i18n::Text;
use crate::t;

/// A limit is worth a sentence when connections sat at it in at least this share of samples.
pub const LIMIT_SHARE: f64 = 1.0 / 3.0;

/// Queries shown in a sentence are cut to about this many characters (the end kept: that is
/// where `FOR UPDATE` and `LIMIT` stand).
const SHOWN_CHARS: usize = 100;

/// What a wait is on, in plain words: English (with its article) and Korean (with the object
/// particle that follows the parenthesized event name).
fn kind(event_type: &str, event: &str) -> (&'static str, &'static str, &'static str) {
    match (event_type, event) {
        ("Lock", "transactionid" | "tuple") => ("a row lock", "행 잠금", "을"),
        ("Lock", "relation") => ("a table lock", "테이블 잠금", "을"),
        ("Lock", "extend") => ("a table-extension lock", "테이블 확장 잠금", "을"),
        ("Lock", "advisory") => ("an advisory lock", "권고 잠금", "을"),
        ("Lock", "virtualxid") => ("another transaction's end", "다른 트랜잭션의 종료", "를"),
        ("Lock", _) => ("a lock", "잠금", "을"),
        ("LWLock", _) => ("an internal lock", "내부 잠금", "을"),
        ("IO", _) => ("the disk", "디스크 입출력", "을"),
        ("BufferPin", _) => ("a buffer pin", "버퍼 고정", "을"),
        _ => ("the server", "서버", "를"),
    }
}

/// Is this kind of wait a row lock (the hot-row case)?
pub fn is_row_lock(group: &WaitGroup) -> bool {
    group.wait_event_type == "Lock"
        && matches!(group.wait_event.as_str(), "transactionid" | "tuple")
}

/// A normalized query as shown in a sentence: identifiers unquoted, the SELECT list folded to
/// `…`, the middle cut when long.
pub fn shown_query(query: &str) -> String {
    let plain = fold_select_list(&query.replace('"', ""));
    cut(&plain, SHOWN_CHARS)
}

fn from_project(project_line: Option<&str>) -> (String, String) {
    match project_line {
        Some(line) if !line.is_empty() => {
            (format!("; from {line}"), format!("; 프로젝트 코드: {line}"))
        }
        _ => (String::new(), String::new()),
    }
}

/// One group in a sentence: how many waited, on what, behind which statement, and where the
/// project issues it (`project_line`, from the profiler).
pub fn group_sentence(group: &WaitGroup, project_line: Option<&str>) -> Text {
    let peak = group.peak;
    let of = group.peak_of_sessions.max(peak);
    let event = format!("{}/{}", group.wait_event_type, group.wait_event);
    let query = shown_query(&group.query);
    let (from_en, from_ko) = from_project(project_line);

    if group.wait_event_type == "Client" {
        return t!(
            "at peak {peak} of {of} sessions sat idle inside an open transaction ({event}): the app works between statements while the rows it locked stay locked; the last query: `{query}`{from_en}";
            "최대 {of}개 세션 중 {peak}개가 트랜잭션을 연 채 앱을 기다림({event}): 그동안 잡은 행 잠금은 풀리지 않음; 마지막 쿼리: `{query}`{from_ko}"
        );
    }

    let (en_kind, ko_kind, particle) = kind(&group.wait_event_type, &group.wait_event);
    let idle_holder = group
        .blocking_state
        .as_deref()
        .is_some_and(|s| s.starts_with("idle in transaction"));
    let (held_en, held_ko) = match &group.blocking_query {
        Some(blocker) => {
            let blocker = shown_query(blocker);
            if idle_holder {
                (
                    format!(
                        " held by `{blocker}` (its transaction left open while the app does other work)"
                    ),
                    format!(
                        ", 잠금을 쥔 쿼리: `{blocker}` (그 트랜잭션은 열린 채 앱의 다른 작업을 기다림)"
                    ),
                )
            } else {
                (
                    format!(" held by `{blocker}`"),
                    format!(", 잠금을 쥔 쿼리: `{blocker}`"),
                )
            }
        }
        None => (String::new(), String::new()),
    };
    t!(
        "at peak {peak} of {of} sessions waited on {en_kind} ({event}){held_en}; the waiting query: `{query}`{from_en}";
        "최대 {of}개 세션 중 {peak}개가 {ko_kind}({event}){particle} 기다림{held_ko}; 기다린 쿼리: `{query}`{from_ko}"
    )
}

/// Connections at the server's or the pool's limit, when they sat there in at least
/// [`LIMIT_SHARE`] of the samples.
pub fn limit_sentences(waits: &StageWaits) -> Vec<Text> {
    let mut out = Vec::new();
    if waits.server_at_limit_share >= LIMIT_SHARE
        && let Some((connections, max)) = waits.connections_peak
    {
        let share = percent(waits.server_at_limit_share);
        out.push(t!(
            "connections sat at the limit ({connections} of {max}) in {share} % of samples: requests wait for a connection — raise max_connections or pool max_size, or shorten transactions";
            "표본의 {share} %에서 연결 수가 한도({connections}/{max})에 닿음: 요청이 연결을 기다림 — max_connections 또는 풀 max_size를 늘리거나 트랜잭션을 짧게"
        ));
    }
    if waits.pool_at_limit_share >= LIMIT_SHARE
        && let Some(max) = waits.pool_max
    {
        let share = percent(waits.pool_at_limit_share);
        let sessions = waits.sessions_peak;
        out.push(t!(
            "the app's sessions sat at its pool size ({sessions} of {max}) in {share} % of samples: requests wait for a pooled connection — raise OPTIONS[\"pool\"][\"max_size\"] or shorten transactions";
            "표본의 {share} %에서 앱 세션 수가 풀 크기({sessions}/{max})에 닿음: 요청이 풀의 연결을 기다림 — OPTIONS[\"pool\"][\"max_size\"]를 늘리거나 트랜잭션을 짧게"
        ));
    }
    out
}

fn percent(share: f64) -> String {
    format!("{:.0}", share * 100.0)
}

/// The stage in one line: samples, the busiest moment, connections against the limit.
pub fn overview(waits: &StageWaits) -> Text {
    let samples = waits.samples;
    let (waiting, sessions) = (waits.peak_waiting, waits.peak_sessions);
    let (connections_en, connections_ko) = match waits.connections_peak {
        Some((c, max)) => (
            format!("; connections peaked at {c} of {max}"),
            format!("; 최대 연결 수 {c}/{max}"),
        ),
        None => (String::new(), String::new()),
    };
    if waiting == 0 {
        return t!(
            "{samples} samples: no session waited on the database (at most {} sessions){connections_en}", waits.sessions_peak;
            "표본 {samples}개: DB에서 기다린 세션 없음 (세션 최대 {}개){connections_ko}", waits.sessions_peak
        );
    }
    t!(
        "{samples} samples: at most {waiting} of {sessions} sessions waited on the database{connections_en}";
        "표본 {samples}개: 세션 {sessions}개 중 최대 {waiting}개가 DB에서 기다림{connections_ko}"
    )
}

/// Everything worth saying about a stage, most important first: the overview, the top groups
/// (the first one with the project's line), then the limits.
pub fn sentences(waits: &StageWaits, project_line: Option<&str>, groups: usize) -> Vec<Text> {
    let mut out = vec![overview(waits)];
    for (i, group) in waits.groups.iter().take(groups).enumerate() {
        out.push(group_sentence(
            group,
            if i == 0 { project_line } else { None },
        ));
    }
    out.extend(limit_sentences(waits));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::english_fragments;

    fn row_lock() -> WaitGroup {
        WaitGroup {
            wait_event_type: "Lock".into(),
            wait_event: "transactionid".into(),
            query: "SELECT \"products_productstock\".\"id\", \"products_productstock\".\"product_id\", \"products_productstock\".\"available_stock\" FROM \"products_productstock\" INNER JOIN \"products_product\" ON (\"products_productstock\".\"product_id\" = \"products_product\".\"id\") WHERE (\"products_productstock\".\"product_id\" = ? AND \"products_product\".\"status\" = ?) LIMIT ? FOR UPDATE".into(),
            blocking_query: Some("UPDATE \"products_productstock\" SET \"available_stock\" = ?, \"reserved_stock\" = ? WHERE \"products_productstock\".\"id\" = ?".into()),
            peak: 14,
            session_samples: 90,
            state: "active".into(),
            blocking_state: Some("active".into()),
            peak_of_sessions: 20,
        }
    }

    fn no_english(text: &Text) {
        let left = english_fragments(&text.ko);
        assert!(left.is_empty(), "English in {:?}: {left:?}", text.ko);
    }

    #[test]
    fn a_row_lock_is_named_with_its_figures_and_queries() {
        let text = group_sentence(
            &row_lock(),
            Some("reserve_stock (apps/products/services.py:22)"),
        );
        assert!(
            text.en.starts_with(
                "at peak 14 of 20 sessions waited on a row lock (Lock/transactionid) held by `UPDATE products_productstock SET"
            ),
            "{}",
            text.en
        );
        assert!(
            text.en
                .contains("the waiting query: `SELECT … FROM products_productstock"),
            "{}",
            text.en
        );
        assert!(text.en.contains("FOR UPDATE`"), "{}", text.en);
        assert!(
            text.en
                .ends_with("; from reserve_stock (apps/products/services.py:22)")
        );
        assert!(
            text.ko.starts_with("최대 20개 세션 중 14개가 행 잠금(Lock/transactionid)을 기다림, 잠금을 쥔 쿼리: `UPDATE"),
            "{}",
            text.ko
        );
        assert!(
            text.ko
                .ends_with("; 프로젝트 코드: reserve_stock (apps/products/services.py:22)")
        );
        no_english(&text);
    }

    #[test]
    fn an_idle_holder_and_other_kinds_in_plain_words() {
        let mut group = row_lock();
        group.blocking_state = Some("idle in transaction".into());
        let text = group_sentence(&group, None);
        assert!(
            text.en
                .contains("(its transaction left open while the app does other work)")
        );
        assert!(!text.en.contains("; from"));
        no_english(&text);

        for (kind_, event, en, ko) in [
            ("Lock", "tuple", "a row lock", "행 잠금(Lock/tuple)을"),
            (
                "Lock",
                "relation",
                "a table lock",
                "테이블 잠금(Lock/relation)을",
            ),
            (
                "IO",
                "DataFileRead",
                "the disk",
                "디스크 입출력(IO/DataFileRead)을",
            ),
            (
                "LWLock",
                "WALWrite",
                "an internal lock",
                "내부 잠금(LWLock/WALWrite)을",
            ),
        ] {
            let group = WaitGroup {
                wait_event_type: kind_.into(),
                wait_event: event.into(),
                blocking_query: None,
                ..row_lock()
            };
            let text = group_sentence(&group, None);
            assert!(
                text.en
                    .contains(&format!("waited on {en} ({kind_}/{event}); the waiting")),
                "{}",
                text.en
            );
            assert!(text.ko.contains(ko), "{}", text.ko);
            no_english(&text);
        }

        let idle = WaitGroup {
            wait_event_type: "Client".into(),
            wait_event: "ClientRead".into(),
            state: "idle in transaction".into(),
            blocking_query: None,
            ..row_lock()
        };
        let text = group_sentence(&idle, Some("reserve_stock (apps/products/services.py:22)"));
        assert!(
            text.en
                .contains("sat idle inside an open transaction (Client/ClientRead)"),
            "{}",
            text.en
        );
        no_english(&text);
    }

    #[test]
    fn limits_are_worded_from_a_third_of_the_samples() {
        let waits = StageWaits {
            samples: 10,
            connections_peak: Some((100, 100)),
            server_at_limit_share: 0.4,
            pool_max: Some(20),
            sessions_peak: 20,
            pool_at_limit_share: 0.5,
            ..StageWaits::default()
        };
        let texts = limit_sentences(&waits);
        assert_eq!(texts.len(), 2);
        assert_eq!(
            texts[0].en,
            "connections sat at the limit (100 of 100) in 40 % of samples: requests wait for a connection — raise max_connections or pool max_size, or shorten transactions"
        );
        assert!(
            texts[1]
                .en
                .contains("pool size (20 of 20) in 50 % of samples")
        );
        for text in &texts {
            no_english(text);
        }
        let calm = StageWaits {
            server_at_limit_share: 0.2,
            ..waits.clone()
        };
        assert_eq!(limit_sentences(&calm).len(), 1);

        let all = sentences(
            &StageWaits {
                peak_waiting: 14,
                peak_sessions: 20,
                groups: vec![row_lock(), row_lock()],
                ..waits
            },
            Some("reserve_stock (apps/products/services.py:22)"),
            3,
        );
        assert_eq!(all.len(), 5);
        assert_eq!(
            all[0].en,
            "10 samples: at most 14 of 20 sessions waited on the database; connections peaked at 100 of 100"
        );
        assert!(all[1].en.contains("; from reserve_stock"));
        assert!(!all[2].en.contains("; from"));
        for text in &all {
            no_english(text);
        }
        no_english(&overview(&StageWaits::default()));
    }

    #[test]
    fn long_queries_keep_their_end() {
        let long = format!(
            "UPDATE t SET {} WHERE id = ? RETURNING id",
            "a = ?, ".repeat(30)
        );
        let shown = shown_query(&long);
        assert!(shown.chars().count() <= SHOWN_CHARS, "{shown}");
        assert!(shown.ends_with("WHERE id = ? RETURNING id"), "{shown}");
        assert_eq!(shown_query("SELECT 1"), "SELECT 1");
        assert_eq!(
            shown_query("SELECT (SELECT a FROM b) AS x, yyyyyyyyyyyyyyyyyy, zzzzzzzzzzzzzz FROM t"),
            "SELECT … FROM t"
        );
    }
}
