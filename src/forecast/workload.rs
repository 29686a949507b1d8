//! One user's round of work, from the task tree the executed locustfile showed.
//!
//! Locust picks a task by weight, runs it, then waits. A TaskSet is entered and the user stays
//! in it until a task calls `interrupt()`; the parent then picks again at once (no wait). So a
//! visit to a set whose interrupting tasks have probability e makes 1/e picks on average.
//! A set that never interrupts keeps the user for good: in the long run users live there.

use crate::locustfile::offered::{Offered, Spacing, TaskNode};
use std::collections::{BTreeMap, BTreeSet};

/// Task runs and waits per pick (or per visit of a TaskSet).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Visit {
    /// Task name → runs.
    pub runs: BTreeMap<String, f64>,
    /// TaskSet name → entries (its on_start runs each time).
    pub entries: BTreeMap<String, f64>,
    pub waits: f64,
    /// Seconds spent waiting (pauses), or paced slots for constant_pacing.
    pub wait_s: f64,
}

impl Visit {
    fn add(&mut self, other: &Visit, times: f64) {
        for (k, v) in &other.runs {
            *self.runs.entry(k.clone()).or_default() += v * times;
        }
        for (k, v) in &other.entries {
            *self.entries.entry(k.clone()).or_default() += v * times;
        }
        self.waits += other.waits * times;
        self.wait_s += other.wait_s * times;
    }

    pub fn tasks(&self) -> f64 {
        self.runs.values().sum()
    }
}

/// Seconds one wait stands for: the pause, or the pacing period.
fn seconds(spacing: Option<Spacing>) -> f64 {
    match spacing {
        Some(Spacing::Pause(s)) | Some(Spacing::Pacing(s)) => s,
        None => 0.0,
    }
}

fn probabilities(nodes: &[TaskNode]) -> Vec<f64> {
    let total: f64 = nodes.iter().map(|n| f64::from(n.weight)).sum();
    nodes
        .iter()
        .map(|n| {
            if total > 0.0 {
                f64::from(n.weight) / total
            } else {
                0.0
            }
        })
        .collect()
}

/// One pick among `nodes`; `None` for a TaskSet that never interrupts (`absorbing`).
fn pick(nodes: &[TaskNode], interrupts: &BTreeSet<String>, spacing: Option<Spacing>) -> Visit {
    let mut out = Visit::default();
    for (node, p) in nodes.iter().zip(probabilities(nodes)) {
        if node.is_taskset() {
            let inner = node
                .wait_time
                .as_ref()
                .and_then(|w| w.spacing())
                .or(spacing);
            if let Some(visit) = visit(node, interrupts, inner) {
                out.add(&visit, p);
            }
        } else {
            *out.runs.entry(node.name.clone()).or_default() += p;
            if !interrupts.contains(&node.name) {
                out.waits += p;
                out.wait_s += p * seconds(spacing);
            }
        }
    }
    out
}

/// A TaskSet entered once: picks until an interrupting task runs. None when none interrupts.
fn visit(set: &TaskNode, interrupts: &BTreeSet<String>, spacing: Option<Spacing>) -> Option<Visit> {
    let exit: f64 = set
        .tasks
        .iter()
        .zip(probabilities(&set.tasks))
        .filter(|(n, _)| !n.is_taskset() && interrupts.contains(&n.name))
        .map(|(_, p)| p)
        .sum();
    if exit <= 0.0 {
        return None;
    }
    let mut out = Visit::default();
    out.add(&pick(&set.tasks, interrupts, spacing), 1.0 / exit);
    out.entries.insert(set.name.clone(), 1.0);
    Some(out)
}

/// A user's cycle: one pick of its User class's tasks; when some TaskSet never interrupts,
/// the picks inside those sets (where the users end up).
pub fn cycle(offered: &Offered, interrupts: &BTreeSet<String>) -> Visit {
    let spacing = offered.wait_time.as_ref().and_then(|w| w.spacing());
    let absorbing: Vec<(&TaskNode, f64)> = offered
        .tasks
        .iter()
        .zip(probabilities(&offered.tasks))
        .filter(|(n, _)| n.is_taskset() && visit(n, interrupts, spacing).is_none())
        .collect();
    if absorbing.is_empty() {
        return pick(&offered.tasks, interrupts, spacing);
    }
    let total: f64 = absorbing.iter().map(|(_, p)| p).sum();
    let mut out = Visit::default();
    for (set, p) in absorbing {
        let inner = set.wait_time.as_ref().and_then(|w| w.spacing()).or(spacing);
        out.add(&pick(&set.tasks, interrupts, inner), p / total);
    }
    out
}

/// Requests per cycle and per user, by label. A login sent from a task that also sends other
/// requests is the lazy-login shape (`if self.token is None: login()`): once per user.
pub fn requests(offered: &Offered, visit: &Visit, login: Option<&str>) -> Requests {
    let mut out = Requests::default();
    for (task, labels) in &offered.requests_per_task {
        let lazy = labels.len() > 1;
        let times = if task == "on_start" {
            None
        } else {
            Some(
                visit
                    .runs
                    .get(task)
                    .or(visit.entries.get(task))
                    .copied()
                    .unwrap_or(0.0),
            )
        };
        for label in labels {
            match times {
                None => {
                    *out.per_user.entry(label.clone()).or_default() += 1.0;
                    out.at_spawn.insert(label.clone());
                }
                Some(_) if lazy && Some(label.as_str()) == login => {
                    *out.per_user.entry(label.clone()).or_default() += 1.0
                }
                Some(t) => *out.per_cycle.entry(label.clone()).or_default() += t,
            }
        }
    }
    out
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requests {
    pub per_cycle: BTreeMap<String, f64>,
    pub per_user: BTreeMap<String, f64>,
    /// Labels sent by on_start (as users spawn), not lazily by a task.
    pub at_spawn: BTreeSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locustfile::offered::WaitTime;

    fn task(name: &str, weight: u32) -> TaskNode {
        TaskNode {
            name: name.into(),
            weight,
            kind: "function".into(),
            ..Default::default()
        }
    }

    fn set(name: &str, weight: u32, tasks: Vec<TaskNode>) -> TaskNode {
        TaskNode {
            name: name.into(),
            weight,
            kind: "taskset".into(),
            tasks,
            ..Default::default()
        }
    }

    fn between(a: f64, b: f64) -> Option<WaitTime> {
        Some(WaitTime {
            kind: "between".into(),
            min_s: Some(a),
            max_s: Some(b),
            ..Default::default()
        })
    }

    #[test]
    fn tasksets_picked_by_weight_are_visited_until_they_interrupt() {
        // tasks = {Browse: 3, Account: 1}; Browse: list 4, leave 1 (interrupts); Account: one task
        // that interrupts.
        let offered = Offered {
            wait_time: between(3.0, 15.0),
            tasks: vec![
                set(
                    "Browse",
                    3,
                    vec![task("Browse.list", 4), task("Browse.leave", 1)],
                ),
                set("Account", 1, vec![task("Account.mine", 1)]),
            ],
            ..Default::default()
        };
        let interrupts: BTreeSet<String> = ["Browse.leave", "Account.mine"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = cycle(&offered, &interrupts);
        // A Browse visit: 5 picks, 4 lists (each waited), 1 leave: 0.75 × 4 = 3 lists per cycle.
        assert!((c.runs["Browse.list"] - 3.0).abs() < 1e-9);
        assert!((c.runs["Account.mine"] - 0.25).abs() < 1e-9);
        assert!((c.waits - 3.0).abs() < 1e-9);
        assert!((c.wait_s - 27.0).abs() < 1e-9);
    }

    #[test]
    fn a_set_that_never_interrupts_keeps_its_users() {
        let offered = Offered {
            wait_time: between(1.0, 1.0),
            tasks: vec![task("home", 1), set("Shop", 1, vec![task("Shop.buy", 1)])],
            ..Default::default()
        };
        let c = cycle(&offered, &BTreeSet::new());
        assert_eq!(c.runs.get("home"), None);
        assert_eq!(c.runs["Shop.buy"], 1.0);
        assert_eq!(c.waits, 1.0);
    }

    #[test]
    fn a_lazy_login_counts_once_per_user() {
        let mut per_task = BTreeMap::new();
        per_task.insert("on_start".to_string(), vec![]);
        per_task.insert(
            "mine".to_string(),
            vec!["POST /login/".to_string(), "GET /mine/".to_string()],
        );
        let offered = Offered {
            tasks: vec![task("mine", 1)],
            requests_per_task: per_task,
            ..Default::default()
        };
        let c = cycle(&offered, &BTreeSet::new());
        let r = requests(&offered, &c, Some("POST /login/"));
        assert_eq!(r.per_user["POST /login/"], 1.0);
        assert_eq!(r.per_cycle["GET /mine/"], 1.0);
        assert!(!r.per_cycle.contains_key("POST /login/"));
        assert!(r.at_spawn.is_empty(), "a task's login is not at spawn");
    }
}
