//! Numbers in a check file that parse but mean nothing (`timeout_s = nan`, `1e308`, a negative
//! threshold) are refused when the file is read, naming file:line, so the runner never meets them.

use super::model::CheckDef;
use crate::errors::{LoadError, line_of};

/// The longest a single check may wait: longer is a typo, and would leave doctor hanging.
pub const MAX_TIMEOUT_S: f64 = 3600.0;
/// Shorter than this no probe can answer; the runner would report a timeout every time.
pub const MIN_TIMEOUT_S: f64 = 0.1;

/// Thresholds that compare with measured values that may be below zero (an SQL count, a delta).
const SIGNED_THRESHOLDS: &[&str] = &["min", "max"];

/// Is `secs` a timeout the runner can wait for?
pub fn usable_timeout(secs: f64) -> bool {
    secs.is_finite() && (MIN_TIMEOUT_S..=MAX_TIMEOUT_S).contains(&secs)
}

/// Refuse a check whose numbers are out of range; `text` is the file's source, for the line.
pub fn validate(def: &CheckDef, text: &str, file: &str) -> Result<(), LoadError> {
    if !usable_timeout(def.timeout_s) {
        return Err(LoadError {
            file: file.to_string(),
            line: line_of_key(text, "timeout_s"),
            message: format!(
                "timeout_s = {} is not usable: give a number of seconds from {MIN_TIMEOUT_S} to {MAX_TIMEOUT_S}, e.g. timeout_s = 10",
                def.timeout_s
            ),
        });
    }
    for (key, value) in &def.thresholds {
        let number = value
            .as_float()
            .or_else(|| value.as_integer().map(|i| i as f64));
        let Some(number) = number else {
            return Err(LoadError {
                file: file.to_string(),
                line: line_of_key(text, key),
                message: format!("[thresholds] {key} must be a number, not {value}"),
            });
        };
        let signed = SIGNED_THRESHOLDS.contains(&key.as_str());
        if !number.is_finite() || (!signed && number < 0.0) {
            let wanted = if signed {
                "a finite number"
            } else {
                "a finite number, zero or more"
            };
            return Err(LoadError {
                file: file.to_string(),
                line: line_of_key(text, key),
                message: format!("[thresholds] {key} = {number} is out of range: give {wanted}"),
            });
        }
    }
    Ok(())
}

/// The line that assigns `key` (`key =` at the start of a line), else its first mention.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(line_of(text, offset));
        }
        offset += line.len();
    }
    text.find(key).map(|at| line_of(text, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::model::Origin;
    use crate::checks::registry::parse_check;

    fn check_with(extra: &str) -> String {
        format!("id = \"x\"\ntitle = {{ en = \"t\" }}\nprobe = \"resources\"\n{extra}\n")
    }

    fn error_of(extra: &str) -> LoadError {
        parse_check(&check_with(extra), Origin::File("x.toml".into())).unwrap_err()
    }

    #[test]
    fn absurd_timeouts_are_refused_with_their_line() {
        for value in [
            "1e308",
            "18446744073709551615",
            "nan",
            "inf",
            "-1",
            "0",
            "0.0000001",
        ] {
            let err = error_of(&format!("timeout_s = {value}"));
            assert_eq!(err.line, Some(4), "{value}: {err}");
            assert!(err.message.contains("timeout_s"), "{value}: {err}");
            assert!(err.to_string().starts_with("x.toml:4:"), "{err}");
        }
        assert!(parse_check(&check_with("timeout_s = 30"), Origin::File("x.toml".into())).is_ok());
    }

    #[test]
    fn thresholds_must_be_finite_and_not_negative() {
        let err = error_of("[thresholds]\ncpu_percent_max = nan");
        assert_eq!(err.line, Some(5), "{err}");
        let err = error_of("[thresholds]\ncpu_percent_max = -5");
        assert!(err.message.contains("cpu_percent_max"), "{err}");
        let err = error_of("[thresholds]\nmemory_percent_max = \"high\"");
        assert!(err.message.contains("must be a number"), "{err}");
    }
}
