//! One look at PostgreSQL's `pg_stat_activity`: the app database's sessions, what each waits
//! on and behind whom, and the server's connections against their limit. Facts only.

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The sampler's own session: one connection, read-only, short timeouts.
pub struct WaitSampler {
    pool: PgPool,
    db_name: String,
}

/// One session of the app's database at one sample (the sampler's own session left out).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub pid: i32,
    /// `active`, `idle`, `idle in transaction`…
    pub state: Option<String>,
    pub wait_event_type: Option<String>,
    pub wait_event: Option<String>,
    /// Its current (or, when idle, last) statement, cut to 1000 characters by the server.
    pub query: String,
    /// Sessions holding what it waits for (`pg_blocking_pids`).
    pub blocking_pids: Vec<i32>,
    /// The first blocking session's statement and state: often `idle in transaction`, i.e. the
    /// app holds the lock while it does something else.
    pub blocking_query: Option<String>,
    pub blocking_state: Option<String>,
    /// Seconds since its transaction began, when it is in one.
    pub xact_s: Option<f64>,
    /// The end of the chain of blockers within the database: the session that holds what the
    /// queue waits for (a `tuple` waiter is blocked by the session first in line, itself waiting
    /// on the holder's `transactionid`). Its statement and state.
    #[serde(default)]
    pub root_blocker: Option<i32>,
    #[serde(default)]
    pub root_blocking_query: Option<String>,
    #[serde(default)]
    pub root_blocking_state: Option<String>,
}

/// What the sampler saw at one moment.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct WaitSample {
    pub sessions: Vec<Session>,
    /// Client connections to the whole server (all databases, the sampler included).
    pub connections: i64,
    pub max_connections: i64,
    /// `superuser_reserved_connections` plus `reserved_connections` (PostgreSQL 16+).
    pub reserved_connections: i64,
    /// How long the query took, as seen by the sampler (milliseconds).
    pub took_ms: f64,
}

/// Sessions of one database plus the server's connection figures, in one statement. A single
/// row with a NULL pid comes back when the database has no other session.
const SAMPLE_SQL: &str = "\
WITH limits AS (
    SELECT
        (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
           AND coalesce(application_name, '') NOT IN ('doctor', 'doctor db_waits')) AS connections,
        CAST(current_setting('max_connections') AS bigint) AS max_connections,
        CAST(current_setting('superuser_reserved_connections') AS bigint)
          + COALESCE(CAST(NULLIF(current_setting('reserved_connections', true), '') AS bigint), 0)
          AS reserved_connections
), sessions AS (
    SELECT a.pid, a.state, a.wait_event_type, a.wait_event,
           left(a.query, 1000) AS query,
           bp.blocking AS blocking_pids,
           left(b.query, 1000) AS blocking_query,
           b.state AS blocking_state,
           CAST(EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start) AS float8) AS xact_s
    FROM pg_stat_activity a
    CROSS JOIN LATERAL (SELECT pg_blocking_pids(a.pid) AS blocking) bp
    LEFT JOIN pg_stat_activity b ON b.pid = bp.blocking[1]
    WHERE a.datname = $1
      AND a.backend_type = 'client backend'
      AND a.pid <> pg_backend_pid()
      -- doctor's own sessions (python_helper::NOT_DOCTOR_SQL) are never the app's.
      AND coalesce(a.application_name, '') NOT IN ('doctor', 'doctor db_waits')
)
SELECT limits.connections, limits.max_connections, limits.reserved_connections,
       sessions.pid, sessions.state, sessions.wait_event_type, sessions.wait_event,
       sessions.query, sessions.blocking_pids, sessions.blocking_query,
       sessions.blocking_state, sessions.xact_s
FROM limits LEFT JOIN sessions ON true
ORDER BY sessions.pid";

impl WaitSampler {
    /// Opens the sampler's one connection to `database_url`; `db_name` is the app's database
    /// (`pg_stat_activity.datname`).
    pub async fn connect(database_url: &str, db_name: &str) -> Result<WaitSampler> {
        let options = PgConnectOptions::from_str(database_url)
            .with_context(|| {
                format!(
                    "not a PostgreSQL URL: {}",
                    crate::config::secret::redact_url(database_url)
                )
            })?
            .application_name("doctor db_waits")
            // Read-only, and never held up for long: the sampler must not add to the load.
            .options([
                ("default_transaction_read_only", "on"),
                ("statement_timeout", "2000"),
                ("lock_timeout", "500"),
            ])
            .statement_cache_capacity(4);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(3))
            .idle_timeout(None::<Duration>)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| {
                format!(
                    "cannot open {}",
                    crate::config::secret::redact_url(database_url)
                )
            })?;
        Ok(WaitSampler {
            pool,
            db_name: db_name.to_string(),
        })
    }

    /// The database name from a `postgres://…/NAME?…` URL.
    pub fn db_name_of(database_url: &str) -> Option<String> {
        let rest = database_url.split_once("://")?.1;
        let path = rest.split_once('/')?.1;
        let name = path.split(['?', '#']).next()?;
        (!name.is_empty()).then(|| name.to_string())
    }

    pub fn db_name(&self) -> &str {
        &self.db_name
    }

    /// One sample.
    pub async fn sample(&self) -> Result<WaitSample> {
        let started = Instant::now();
        let rows = sqlx::query(SAMPLE_SQL)
            .bind(&self.db_name)
            .fetch_all(&self.pool)
            .await
            .context("pg_stat_activity")?;
        let took_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut sample = WaitSample {
            took_ms,
            ..WaitSample::default()
        };
        for row in &rows {
            sample.connections = row.try_get("connections")?;
            sample.max_connections = row.try_get("max_connections")?;
            sample.reserved_connections = row.try_get("reserved_connections")?;
            let Some(pid) = row.try_get::<Option<i32>, _>("pid")? else {
                continue;
            };
            sample.sessions.push(Session {
                pid,
                state: row.try_get("state")?,
                wait_event_type: row.try_get("wait_event_type")?,
                wait_event: row.try_get("wait_event")?,
                query: row
                    .try_get::<Option<String>, _>("query")?
                    .unwrap_or_default(),
                blocking_pids: row
                    .try_get::<Option<Vec<i32>>, _>("blocking_pids")?
                    .unwrap_or_default(),
                blocking_query: row.try_get("blocking_query")?,
                blocking_state: row.try_get("blocking_state")?,
                xact_s: row.try_get("xact_s")?,
                ..Session::default()
            });
        }
        resolve_root_blockers(&mut sample.sessions);
        Ok(sample)
    }

    /// The sampler's own server process (to measure what sampling costs the server).
    pub async fn backend_pid(&self) -> Result<i32> {
        Ok(sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Follows each blocked session's blockers, through sessions that are blocked themselves, to
/// one that is not: the holder. Blockers outside the sampled sessions end the walk.
pub fn resolve_root_blockers(sessions: &mut [Session]) {
    let by_pid: HashMap<i32, usize> = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.pid, i))
        .collect();
    let roots: Vec<Option<usize>> = (0..sessions.len())
        .map(|start| {
            let mut current = start;
            let mut seen = HashSet::from([sessions[start].pid]);
            loop {
                // An unblocked blocker first: it is the holder.
                let next = sessions[current]
                    .blocking_pids
                    .iter()
                    .filter_map(|pid| by_pid.get(pid).copied())
                    .min_by_key(|&i| !sessions[i].blocking_pids.is_empty());
                match next {
                    None => return (current != start).then_some(current),
                    Some(i) if !seen.insert(sessions[i].pid) => return Some(i),
                    Some(i) if sessions[i].blocking_pids.is_empty() => return Some(i),
                    Some(i) => current = i,
                }
            }
        })
        .collect();
    for (i, root) in roots.into_iter().enumerate() {
        let holder = root.map(|r| {
            let s = &sessions[r];
            (s.pid, s.query.clone(), s.state.clone())
        });
        let session = &mut sessions[i];
        session.root_blocker = holder.as_ref().map(|h| h.0);
        session.root_blocking_query = holder.as_ref().map(|h| h.1.clone());
        session.root_blocking_state = holder.and_then(|h| h.2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(pid: i32, state: &str, query: &str, blocking: &[i32]) -> Session {
        Session {
            pid,
            state: Some(state.to_string()),
            query: query.to_string(),
            blocking_pids: blocking.to_vec(),
            ..Session::default()
        }
    }

    #[test]
    fn a_queue_leads_to_its_holder() {
        // 1 holds the row; 2 waits on 1's transaction holding the tuple lock; 3 and 4 wait on
        // 2's tuple lock; 5 and 6 block each other (a deadlock about to be broken); 7 waits on
        // a session of another database.
        let mut sessions = vec![
            session(1, "idle in transaction", "SELECT 1 FOR UPDATE", &[]),
            session(2, "active", "SELECT 2 FOR UPDATE", &[1]),
            session(3, "active", "SELECT 3 FOR UPDATE", &[2]),
            session(4, "active", "SELECT 4 FOR UPDATE", &[2, 1]),
            session(5, "active", "UPDATE 5", &[6]),
            session(6, "active", "UPDATE 6", &[5]),
            session(7, "active", "UPDATE 7", &[99]),
        ];
        resolve_root_blockers(&mut sessions);
        let roots: Vec<Option<i32>> = sessions.iter().map(|s| s.root_blocker).collect();
        assert_eq!(
            roots,
            vec![None, Some(1), Some(1), Some(1), Some(5), Some(6), None]
        );
        assert_eq!(
            sessions[2].root_blocking_query.as_deref(),
            Some("SELECT 1 FOR UPDATE")
        );
        assert_eq!(
            sessions[2].root_blocking_state.as_deref(),
            Some("idle in transaction")
        );
    }

    #[test]
    fn database_name_from_url() {
        assert_eq!(
            WaitSampler::db_name_of("postgres://u:p@127.0.0.1:5432/shop?sslmode=disable"),
            Some("shop".to_string())
        );
        assert_eq!(WaitSampler::db_name_of("postgres://u@h:1/"), None);
        assert_eq!(WaitSampler::db_name_of("postgres://u@h:1"), None);
    }
}
