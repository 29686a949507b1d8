//! The run second by second and endpoint by endpoint, for the HTML report's charts.

use serde::{Deserialize, Serialize};

/// One endpoint during one second of the run (as doctor's Locust listener counted it).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SecondPoint {
    /// Seconds since the run started (the second's start).
    pub t_s: f64,
    /// The stage it belongs to.
    pub stage: usize,
    pub method: String,
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
}
