//! One stage's database waits, in facts (no words).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StageWaits {
    /// Samples taken (about one a second).
    pub samples: u32,
    /// The app database's sessions at the busiest sample, and how many of them waited then.
    pub peak_sessions: u32,
    pub peak_waiting: u32,
    /// Waits grouped by what they waited on and the query, most seen first.
    pub groups: Vec<WaitGroup>,
    /// Connections to the server at their peak, and its max_connections.
    pub connections_peak: Option<(i64, i64)>,
    /// The app's own pool (Django's `OPTIONS["pool"]["max_size"]`), when it has one.
    pub pool_max: Option<i64>,
    /// Connections sat at a limit (server or pool) in at least a third of the samples.
    pub at_limit_share: f64,
    /// Most sessions of the app's database at one sample.
    #[serde(default)]
    pub sessions_peak: u32,
    /// Share of samples with the server's connections at `max_connections` − reserved − 1.
    #[serde(default)]
    pub server_at_limit_share: f64,
    /// Share of samples with the app's sessions at `pool_max` (0 without a pool).
    #[serde(default)]
    pub pool_at_limit_share: f64,
    /// `superuser_reserved_connections` + `reserved_connections`, as last read.
    #[serde(default)]
    pub reserved_connections: Option<i64>,
    /// The slowest sample query (milliseconds): what the sampler itself cost.
    #[serde(default)]
    pub sample_ms_max: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct WaitGroup {
    /// `Lock`, `LWLock`, `IO`, `Client`…
    pub wait_event_type: String,
    /// `transactionid`, `tuple`, `relation`…
    pub wait_event: String,
    /// The waiting statement, whitespace collapsed and cut to ~200 characters.
    pub query: String,
    /// What the blocking session was running (its last statement), when one blocked it: the
    /// holder at the end of the queue when the sampler could follow it (a `tuple` waiter is
    /// blocked by the session first in line, the holder is the one that session waits for).
    pub blocking_query: Option<String>,
    /// Most sessions waiting like this at one sample.
    pub peak: u32,
    /// Sum over samples of sessions waiting like this.
    pub session_samples: u64,
    /// The waiting sessions' state: `active` for a lock or disk wait, `idle in transaction`
    /// for a session that holds its transaction open while the app does something else.
    #[serde(default)]
    pub state: String,
    /// That blocking session's state (`idle in transaction`: the app holds the lock).
    #[serde(default)]
    pub blocking_state: Option<String>,
    /// The app's sessions at the sample where this group peaked.
    #[serde(default)]
    pub peak_of_sessions: u32,
}
