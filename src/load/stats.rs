//! Locust's numbers, typed: `GET /stats/requests` (live), the deltas between two polls, and
//! the `--json-file` written at shutdown (final counts, percentiles from its buckets).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct StatRow {
    pub method: Option<String>,
    pub name: String,
    pub num_requests: u64,
    pub num_failures: u64,
    pub avg_response_time: f64,
    pub median_response_time: Option<f64>,
    pub max_response_time: Option<f64>,
    #[serde(rename = "response_time_percentile_0.95")]
    pub p95: Option<f64>,
    #[serde(rename = "response_time_percentile_0.99")]
    pub p99: Option<f64>,
}

impl StatRow {
    /// Sum of response times (ms), recovered from the running average.
    pub fn total_ms(&self) -> f64 {
        self.avg_response_time * self.num_requests as f64
    }

    pub fn key(&self) -> String {
        endpoint_key(self.method.as_deref().unwrap_or(""), &self.name)
    }
}

pub fn endpoint_key(method: &str, name: &str) -> String {
    let name = readable(name);
    if method.is_empty() {
        name
    } else {
        format!("{method} {name}")
    }
}

/// A request name as people read it: percent-encoded UTF-8 (a Korean search term in
/// `?q=%EB%85%B8...`) decoded; ASCII escapes (`%20`, `%2F`) and malformed ones stay as sent.
pub fn readable(name: &str) -> String {
    let bytes = name.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // A run of %XX escapes that are all ≥ 0x80 and decode to valid UTF-8.
        let mut run = Vec::new();
        let mut j = i;
        while j + 2 < bytes.len() && bytes[j] == b'%' {
            match (hex(bytes[j + 1]), hex(bytes[j + 2])) {
                (Some(h), Some(l)) if h * 16 + l >= 0x80 => {
                    run.push(h * 16 + l);
                    j += 3;
                }
                _ => break,
            }
        }
        if !run.is_empty() && std::str::from_utf8(&run).is_ok() {
            out.extend_from_slice(&run);
            i = j;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| name.to_string())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ErrorRow {
    pub method: Option<String>,
    pub name: String,
    pub error: String,
    pub occurrences: u64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct WorkerRow {
    pub id: String,
    pub state: String,
    pub user_count: u64,
    pub cpu_usage: f64,
}

/// `GET /stats/requests`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct StatsResponse {
    pub state: String,
    pub user_count: u64,
    pub fail_ratio: f64,
    pub current_rps: f64,
    pub current_response_time_percentiles: HashMap<String, Option<f64>>,
    pub errors: Vec<ErrorRow>,
    pub stats: Vec<StatRow>,
    pub worker_count: Option<u64>,
    pub workers: Option<Vec<WorkerRow>>,
}

impl StatsResponse {
    pub fn aggregated(&self) -> StatRow {
        self.stats
            .iter()
            .find(|r| r.name == "Aggregated")
            .cloned()
            .unwrap_or_default()
    }

    pub fn endpoints(&self) -> impl Iterator<Item = &StatRow> {
        self.stats.iter().filter(|r| r.name != "Aggregated")
    }

    /// p50/p95 of roughly the last 10 s (None while Locust has none).
    pub fn window_percentile(&self, p: &str) -> Option<f64> {
        self.current_response_time_percentiles
            .get(&format!("response_time_percentile_{p}"))
            .copied()
            .flatten()
            .filter(|v| *v > 0.0)
    }
}

/// `GET /exceptions`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ExceptionRow {
    pub count: u64,
    pub msg: String,
    pub traceback: String,
    pub nodes: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExceptionsResponse {
    pub exceptions: Vec<ExceptionRow>,
}

/// Live figures between two polls of the Aggregated row (Locust's `current_rps` lags ~10 s).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Delta {
    pub requests: u64,
    pub failures: u64,
    pub secs: f64,
}

/// `count` per second over `secs`; 0 for an empty interval.
pub fn per_second(count: u64, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// `part` of `whole` as a ratio; 0 when there is nothing to divide.
pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

impl Delta {
    pub fn between(before: &StatRow, after: &StatRow, secs: f64) -> Delta {
        Delta {
            requests: after.num_requests.saturating_sub(before.num_requests),
            failures: after.num_failures.saturating_sub(before.num_failures),
            secs,
        }
    }

    pub fn rps(&self) -> f64 {
        per_second(self.requests, self.secs)
    }

    pub fn failure_ratio(&self) -> f64 {
        ratio(self.failures, self.requests)
    }
}

/// One endpoint in `--json-file`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct JsonEntry {
    pub name: String,
    pub method: Option<String>,
    pub num_requests: u64,
    pub num_failures: u64,
    pub total_response_time: f64,
    pub max_response_time: f64,
    /// {bucket_ms: count}
    pub response_times: BTreeMap<String, u64>,
}

/// Locust's own percentile over rounded response-time buckets
/// (`calculate_response_time_percentile`).
pub fn percentile(buckets: &BTreeMap<u64, u64>, percent: f64) -> Option<f64> {
    // Saturating: the file is outside input, and counts past u64 must not panic.
    let total = buckets.values().fold(0u64, |sum, n| sum.saturating_add(*n));
    if total == 0 {
        return None;
    }
    let wanted = (total as f64 * percent) as u64;
    let mut processed = 0u64;
    for (ms, count) in buckets.iter().rev() {
        processed = processed.saturating_add(*count);
        if total - processed <= wanted {
            return Some(*ms as f64);
        }
    }
    Some(0.0)
}

/// Buckets of one entry, keys as numbers.
pub fn buckets(entry: &JsonEntry) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for (k, v) in &entry.response_times {
        if let Ok(ms) = k.parse::<f64>() {
            let slot = out.entry(ms.round() as u64).or_default();
            *slot = v.saturating_add(*slot);
        }
    }
    out
}

/// Final totals from `--json-file`: counts and percentiles over every endpoint.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Final {
    pub requests: u64,
    pub failures: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: f64,
}

pub fn final_totals(entries: &[JsonEntry]) -> Final {
    let mut all = BTreeMap::new();
    let mut out = Final::default();
    for e in entries {
        out.requests = out.requests.saturating_add(e.num_requests);
        out.failures = out.failures.saturating_add(e.num_failures);
        out.max_ms = out.max_ms.max(e.max_response_time);
        for (ms, n) in buckets(e) {
            let slot = all.entry(ms).or_default();
            *slot = n.saturating_add(*slot);
        }
    }
    out.p50_ms = percentile(&all, 0.5);
    out.p95_ms = percentile(&all, 0.95);
    out.p99_ms = percentile(&all, 0.99);
    out
}

pub fn read_json_file(path: &std::path::Path) -> Result<Vec<JsonEntry>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// One ~10 s window of Locust's live percentiles and the requests that arrived with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub p50: Option<f64>,
    pub p95: f64,
    pub requests: u64,
}

/// The window's response-time distribution, piecewise linear through its known quantiles
/// (0 → 0, p50 → 0.5, p95 → 0.95, 2·p95 → 1).
fn window_cdf(w: &Window, x: f64) -> f64 {
    let tail = (w.p95 * 2.0).max(w.p95 + 1.0);
    let mut knots = vec![(0.0, 0.0)];
    if let Some(p50) = w.p50.filter(|p| *p > 0.0 && *p < w.p95) {
        knots.push((p50, 0.5));
    }
    knots.push((w.p95, 0.95));
    knots.push((tail, 1.0));
    if x >= tail {
        return 1.0;
    }
    for pair in knots.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if x <= x1 {
            return if x1 > x0 {
                y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            } else {
                y1
            };
        }
    }
    1.0
}

/// A stage's percentile from the windows polled during it: the quantile of the mixture of
/// the windows' distributions, each weighted by the requests that arrived with it. A mean of
/// window p95s would let a short spike (logins while users spawn) dominate the whole stage.
pub fn mixture_quantile(windows: &[Window], q: f64) -> Option<f64> {
    let total: u64 = windows.iter().map(|w| w.requests).sum();
    if total == 0 {
        return None;
    }
    let at = |x: f64| {
        windows
            .iter()
            .map(|w| window_cdf(w, x) * w.requests as f64)
            .sum::<f64>()
            / total as f64
    };
    let (mut lo, mut hi) = (
        0.0,
        windows
            .iter()
            .map(|w| w.p95 * 2.0 + 1.0)
            .fold(1.0, f64::max),
    );
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if at(mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {

    #[test]
    fn korean_search_terms_read_as_korean() {
        assert_eq!(
            readable("/api/products/?search=%EB%85%B8%ED%8A%B8%EB%B6%81&page=%201"),
            "/api/products/?search=노트북&page=%201"
        );
        assert_eq!(readable("/a/%E"), "/a/%E");
        assert_eq!(readable("/a/%ED%8C"), "/a/%ED%8C");
    }

    use super::*;

    #[test]
    fn a_spike_window_does_not_dominate_the_stage() {
        let w = |p50, p95, requests| Window {
            p50: Some(p50),
            p95,
            requests,
        };
        // Equal windows: their own percentiles.
        let same = [w(20.0, 100.0, 50), w(20.0, 100.0, 50)];
        assert!((mixture_quantile(&same, 0.95).unwrap() - 100.0).abs() < 0.01);
        assert!((mixture_quantile(&same, 0.5).unwrap() - 20.0).abs() < 0.01);
        // 5 % of the requests in a 4 s spike window, 95 % at p95 100 ms.
        let spike = [w(2000.0, 4000.0, 50), w(20.0, 100.0, 950)];
        let p95 = mixture_quantile(&spike, 0.95).unwrap();
        assert!(p95 > 100.0 && p95 < 1000.0, "{p95}");
        assert_eq!(mixture_quantile(&[], 0.95), None);
    }

    fn b(pairs: &[(u64, u64)]) -> BTreeMap<u64, u64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn percentiles_match_locusts_rule() {
        // 100 requests: 90 at 10 ms, 6 at 100 ms, 4 at 1000 ms.
        let buckets = b(&[(10, 90), (100, 6), (1000, 4)]);
        assert_eq!(percentile(&buckets, 0.5), Some(10.0));
        assert_eq!(percentile(&buckets, 0.95), Some(100.0));
        assert_eq!(percentile(&buckets, 0.99), Some(1000.0));
        assert_eq!(percentile(&BTreeMap::new(), 0.95), None);
    }

    #[test]
    fn deltas_give_live_rates() {
        let a = StatRow {
            num_requests: 100,
            num_failures: 1,
            ..Default::default()
        };
        let b = StatRow {
            num_requests: 160,
            num_failures: 4,
            ..Default::default()
        };
        let d = Delta::between(&a, &b, 2.0);
        assert_eq!(d.rps(), 30.0);
        assert_eq!(d.failure_ratio(), 0.05);
        // A reset (counts going down) is not a negative rate.
        assert_eq!(Delta::between(&b, &a, 1.0).requests, 0);
    }

    #[test]
    fn parses_locusts_json_shapes() {
        let stats: StatsResponse = serde_json::from_str(
            r#"{"state":"running","user_count":5,"stats":[{"method":"GET","name":"/a","num_requests":3,"num_failures":1,"avg_response_time":10.0,"response_time_percentile_0.95":20},{"method":"","name":"Aggregated","num_requests":3,"num_failures":1,"avg_response_time":10.0}],"errors":[{"method":"GET","name":"/a","error":"x","occurrences":1}],"current_response_time_percentiles":{"response_time_percentile_0.5":null,"response_time_percentile_0.95":30}}"#,
        )
        .unwrap();
        assert_eq!(stats.aggregated().num_requests, 3);
        assert_eq!(stats.window_percentile("0.95"), Some(30.0));
        assert_eq!(stats.window_percentile("0.5"), None);
        assert_eq!(stats.endpoints().next().unwrap().p95, Some(20.0));
        let entries: Vec<JsonEntry> = serde_json::from_str(
            r#"[{"name":"/a","method":"GET","num_requests":3,"num_failures":1,"total_response_time":30.0,"max_response_time":20.0,"response_times":{"10":2,"20":1},"num_reqs_per_sec":{"1":3}}]"#,
        )
        .unwrap();
        let f = final_totals(&entries);
        assert_eq!((f.requests, f.failures), (3, 1));
        assert_eq!(f.p95_ms, Some(20.0));
    }
}
