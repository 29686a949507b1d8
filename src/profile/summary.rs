//! What one stage's samples say, in facts (no words): read by the verdict, the reports
//! and the live view.

use serde::{Deserialize, Serialize};

/// One stage's profile of the server processes.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StageProfile {
    /// The processes sampled (runserver's serving child, each gunicorn/uvicorn worker).
    pub pids: Vec<u32>,
    /// Sampling rounds (one round reads every thread of every process once; the processes
    /// are read side by side, so this is the most rounds any one of them had).
    pub rounds: u64,
    /// Thread samples that were running Python code (py-spy's "active").
    pub busy_samples: u64,
    /// Share of rounds in which at least one server thread was busy (0..=1); with several
    /// processes, the average over them (how busy a gunicorn worker was).
    pub busy_share: f64,
    /// Functions by self time (innermost frame), busiest first, project and library apart.
    pub top_self: Vec<FuncStat>,
    /// Functions by total time (anywhere on the stack), busiest first.
    pub top_total: Vec<FuncStat>,
    /// Idle request threads waiting inside a database call, by the project line that made it.
    pub waits: Vec<WaitSite>,
    /// What skews a load test, by its share of busy samples (only factors that were seen).
    pub skew: Vec<SkewShare>,
    /// Files written beside the report (file names inside the run folder).
    pub flame_graph: Option<String>,
    pub collapsed: Option<String>,
    /// Each sampled process: rounds and busy samples (gunicorn workers side by side).
    #[serde(default)]
    pub per_pid: Vec<PidStat>,
}

/// One sampled process.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PidStat {
    pub pid: u32,
    pub rounds: u64,
    pub busy_samples: u64,
    /// Idle samples waiting on the database.
    pub wait_samples: u64,
}

/// A function and where it is.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FuncStat {
    /// `pbkdf2`
    pub function: String,
    /// Path as shown to the user: relative to the project for project code, from the package
    /// root for libraries (`django/utils/crypto.py`).
    pub file: String,
    pub line: u32,
    /// True for the project's own code (under the project folder, not in a venv).
    pub project: bool,
    pub samples: u64,
    /// samples / busy samples (0..=1).
    pub share: f64,
    /// The view it ran under most often (`TokenObtainPairView.post`), when one was on the stack.
    pub view: Option<String>,
    /// The debug-toolbar panel or third-party middleware it ran in most often, when one did
    /// its own work around it (`debug_toolbar: SettingsPanel.generate_stats (…:19)`).
    #[serde(default)]
    pub within: Option<String>,
}

/// Request threads that waited on the database at one project line.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct WaitSite {
    /// `reserve_stock`
    pub function: String,
    /// `apps/products/services.py`
    pub file: String,
    pub line: u32,
    /// The project's own code (a library's line when no project frame made the call).
    #[serde(default)]
    pub project: bool,
    /// `psycopg`, `sqlite3`, `mysql`…
    pub driver: String,
    /// Idle thread samples waiting there.
    pub samples: u64,
    /// Average number of threads waiting there per round.
    pub threads_avg: f64,
    pub view: Option<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SkewFactor {
    /// django-silk's middleware and its writes of request rows.
    Silk,
    /// django-debug-toolbar's panels.
    DebugToolbar,
    /// Python's logging doing I/O (a handler at DEBUG).
    Logging,
    /// DEBUG = True: Django's debug cursor recording every SQL query.
    DebugSql,
    /// runserver's own request handling code (single process, autoreloader).
    Runserver,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SkewShare {
    pub factor: SkewFactor,
    /// Share of busy samples with a frame of this factor on the stack (0..=1).
    pub share: f64,
    /// Its busiest function, for the words (`silk/middleware.py:…`).
    pub top: Option<FuncStat>,
}
