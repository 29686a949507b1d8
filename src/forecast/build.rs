//! The forecast's input from the facts: the executed locustfile (offered load, costs, login,
//! pool), the throttles Django reports for its requests, and the server's concurrency.

use super::model::{
    Cycle, DbFacts, LoadMachine, Plan, PoolFacts, RequestLoad, ServerShape, SqliteFacts,
    StockFacts, ThrottleRule, TokenFacts,
};
use super::workload;
use crate::django::throttles::Throttles;
use crate::locustfile::cost::hash_ms;
use crate::locustfile::executed::{Execution, Request, UserRun};
use crate::server::concurrency::Concurrency;
use std::collections::{BTreeMap, BTreeSet};

/// Locust's CPU per request on one core, ms: geventhttpclient (FastHttpUser) is about three
/// times cheaper than requests (HttpUser). Rough figures from Locust's own documentation
/// ("FastHttpUser … 4-5x more requests/s"); refine by measuring.
const LOCUST_MS_HTTP: f64 = 1.0;
const LOCUST_MS_FAST: f64 = 0.3;

/// What the facts layer gave; everything but the execution may be missing.
#[derive(Default)]
pub struct Facts<'a> {
    pub execution: Option<&'a Execution>,
    pub throttles: Option<&'a Throttles>,
    pub server: Option<Concurrency>,
    pub cores: f64,
    /// Locust runs on the server's machine.
    pub same_machine: bool,
    pub existing_accounts: Option<u64>,
    /// (label, units available, units per request) of the request that takes stock.
    pub stock: Option<(String, f64, f64)>,
    pub locust_processes: u32,
    /// Runnable threads of other work when doctor looked (the server idle).
    pub others_runnable: f64,
    /// PostgreSQL's max_connections (None: not PostgreSQL, or not read).
    pub max_connections: Option<u64>,
    /// The app keeps its connections open between requests (Django's CONN_MAX_AGE, a pool).
    pub persistent_connections: bool,
    /// SQLite's locking as the settings configure it (None: not SQLite, or not known).
    pub sqlite: Option<crate::django::SqliteLocking>,
}

fn interrupts(user: &UserRun) -> BTreeSet<String> {
    user.tasks
        .iter()
        .filter(|t| t.control.as_deref() == Some("InterruptTaskSet"))
        .filter_map(|t| t.name.clone())
        .collect()
}

fn login_label(user: &UserRun) -> Option<String> {
    let login = user.login.as_ref()?;
    user.requests
        .iter()
        .find(|r| r.method == login.method && r.path == login.path)
        .map(Request::label)
}

/// The mix of all User classes, weighted as Locust spawns them.
pub fn plan(facts: &Facts) -> Plan {
    let mut plan = Plan::default();
    let Some(run) = facts.execution else {
        return plan;
    };
    let users: Vec<&UserRun> = run.users.iter().filter(|u| u.offered.is_some()).collect();
    let total_weight: f64 = users
        .iter()
        .map(|u| f64::from(u.offered.as_ref().map_or(1, |o| o.weight.max(1))))
        .sum::<f64>()
        .max(1.0);
    let mut per_cycle: BTreeMap<String, f64> = BTreeMap::new();
    let mut per_user: BTreeMap<String, f64> = BTreeMap::new();
    let mut samples: BTreeMap<String, &Request> = BTreeMap::new();
    let mut logins = BTreeSet::new();
    let mut at_spawn = BTreeSet::new();
    let mut cycle = Cycle::default();
    for user in &users {
        let offered = user.offered.as_ref().expect("filtered");
        let share = f64::from(offered.weight.max(1)) / total_weight;
        let visit = workload::cycle(offered, &interrupts(user));
        let login = login_label(user);
        let requests = workload::requests(offered, &visit, login.as_deref());
        for (k, v) in requests.per_cycle {
            *per_cycle.entry(k).or_default() += v * share;
        }
        at_spawn.extend(requests.at_spawn);
        for (k, v) in requests.per_user {
            *per_user.entry(k).or_default() += v * share;
        }
        cycle.tasks += visit.tasks() * share;
        cycle.waits += visit.waits * share;
        if let Some(wait) = offered.wait_time.as_ref() {
            if let Some(crate::locustfile::offered::Spacing::Pacing(p)) = wait.spacing() {
                cycle.pacing_s = Some(p);
            }
            if plan.wait_shown.is_empty() {
                plan.wait_shown = wait.shown();
            }
        }
        // Seconds of waiting, averaged per wait below.
        cycle.pause_s += visit.wait_s * share;
        logins.extend(login);
        for r in &user.requests {
            samples.entry(r.label()).or_insert(r);
        }
    }
    cycle.pause_s = if cycle.waits > 0.0 {
        cycle.pause_s / cycle.waits
    } else {
        0.0
    };
    plan.cycle = cycle;
    let hasher = run.password_hasher.as_ref();
    let labels: BTreeSet<&String> = per_cycle.keys().chain(per_user.keys()).collect();
    for label in labels {
        let cost = run.costs.iter().find(|c| &c.request == label);
        let sample = samples.get(label.as_str());
        let cpu = cost.map_or(0.0, |c| c.cpu_ms);
        let hashing = cost.map_or(0.0, |c| f64::from(c.password_checks) * hash_ms(hasher));
        plan.requests.push(RequestLoad {
            label: label.clone(),
            method: sample.map(|r| r.method.clone()).unwrap_or_default(),
            path: sample.map(|r| r.path.clone()).unwrap_or_default(),
            per_cycle: per_cycle.get(label).copied().unwrap_or(0.0),
            per_user: per_user.get(label).copied().unwrap_or(0.0),
            at_spawn: at_spawn.contains(label),
            python_ms: cpu,
            free_cpu_ms: hashing,
            wait_ms: cost.map_or(0.0, |c| (c.wall_ms - c.cpu_ms).max(0.0)),
            read_write_ms: cost.map_or(0.0, |c| c.read_write_ms),
            is_login: logins.contains(label),
            needs_token: sample.is_some_and(|r| {
                r.header_names
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case("authorization"))
            }),
        });
    }
    plan.server = server(facts);
    // Measured on the machine that ran the helper: the server's only when it runs here.
    if facts.same_machine {
        plan.server.parallel = hasher.and_then(|h| h.parallel_speedup);
    }
    plan.load_machine = LoadMachine {
        same_machine: facts.same_machine,
        cpu_ms_per_request: if users.iter().any(|u| u.client == "HttpSession") {
            LOCUST_MS_HTTP
        } else {
            LOCUST_MS_FAST
        },
        processes: facts.locust_processes.max(1),
    };
    plan.throttles = facts
        .throttles
        .map(|t| throttles(t, &plan, &facts.server))
        .unwrap_or_default();
    plan.pool = pool(&users, facts.existing_accounts);
    plan.token = token(run, &users);
    plan.db = facts.max_connections.map(|max| DbFacts {
        max_connections: max,
        persistent: facts.persistent_connections,
    });
    plan.sqlite = facts.sqlite.as_ref().map(|l| SqliteFacts {
        deferred: l.deferred(),
        place: l.places(),
    });
    plan.stock = facts
        .stock
        .clone()
        .map(|(label, available, units_per_request)| StockFacts {
            label,
            available,
            units_per_request,
        });
    plan
}

fn server(facts: &Facts) -> ServerShape {
    let cores = if facts.cores > 0.0 { facts.cores } else { 1.0 };
    // Other work on the server's machine shares its cores (not known for a remote server).
    let others = if facts.same_machine {
        facts.others_runnable.max(0.0)
    } else {
        0.0
    };
    match facts.server {
        Some(c) => ServerShape {
            kind: c.kind.name().to_string(),
            processes: c.processes,
            slots: c.slots(),
            cores,
            others_runnable: others,
            ..ServerShape::default()
        },
        None => ServerShape {
            cores,
            others_runnable: others,
            ..ServerShape::default()
        },
    }
}

/// One rule per (scope, key): DRF keys its counters by scope and IP (or user), so every view
/// with the same scope shares one budget.
fn throttles(t: &Throttles, plan: &Plan, server: &Option<Concurrency>) -> Vec<ThrottleRule> {
    let local_cache = t
        .cache_backend
        .as_deref()
        .is_some_and(|b| b.ends_with("LocMemCache"));
    let mut rules: Vec<ThrottleRule> = Vec::new();
    for request in &plan.requests {
        let path = request.path.split('?').next().unwrap_or("");
        let Some(asked) = t.for_request(&request.method, path, request.needs_token) else {
            continue;
        };
        for th in asked.throttles.iter().filter(|th| th.applies()) {
            let scope = th.scope.clone().unwrap_or_else(|| th.class_path.clone());
            let found = rules
                .iter_mut()
                .find(|r| r.scope == scope && r.key == th.key);
            let rule = match found {
                Some(rule) => rule,
                None => {
                    rules.push(ThrottleRule {
                        scope: scope.clone(),
                        class_path: th.class_path.clone(),
                        rate: th.rate.clone().unwrap_or_default(),
                        num_requests: th.num_requests.unwrap_or(0),
                        seconds: th.seconds.unwrap_or(0),
                        key: th.key.clone(),
                        labels: Vec::new(),
                        per_process: local_cache && server.is_some_and(|s| s.processes > 1),
                        switches: t
                            .switches
                            .iter()
                            .map(|s| format!("{} ({}:{})", s.variable, short(&s.file), s.line))
                            .collect(),
                    });
                    rules.last_mut().expect("pushed")
                }
            };
            if !rule.labels.contains(&request.label) {
                rule.labels.push(request.label.clone());
            }
        }
    }
    rules
}

fn short(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit('/').take(2).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

fn pool(users: &[&UserRun], existing: Option<u64>) -> Option<PoolFacts> {
    let user = users.iter().find(|u| u.login.is_some())?;
    let p = user.credentials.pool.as_ref()?;
    let size = match (p.low, p.high) {
        (Some(lo), Some(hi)) if hi >= lo => (hi - lo + 1) as u64,
        _ if !p.names.is_empty() => p.names.len() as u64,
        _ => return None,
    };
    Some(PoolFacts {
        size,
        existing: existing?.min(size),
    })
}

fn token(run: &Execution, users: &[&UserRun]) -> Option<TokenFacts> {
    let lifetime = run
        .django
        .as_ref()?
        .get("token_lifetime_s")
        .and_then(serde_json::Value::as_f64)?;
    let user = users.iter().find(|u| u.login.is_some())?;
    Some(TokenFacts {
        lifetime_s: lifetime,
        relogin: user.relogin_after_expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttled_shop_answer_makes_a_plan() {
        // Trimmed from locust_main.py's answer on tests/fixtures/throttled-shop.
        let json = r#"{"mode":"django","users":[{"class":"Shopper","client":"HttpSession",
          "tasks":[{"name":"Browse"},{"name":"Browse.list_products"},{"name":"Browse.leave","control":"InterruptTaskSet"},
                   {"name":"Account"},{"name":"Account.my_products","control":"InterruptTaskSet"}],
          "requests":[{"phase":"task","task":"Account.my_products","method":"POST","path":"/api/auth/login/","name":"/api/auth/login/","header_names":["Content-Type"]},
                      {"phase":"task","task":"Account.my_products","method":"GET","path":"/api/products/","name":"/api/products/ (signed in)","header_names":["Authorization"]},
                      {"phase":"task","task":"Browse.list_products","method":"GET","path":"/api/products/","name":"/api/products/","header_names":[]}],
          "login":{"method":"POST","path":"/api/auth/login/"},
          "offered":{"weight":1,"wait_time":{"kind":"between","min_s":3.0,"max_s":15.0},"tasks":[
            {"name":"Browse","weight":3,"kind":"taskset","tasks":[{"name":"Browse.list_products","weight":4,"kind":"function"},{"name":"Browse.leave","weight":1,"kind":"function"}]},
            {"name":"Account","weight":1,"kind":"taskset","tasks":[{"name":"Account.my_products","weight":1,"kind":"function"}]}],
            "requests_per_task":{"on_start":[],"Browse.list_products":["GET /api/products/"],
              "Account.my_products":["POST /api/auth/login/","GET /api/products/ (signed in)"]}}}],
          "costs":[{"request":"POST /api/auth/login/","cpu_ms":7.0,"wall_ms":11.0,"password_checks":1},
                   {"request":"GET /api/products/","cpu_ms":12.8,"wall_ms":18.9,"sql_queries":21}],
          "password_hasher":{"algorithm":"pbkdf2_sha256","iterations":1000000,"cpu_ms":330.0}}"#;
        let run = Execution::parse(json).unwrap();
        let plan = plan(&Facts {
            execution: Some(&run),
            cores: 2.0,
            same_machine: true,
            ..Default::default()
        });
        assert_eq!(plan.wait_shown, "between(3, 15)");
        assert!((plan.cycle.pause_s - 9.0).abs() < 1e-9);
        let login = plan.requests.iter().find(|r| r.is_login).unwrap();
        assert_eq!((login.per_user, login.per_cycle), (1.0, 0.0));
        assert_eq!(login.free_cpu_ms, 330.0);
        let signed = plan
            .requests
            .iter()
            .find(|r| r.label.ends_with("(signed in)"))
            .unwrap();
        assert!(signed.needs_token);
        assert!((signed.per_cycle - 0.25).abs() < 1e-9);
        let list = plan
            .requests
            .iter()
            .find(|r| r.label == "GET /api/products/")
            .unwrap();
        assert!((list.per_cycle - 3.0).abs() < 1e-9);
        assert_eq!(plan.load_machine.cpu_ms_per_request, LOCUST_MS_HTTP);
    }
}
