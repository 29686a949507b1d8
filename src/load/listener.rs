//! doctor's Locust listener (`assets/locust_listener/doctor_listener.py`): written into the
//! run folder and loaded beside the project's locustfile (`-f locustfile.py,doctor_listener.py`).
//! It counts every request per second and endpoint and serves the counts, uncached, at
//! `/doctor/live` on Locust's web UI; these types read that answer.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SOURCE: &str = include_str!("../../assets/locust_listener/doctor_listener.py");
pub const FILE_NAME: &str = "doctor_listener.py";

/// Write the listener into `dir` (the run folder, so a run keeps the listener it used).
pub fn write(dir: &Path) -> std::io::Result<PathBuf> {
    let path = dir.join(FILE_NAME);
    std::fs::write(&path, SOURCE)?;
    Ok(path)
}

/// `GET /doctor/live?after=SECOND`: every second after `after`, the current one included.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LiveAnswer {
    /// Locust's clock when it answered (epoch seconds).
    pub now: f64,
    pub seconds: Vec<LiveSecond>,
    /// Requests sent and not yet answered (None: the client classes could not be wrapped).
    pub in_flight: Option<u64>,
    /// When the last answer (or failure) came back, epoch seconds.
    pub last_answer: Option<f64>,
    #[serde(default)]
    pub users: u64,
    /// Requests each worker reported so far (distributed runs), by Locust's worker id.
    #[serde(default)]
    pub worker_requests: BTreeMap<String, u64>,
    #[serde(default)]
    pub state: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct LiveSecond {
    /// Epoch second in which these requests completed.
    pub t: i64,
    pub endpoints: Vec<LiveEndpoint>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct LiveEndpoint {
    pub method: String,
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    pub sum_ms: f64,
    /// Response time bucket (Locust's rounding, ms, as text) → count.
    pub hist: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_listeners_answer() {
        let text = r#"{"now": 1796223993.4, "in_flight": 3, "last_answer": 1796223993.3,
            "users": 5, "state": "running", "seconds": [{"t": 1796223988, "endpoints": [
            {"method": "GET", "name": "/", "requests": 15, "failures": 1, "sum_ms": 75.8,
             "hist": {"3": 2, "4": 13}}]}]}"#;
        let answer: LiveAnswer = serde_json::from_str(text).unwrap();
        assert_eq!(answer.seconds[0].endpoints[0].hist["4"], 13);
        assert_eq!(answer.in_flight, Some(3));
    }

    #[test]
    fn the_listener_defines_no_users() {
        // Locust merges the User classes of every file given with -f: ours must add none.
        assert!(
            !SOURCE.contains("User)"),
            "the listener must not define a User class"
        );
        assert!(SOURCE.contains("/doctor/live"));
    }
}
