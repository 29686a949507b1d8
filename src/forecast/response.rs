//! How long answers take: the 95th percentile over the stage's requests, the users' start
//! requests (the logins) included — in a short stage they are a good share of all requests,
//! and while users spawn faster than the server can log them in, they share its CPU.

use super::model::{Plan, RequestLoad, StagePlan};
use super::pacing::CLIENT_MS;

/// The users' start requests while the stage spawns.
#[derive(Clone, Debug, PartialEq)]
pub struct Starts {
    /// Users' start requests per s the server can answer.
    pub per_s: f64,
    /// Mean response of the costliest start request while users spawn, ms.
    pub response_ms: f64,
    /// Server CPU per user's start, s.
    cpu_s: f64,
}

pub fn starts(plan: &Plan, stage: &StagePlan, server_cores: f64) -> Option<Starts> {
    let once: Vec<&RequestLoad> = plan
        .requests
        .iter()
        .filter(|r| r.per_user > 0.0 && r.at_spawn)
        .collect();
    if once.is_empty() || stage.new_users() <= 0.0 {
        return None;
    }
    let overhead = plan.server.overhead_ms;
    let cpu_s: f64 = once
        .iter()
        .map(|r| r.per_user * (r.cpu_ms() + overhead))
        .sum::<f64>()
        / 1000.0;
    let python_s: f64 = once
        .iter()
        .map(|r| r.per_user * (r.python_ms + overhead))
        .sum::<f64>()
        / 1000.0;
    let per_s = (server_cores / cpu_s.max(1e-9))
        .min(f64::from(plan.server.processes.max(1)) / python_s.max(1e-9));
    let costliest = once
        .iter()
        .map(|r| r.wall_ms() + overhead)
        .fold(0.0, f64::max);
    let ramp = stage.ramp_s();
    let rho = if ramp > 0.0 {
        stage.spawn_rate / per_s
    } else {
        0.0
    };
    let response_ms = if rho < 1.0 {
        // Processor sharing: a request slows by 1 / (1 − ρ) beside the others.
        costliest / (1.0 - rho)
    } else {
        // More starts than the server can do: all of them share the CPU until the burst is
        // done (new / per_s s); on average a start arrives half-way through the ramp.
        ((stage.new_users() / per_s - ramp / 2.0) * 1000.0).max(costliest)
    };
    Some(Starts {
        per_s,
        response_ms,
        cpu_s,
    })
}

/// The queue at the busiest resource, as each request meets it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Queue {
    /// Threads share the CPU (runserver, a GIL): a request is slowed in proportion to its own
    /// demand there: residence / demand = `slowdown`.
    Shared { slowdown: f64 },
    /// Requests wait in line for a worker (every request) or a lock (its users): the same
    /// mean wait for each request that needs it, ms.
    Line { wait_ms: f64 },
}

/// The 95th percentile over the stage's requests: each takes its wall time (a start request
/// its time while users spawn) plus its queue wait. The wait is split into a fixed part
/// `u · wait` and an exponential part of mean `(1 − u) · wait`: at low utilization waits are
/// random (M/M/c), near saturation a closed system's queue is nearly always full, so every
/// request waits about as long.
pub fn p95(
    plan: &Plan,
    stage: &StagePlan,
    queue: Queue,
    demand_ms: &dyn Fn(&RequestLoad) -> f64,
    utilization: f64,
    cycles_per_s: f64,
    server_cores: f64,
) -> f64 {
    let overhead = plan.server.overhead_ms + CLIENT_MS;
    let starts = starts(plan, stage, server_cores);
    let u = utilization.clamp(0.0, 1.0);
    // (weight, fixed ms, exponential mean ms) of each kind of request over the stage.
    let mut mix: Vec<(f64, f64, f64)> = Vec::new();
    for r in &plan.requests {
        let wait = match queue {
            Queue::Shared { slowdown } => (slowdown - 1.0).max(0.0) * demand_ms(r),
            // A line only holds the requests that need what it serves (a lock: its writers).
            Queue::Line { wait_ms } if demand_ms(r) > 0.0 => wait_ms,
            Queue::Line { .. } => 0.0,
        };
        let steady = r.wall_ms() + overhead + u * wait;
        mix.push((
            r.per_cycle * cycles_per_s * stage.seconds,
            steady,
            (1.0 - u) * wait,
        ));
        if r.per_user > 0.0 {
            let spawned = starts
                .as_ref()
                .filter(|_| r.at_spawn)
                .map_or(r.wall_ms(), |s| {
                    // The burst's wait falls on each start request in proportion to its CPU.
                    let share = (r.cpu_ms() + plan.server.overhead_ms) / 1000.0 / s.cpu_s.max(1e-9);
                    r.wall_ms().max(s.response_ms * share.min(1.0))
                });
            mix.push((
                r.per_user * stage.new_users(),
                spawned + overhead + u * wait,
                (1.0 - u) * wait,
            ));
        }
    }
    let total: f64 = mix.iter().map(|m| m.0).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let tail = |t: f64| -> f64 {
        mix.iter()
            .map(|&(w, b, e)| {
                let over = if t < b {
                    1.0
                } else if e > 1e-9 {
                    (-(t - b) / e).exp()
                } else {
                    0.0
                };
                w / total * over
            })
            .sum()
    };
    let top = mix.iter().map(|m| m.1 + 40.0 * m.2).fold(0.0, f64::max) + 1.0;
    let (mut lo, mut hi) = (0.0, top);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if tail(mid) > 0.05 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::super::model::{Cycle, ServerShape};
    use super::*;

    /// The sample's shape: a login (2.6 ms Python + 314 ms PBKDF2) as users start, then
    /// cheap reads every 1.5 s; 20 users spawned at 10/s in a 30 s stage on runserver.
    #[test]
    fn logins_of_a_fast_spawn_set_a_short_stages_p95() {
        let plan = Plan {
            cycle: Cycle {
                tasks: 1.0,
                waits: 1.0,
                pause_s: 1.5,
                pacing_s: None,
            },
            requests: vec![
                RequestLoad {
                    label: "POST /api/token/".into(),
                    per_user: 1.0,
                    at_spawn: true,
                    python_ms: 2.6,
                    free_cpu_ms: 314.0,
                    is_login: true,
                    ..Default::default()
                },
                RequestLoad {
                    label: "GET /api/products/".into(),
                    per_cycle: 1.0,
                    python_ms: 3.2,
                    ..Default::default()
                },
            ],
            server: ServerShape {
                cores: 2.0,
                ..Default::default()
            },
            ..Default::default()
        };
        let stage = StagePlan {
            users: 20,
            spawn_rate: 10.0,
            seconds: 30.0,
            ..Default::default()
        };
        let s = starts(&plan, &stage, 2.0).unwrap();
        // 2 cores / 0.32 s ≈ 6.3 logins/s < 10/s: 20 logins take ~3.2 s, less half the 2 s ramp.
        assert!((s.per_s - 6.3).abs() < 0.2, "{}", s.per_s);
        assert!((s.response_ms - 2200.0).abs() < 150.0, "{}", s.response_ms);
        // ~360 reads (fewer users while they spawn) and 20 logins: the slowest 5 % are logins.
        let none = Queue::Line { wait_ms: 0.0 };
        let cpu = |r: &RequestLoad| r.cpu_ms();
        let p = p95(&plan, &stage, none, &cpu, 0.1, 12.0, 2.0);
        assert!(p > 1000.0, "{p}");
        // Spawned slowly (1/s), logins do not queue and p95 is a read's.
        let slow = StagePlan {
            spawn_rate: 1.0,
            ..stage
        };
        assert!(p95(&plan, &slow, none, &cpu, 0.1, 12.0, 2.0) < 500.0);
    }
}
