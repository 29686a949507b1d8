//! A stage's samples folded into [`StageWaits`]: who waited, on what, behind which statement,
//! and how often connections sat at their limit. Pure: no database here.

use super::sample::{Session, WaitSample};
use super::summary::{StageWaits, WaitGroup};
use std::collections::HashMap;

/// Normalized queries are cut to about this many characters.
pub const QUERY_CHARS: usize = 200;

/// Wait types where a session waits on the database itself.
const DATABASE_WAITS: &[&str] = &["Lock", "LWLock", "IO", "BufferPin"];

/// The session waits on the database (a lock, a latch, the disk, a buffer pin).
pub fn waits_on_database(session: &Session) -> bool {
    session
        .wait_event_type
        .as_deref()
        .is_some_and(|t| DATABASE_WAITS.contains(&t))
}

/// The session sits inside an open transaction waiting for the app's next statement
/// (`idle in transaction`, `Client`/`ClientRead`): it waits on the app, and whatever it locked
/// stays locked meanwhile — the blocker, not a waiter on the database.
pub fn idle_in_transaction(session: &Session) -> bool {
    session
        .state
        .as_deref()
        .is_some_and(|s| s.starts_with("idle in transaction"))
        && session.wait_event_type.as_deref() == Some("Client")
}

/// A session worth a group: waiting on the database, or holding a transaction open.
pub fn is_waiting(session: &Session) -> bool {
    waits_on_database(session) || idle_in_transaction(session)
}

type Key = (String, String, String, Option<String>);

pub fn summarize(samples: &[WaitSample], pool_max: Option<i64>) -> StageWaits {
    let mut waits = StageWaits {
        samples: samples.len() as u32,
        pool_max,
        ..StageWaits::default()
    };
    let mut groups: HashMap<Key, WaitGroup> = HashMap::new();
    let mut order: Vec<Key> = Vec::new();
    let mut busiest: Option<(u32, u32)> = None; // (waiting, sessions)
    let mut server_at_limit = 0u32;
    let mut pool_at_limit = 0u32;
    let mut any_limit = 0u32;

    for sample in samples {
        let sessions = sample.sessions.len() as u32;
        let waiting = sample
            .sessions
            .iter()
            .filter(|s| waits_on_database(s))
            .count() as u32;
        if busiest.is_none_or(|b| (waiting, sessions) > b) {
            busiest = Some((waiting, sessions));
        }
        waits.sessions_peak = waits.sessions_peak.max(sessions);
        waits.sample_ms_max = waits.sample_ms_max.max(sample.took_ms);

        if sample.max_connections > 0 {
            let peak = waits.connections_peak.map_or(0, |(c, _)| c);
            if waits.connections_peak.is_none() || sample.connections > peak {
                waits.connections_peak = Some((sample.connections, sample.max_connections));
            }
            waits.reserved_connections = Some(sample.reserved_connections);
        }
        let server_full = sample.max_connections > 0
            && sample.connections >= sample.max_connections - sample.reserved_connections - 1;
        let pool_full = pool_max.is_some_and(|max| max > 0 && i64::from(sessions) >= max);
        server_at_limit += u32::from(server_full);
        pool_at_limit += u32::from(pool_full);
        any_limit += u32::from(server_full || pool_full);

        // This sample's count per group.
        let mut here: HashMap<Key, u32> = HashMap::new();
        for session in sample.sessions.iter().filter(|s| is_waiting(s)) {
            let key: Key = (
                session.wait_event_type.clone().unwrap_or_default(),
                session.wait_event.clone().unwrap_or_default(),
                normalize_query(&session.query),
                session
                    .root_blocking_query
                    .as_deref()
                    .or(session.blocking_query.as_deref())
                    .map(normalize_query),
            );
            if !groups.contains_key(&key) {
                order.push(key.clone());
                groups.insert(
                    key.clone(),
                    WaitGroup {
                        wait_event_type: key.0.clone(),
                        wait_event: key.1.clone(),
                        query: key.2.clone(),
                        blocking_query: key.3.clone(),
                        state: session.state.clone().unwrap_or_default(),
                        blocking_state: session
                            .root_blocking_state
                            .clone()
                            .or_else(|| session.blocking_state.clone()),
                        ..WaitGroup::default()
                    },
                );
            }
            *here.entry(key).or_default() += 1;
        }
        for (key, count) in here {
            let group = groups.get_mut(&key).expect("group inserted above");
            group.session_samples += u64::from(count);
            if count > group.peak {
                group.peak = count;
                group.peak_of_sessions = sessions;
            }
        }
    }

    if let Some((waiting, sessions)) = busiest {
        waits.peak_waiting = waiting;
        waits.peak_sessions = sessions;
    }
    if !samples.is_empty() {
        let n = samples.len() as f64;
        waits.server_at_limit_share = f64::from(server_at_limit) / n;
        waits.pool_at_limit_share = f64::from(pool_at_limit) / n;
        waits.at_limit_share = f64::from(any_limit) / n;
    }
    // Waits on the database first (a transaction held open by the app explains a lock, it is
    // not what the server waits on), most seen first; first seen breaks ties.
    let mut list: Vec<WaitGroup> = order
        .into_iter()
        .filter_map(|k| groups.remove(&k))
        .collect();
    list.sort_by_key(|g| {
        (
            g.wait_event_type == "Client",
            std::cmp::Reverse(g.session_samples),
            std::cmp::Reverse(g.peak),
        )
    });
    waits.groups = list;
    waits
}

/// A statement as a shape: whitespace collapsed, string and number literals (and `$n`
/// parameters) replaced by `?`, lists of them folded, cut to about [`QUERY_CHARS`] characters.
/// Quoted identifiers are kept as written.
pub fn normalize_query(query: &str) -> String {
    let chars: Vec<char> = query.chars().collect();
    let mut out = String::with_capacity(query.len().min(4 * QUERY_CHARS));
    let mut i = 0;
    let mut last_space = true; // trims leading whitespace
    let push = |out: &mut String, c: char, last_space: &mut bool| {
        out.push(c);
        *last_space = false;
    };
    while i < chars.len() {
        let c = chars[i];
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let word_before = prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            i += 1;
        } else if c == '"' {
            // A quoted identifier, as it is.
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            for &d in &chars[start..i] {
                push(&mut out, d, &mut last_space);
            }
        } else if c == '\'' {
            // A string literal ('' escapes a quote); an E'' or N'' prefix goes with it.
            if word_before
                && matches!(prev, Some('E' | 'e' | 'N' | 'n' | 'B' | 'b' | 'X' | 'x'))
                && !out.is_empty()
                && !chars
                    .get(i.wrapping_sub(2))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_')
            {
                out.pop();
            }
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            push(&mut out, '?', &mut last_space);
        } else if (c.is_ascii_digit() && !word_before)
            || (c == '$' && chars.get(i + 1).is_some_and(char::is_ascii_digit) && !word_before)
        {
            // A number (1, 2.5, 1e3) or a parameter ($1).
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            // A minus sign right before the number, after an operator or bracket, is its sign.
            if out.ends_with('-') {
                let before = out[..out.len() - 1].trim_end();
                if before.is_empty() || before.ends_with(['=', '(', ',', '<', '>', '+', '*']) {
                    out.pop();
                }
            }
            push(&mut out, '?', &mut last_space);
        } else {
            push(&mut out, c, &mut last_space);
            i += 1;
        }
    }
    let folded = fold_select_list(&fold_lists(out.trim_end()));
    cut(&folded, QUERY_CHARS)
}

/// `(?, ?, ?)` → `(?, …)`: IN lists of any length are one shape.
fn fold_lists(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(at) = out.find("?, ?, ") {
        out.replace_range(at..at + "?, ?, ".len(), "?, ");
    }
    out.replace("?, ?)", "?, …)")
}

/// At most about `max` characters: the head and the end kept (a locking clause such as
/// `FOR UPDATE` stands at the end), ` … ` marking the cut.
pub fn cut(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head_len = max * 2 / 3;
    let tail_len = max.saturating_sub(head_len + 3);
    let head: String = text.chars().take(head_len).collect();
    let tail: String = text.chars().skip(count - tail_len).collect();
    // At word boundaries when one is near.
    let head = match head.rfind(' ') {
        Some(at) if at > head.len() / 2 => &head[..at],
        _ => head.as_str(),
    };
    let tail = match tail.find(' ') {
        Some(at) if at < tail.len() / 2 => &tail[at + 1..],
        _ => tail.as_str(),
    };
    format!("{} … {}", head.trim_end(), tail.trim_start())
}

/// `SELECT a, b, c FROM t …` → `SELECT … FROM t …`: the columns say nothing about a wait, and
/// a long list would push the locking clause past the cut.
pub fn fold_select_list(query: &str) -> String {
    let upper = query.to_ascii_uppercase();
    if !upper.starts_with("SELECT ") {
        return query.to_string();
    }
    let mut depth = 0i32;
    let mut quoted = false;
    for (at, c) in upper.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth == 0 && !quoted && upper[at..].starts_with(" FROM ") {
            if at <= "SELECT ".len() + 20 {
                return query.to_string();
            }
            return format!("SELECT …{}", &query[at..]);
        }
    }
    query.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCKED_READ: &str = "SELECT \"products_productstock\".\"id\", \"products_productstock\".\"available_stock\"\n   FROM \"products_productstock\" INNER JOIN \"products_product\" ON (\"products_productstock\".\"product_id\" = \"products_product\".\"id\") WHERE (\"products_productstock\".\"product_id\" = 17 AND \"products_product\".\"status\" = 'active') LIMIT 21 FOR UPDATE";

    fn session(pid: i32, state: &str, kind: Option<(&str, &str)>, query: &str) -> Session {
        Session {
            pid,
            state: Some(state.to_string()),
            wait_event_type: kind.map(|k| k.0.to_string()),
            wait_event: kind.map(|k| k.1.to_string()),
            query: query.to_string(),
            ..Session::default()
        }
    }

    fn blocked(pid: i32, event: &str, query: &str, blocker: &str) -> Session {
        Session {
            blocking_pids: vec![1],
            blocking_query: Some(blocker.to_string()),
            blocking_state: Some("idle in transaction".to_string()),
            ..session(pid, "active", Some(("Lock", event)), query)
        }
    }

    fn sample(sessions: Vec<Session>, connections: i64) -> WaitSample {
        WaitSample {
            sessions,
            connections,
            max_connections: 100,
            reserved_connections: 3,
            took_ms: 1.5,
        }
    }

    #[test]
    fn literals_whitespace_and_lists_are_normalized() {
        let q = normalize_query(LOCKED_READ);
        assert!(
            q.starts_with("SELECT … FROM \"products_productstock\" INNER JOIN"),
            "{q}"
        );
        assert!(q.ends_with("LIMIT ? FOR UPDATE"), "{q}");
        assert!(!q.contains("17") && !q.contains("'active'"), "{q}");
        assert_eq!(
            normalize_query(
                "select * from t where a = 1 and b = 'it''s' and c in (1, 2, 3, 4) and d = $1 and e = -2.5 and f2 = E'x\\'y'"
            ),
            "select * from t where a = ? and b = ? and c in (?, …) and d = ? and e = ? and f2 = ?"
        );
        assert_eq!(
            normalize_query("  UPDATE \"t1\"  SET x=x-1 WHERE id=3  "),
            "UPDATE \"t1\" SET x=x-? WHERE id=?"
        );
        let long = format!("UPDATE t SET {} WHERE id = 1", "a = 1, ".repeat(60));
        let cut = normalize_query(&long);
        assert!(cut.chars().count() <= QUERY_CHARS, "{cut}");
        assert!(
            cut.contains(" … ") && cut.ends_with("WHERE id = ?"),
            "{cut}"
        );
        let long = format!("SELECT {} FROM t WHERE x = 1 FOR UPDATE", "a, ".repeat(60));
        assert_eq!(
            normalize_query(&long),
            "SELECT … FROM t WHERE x = ? FOR UPDATE"
        );
    }

    #[test]
    fn row_lock_waiters_are_grouped_behind_their_blocker() {
        let holder =
            "UPDATE \"products_productstock\" SET \"available_stock\" = 95 WHERE \"id\" = 1";
        let other = LOCKED_READ.replace("= 17", "= 18");
        let samples = vec![
            sample(
                vec![
                    session(
                        1,
                        "idle in transaction",
                        Some(("Client", "ClientRead")),
                        holder,
                    ),
                    blocked(2, "transactionid", LOCKED_READ, holder),
                    blocked(3, "tuple", LOCKED_READ, holder),
                    blocked(4, "tuple", &other, holder),
                    session(5, "idle", Some(("Client", "ClientRead")), "COMMIT"),
                    session(6, "active", None, "SELECT 1"),
                ],
                10,
            ),
            sample(
                vec![
                    blocked(2, "transactionid", LOCKED_READ, holder),
                    session(5, "idle", Some(("Client", "ClientRead")), "COMMIT"),
                ],
                8,
            ),
            sample(vec![], 5),
        ];
        let waits = summarize(&samples, None);
        assert_eq!(waits.samples, 3);
        assert_eq!((waits.peak_waiting, waits.peak_sessions), (3, 6));
        assert_eq!(waits.sessions_peak, 6);
        assert_eq!(waits.connections_peak, Some((10, 100)));
        assert_eq!(waits.reserved_connections, Some(3));
        assert_eq!(waits.at_limit_share, 0.0);
        // Two tuple waiters with different literals are one group; the idle (not in a
        // transaction) session and the running one are no group; the holder is one, last.
        let shapes: Vec<(&str, &str, u32, u64)> = waits
            .groups
            .iter()
            .map(|g| {
                (
                    g.wait_event_type.as_str(),
                    g.wait_event.as_str(),
                    g.peak,
                    g.session_samples,
                )
            })
            .collect();
        assert_eq!(
            shapes,
            vec![
                ("Lock", "tuple", 2, 2),
                ("Lock", "transactionid", 1, 2),
                ("Client", "ClientRead", 1, 1)
            ]
        );
        let top = &waits.groups[0];
        assert!(top.query.contains("FOR UPDATE") && top.query.contains("= ?"));
        assert_eq!(
            top.blocking_query.as_deref(),
            Some("UPDATE \"products_productstock\" SET \"available_stock\" = ? WHERE \"id\" = ?")
        );
        assert_eq!(top.state, "active");
        assert_eq!(top.blocking_state.as_deref(), Some("idle in transaction"));
        assert_eq!(waits.groups[0].peak_of_sessions, 6);
        assert_eq!(waits.groups[2].state, "idle in transaction");
        assert_eq!(waits.groups[2].blocking_query, None);
    }

    #[test]
    fn limits_of_the_server_and_of_the_pool() {
        let app = |n: i32| (0..n).map(|pid| session(pid, "idle", None, "")).collect();
        // max 100, reserved 3: the limit counts from 96.
        let samples = vec![
            sample(app(4), 96),
            sample(app(4), 95),
            sample(app(20), 50),
            sample(app(2), 100),
            sample(app(2), 10),
        ];
        let waits = summarize(&samples, Some(20));
        assert_eq!(waits.server_at_limit_share, 0.4);
        assert_eq!(waits.pool_at_limit_share, 0.2);
        assert!((waits.at_limit_share - 0.6).abs() < 1e-9);
        assert_eq!(waits.connections_peak, Some((100, 100)));
        assert_eq!(waits.pool_max, Some(20));
        assert_eq!(waits.peak_waiting, 0);
        assert_eq!(waits.peak_sessions, 20);
        assert!(waits.groups.is_empty());
        assert_eq!(summarize(&samples, None).pool_at_limit_share, 0.0);
    }

    #[test]
    fn other_waits_count_and_nothing_sampled_is_empty() {
        let samples = vec![sample(
            vec![
                session(
                    1,
                    "active",
                    Some(("IO", "DataFileRead")),
                    "SELECT * FROM big",
                ),
                session(
                    2,
                    "active",
                    Some(("LWLock", "WALWrite")),
                    "INSERT INTO t VALUES (1)",
                ),
                session(3, "active", Some(("Activity", "WalWriterMain")), ""),
                session(
                    4,
                    "active",
                    Some(("Client", "ClientRead")),
                    "COPY t FROM STDIN",
                ),
            ],
            4,
        )];
        let waits = summarize(&samples, None);
        assert_eq!(waits.peak_waiting, 2);
        assert_eq!(waits.groups.len(), 2);
        assert_eq!(waits.groups[1].query, "INSERT INTO t VALUES (?)");
        assert_eq!(
            summarize(&[], Some(5)),
            StageWaits {
                pool_max: Some(5),
                ..StageWaits::default()
            }
        );
    }
}
