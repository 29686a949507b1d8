//! The one definition of a stage's numbers. doctor's listener counts every request Locust
//! records per second and endpoint; a stage is a span of whole seconds, and its requests/min,
//! failure ratio and percentiles are sums over those seconds. The live view (the stage so
//! far), the verdict and the report (the finished stage) all read them from here, so they
//! cannot disagree.

use super::listener::LiveAnswer;
use super::timeline::SecondPoint;
use std::collections::BTreeMap;

/// Response times in Locust's buckets (ms → count).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram(BTreeMap<u32, u64>);

impl Histogram {
    pub fn add(&mut self, other: &Histogram) {
        for (bucket, count) in &other.0 {
            self.record(*bucket, *count);
        }
    }

    /// Saturating, as every sum here: the counts come from the listener's JSON, and a count
    /// past u64 must not panic.
    pub fn record(&mut self, bucket_ms: u32, count: u64) {
        let slot = self.0.entry(bucket_ms).or_default();
        *slot = slot.saturating_add(count);
    }

    pub fn count(&self) -> u64 {
        self.0.values().fold(0, |sum, n| sum.saturating_add(*n))
    }

    /// Locust's own percentile rule (`calculate_response_time_percentile`), so a figure here
    /// equals the one in Locust's tables for the same requests.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let wanted = (total as f64 * q) as u64;
        let mut processed = 0u64;
        for (bucket, count) in self.0.iter().rev() {
            processed = processed.saturating_add(*count);
            if total - processed <= wanted {
                return Some(*bucket as f64);
            }
        }
        Some(0.0)
    }
}

/// Requests, failures and their response times over some seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub requests: u64,
    pub failures: u64,
    pub sum_ms: f64,
    pub hist: Histogram,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.requests = self.requests.saturating_add(other.requests);
        self.failures = self.failures.saturating_add(other.failures);
        self.sum_ms += other.sum_ms;
        self.hist.add(&other.hist);
    }

    /// None when nothing was answered: "no answers" is not "0 % failures".
    pub fn failure_ratio(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.failures as f64 / self.requests as f64)
    }

    pub fn p(&self, q: f64) -> Option<f64> {
        self.hist.quantile(q)
    }

    pub fn mean_ms(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.sum_ms / self.requests as f64)
    }

    pub fn per_second(&self, secs: f64) -> Option<f64> {
        (secs > 0.0).then(|| self.requests as f64 / secs)
    }
}

/// (method, name) of an endpoint as Locust names it.
pub type Endpoint = (String, String);

/// Every second of the run so far, as the listener counted it.
#[derive(Clone, Debug, Default)]
pub struct Seconds {
    by_second: BTreeMap<i64, BTreeMap<Endpoint, Counts>>,
}

impl Seconds {
    /// Take the listener's answer: each second it lists replaces what was known of that second
    /// (the listener's counts of a second only grow while late answers and worker reports come in).
    pub fn merge(&mut self, answer: &LiveAnswer) {
        for second in &answer.seconds {
            let mut rows = BTreeMap::new();
            for e in &second.endpoints {
                let mut hist = Histogram::default();
                for (bucket, count) in &e.hist {
                    if let Ok(bucket) = bucket.parse::<u32>() {
                        hist.record(bucket, *count);
                    }
                }
                rows.insert(
                    (e.method.clone(), e.name.clone()),
                    Counts {
                        requests: e.requests,
                        failures: e.failures,
                        sum_ms: e.sum_ms,
                        hist,
                    },
                );
            }
            self.by_second.insert(second.t, rows);
        }
    }

    /// All endpoints together over the seconds `from..to`.
    pub fn total(&self, from: i64, to: i64) -> Counts {
        let mut out = Counts::default();
        for rows in self.by_second.range(from..to.max(from)).map(|(_, r)| r) {
            for counts in rows.values() {
                out.add(counts);
            }
        }
        out
    }

    /// Each endpoint over the seconds `from..to`, busiest first.
    pub fn endpoints(&self, from: i64, to: i64) -> Vec<(Endpoint, Counts)> {
        let mut map: BTreeMap<Endpoint, Counts> = BTreeMap::new();
        for rows in self.by_second.range(from..to.max(from)).map(|(_, r)| r) {
            for (endpoint, counts) in rows {
                map.entry(endpoint.clone()).or_default().add(counts);
            }
        }
        let mut out: Vec<_> = map.into_iter().collect();
        out.sort_by_key(|(_, c)| std::cmp::Reverse(c.requests));
        out
    }

    /// Per-second totals over `from..to` (missing seconds count as zero requests).
    pub fn each_second(&self, from: i64, to: i64) -> Vec<(i64, Counts)> {
        (from..to)
            .map(|second| {
                let mut c = Counts::default();
                if let Some(rows) = self.by_second.get(&second) {
                    for counts in rows.values() {
                        c.add(counts);
                    }
                }
                (second, c)
            })
            .collect()
    }

    /// The timeline for the report: one point per second and endpoint within `from..to`.
    pub fn points(&self, run_start: f64, from: i64, to: i64, stage: usize) -> Vec<SecondPoint> {
        let mut out = Vec::new();
        for (second, rows) in self.by_second.range(from..to.max(from)) {
            for ((method, name), c) in rows {
                out.push(SecondPoint {
                    t_s: *second as f64 - run_start,
                    stage,
                    method: method.clone(),
                    name: name.clone(),
                    requests: c.requests,
                    failures: c.failures,
                    p50_ms: c.p(0.5),
                    p95_ms: c.p(0.95),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::listener::{LiveEndpoint, LiveSecond};

    fn second(t: i64, name: &str, requests: u64, failures: u64, hist: &[(u32, u64)]) -> LiveSecond {
        LiveSecond {
            t,
            endpoints: vec![LiveEndpoint {
                method: "GET".into(),
                name: name.into(),
                requests,
                failures,
                sum_ms: hist.iter().map(|(b, c)| (*b as u64 * c) as f64).sum(),
                hist: hist.iter().map(|(b, c)| (b.to_string(), *c)).collect(),
            }],
        }
    }

    #[test]
    fn percentiles_follow_locusts_rule() {
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.record(ms, 1);
        }
        // Locust counts down from the slowest until at most int(100 * 0.95) = 95 are left:
        // 100..=96 are the slowest five, so its p95 of 1..=100 ms is 96 (and p50 is 51).
        assert_eq!(h.quantile(0.95), Some(96.0));
        assert_eq!(h.quantile(0.5), Some(51.0));
        assert_eq!(Histogram::default().quantile(0.95), None);
    }

    #[test]
    fn a_stage_is_its_seconds_and_later_answers_replace_a_second() {
        let mut s = Seconds::default();
        s.merge(&LiveAnswer {
            seconds: vec![
                second(10, "/a", 5, 0, &[(10, 5)]),
                second(11, "/a", 2, 1, &[(2000, 2)]),
            ],
            ..Default::default()
        });
        // Second 11 grew after the first poll: the new figure replaces the old one.
        s.merge(&LiveAnswer {
            seconds: vec![
                second(11, "/a", 4, 2, &[(2000, 4)]),
                second(12, "/b", 1, 0, &[(5, 1)]),
            ],
            ..Default::default()
        });
        let stage = s.total(10, 12);
        assert_eq!((stage.requests, stage.failures), (9, 2));
        assert_eq!(stage.p(0.95), Some(2000.0));
        assert_eq!(s.total(12, 13).requests, 1);
        // Stages split the seconds without a gap or an overlap.
        assert_eq!(
            s.total(10, 11).requests + s.total(11, 13).requests,
            s.total(0, 100).requests
        );
    }

    #[test]
    fn no_answers_is_not_zero_failures() {
        assert_eq!(Counts::default().failure_ratio(), None);
        let s = Seconds::default();
        assert_eq!(s.each_second(5, 8).len(), 3);
    }
}
