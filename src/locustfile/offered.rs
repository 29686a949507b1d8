//! The load one User class offers, read from the executed class by
//! `assets/doctor_py/locust_offered.py`: its weight, its `wait_time` (the figures of Locust's
//! helpers, or a custom function's measured mean) and its tasks as a tree of weights, with the
//! requests each task and on_start sent in the replay. Plain data; `forecast` does the sums.

use super::executed::null_is_empty;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Offered {
    #[serde(default = "one")]
    pub weight: u32,
    #[serde(default)]
    pub fixed_count: u32,
    #[serde(default)]
    pub wait_time: Option<WaitTime>,
    #[serde(default)]
    pub has_on_start: bool,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub tasks: Vec<TaskNode>,
    /// Task name ("Set.task" inside a TaskSet, "on_start") → the labels of the requests it sent.
    #[serde(default)]
    pub requests_per_task: BTreeMap<String, Vec<String>>,
    /// Request label → body field → the random call that made its value (`quantity` from
    /// `randint(1, 100)`: mean 50.5).
    #[serde(default)]
    pub random_fields: BTreeMap<String, BTreeMap<String, RandomField>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct RandomField {
    #[serde(rename = "fn")]
    pub function: String,
    #[serde(default)]
    pub args: Vec<f64>,
    pub mean: f64,
}

fn one() -> u32 {
    1
}

/// `kind`: between, constant, constant_pacing, constant_throughput, poisson or custom.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct WaitTime {
    pub kind: String,
    #[serde(default)]
    pub min_s: Option<f64>,
    #[serde(default)]
    pub max_s: Option<f64>,
    #[serde(default)]
    pub seconds: Option<f64>,
    #[serde(default)]
    pub per_second: Option<f64>,
    /// A custom function's mean over doctor's calls.
    #[serde(default)]
    pub mean_s: Option<f64>,
    #[serde(default)]
    pub function: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
    /// Why a custom function could not be measured.
    #[serde(default)]
    pub code: Option<String>,
}

/// How a wait_time spaces the tasks it follows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spacing {
    /// A mean pause after each task (between, constant, poisson, custom).
    Pause(f64),
    /// A task starts at most once per this many seconds (constant_pacing, constant_throughput).
    Pacing(f64),
}

impl WaitTime {
    pub fn spacing(&self) -> Option<Spacing> {
        match self.kind.as_str() {
            "between" => Some(Spacing::Pause((self.min_s? + self.max_s?) / 2.0)),
            "constant" => Some(Spacing::Pause(self.seconds?)),
            "constant_pacing" => Some(Spacing::Pacing(self.seconds?)),
            "constant_throughput" => Some(Spacing::Pacing(1.0 / positive(self.per_second?)?)),
            "poisson" => Some(Spacing::Pause(1.0 / positive(self.per_second?)?)),
            "custom" => Some(Spacing::Pause(self.mean_s?)),
            _ => None,
        }
    }

    /// `between(3, 15)`, `constant(1)`, `custom wait()`: the locustfile's own words.
    pub fn shown(&self) -> String {
        let n = |v: Option<f64>| v.map(trim).unwrap_or_else(|| "?".into());
        match self.kind.as_str() {
            "between" => format!("between({}, {})", n(self.min_s), n(self.max_s)),
            "constant" | "constant_pacing" => format!("{}({})", self.kind, n(self.seconds)),
            "constant_throughput" | "poisson" => format!("{}({})", self.kind, n(self.per_second)),
            _ => format!("{}()", self.function.as_deref().unwrap_or("wait_time")),
        }
    }
}

fn positive(v: f64) -> Option<f64> {
    (v > 0.0).then_some(v)
}

/// 3.0 → "3", 1.5 → "1.5".
pub fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A task, or a TaskSet with its own tasks.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct TaskNode {
    pub name: String,
    #[serde(default = "one")]
    pub weight: u32,
    #[serde(default)]
    pub probability: f64,
    #[serde(default)]
    pub line: Option<usize>,
    /// "function" or "taskset".
    #[serde(default)]
    pub kind: String,
    /// A TaskSet's own wait_time (None: the User's).
    #[serde(default)]
    pub wait_time: Option<WaitTime>,
    #[serde(default)]
    pub has_on_start: bool,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub tasks: Vec<TaskNode>,
}

impl TaskNode {
    pub fn is_taskset(&self) -> bool {
        self.kind == "taskset"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_taskset_tree_and_the_wait_time_figures() {
        let json = r#"{"weight":1,"fixed_count":0,"wait_time":{"kind":"between","min_s":3.0,"max_s":15.0},
          "has_on_start":false,"tasks":[{"name":"Browse","weight":3,"probability":0.75,"kind":"taskset",
          "wait_time":null,"tasks":[{"name":"Browse.list","weight":4,"probability":0.8,"kind":"function"}]}],
          "requests_per_task":{"on_start":[],"Browse.list":["GET /api/products/"]}}"#;
        let offered: Offered = serde_json::from_str(json).unwrap();
        let wait = offered.wait_time.as_ref().unwrap();
        assert_eq!(wait.spacing(), Some(Spacing::Pause(9.0)));
        assert_eq!(wait.shown(), "between(3, 15)");
        assert!(offered.tasks[0].is_taskset());
        assert_eq!(offered.tasks[0].tasks[0].probability, 0.8);
        let pacing = WaitTime {
            kind: "constant_throughput".into(),
            per_second: Some(0.5),
            ..Default::default()
        };
        assert_eq!(pacing.spacing(), Some(Spacing::Pacing(2.0)));
    }
}
