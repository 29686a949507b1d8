//! The run's timeline by second, gathered for the charts: every second that has a point, each
//! endpoint's requests and response times in it, and the stages as bands.

use super::charts::Band;
use super::stage_users;
use crate::i18n::Lang;
use crate::load::RunReport;
use std::collections::BTreeMap;

/// One endpoint's seconds.
pub(super) struct EndpointLine {
    pub(super) label: String,
    pub(super) requests: u64,
    pub(super) failures: u64,
    /// Per second of `Timeline::seconds`.
    pub(super) rps: Vec<f64>,
    pub(super) p50: Vec<Option<f64>>,
    pub(super) p95: Vec<Option<f64>>,
}

/// The timeline by second: every second of the run that has a point, and each endpoint's values.
pub(super) struct Timeline {
    pub(super) seconds: Vec<f64>,
    pub(super) endpoints: Vec<EndpointLine>,
    pub(super) total_rps: Vec<f64>,
    pub(super) failures: Vec<f64>,
    pub(super) x_max: f64,
    bands: Vec<Band>,
}

impl Timeline {
    pub(super) fn new(report: &RunReport) -> Timeline {
        let key = |t: f64| (t * 1000.0).round() as i64;
        let mut index: BTreeMap<i64, f64> = BTreeMap::new();
        for p in &report.timeline {
            index.insert(key(p.t_s), p.t_s);
        }
        let seconds: Vec<f64> = index.values().copied().collect();
        let slot: BTreeMap<i64, usize> = index.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let n = seconds.len();
        let mut endpoints: Vec<EndpointLine> = Vec::new();
        let mut total_rps = vec![0.0; n];
        let mut failures = vec![0.0; n];
        for p in &report.timeline {
            let label = crate::load::stats::endpoint_key(&p.method, &p.name);
            let i = slot[&key(p.t_s)];
            let e = match endpoints.iter().position(|e| e.label == label) {
                Some(e) => &mut endpoints[e],
                None => {
                    endpoints.push(EndpointLine {
                        label,
                        requests: 0,
                        failures: 0,
                        rps: vec![0.0; n],
                        p50: vec![None; n],
                        p95: vec![None; n],
                    });
                    endpoints.last_mut().expect("just pushed")
                }
            };
            e.requests += p.requests;
            e.failures += p.failures;
            e.rps[i] += p.requests as f64;
            e.p50[i] = p.p50_ms.or(e.p50[i]);
            e.p95[i] = p.p95_ms.or(e.p95[i]);
            total_rps[i] += p.requests as f64;
            failures[i] += p.failures as f64;
        }
        endpoints.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.label.cmp(&b.label)));
        let mut bands: Vec<Band> = report
            .stages
            .iter()
            .map(|s| Band {
                start: s.start_s,
                end: s.end_s,
                label: String::new(),
            })
            .collect();
        let users: Vec<u32> = report.stages.iter().map(|s| s.measure.users).collect();
        if bands.is_empty() {
            // No stage reports (an interrupted run): the stages from the timeline itself.
            let mut seen: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
            for p in &report.timeline {
                let e = seen.entry(p.stage).or_insert((p.t_s, p.t_s + 1.0));
                e.0 = e.0.min(p.t_s);
                e.1 = e.1.max(p.t_s + 1.0);
            }
            for (stage, (start, end)) in seen {
                bands.push(Band {
                    start,
                    end,
                    label: report
                        .plan
                        .stages
                        .get(stage)
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                });
            }
        } else {
            for (band, users) in bands.iter_mut().zip(users) {
                band.label = users.to_string();
            }
        }
        let x_max = seconds
            .last()
            .map(|t| t + 1.0)
            .unwrap_or(0.0)
            .max(bands.iter().map(|b| b.end).fold(0.0, f64::max));
        Timeline {
            seconds,
            endpoints,
            total_rps,
            failures,
            x_max,
            bands,
        }
    }

    pub(super) fn bands(&self, lang: Lang) -> Vec<Band> {
        self.bands
            .iter()
            .map(|b| Band {
                label: match b.label.parse::<u32>() {
                    Ok(users) => stage_users(lang, users),
                    Err(_) => b.label.clone(),
                },
                ..b.clone()
            })
            .collect()
    }

    pub(super) fn points(&self, values: &[f64]) -> Vec<(f64, Option<f64>)> {
        self.seconds
            .iter()
            .zip(values)
            .map(|(t, v)| (*t, Some(*v)))
            .collect()
    }
}
