//! Asking the running system for what the forecast needs, before any load: the executed
//! locustfile (its pacing and each request's cost in the in-process replay), the throttles
//! Django reports, the server's process, and the accounts, stock and connections the checks
//! count. Used by `doctor forecast` and by `doctor run` before its first stage.

use super::build::Facts;
use super::{Forecast, StagePlan};
use crate::checks::registry::Registry;
use crate::config::Config;
use crate::i18n::Text;
use crate::locustfile::cost::{PasswordHasher, RequestCost};
use crate::locustfile::executed::Execution;
use crate::probes::Context;
use crate::server::concurrency::{self, Concurrency};
use crate::t;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// How long doctor watches the machine's CPU before its own helpers start.
const BUSY_WINDOW: std::time::Duration = std::time::Duration::from_millis(1000);

#[derive(Serialize)]
pub struct StageForecast {
    pub users: u32,
    pub forecast: Forecast,
}

/// `doctor forecast --format json`.
#[derive(Serialize)]
pub struct Answer {
    /// What the forecasts were computed from: the TUI recomputes them as its plan is edited.
    #[serde(skip)]
    pub model: super::Plan,
    pub stages: Vec<StageForecast>,
    pub costs: Vec<RequestCost>,
    pub password_hasher: Option<PasswordHasher>,
    pub server: Option<Concurrency>,
    /// What doctor could not read, and assumed instead.
    pub notes: Vec<Text>,
}

/// The stages of a plan, back to back: each starts where the last ended, from its users.
pub fn stage_plans(
    stages: &[u32],
    spawn_rate: f64,
    stage_secs: f64,
    target_rpm: f64,
) -> Vec<StagePlan> {
    let mut out = Vec::new();
    let (mut previous, mut at) = (0, 0.0);
    for &users in stages {
        out.push(StagePlan {
            users,
            previous_users: previous,
            spawn_rate,
            seconds: stage_secs,
            starts_at_s: at,
            target_rpm: Some(target_rpm),
        });
        previous = users;
        at += stage_secs;
    }
    out
}

/// Everything the forecast needs, asked of the running system without load (the executed
/// locustfile with its costs, Django's throttles, the server's process, the database through
/// the users/stock/db checks), and the forecast of each of `stage_plans`.
pub async fn gather(
    config: Config,
    registry: Arc<Registry>,
    stage_plans: &[StagePlan],
    locust_processes: Option<u32>,
) -> Result<Answer, Text> {
    let mut notes = Vec::new();
    let cores = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
    let same_machine = crate::net::is_this_machine(&config.base_url.value);
    // Before doctor's own helpers start: other work that will share the cores.
    let others = crate::server::machine::runnable_others(Path::new("/proc"), BUSY_WINDOW)
        .await
        .unwrap_or(0.0);
    if same_machine && others >= 0.3 {
        let n = format!("{others:.1}");
        notes.push(t!(
            "other work keeps about {n} threads runnable on this machine's {cores} cores now: it shares them with the server and Locust";
            "지금 이 머신의 코어 {cores}개에서 다른 작업의 스레드 약 {n}개가 실행 대기 중: 서버·Locust와 코어를 나눠 씀"
        ));
    }
    let ctx = Context::new(config.clone());
    let options = crate::locustfile::executed::Options {
        hash_parallelism: true,
    };
    let run = ctx.locust_run_with(options).await.map_err(|e| e.reason())?;
    if run.mode != "django" {
        return Err(t!(
            "the locustfile ran without the project's Django (mode {}): no request could be costed",
            run.mode;
            "locustfile이 프로젝트의 Django 없이 실행됨 (mode {}): 요청 비용을 잴 수 없음",
            run.mode
        ));
    }
    let throttles = match crate::django::throttles::ask(&config, &asked(&run)).await {
        Ok(t) => Some(t),
        Err(reason) => {
            notes.push(t!("throttles not read ({reason}): none assumed"; "스로틀을 읽지 못함 ({reason}): 없다고 가정"));
            None
        }
    };
    let server = match crate::server::running_server(&config).await {
        Ok(process) => Some(concurrency::of(&process)),
        Err(_) => {
            notes.push(t!(
                "no server listens on {} now: runserver (one process, a thread per connection) assumed",
                config.base_url.value;
                "{}에서 듣는 서버가 지금 없음: runserver(프로세스 하나, 연결마다 스레드)로 가정",
                config.base_url.value
            ));
            None
        }
    };
    let (existing, available, db) = database_facts(&ctx, registry).await;
    if existing.is_none() {
        notes.push(t!("the accounts in the database were not counted: no pool limit"; "DB의 계정 수를 세지 못함: 계정 풀 한계 없음"));
    }
    let stock = stock_request(&run)
        .zip(available)
        .map(|((label, units), available)| (label, available, units));
    let facts = Facts {
        execution: Some(&run),
        throttles: throttles.as_ref(),
        server,
        cores,
        same_machine,
        others_runnable: others,
        existing_accounts: existing,
        stock,
        locust_processes: locust_processes.unwrap_or(1),
        max_connections: db.map(|(max, _)| max as u64),
        persistent_connections: db.is_some_and(|(_, persistent)| persistent),
        sqlite: crate::probes::database::sqlite_locking(&ctx).await,
    };
    let model = super::build::plan(&facts);
    let forecasts = super::forecast_all(&model, stage_plans);
    Ok(Answer {
        stages: stage_plans
            .iter()
            .zip(forecasts)
            .map(|(s, f)| StageForecast {
                users: s.users,
                forecast: f,
            })
            .collect(),
        model,
        costs: run.costs.clone(),
        password_hasher: run.password_hasher.clone(),
        server,
        notes,
    })
}

/// Each (method, path, sends a token) the locustfile requested, for the throttles question.
fn asked(run: &Execution) -> Vec<crate::django::throttles::Asked> {
    let mut out: Vec<crate::django::throttles::Asked> = Vec::new();
    for (_, r) in run.requests() {
        let path = r.path.split('?').next().unwrap_or("").to_string();
        let auth = r
            .header_names
            .iter()
            .any(|h| h.eq_ignore_ascii_case("authorization"));
        let item = (r.method.clone(), path, auth);
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The accounts of the pool that exist, the stock units available and PostgreSQL's
/// max_connections with whether the app keeps its connections, from the `users`, `stock` and
/// `db` checks (their SQL).
async fn database_facts(
    ctx: &Context,
    registry: Arc<Registry>,
) -> (Option<u64>, Option<f64>, Option<(f64, bool)>) {
    let wanted: Vec<String> = ["users", "stock", "db"]
        .iter()
        .filter(|id| registry.get(id).is_some())
        .map(|s| s.to_string())
        .collect();
    let results = crate::checks::runner::run(registry, &wanted, ctx.clone(), None).await;
    // A check's machine facts, else the figure it shows as evidence.
    let fact = |id: &str, key: &str| {
        let result = results.iter().find(|r| r.id == id)?;
        result
            .facts
            .get(key)
            .and_then(serde_json::Value::as_f64)
            .or_else(|| {
                let shown = result.evidence.iter().find(|e| e.key == key)?;
                shown.value.trim().parse::<f64>().ok()
            })
    };
    (
        fact("users", "pool_existing").map(|n| n as u64),
        fact("stock", "available_units"),
        fact("db", "max_connections").map(|max| {
            let persistent = results
                .iter()
                .find(|r| r.id == "db")
                .and_then(|r| r.facts.get("persistent"))
                .and_then(serde_json::Value::as_bool);
            (max, persistent.unwrap_or(false))
        }),
    )
}

/// The request that takes stock, and the units it takes (the mean of the random call that
/// made its quantity, else the quantity it sent).
fn stock_request(run: &Execution) -> Option<(String, f64)> {
    let (user, request) = run
        .requests()
        .find(|(_, r)| crate::probes::reserve::is_reservation(r))?;
    let label = request.label();
    let quantity_field = |name: &str| {
        let n = name.to_lowercase();
        ["quant", "qty", "amount", "units", "count"]
            .iter()
            .any(|w| n.contains(w))
    };
    let from_random = user
        .offered
        .as_ref()
        .and_then(|o| o.random_fields.get(&label))
        .and_then(|fields| fields.iter().find(|(k, _)| quantity_field(k)))
        .map(|(_, f)| f.mean);
    let sent = request.body.as_object().and_then(|body| {
        body.iter()
            .find(|(k, _)| quantity_field(k))
            .and_then(|(_, v)| v.as_f64())
    });
    Some((label, from_random.or(sent).unwrap_or(1.0)))
}
