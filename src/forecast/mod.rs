//! Forecast before load: what each planned stage will show, from what doctor measures without
//! load — the load the executed locustfile offers (`pacing`), what the server can answer for
//! that mix of requests (`capacity`), and every limit that caps or fails the run (`limits`).
//!
//! The model is a closed system (each Locust user waits, sends, waits): N users with think
//! time Z and response time R give X = N / (R + Z), bounded by the busiest resource. Judgement
//! layer: reads plain facts (`model::Plan`, built from the facts layer by `build`), never the
//! run, the screens or the report.

pub mod against;
pub mod build;
pub mod capacity;
pub mod gather;
pub mod limits;
pub mod model;
pub mod pacing;
pub mod response;
pub mod sqlite_locks;
pub mod workload;

use crate::i18n::Text;
use serde::Serialize;
use serde_json::{Map, Value};

pub use model::{Plan, StagePlan};

/// The kinds a limit can be; `limiting` is one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    Pacing,
    Capacity,
    Throttle,
    Pool,
    Stock,
    Token,
    DbConnections,
    LoadMachine,
    SqliteLocks,
}

impl LimitKind {
    /// The kind in words, for people (the JSON keeps the code).
    pub fn name(self) -> Text {
        match self {
            LimitKind::Pacing => crate::t!("the locustfile's pacing"; "locustfile의 요청 간격"),
            LimitKind::Capacity => crate::t!("the server's capacity"; "서버 처리 용량"),
            LimitKind::Throttle => crate::t!("a throttle"; "요청 제한(스로틀)"),
            LimitKind::Pool => crate::t!("the account pool"; "계정 풀"),
            LimitKind::Stock => crate::t!("the stock"; "재고"),
            LimitKind::Token => crate::t!("the token's lifetime"; "토큰 수명"),
            LimitKind::DbConnections => crate::t!("database connections"; "DB 연결 수"),
            LimitKind::LoadMachine => crate::t!("the load machine"; "부하 발생 머신"),
            LimitKind::SqliteLocks => crate::t!("SQLite's write lock"; "SQLite 쓰기 잠금"),
        }
    }
}

/// One limit with its figure, worded in both languages; `figures` are flattened into the JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Limit {
    pub kind: LimitKind,
    pub text: Text,
    #[serde(flatten)]
    pub figures: Map<String, Value>,
    /// Requests this limit fails over the stage (0 for limits that only slow the run).
    #[serde(skip)]
    pub failed: f64,
    /// The requests/min this limit allows (None: it does not cap the rate).
    #[serde(skip)]
    pub cap_rpm: Option<f64>,
}

impl Limit {
    pub fn new(kind: LimitKind, text: Text) -> Limit {
        Limit {
            kind,
            text,
            figures: Map::new(),
            failed: 0.0,
            cap_rpm: None,
        }
    }

    pub fn figure(mut self, key: &str, value: impl Into<Value>) -> Limit {
        self.figures.insert(key.to_string(), value.into());
        self
    }
}

/// One stage's forecast: the JSON contract `stages[i].forecast`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    /// Requests/min the stage will make (after every cap).
    pub rpm: f64,
    /// Requests/min the locustfile would offer with an instant server.
    pub offered_rpm: f64,
    pub p95_ms: f64,
    pub failure_ratio: f64,
    pub limiting: LimitKind,
    /// The limiting one first.
    pub limits: Vec<Limit>,
}

/// Forecast one stage of the plan.
pub fn forecast(plan: &Plan, stage: &StagePlan) -> Forecast {
    let locked = sqlite_locks::with_lock_waits(plan, stage);
    let plan = locked.as_ref().unwrap_or(plan);
    let offered = pacing::offered(plan, stage);
    let served = capacity::serve(plan, stage, &offered);
    let mut limits = vec![pacing::limit(plan, stage, &offered)];
    limits.extend(capacity::limits(plan, stage, &offered, &served));
    limits.extend(limits::all(plan, stage, &served));
    let total = served.requests_in_stage.max(1.0);
    let failed: f64 = limits.iter().map(|l| l.failed).sum::<f64>().min(total);
    let failure_ratio = round(failed / total, 3);
    let limiting = limiting(&limits, failure_ratio, &served);
    limits.sort_by_key(|l| l.kind != limiting);
    Forecast {
        rpm: round(served.rpm, 1),
        offered_rpm: round(offered.rpm, 1),
        p95_ms: round(served.p95_ms, 1),
        failure_ratio,
        limiting,
        limits,
    }
}

/// Forecast every stage in order: the stock the earlier stages used is gone for the later.
pub fn forecast_all(plan: &Plan, stages: &[StagePlan]) -> Vec<Forecast> {
    let mut plan = plan.clone();
    let mut out = Vec::new();
    for stage in stages {
        let f = forecast(&plan, stage);
        if let Some(stock) = plan.stock.as_mut() {
            let used: f64 = f
                .limits
                .iter()
                .filter(|l| l.kind == LimitKind::Stock)
                .filter_map(|l| l.figures.get("units_per_min").and_then(Value::as_f64))
                .map(|per_min| per_min * stage.seconds / 60.0)
                .sum();
            stock.available = (stock.available - used).max(0.0);
        }
        out.push(f);
    }
    out
}

/// What decides the stage: a limit that fails most requests, else the busy resource when the
/// server (or Locust) is nearly saturated, else the locustfile's own pacing.
fn limiting(limits: &[Limit], failure_ratio: f64, served: &capacity::Served) -> LimitKind {
    if failure_ratio >= 0.2
        && let Some(worst) = limits
            .iter()
            .filter(|l| l.failed > 0.0)
            .max_by(|a, b| a.failed.total_cmp(&b.failed))
    {
        return worst.kind;
    }
    if served.utilization >= capacity::SATURATED {
        return served.bottleneck_kind;
    }
    LimitKind::Pacing
}

pub fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}
