//! The staged run's plan as the TUI edits it before load starts: one text field per setting,
//! prefilled from `[run]`/`[targets]`, checked as the user types (errors shown in place).

use super::texts::Word;
use crate::load::Targets;

/// What the run is started with (the TUI's equivalent of `doctor run`'s flags).
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    pub stages: Vec<u32>,
    pub stage_secs: f64,
    pub spawn_rate: f64,
    pub targets: Targets,
    /// Start although a blocking check fails (`--force`).
    pub force: bool,
    /// Workers from load hosts to wait for (`--expect-workers`; 0: none).
    pub expect_workers: u32,
    /// The master's address for them (`--master-bind`).
    pub master_bind: String,
}

impl Default for RunSettings {
    fn default() -> RunSettings {
        use crate::config::run::{DEFAULT_SPAWN_RATE, DEFAULT_STAGE_SECS, DEFAULT_STAGES};
        RunSettings {
            stages: DEFAULT_STAGES.to_vec(),
            stage_secs: DEFAULT_STAGE_SECS,
            spawn_rate: DEFAULT_SPAWN_RATE,
            targets: Targets::default(),
            force: false,
            expect_workers: 0,
            master_bind: "127.0.0.1".into(),
        }
    }
}

impl RunSettings {
    pub fn from_config(config: &crate::config::Config) -> RunSettings {
        let run = &config.run;
        RunSettings {
            stages: run.stages.value.clone(),
            stage_secs: run.stage_secs.value,
            spawn_rate: run.spawn_rate.value,
            targets: Targets {
                p95_ms: run.p95_ms.value,
                error_ratio: run.error_ratio.value,
                requests_per_min: run.requests_per_min.value,
                cpu_percent: run.cpu_percent.value,
                memory_percent: run.memory_percent.value,
            },
            ..RunSettings::default()
        }
    }

    /// Users × time, in user-minutes, and the whole run's length in seconds.
    pub fn cost(&self) -> (f64, f64) {
        let users: f64 = self.stages.iter().map(|u| f64::from(*u)).sum();
        (
            users * self.stage_secs / 60.0,
            self.stages.len() as f64 * self.stage_secs,
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Stages,
    StageTime,
    SpawnRate,
    P95,
    ErrorPercent,
    RequestsPerMin,
    Cpu,
    Memory,
    Workers,
    MasterBind,
}

pub const FIELDS: [Field; 10] = [
    Field::Stages,
    Field::StageTime,
    Field::SpawnRate,
    Field::P95,
    Field::ErrorPercent,
    Field::RequestsPerMin,
    Field::Cpu,
    Field::Memory,
    Field::Workers,
    Field::MasterBind,
];

impl Field {
    pub fn label(self) -> Word {
        match self {
            Field::Stages => Word::PlanStages,
            Field::StageTime => Word::PlanStageTime,
            Field::SpawnRate => Word::PlanSpawnRate,
            Field::P95 => Word::PlanP95,
            Field::ErrorPercent => Word::PlanErrors,
            Field::RequestsPerMin => Word::PlanRpm,
            Field::Cpu => Word::PlanCpu,
            Field::Memory => Word::PlanMemory,
            Field::Workers => Word::PlanWorkers,
            Field::MasterBind => Word::PlanMasterBind,
        }
    }
}

/// A number as people write it: no trailing ".0".
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{}", (value * 1000.0).round() / 1000.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunForm {
    /// The text of each field, in `FIELDS` order.
    pub values: Vec<String>,
    pub selected: usize,
    pub force: bool,
}

impl RunForm {
    pub fn new(settings: &RunSettings) -> RunForm {
        let t = &settings.targets;
        let values = vec![
            settings
                .stages
                .iter()
                .map(|u| u.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            format!("{}s", number(settings.stage_secs)),
            number(settings.spawn_rate),
            number(t.p95_ms),
            number(t.error_ratio * 100.0),
            number(t.requests_per_min),
            number(t.cpu_percent),
            number(t.memory_percent),
            settings.expect_workers.to_string(),
            settings.master_bind.clone(),
        ];
        RunForm {
            values,
            selected: 0,
            force: settings.force,
        }
    }

    pub fn move_by(&mut self, down: bool) {
        let n = FIELDS.len();
        self.selected = if down {
            (self.selected + 1) % n
        } else {
            (self.selected + n - 1) % n
        };
    }

    pub fn type_char(&mut self, c: char) {
        if !c.is_control() && self.values[self.selected].chars().count() < 40 {
            self.values[self.selected].push(c);
        }
    }

    pub fn backspace(&mut self) {
        self.values[self.selected].pop();
    }

    /// The error of each field (None: valid).
    pub fn errors(&self) -> Vec<Option<Word>> {
        FIELDS
            .iter()
            .zip(&self.values)
            .map(|(field, text)| check(*field, text).err())
            .collect()
    }

    /// The settings, when every field is valid.
    pub fn settings(&self) -> Option<RunSettings> {
        let mut values = Vec::new();
        for (field, text) in FIELDS.iter().zip(&self.values) {
            values.push(check(*field, text).ok()?);
        }
        let stages = crate::load::plan::parse_stages(&self.values[0]).ok()?;
        Some(RunSettings {
            stages,
            stage_secs: values[1],
            spawn_rate: values[2],
            targets: Targets {
                p95_ms: values[3],
                error_ratio: values[4] / 100.0,
                requests_per_min: values[5],
                cpu_percent: values[6],
                memory_percent: values[7],
            },
            force: self.force,
            expect_workers: values[8] as u32,
            master_bind: self.values[9].trim().to_string(),
        })
    }
}

/// A field's value (stages: their sum), or what is wrong with it.
fn check(field: Field, text: &str) -> Result<f64, Word> {
    let positive = |text: &str| match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(Word::ErrPositive),
    };
    let percent = |text: &str| match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 100.0 => Ok(v),
        _ => Err(Word::ErrPercent),
    };
    match field {
        Field::Stages => crate::load::plan::parse_stages(text)
            .map(|s| s.iter().map(|u| f64::from(*u)).sum())
            .map_err(|_| Word::ErrStages),
        Field::StageTime => match crate::config::run::parse_duration(text) {
            Ok(secs) if secs >= 1.0 && secs.is_finite() => Ok(secs),
            _ => Err(Word::ErrDuration),
        },
        Field::SpawnRate | Field::P95 | Field::RequestsPerMin => positive(text),
        // The CPU and memory targets may be above 100 on purpose (never judged).
        Field::Cpu | Field::Memory => positive(text),
        Field::ErrorPercent => percent(text),
        Field::Workers => match text.trim().parse::<u32>() {
            Ok(n) => Ok(f64::from(n)),
            Err(_) => Err(Word::ErrWholeNumber),
        },
        Field::MasterBind => crate::load::plan::parse_master_bind(text.trim())
            .map(|_| 0.0)
            .map_err(|_| Word::ErrAddress),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefilled_values_parse_back() {
        let settings = RunSettings::default();
        let form = RunForm::new(&settings);
        assert_eq!(form.values[0], "100, 500, 1000");
        assert_eq!(form.values[1], "60s");
        assert_eq!(form.values[4], "1");
        assert_eq!(form.settings(), Some(settings));
        assert!(form.errors().iter().all(Option::is_none));
    }

    #[test]
    fn invalid_fields_are_named() {
        let mut form = RunForm::new(&RunSettings::default());
        form.values[0] = "100, 0".into();
        form.values[1] = "soon".into();
        form.values[4] = "150".into();
        form.values[8] = "two".into();
        form.values[9] = "myhost".into();
        let errors = form.errors();
        assert_eq!(errors[8], Some(Word::ErrWholeNumber));
        assert_eq!(errors[9], Some(Word::ErrAddress));
        assert_eq!(errors[0], Some(Word::ErrStages));
        assert_eq!(errors[1], Some(Word::ErrDuration));
        assert_eq!(errors[4], Some(Word::ErrPercent));
        assert_eq!(form.settings(), None);
    }

    #[test]
    fn cost_is_users_times_time() {
        let settings = RunSettings::default();
        assert_eq!(settings.cost(), (1600.0, 180.0));
    }
}
