//! `[run]` and `[targets]` of doctor.toml: the stages of `doctor run` and the guide's targets,
//! each resolved value with its origin (flags are applied later, by `load::plan`).

use super::{Origin, Setting};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub stages: Option<Vec<u32>>,
    pub spawn_rate: Option<f64>,
    /// `"60s"`, `"2m"`, or a number of seconds.
    pub stage_time: Option<toml::Value>,
    pub workers: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    pub p95_ms: Option<f64>,
    pub error_ratio: Option<f64>,
    pub requests_per_min: Option<f64>,
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
}

/// The guide's load-test recommendations as defaults.
pub const DEFAULT_STAGES: [u32; 3] = [100, 500, 1000];
pub const DEFAULT_SPAWN_RATE: f64 = 25.0;
pub const DEFAULT_STAGE_SECS: f64 = 60.0;

#[derive(Clone, Debug, serde::Serialize)]
pub struct RunConfig {
    pub stages: Setting<Vec<u32>>,
    pub spawn_rate: Setting<f64>,
    pub stage_secs: Setting<f64>,
    pub workers: Setting<Option<u32>>,
    pub p95_ms: Setting<f64>,
    pub error_ratio: Setting<f64>,
    pub requests_per_min: Setting<f64>,
    pub cpu_percent: Setting<f64>,
    pub memory_percent: Setting<f64>,
}

/// `"60s"`, `"90"`, `"2m"`, `"1m30s"`, `"500ms"` → seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return Ok(secs);
    }
    let mut total = 0.0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let value: f64 = number
            .parse()
            .map_err(|_| format!("\"{text}\": use e.g. 60s, 2m, 1m30s"))?;
        number.clear();
        total += value
            * match unit.as_str() {
                "ms" => 0.001,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return Err(format!("\"{text}\": unknown unit \"{unit}\" (use s, m, h)")),
            };
        any = true;
    }
    if !number.is_empty() || !any {
        return Err(format!("\"{text}\": use e.g. 60s, 2m, 1m30s"));
    }
    Ok(total)
}

impl RunConfig {
    pub fn resolve(
        run: &RunFile,
        targets: &TargetsFile,
        file_origin: &dyn Fn() -> Origin,
    ) -> Result<RunConfig, String> {
        fn pick<T: Clone>(v: &Option<T>, default: T, origin: &dyn Fn() -> Origin) -> Setting<T> {
            match v {
                Some(v) => Setting::new(v.clone(), origin()),
                None => Setting::new(default, Origin::Default),
            }
        }
        let stage_secs = match &run.stage_time {
            None => Setting::new(DEFAULT_STAGE_SECS, Origin::Default),
            Some(toml::Value::String(s)) => Setting::new(
                parse_duration(s).map_err(|e| format!("[run] stage_time {e}"))?,
                file_origin(),
            ),
            Some(toml::Value::Integer(i)) => Setting::new(*i as f64, file_origin()),
            Some(toml::Value::Float(f)) => Setting::new(*f, file_origin()),
            Some(other) => return Err(format!("[run] stage_time = {other}: use e.g. \"60s\"")),
        };
        if let Some(stages) = &run.stages
            && (stages.is_empty() || stages.contains(&0))
        {
            return Err("[run] stages: give user counts above 0, e.g. [100, 500, 1000]".into());
        }
        Ok(RunConfig {
            stages: pick(&run.stages, DEFAULT_STAGES.to_vec(), file_origin),
            spawn_rate: pick(&run.spawn_rate, DEFAULT_SPAWN_RATE, file_origin),
            stage_secs,
            workers: match run.workers {
                Some(n) => Setting::new(Some(n), file_origin()),
                None => Setting::new(None, Origin::Default),
            },
            p95_ms: pick(&targets.p95_ms, 2000.0, file_origin),
            error_ratio: pick(&targets.error_ratio, 0.01, file_origin),
            requests_per_min: pick(&targets.requests_per_min, 1000.0, file_origin),
            cpu_percent: pick(&targets.cpu_percent, 80.0, file_origin),
            memory_percent: pick(&targets.memory_percent, 80.0, file_origin),
        })
    }

    pub fn describe(&self) -> Vec<(&'static str, String, String)> {
        let row = |key, value: String, origin: &Origin| (key, value, origin.to_string());
        vec![
            row(
                "run.stages",
                self.stages
                    .value
                    .iter()
                    .map(|u| u.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                &self.stages.origin,
            ),
            row(
                "run.spawn_rate",
                self.spawn_rate.value.to_string(),
                &self.spawn_rate.origin,
            ),
            row(
                "run.stage_time",
                format!("{}s", self.stage_secs.value),
                &self.stage_secs.origin,
            ),
            row(
                "run.workers",
                self.workers
                    .value
                    .map(|w| w.to_string())
                    .unwrap_or_else(|| "(none)".into()),
                &self.workers.origin,
            ),
            row(
                "targets.p95_ms",
                self.p95_ms.value.to_string(),
                &self.p95_ms.origin,
            ),
            row(
                "targets.error_ratio",
                self.error_ratio.value.to_string(),
                &self.error_ratio.origin,
            ),
            row(
                "targets.requests_per_min",
                self.requests_per_min.value.to_string(),
                &self.requests_per_min.origin,
            ),
            row(
                "targets.cpu_percent",
                self.cpu_percent.value.to_string(),
                &self.cpu_percent.origin,
            ),
            row(
                "targets.memory_percent",
                self.memory_percent.value.to_string(),
                &self.memory_percent.origin,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s").unwrap(), 60.0);
        assert_eq!(parse_duration("2m").unwrap(), 120.0);
        assert_eq!(parse_duration("1m30s").unwrap(), 90.0);
        assert_eq!(parse_duration("45").unwrap(), 45.0);
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5x").is_err());
    }

    #[test]
    fn file_values_win_over_defaults() {
        let run: RunFile = toml::from_str("stages = [2, 5]\nstage_time = \"5s\"").unwrap();
        let targets: TargetsFile = toml::from_str("p95_ms = 1").unwrap();
        let cfg = RunConfig::resolve(&run, &targets, &|| Origin::File("d.toml".into())).unwrap();
        assert_eq!(cfg.stages.value, vec![2, 5]);
        assert_eq!(cfg.stage_secs.value, 5.0);
        assert_eq!(cfg.p95_ms.value, 1.0);
        assert_eq!(cfg.error_ratio.value, 0.01);
        assert_eq!(cfg.error_ratio.origin, Origin::Default);
    }
}
