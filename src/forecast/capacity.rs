//! What the server can answer for the locustfile's mix, and how long answers take at N users.
//!
//! Each request needs the server's resources for its measured cost: Python CPU holds its
//! process's GIL (runserver: one process, so about one core whatever the machine has); CPU
//! outside the GIL (password hashing in OpenSSL) spreads over the cores; a sync worker is held
//! for the whole request. The busiest resource per server decides: X ≤ servers / demand.
//!
//! Response times come from exact mean value analysis of a closed system with think time
//! (Lazowska et al., *Quantitative System Performance*, ch. 6) on that busiest resource, made
//! multi-server by Seidmann's approximation (demand D/c queueing plus D·(c−1)/c fixed delay);
//! every other part of a request is a delay. The wait in the queue is taken as exponential
//! (as in M/M/c) for the 95th percentile.

use super::model::{Plan, StagePlan};
use super::pacing::Offered;
use super::response::{self, Queue};
use super::{Limit, LimitKind, round};
use crate::t;

/// Utilization from which the server (or Locust) is said to limit the stage.
pub const SATURATED: f64 = 0.85;

#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// cpu, gil, workers, sqlite_lock, locust
    pub name: &'static str,
    /// Seconds needed per user cycle.
    pub demand_s: f64,
    pub servers: f64,
}

impl Resource {
    fn load(&self) -> f64 {
        if self.servers > 0.0 {
            self.demand_s / self.servers
        } else {
            f64::INFINITY
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    pub rpm: f64,
    pub p95_ms: f64,
    /// Busy share of the busiest resource.
    pub utilization: f64,
    pub bottleneck: Resource,
    pub bottleneck_kind: LimitKind,
    /// Most requests/s the mix can get from the busiest resource.
    pub max_rps: f64,
    /// Mean wait in its queue per request, ms.
    pub queue_ms: f64,
    pub requests_in_stage: f64,
    /// User cycles per second in the steady state.
    pub cycles_per_s: f64,
    /// Cores left to the server when Locust runs beside it.
    pub server_cores: f64,
}

/// Threads sharing cores (CPU, a GIL) slow each request by the residence/demand ratio at the
/// resource; workers make requests wait in line.
fn p95(
    plan: &Plan,
    stage: &StagePlan,
    busiest: &Resource,
    (x, wait_s, u): (f64, f64, f64),
    cores: f64,
) -> f64 {
    let overhead = plan.server.overhead_ms;
    let demand: Box<dyn Fn(&super::model::RequestLoad) -> f64> = match busiest.name {
        "gil" => Box::new(move |r| r.python_ms + overhead),
        "workers" => Box::new(move |r| r.wall_ms() + overhead),
        "sqlite_lock" => Box::new(|r| r.read_write_ms),
        _ => Box::new(move |r| r.cpu_ms() + overhead),
    };
    // Workers and a lock are waited for in line; cores and a GIL are shared.
    let queue = if matches!(busiest.name, "workers" | "sqlite_lock") || busiest.demand_s <= 0.0 {
        // The cycle's wait falls on the requests that wait in this line.
        let waiting: f64 = plan
            .requests
            .iter()
            .filter(|r| demand(r) > 0.0)
            .map(|r| r.per_cycle)
            .sum();
        let wait_ms = if waiting > 0.0 {
            wait_s * 1000.0 / waiting
        } else {
            0.0
        };
        Queue::Line { wait_ms }
    } else {
        Queue::Shared {
            slowdown: (busiest.demand_s + wait_s) / busiest.demand_s,
        }
    };
    response::p95(plan, stage, queue, demand.as_ref(), u, x, cores)
}

/// Cores a server with `wanted` runnable threads gets beside `others` runnable threads of
/// other work: all it wants while the cores suffice, else a fair share (Linux's CFS).
pub fn fair_share(cores: f64, wanted: f64, others: f64) -> f64 {
    if wanted + others <= cores {
        (cores - others).max(0.0)
    } else {
        cores * wanted / (wanted + others)
    }
}

/// Per-cycle demand at each resource that can saturate, with `users` running.
pub fn resources(plan: &Plan, locust_cores: f64, users: f64) -> Vec<Resource> {
    let s = &plan.server;
    let sum = |f: &dyn Fn(&super::model::RequestLoad) -> f64| -> f64 {
        plan.requests
            .iter()
            .map(|r| r.per_cycle * f(r) / 1000.0)
            .sum()
    };
    let own = if plan.load_machine.same_machine {
        (s.cores - locust_cores).max(0.25)
    } else {
        s.cores
    };
    // Threads that want a core under load: one per request being served.
    let wanted = s
        .slots
        .map_or(users, |slots| f64::from(slots).min(users))
        .max(1.0);
    // The hash measured on one thread per core says what parallel work gets here, other work
    // included; without it, a fair share beside the other work's runnable threads.
    let cores = match s.parallel {
        Some(p) => own.min(p.max(1.0)),
        None => fair_share(own, wanted, s.others_runnable),
    };
    let mut out = vec![
        Resource {
            name: "cpu",
            demand_s: sum(&|r| r.cpu_ms() + s.overhead_ms),
            servers: cores,
        },
        Resource {
            name: "gil",
            demand_s: sum(&|r| r.python_ms + s.overhead_ms),
            servers: f64::from(s.processes.max(1)).min(cores.max(1.0)),
        },
    ];
    if let Some(slots) = s.slots {
        out.push(Resource {
            name: "workers",
            demand_s: sum(&|r| r.wall_ms() + s.overhead_ms),
            servers: f64::from(slots.max(1)),
        });
    }
    // SQLite in IMMEDIATE transactions: one write lock, taken in turn for as long as each
    // transaction holds it (DEFERRED ones are refused instead: `sqlite_locks`).
    if plan.sqlite.as_ref().is_some_and(|l| !l.deferred) {
        let held = sum(&|r| r.read_write_ms);
        if held > 0.0 {
            out.push(Resource {
                name: "sqlite_lock",
                demand_s: held,
                servers: 1.0,
            });
        }
    }
    let per_cycle: f64 = plan.requests.iter().map(|r| r.per_cycle).sum();
    out.push(Resource {
        name: "locust",
        demand_s: per_cycle * plan.load_machine.cpu_ms_per_request / 1000.0,
        servers: f64::from(plan.load_machine.processes.max(1)),
    });
    out
}

/// Exact MVA for one queueing resource (Seidmann for c servers) plus a fixed delay per cycle:
/// (cycles/s, mean queue wait per cycle in s) at `n` users.
pub fn mva(resource: &Resource, delay_s: f64, n: u32) -> (f64, f64) {
    let c = resource.servers.max(1e-9);
    let queued = resource.demand_s / c;
    let fixed = resource.demand_s * (c - 1.0).max(0.0) / c;
    let (mut x, mut q, mut wait) = (0.0, 0.0, 0.0);
    for k in 1..=n {
        let r = queued * (1.0 + q);
        wait = queued * q;
        x = f64::from(k) / (delay_s + fixed + r).max(1e-9);
        q = x * r;
    }
    (x, wait)
}

pub fn serve(plan: &Plan, stage: &StagePlan, offered: &Offered) -> Served {
    let per_cycle: f64 = plan.requests.iter().map(|r| r.per_cycle).sum();
    let mean_users = stage.mean_users().max(0.0);
    // Locust's own CPU on a shared machine: first guess from the offered rate, then once more.
    let mut locust_cores = offered.rpm / 60.0 * plan.load_machine.cpu_ms_per_request / 1000.0;
    let mut result = None;
    for _ in 0..2 {
        let locust = locust_cores.min(f64::from(plan.load_machine.processes));
        let all = resources(plan, locust, mean_users);
        let busiest = all
            .iter()
            .max_by(|a, b| a.load().total_cmp(&b.load()))
            .cloned()
            .unwrap_or(all[0].clone());
        let (cycle_s, _) = super::pacing::cycle_s(plan, |r| r.wall_ms() + plan.server.overhead_ms);
        let delay = (cycle_s - busiest.demand_s).max(0.0);
        // MVA counts whole users: interpolate between the two around the stage's mean.
        let (low, high) = (mean_users.floor(), mean_users.ceil());
        let (x_low, w_low) = mva(&busiest, delay, low as u32);
        let (x_high, w_high) = mva(&busiest, delay, high as u32);
        let part = mean_users - low;
        let (x, wait_s) = (
            x_low + (x_high - x_low) * part,
            w_low + (w_high - w_low) * part,
        );
        locust_cores = x * per_cycle * plan.load_machine.cpu_ms_per_request / 1000.0;
        let server_cores = all[0].servers;
        result = Some((busiest, x, wait_s, server_cores));
    }
    let (busiest, x, wait_s, server_cores) = result.expect("two passes");
    let steady_rps = x * per_cycle;
    let minutes = (stage.seconds / 60.0).max(1e-9);
    let once = offered.per_user_once * stage.new_users();
    // Never more than the locustfile offers (the model's rounding aside).
    let rpm = (steady_rps * 60.0 + once / minutes).min(offered.rpm);
    let queue_ms = if per_cycle > 0.0 {
        wait_s * 1000.0 / per_cycle
    } else {
        0.0
    };
    let utilization = (x * busiest.load()).min(1.0);
    let max_rps = if busiest.demand_s > 0.0 {
        busiest.servers / busiest.demand_s * per_cycle
    } else {
        f64::INFINITY
    };
    Served {
        rpm,
        p95_ms: p95(
            plan,
            stage,
            &busiest,
            (x, wait_s, utilization),
            server_cores,
        ),
        utilization,
        bottleneck_kind: if busiest.name == "locust" {
            LimitKind::LoadMachine
        } else {
            LimitKind::Capacity
        },
        bottleneck: busiest,
        max_rps,
        queue_ms,
        requests_in_stage: rpm * minutes,
        cycles_per_s: x,
        server_cores,
    }
}

fn resource_words(name: &str) -> (&'static str, &'static str) {
    match name {
        "gil" => ("Python time under the GIL", "GIL 아래 Python 시간"),
        "workers" => ("the workers", "워커"),
        "locust" => ("Locust's own CPU", "Locust 자체 CPU"),
        "sqlite_lock" => (
            "SQLite's one write lock (its IMMEDIATE transactions take it in turn)",
            "SQLite 쓰기 잠금 하나 (IMMEDIATE 트랜잭션이 차례로 사용)",
        ),
        _ => ("CPU", "CPU"),
    }
}

pub fn limits(plan: &Plan, stage: &StagePlan, offered: &Offered, served: &Served) -> Vec<Limit> {
    let mut out = Vec::new();
    let kind = plan.server.kind.clone();
    let (en, ko) = resource_words(served.bottleneck.name);
    let max_rpm = round(served.max_rps * 60.0, 0);
    let busy = round(served.utilization * 100.0, 0);
    let (processes, cores) = (plan.server.processes, round(served.server_cores, 1));
    let users = stage.users;
    let procs_en = if processes == 1 {
        "1 process".to_string()
    } else {
        format!("{processes} processes")
    };
    let mut text = t!(
        "the server ({kind}, {procs_en}, {cores} cores for it) can answer about {max_rpm} requests/min of this mix, limited by {en}; at {users} users it will be {busy} % busy";
        "서버({kind}, 프로세스 {processes}개, 쓸 수 있는 코어 {cores}개)는 이 요청 구성으로 분당 약 {max_rpm}건까지 응답 가능 (한계: {ko}); 사용자 {users}명이면 {busy}% 사용"
    );
    if offered.rpm > served.rpm * 1.1 && served.utilization >= SATURATED {
        text.en
            .push_str(": a queue forms and p95 grows through the stage");
        text.ko.push_str(": 대기열이 생겨 단계 내내 p95가 늘어남");
    }
    let mut capacity = Limit::new(served.bottleneck_kind, text)
        .figure("max_rpm", max_rpm)
        .figure("utilization", round(served.utilization, 3))
        .figure("resource", served.bottleneck.name)
        .figure("server_cores", cores)
        .figure("processes", processes)
        .figure("queue_ms", round(served.queue_ms, 1));
    capacity.cap_rpm = Some(max_rpm);
    out.push(capacity);
    if let Some(limit) = spawn_logins(plan, stage, served) {
        out.push(limit);
    }
    out
}

/// Once-per-user requests (the logins) arrive at spawn_rate per s while users spawn: when
/// that is more than the server can do, they share the CPU and each takes seconds.
fn spawn_logins(plan: &Plan, stage: &StagePlan, served: &Served) -> Option<Limit> {
    let starts = super::response::starts(plan, stage, served.server_cores)?;
    if stage.spawn_rate <= starts.per_s {
        return None;
    }
    let (rate, can, secs) = (
        round(stage.spawn_rate, 1),
        round(starts.per_s, 1),
        round(starts.response_ms / 1000.0, 1),
    );
    Some(
        Limit::new(
            LimitKind::Capacity,
            t!(
                "users start at {rate}/s but the server can answer only about {can} starts (logins)/s: while users spawn, a login takes about {secs} s";
                "사용자가 초당 {rate}명 시작하지만 서버는 시작(로그인) 요청을 초당 약 {can}건만 처리: 사용자가 시작하는 동안 로그인 한 번에 약 {secs}초"
            ),
        )
        .figure("spawn_rate", rate)
        .figure("starts_per_s", can)
        .figure("start_response_s", secs),
    )
}

#[cfg(test)]
mod tests {
    use super::super::model::{Cycle, RequestLoad, ServerShape};
    use super::*;

    fn login_heavy(processes: u32, slots: Option<u32>) -> Plan {
        // Each cycle: one login (2 ms Python + 330 ms PBKDF2 outside the GIL), no wait.
        Plan {
            cycle: Cycle::back_to_back(),
            requests: vec![RequestLoad {
                label: "POST /api/token/".into(),
                per_cycle: 1.0,
                python_ms: 2.0,
                free_cpu_ms: 330.0,
                is_login: true,
                ..Default::default()
            }],
            server: ServerShape {
                kind: "runserver".into(),
                processes,
                slots,
                cores: 2.0,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn hashing_spreads_over_the_cores_even_on_runserver() {
        let plan = login_heavy(1, None);
        let stage = StagePlan {
            users: 8,
            previous_users: 8,
            seconds: 60.0,
            ..Default::default()
        };
        let offered = super::super::pacing::offered(&plan, &stage);
        let served = serve(&plan, &stage, &offered);
        // 2 cores less Locust's share, 333 ms each: about 5.9 logins/s at most.
        assert_eq!(served.bottleneck.name, "cpu");
        assert!(
            served.max_rps > 5.5 && served.max_rps < 6.1,
            "{}",
            served.max_rps
        );
        assert!(served.rpm / 60.0 > 5.0, "{}", served.rpm);
        assert!(served.utilization > SATURATED);
        // 8 users on ~2 servers: each waits for about 3 others.
        assert!(served.p95_ms > 1000.0, "{}", served.p95_ms);
    }

    #[test]
    fn other_work_takes_a_fair_share_of_the_cores() {
        // Idle machine: all cores. Two threads of a build beside 8 busy server threads on 2
        // cores: 2 × 8/10.
        assert_eq!(fair_share(2.0, 8.0, 0.0), 2.0);
        assert!((fair_share(2.0, 8.0, 2.0) - 1.6).abs() < 1e-9);
        assert_eq!(fair_share(2.0, 1.0, 0.5), 1.5);
        let mut plan = login_heavy(1, None);
        plan.server.others_runnable = 6.0;
        let stage = StagePlan {
            users: 8,
            previous_users: 8,
            seconds: 60.0,
            ..Default::default()
        };
        let busy = serve(&plan, &stage, &super::super::pacing::offered(&plan, &stage));
        let idle = serve(
            &login_heavy(1, None),
            &stage,
            &super::super::pacing::offered(&plan, &stage),
        );
        assert!(
            busy.max_rps < 0.65 * idle.max_rps,
            "{} vs {}",
            busy.max_rps,
            idle.max_rps
        );
    }

    #[test]
    fn python_work_on_runserver_is_one_core() {
        let mut plan = login_heavy(1, None);
        plan.requests[0].python_ms = 20.0;
        plan.requests[0].free_cpu_ms = 0.0;
        let stage = StagePlan {
            users: 50,
            previous_users: 50,
            seconds: 60.0,
            ..Default::default()
        };
        let offered = super::super::pacing::offered(&plan, &stage);
        let served = serve(&plan, &stage, &offered);
        assert_eq!(served.bottleneck.name, "gil");
        assert!(
            (served.max_rps - 1000.0 / 21.0).abs() < 1.0,
            "{}",
            served.max_rps
        );
        // gunicorn -w 2 sync: two processes, two GILs: about twice.
        let two = login_heavy(2, Some(2));
        let mut two = two;
        two.requests[0].python_ms = 20.0;
        two.requests[0].free_cpu_ms = 0.0;
        let served2 = serve(&two, &stage, &super::super::pacing::offered(&two, &stage));
        assert!(
            served2.max_rps > 1.7 * served.max_rps,
            "{}",
            served2.max_rps
        );
    }

    #[test]
    fn an_idle_server_answers_in_its_own_time() {
        let mut plan = login_heavy(1, None);
        plan.cycle.pause_s = 9.0;
        plan.requests[0].free_cpu_ms = 0.0;
        let stage = StagePlan {
            users: 30,
            previous_users: 30,
            seconds: 60.0,
            ..Default::default()
        };
        let offered = super::super::pacing::offered(&plan, &stage);
        let served = serve(&plan, &stage, &offered);
        assert!(served.utilization < 0.05);
        assert!(served.p95_ms < 6.0, "{}", served.p95_ms);
        assert!((served.rpm - offered.rpm).abs() < 2.0);
    }
}
