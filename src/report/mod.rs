//! Output of `doctor --check`: plain text for people, JSON for scripts; and the exit code.

pub mod json;
pub mod run;
pub mod text;

use crate::checks::result::{CheckResult, Status};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Counts per status, every status present (0 when none).
pub fn counts(results: &[Arc<CheckResult>]) -> BTreeMap<&'static str, usize> {
    let mut counts: BTreeMap<&'static str, usize> = [
        Status::Pass,
        Status::Warn,
        Status::Fail,
        Status::Skip,
        Status::Error,
    ]
    .iter()
    .map(|s| (s.key(), 0))
    .collect();
    for result in results {
        *counts.entry(result.status.key()).or_default() += 1;
    }
    counts
}

/// The checks the user selected that were skipped only because there is no Django project:
/// nothing was tested, so `--check` must not exit 0 for them.
pub fn not_run_without_project(results: &[Arc<CheckResult>], selected: &[String]) -> Vec<String> {
    results
        .iter()
        .filter(|r| {
            r.status == Status::Skip
                && r.diagnosis.as_deref() == Some(crate::checks::diagnosis::NO_PROJECT)
                && selected.contains(&r.id)
        })
        .map(|r| r.id.clone())
        .collect()
}

/// 0: everything passed (warnings allowed unless strict); 1: something failed.
pub fn exit_code(results: &[Arc<CheckResult>], strict: bool) -> i32 {
    let bad = results.iter().any(|r| {
        matches!(r.status, Status::Fail | Status::Error) || (strict && r.status == Status::Warn)
    });
    i32::from(bad)
}
