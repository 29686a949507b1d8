//! The forecast's input in plain numbers, so the model is tested with figures, without a
//! project: `build` fills it from the facts (executed locustfile, costs, throttles, server).

/// Everything the forecast knows before load.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// One user's round of work (the weighted mix of the User classes).
    pub cycle: Cycle,
    pub requests: Vec<RequestLoad>,
    pub server: ServerShape,
    pub throttles: Vec<ThrottleRule>,
    pub pool: Option<PoolFacts>,
    pub stock: Option<StockFacts>,
    pub token: Option<TokenFacts>,
    pub db: Option<DbFacts>,
    /// SQLite's write lock (None: another database, or not known).
    pub sqlite: Option<SqliteFacts>,
    pub load_machine: LoadMachine,
    /// The locustfile's wait_time in its own words, e.g. `between(3, 15)`.
    pub wait_shown: String,
}

/// One "cycle" of a user: a pick of the User's tasks (a TaskSet visit counts as one pick).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cycle {
    /// Task runs per cycle.
    pub tasks: f64,
    /// Waits per cycle (a TaskSet's `interrupt()` skips the wait after it).
    pub waits: f64,
    /// Mean seconds of one wait (between(a, b): (a+b)/2).
    pub pause_s: f64,
    /// constant_pacing / constant_throughput: a task starts at most once per this many s.
    pub pacing_s: Option<f64>,
}

impl Cycle {
    /// One task, then a wait of nothing: users that send back to back (unit tests).
    #[cfg(test)]
    pub fn back_to_back() -> Cycle {
        Cycle {
            tasks: 1.0,
            waits: 1.0,
            pause_s: 0.0,
            pacing_s: None,
        }
    }
}

/// One distinct request (Locust's name) and what it costs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestLoad {
    pub label: String,
    pub method: String,
    pub path: String,
    /// Sent per cycle of a user.
    pub per_cycle: f64,
    /// Sent once per user (on_start, or a login made lazily by a task).
    pub per_user: f64,
    /// Those once-per-user requests come from on_start: they arrive at the spawn rate.
    pub at_spawn: bool,
    /// Server CPU in Python (holds the GIL), ms.
    pub python_ms: f64,
    /// Server CPU outside the GIL (password hashing in C), ms.
    pub free_cpu_ms: f64,
    /// Time the request holds a worker besides CPU (SQL, I/O), ms.
    pub wait_ms: f64,
    /// Time in a transaction that read before it wrote, ms (SQLite: see `SqliteFacts`).
    pub read_write_ms: f64,
    /// It is the login: its failure leaves the user without a token.
    pub is_login: bool,
    /// It sends the login's token: it fails when the user has none.
    pub needs_token: bool,
}

impl RequestLoad {
    pub fn cpu_ms(&self) -> f64 {
        self.python_ms + self.free_cpu_ms
    }

    pub fn wall_ms(&self) -> f64 {
        self.cpu_ms() + self.wait_ms
    }
}

/// The server, as its process shows it, on this machine's cores.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerShape {
    /// runserver, gunicorn, uvicorn …
    pub kind: String,
    /// Python processes (each has its own GIL).
    pub processes: u32,
    /// Requests served at once (None: a thread per connection).
    pub slots: Option<u32>,
    /// Cores of the machine the server runs on.
    pub cores: f64,
    /// Per-request cost the in-process replay does not see (HTTP parsing, the WSGI server), ms.
    pub overhead_ms: f64,
    /// Runnable threads of other work on the server's machine (they share its cores).
    pub others_runnable: f64,
    /// Cores' worth of work that measured to run at once (None: as many as the cores).
    pub parallel: Option<f64>,
}

impl Default for ServerShape {
    fn default() -> ServerShape {
        ServerShape {
            kind: "runserver".into(),
            processes: 1,
            slots: None,
            cores: 1.0,
            overhead_ms: 1.0,
            others_runnable: 0.0,
            parallel: None,
        }
    }
}

/// A throttle rate on some of the requests, per key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThrottleRule {
    /// The throttle's scope (`login`, `anon`) or class name.
    pub scope: String,
    pub class_path: String,
    pub rate: String,
    pub num_requests: u32,
    pub seconds: u32,
    /// "ip": every user of one load machine shares it; "user": each user has its own.
    pub key: String,
    /// Labels of the requests it counts.
    pub labels: Vec<String>,
    /// The counters are per server process (LocMemCache): each process allows the rate.
    pub per_process: bool,
    /// An environment variable in the settings that changes it, `NAME (settings.py:59)`.
    pub switches: Vec<String>,
}

/// The accounts the users log in with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoolFacts {
    pub size: u64,
    pub existing: u64,
}

/// Units a request takes from a finite stock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StockFacts {
    pub label: String,
    pub available: f64,
    pub units_per_request: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenFacts {
    pub lifetime_s: f64,
    /// A task logs in again once the token has expired (seen by running the tasks past it).
    pub relogin: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DbFacts {
    pub max_connections: u64,
    /// CONN_MAX_AGE > 0 or None: each serving thread keeps its connection open.
    pub persistent: bool,
}

/// SQLite's one write lock. In Django's default DEFERRED transactions, a transaction that
/// read and then writes while another connection writes is refused at once (`database is
/// locked`); in IMMEDIATE (or EXCLUSIVE) ones, transactions take the lock in turn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SqliteFacts {
    pub deferred: bool,
    /// "config/base.py:152, config/base.py:154": where DATABASES is assigned, for the text.
    pub place: String,
}

/// Where Locust runs and what a request costs it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadMachine {
    /// Locust shares the server's machine (it takes CPU from the server).
    pub same_machine: bool,
    /// Locust's CPU per request, ms (one process: at most one core).
    pub cpu_ms_per_request: f64,
    pub processes: u32,
}

impl Default for LoadMachine {
    fn default() -> LoadMachine {
        LoadMachine {
            same_machine: true,
            cpu_ms_per_request: 1.0,
            processes: 1,
        }
    }
}

/// One planned stage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StagePlan {
    pub users: u32,
    /// Users already running when the stage starts (the previous stage's).
    pub previous_users: u32,
    pub spawn_rate: f64,
    pub seconds: f64,
    /// Seconds since the first stage started, when this one starts.
    pub starts_at_s: f64,
    pub target_rpm: Option<f64>,
}

impl StagePlan {
    /// Seconds the stage spends spawning its new users.
    pub fn ramp_s(&self) -> f64 {
        let new = f64::from(self.users.saturating_sub(self.previous_users));
        if self.spawn_rate > 0.0 {
            (new / self.spawn_rate).min(self.seconds)
        } else {
            0.0
        }
    }

    /// Users running on average over the stage (the new ones join at spawn_rate).
    pub fn mean_users(&self) -> f64 {
        if self.seconds <= 0.0 {
            return f64::from(self.users);
        }
        let new = f64::from(self.users.saturating_sub(self.previous_users));
        let ramp = self.ramp_s();
        let joined = if ramp > 0.0 {
            // Spawned linearly over `ramp`: on average half of them during it.
            new * (self.seconds - ramp / 2.0) / self.seconds
        } else {
            new
        };
        f64::from(self.previous_users.min(self.users)) + joined
    }

    pub fn new_users(&self) -> f64 {
        f64::from(self.users.saturating_sub(self.previous_users))
    }
}
