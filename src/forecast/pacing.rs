//! The load the locustfile offers: each user runs a cycle of tasks and waits; with an instant
//! server a user makes `requests per cycle / (waits + task time)` requests/s. On top, each new
//! user sends its once-per-user requests (on_start, a lazy login) as it spawns.

use super::model::{Plan, StagePlan};
use super::{Limit, LimitKind, round};
use crate::t;

/// Extra time per request the replay does not see: the loopback round trip and Locust's client.
pub const CLIENT_MS: f64 = 1.0;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Offered {
    /// Requests in one user's cycle.
    pub per_cycle: f64,
    /// Seconds of waiting in one cycle (pauses, or pacing periods).
    pub wait_s: f64,
    /// Seconds the cycle's requests take with no queue.
    pub busy_s: f64,
    pub cycle_s: f64,
    pub per_user_rpm: f64,
    pub tasks_per_user_min: f64,
    /// Once-per-user requests each new user sends.
    pub per_user_once: f64,
    /// Requests/min over the stage with an instant server.
    pub rpm: f64,
    /// Once-per-user requests/s while the stage spawns its users.
    pub spawn_rps: f64,
}

/// Seconds a cycle takes when each request takes `request_ms(label)` (plus the client's).
pub fn cycle_s(plan: &Plan, request_ms: impl Fn(&super::model::RequestLoad) -> f64) -> (f64, f64) {
    let busy: f64 = plan
        .requests
        .iter()
        .map(|r| r.per_cycle * (request_ms(r) + CLIENT_MS) / 1000.0)
        .sum();
    let cycle = match plan.cycle.pacing_s {
        // A paced task starts at most once per period; a slower task pushes the next one.
        Some(period) => (plan.cycle.waits * period).max(busy),
        None => plan.cycle.waits * plan.cycle.pause_s + busy,
    };
    (cycle.max(busy), busy)
}

pub fn offered(plan: &Plan, stage: &StagePlan) -> Offered {
    let per_cycle: f64 = plan.requests.iter().map(|r| r.per_cycle).sum();
    let per_user_once: f64 = plan.requests.iter().map(|r| r.per_user).sum();
    let (cycle_s, busy_s) = cycle_s(plan, |r| r.wall_ms());
    let per_user_rps = if cycle_s > 0.0 {
        per_cycle / cycle_s
    } else {
        0.0
    };
    let tasks_per_user_min = if cycle_s > 0.0 {
        plan.cycle.tasks / cycle_s * 60.0
    } else {
        0.0
    };
    let once = per_user_once * stage.new_users();
    let minutes = (stage.seconds / 60.0).max(1e-9);
    let rpm = stage.mean_users() * per_user_rps * 60.0 + once / minutes;
    Offered {
        per_cycle,
        wait_s: plan.cycle.waits * plan.cycle.pacing_s.unwrap_or(plan.cycle.pause_s),
        busy_s,
        cycle_s,
        per_user_rpm: per_user_rps * 60.0,
        tasks_per_user_min,
        per_user_once,
        rpm,
        spawn_rps: plan
            .requests
            .iter()
            .filter(|r| r.at_spawn)
            .map(|r| r.per_user)
            .sum::<f64>()
            * stage.spawn_rate,
    }
}

/// Users needed for `target_rpm` at this pacing (steady state).
pub fn users_for(offered: &Offered, target_rpm: f64) -> Option<f64> {
    (offered.per_user_rpm > 0.0).then(|| (target_rpm / offered.per_user_rpm).round())
}

/// "between(3, 15) allows about 6.7 requests/min per user: ≈200/min at 30 users".
pub fn limit(plan: &Plan, stage: &StagePlan, offered: &Offered) -> Limit {
    let per_user = round(offered.per_user_rpm, 1);
    let users = stage.users;
    let rpm = round(offered.rpm, 0);
    let wait = if plan.wait_shown.is_empty() {
        "wait_time".to_string()
    } else {
        format!("wait_time = {}", plan.wait_shown)
    };
    let mut text = t!(
        "the locustfile's `{wait}` allows about {per_user} requests/min per user: about {rpm}/min at {users} users";
        "locustfile의 `{wait}`로는 사용자당 분당 약 {per_user}건: 사용자 {users}명이면 분당 약 {rpm}건"
    );
    let mut limit = Limit::new(LimitKind::Pacing, text.clone())
        .figure("per_user_rpm", per_user)
        .figure("tasks_per_user_min", round(offered.tasks_per_user_min, 2))
        .figure("users", users)
        .figure("offered_rpm", rpm);
    if let Some(target) = stage.target_rpm
        && let Some(needed) = users_for(offered, target)
        && offered.rpm < target
    {
        let (target, needed_n) = (round(target, 0), needed as u64);
        text.en
            .push_str(&format!("; {target}/min needs about {needed_n} users"));
        text.ko.push_str(&format!(
            "; 분당 {target}건에는 사용자 약 {needed_n}명 필요"
        ));
        limit = limit.figure("users_needed", needed_n);
        limit.text = text;
        limit.cap_rpm = Some(offered.rpm);
    }
    limit
}

#[cfg(test)]
mod tests {
    use super::super::model::{Cycle, RequestLoad};
    use super::*;

    /// between(3, 15) (mean 9 s), one cheap request per task.
    pub fn browsing() -> Plan {
        Plan {
            cycle: Cycle {
                tasks: 1.0,
                waits: 1.0,
                pause_s: 9.0,
                pacing_s: None,
            },
            requests: vec![RequestLoad {
                label: "GET /api/products/".into(),
                per_cycle: 1.0,
                python_ms: 3.0,
                ..Default::default()
            }],
            wait_shown: "between(3, 15)".into(),
            ..Default::default()
        }
    }

    #[test]
    fn between_3_15_at_30_users_is_about_200_per_minute() {
        let stage = StagePlan {
            users: 30,
            previous_users: 30,
            spawn_rate: 5.0,
            seconds: 60.0,
            target_rpm: Some(1000.0),
            ..Default::default()
        };
        let o = offered(&browsing(), &stage);
        assert!((o.rpm - 200.0).abs() < 1.0, "{}", o.rpm);
        assert!((o.per_user_rpm - 6.66).abs() < 0.05);
        assert_eq!(users_for(&o, 1000.0), Some(150.0));
        let l = limit(&browsing(), &stage, &o);
        assert!(l.text.en.contains("between(3, 15)"), "{}", l.text.en);
        assert!(l.text.en.contains("needs about 150 users"), "{}", l.text.en);
        assert!(!l.text.ko.contains("needs"));
    }

    #[test]
    fn spawning_users_lower_the_stage_mean() {
        // 30 new users at 1/s in a 60 s stage: on average 22.5 users run.
        let stage = StagePlan {
            users: 30,
            spawn_rate: 1.0,
            seconds: 60.0,
            ..Default::default()
        };
        assert!((stage.mean_users() - 22.5).abs() < 1e-9);
        let o = offered(&browsing(), &stage);
        assert!((o.rpm - 150.0).abs() < 1.0, "{}", o.rpm);
    }
}
