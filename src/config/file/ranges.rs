//! Values in doctor.toml that parse but mean nothing (`stage_time = nan`, `"0s"`, a negative
//! `error_ratio`, `p95_ms = inf`, a fractional `spawn_rate`, `python = []`) are refused when
//! the file is read, naming file:line and what to write instead.

use super::{FileConfig, PythonSpec};
use crate::config::run::parse_duration;
use crate::errors::LoadError;
use std::path::Path;

/// The longest stage doctor runs: longer is a typo, and load would run unwatched for a day.
pub const MAX_STAGE_SECS: f64 = 24.0 * 3600.0;
/// More users in one stage than one machine's Locust can start.
pub const MAX_STAGE_USERS: u32 = 1_000_000;
pub const MAX_SPAWN_RATE: f64 = 10_000.0;
pub const MAX_WORKERS: u32 = 1024;

/// A numeric key, its value, and the range it must be in.
struct Range {
    section: &'static str,
    key: &'static str,
    low: f64,
    high: f64,
    whole: bool,
    hint: &'static str,
}

const fn range(
    section: &'static str,
    key: &'static str,
    low: f64,
    high: f64,
    hint: &'static str,
) -> Range {
    Range {
        section,
        key,
        low,
        high,
        whole: false,
        hint,
    }
}

pub fn validate(cfg: &FileConfig, text: &str, path: &Path) -> Result<(), LoadError> {
    let at = |section: &str, key: &str, message: String| LoadError {
        file: path.display().to_string(),
        line: line_of_key(text, section, key),
        message,
    };
    let t = &cfg.targets;
    let mut numbers: Vec<(Range, Option<f64>)> = vec![
        (
            Range {
                whole: true,
                ..range(
                    "run",
                    "spawn_rate",
                    1.0,
                    MAX_SPAWN_RATE,
                    "users started per second, a whole number, e.g. 25",
                )
            },
            cfg.run.spawn_rate,
        ),
        (
            range(
                "targets",
                "p95_ms",
                1.0,
                600_000.0,
                "milliseconds, e.g. 2000",
            ),
            t.p95_ms,
        ),
        (
            range(
                "targets",
                "error_ratio",
                0.0,
                1.0,
                "a share of failed requests from 0 to 1, e.g. 0.01 for 1 %",
            ),
            t.error_ratio,
        ),
        (
            range(
                "targets",
                "requests_per_min",
                1.0,
                1e9,
                "requests per minute, e.g. 1000",
            ),
            t.requests_per_min,
        ),
        // Targets compare with `<`, so 101 means a target that is never missed.
        (
            range(
                "targets",
                "cpu_percent",
                1.0,
                101.0,
                "a percentage, e.g. 80 (101: never missed)",
            ),
            t.cpu_percent,
        ),
        (
            range(
                "targets",
                "memory_percent",
                1.0,
                101.0,
                "a percentage, e.g. 80 (101: never missed)",
            ),
            t.memory_percent,
        ),
    ];
    if let Some(workers) = cfg.run.workers {
        numbers.push((
            Range {
                whole: true,
                ..range(
                    "run",
                    "workers",
                    1.0,
                    MAX_WORKERS as f64,
                    "a number of local Locust workers, e.g. 2; remove the key for none",
                )
            },
            Some(workers as f64),
        ));
    }
    if let Some(stages) = &cfg.run.stages
        && let Some(bad) = stages.iter().find(|u| **u == 0 || **u > MAX_STAGE_USERS)
    {
        return Err(at(
            "run",
            "stages",
            format!(
                "[run] stages: {bad} users is out of range; give user counts from 1 to {MAX_STAGE_USERS}, e.g. [100, 500, 1000]"
            ),
        ));
    }
    if let Some(stage_time) = &cfg.run.stage_time {
        let secs = match stage_time {
            toml::Value::String(s) => parse_duration(s).ok(),
            toml::Value::Integer(i) => Some(*i as f64),
            toml::Value::Float(f) => Some(*f),
            _ => None,
        };
        numbers.push((
            range(
                "run",
                "stage_time",
                1.0,
                MAX_STAGE_SECS,
                "a duration from 1s to 24h, e.g. \"60s\" or \"2m\"",
            ),
            Some(secs.unwrap_or(f64::NAN)),
        ));
    }
    for (r, value) in numbers {
        let Some(value) = value else { continue };
        let fits = value.is_finite()
            && value >= r.low
            && value <= r.high
            && (!r.whole || value.fract() == 0.0);
        if !fits {
            let (section, key, hint) = (r.section, r.key, r.hint);
            return Err(at(
                section,
                key,
                format!(
                    "[{section}] {key} = {value} is out of range ({} to {}): give {hint}",
                    r.low, r.high
                ),
            ));
        }
    }
    if let Some(PythonSpec::Argv(argv)) = &cfg.django.python
        && argv.first().is_none_or(|p| p.trim().is_empty())
    {
        return Err(at("django", "python", "[django] python = [] names no program: give one, e.g. [\"poetry\", \"run\", \"python\"] or \".venv/bin/python\"".into()));
    }
    if let Some(PythonSpec::One(p)) = &cfg.django.python
        && p.trim().is_empty()
    {
        return Err(at(
            "django",
            "python",
            "[django] python is empty: give a program, e.g. \".venv/bin/python\"".into(),
        ));
    }
    // Here, where the text is, so that the error names the line (the loader's own check has
    // no text to look in).
    if let Some(format) = &cfg.target.login_format
        && !matches!(format.as_str(), "json" | "form")
    {
        return Err(at(
            "target",
            "login_format",
            format!(
                "[target] login_format = \"{}\": use \"json\" or \"form\"",
                printable(format)
            ),
        ));
    }
    if let Some(dir) = &cfg.django.project_dir {
        let base = path.parent().unwrap_or(Path::new("."));
        if !base.join(dir).is_dir() {
            return Err(at(
                "django",
                "project_dir",
                format!(
                    "[django] project_dir = \"{}\" is not a folder (relative paths start at this file's folder): give the folder that holds manage.py",
                    printable(dir)
                ),
            ));
        }
    }
    Ok(())
}

/// The line that sets `key` inside `[section]`, else the section's header.
pub fn line_of_key(text: &str, section: &str, key: &str) -> Option<usize> {
    // TOML allows a byte-order mark (Notepad writes one): it must not hide the first header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut current = String::new();
    let mut header = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.split(']').next()) {
            current = name.trim().to_string();
            if current == section {
                header = Some(index + 1);
            }
            continue;
        }
        if current == section
            && let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(index + 1);
        }
    }
    header
}

/// Text from the file as it may be shown on a terminal: control characters escaped.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Where in `bytes` UTF-8 stops being valid, as a LoadError naming line and byte.
pub fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error, path: &Path) -> LoadError {
    let at = error.valid_up_to();
    let before = &bytes[..at];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = at
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    LoadError {
        file: path.display().to_string(),
        line: Some(line),
        message: format!(
            "byte {} (column {column}) is 0x{:02X}, not UTF-8 text: save the file as UTF-8",
            at + 1,
            bytes[at]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use std::path::Path;

    fn error_of(text: &str) -> (usize, String) {
        let err = parse(text, Path::new("doctor.toml")).unwrap_err();
        (err.line.unwrap_or(0), err.message)
    }

    #[test]
    fn meaningless_numbers_are_refused_with_their_line() {
        let cases = [
            ("[run]\nstages = [2]\nstage_time = nan\n", 3, "stage_time"),
            ("[run]\nstage_time = \"0s\"\n", 2, "stage_time"),
            ("[run]\nstage_time = 0.0000001\n", 2, "stage_time"),
            ("[run]\nstage_time = \"forever\"\n", 2, "stage_time"),
            ("[run]\nspawn_rate = 2.5\n", 2, "spawn_rate"),
            ("[run]\nspawn_rate = inf\n", 2, "spawn_rate"),
            ("[run]\nworkers = 0\n", 2, "workers"),
            ("[run]\nstages = [0, 5]\n", 2, "stages"),
            ("[targets]\nerror_ratio = -0.1\n", 2, "error_ratio"),
            ("[targets]\np95_ms = inf\n", 2, "p95_ms"),
            ("[targets]\n\ncpu_percent = 1e12\n", 3, "cpu_percent"),
            ("[targets]\nmemory_percent = nan\n", 2, "memory_percent"),
            ("[targets]\nrequests_per_min = 0\n", 2, "requests_per_min"),
            ("[django]\npython = []\n", 2, "python"),
        ];
        for (text, line, key) in cases {
            let (got, message) = error_of(text);
            assert_eq!(got, line, "{text:?}: {message}");
            assert!(message.contains(key), "{text:?}: {message}");
            assert!(message.contains("give"), "says what to do: {message}");
        }
    }

    #[test]
    fn sensible_values_load() {
        let text = "[run]\nstages = [2, 5]\nspawn_rate = 4\nstage_time = \"5s\"\nworkers = 2\n[targets]\ncpu_percent = 101\nmemory_percent = 80\nerror_ratio = 0\np95_ms = 2000\nrequests_per_min = 1\n";
        parse(text, Path::new("doctor.toml")).unwrap();
    }

    #[test]
    fn a_missing_project_dir_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doctor.toml");
        let err = parse("[django]\nproject_dir = \"nope\"\n", &file).unwrap_err();
        assert_eq!(err.line, Some(2));
        std::fs::create_dir(dir.path().join("core")).unwrap();
        parse("[django]\nproject_dir = \"core\"\n", &file).unwrap();
    }

    #[test]
    fn non_utf8_names_line_and_byte_and_echoes_no_control_characters() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doctor.toml");
        std::fs::write(&file, b"[run]\nstages = [2]\n# caf\xE9\x1b[31m\n").unwrap();
        let err = super::super::read(&file).unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(
            err.message.contains("byte 25") && err.message.contains("0xE9"),
            "{err}"
        );
        let err = parse("[target]\nbase_url = \"\u{1b}[2J\"\nbogus = 1\n", &file).unwrap_err();
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
    }
}
