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
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct WaitGroup {
    /// `Lock`, `LWLock`, `IO`, `Client`…
    pub wait_event_type: String,
    /// `transactionid`, `tuple`, `relation`…
    pub wait_event: String,
    /// The waiting statement, whitespace collapsed and cut to ~200 characters.
    pub query: String,
    /// What the blocking session was running (its last statement), when one blocked it.
    pub blocking_query: Option<String>,
    /// Most sessions waiting like this at one sample.
    pub peak: u32,
    /// Sum over samples of sessions waiting like this.
    pub session_samples: u64,
}
