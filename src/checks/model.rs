//! The check definition: what a file under `checks/` (or `doctor.d/`) says.

use crate::i18n::Text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where a check was defined: compiled in, or a user's file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum Origin {
    Builtin(String),
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "built-in checks/{name}"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// Stable id, used by `--check` and `needs`.
    pub id: String,
    pub title: Text,
    /// The guide section this check stands for, e.g. "4" or "tips.1"; groups the checklist.
    #[serde(default)]
    pub section: String,
    /// Position in lists (lower first); ties sort by id. Built-ins follow the guide's order.
    #[serde(default = "default_order")]
    pub order: i64,
    /// Which Rust probe does the work (see `checks::kinds::KINDS`).
    pub probe: String,
    /// Checks that must pass (or warn) first; when one does not, this check is skipped.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Checks whose results this one reads if they exist, without requiring them to pass.
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
    /// Parameters handed to the probe as they are.
    #[serde(default)]
    pub params: toml::Table,
    /// Limits the probe judges against (e.g. `cpu_percent_max = 80`).
    #[serde(default)]
    pub thresholds: toml::Table,
    /// Texts per diagnosis the probe can return; `default` serves any diagnosis without its own.
    #[serde(default)]
    pub diagnoses: BTreeMap<String, Diagnosis>,
    #[serde(default)]
    pub fixes: Vec<FixDef>,
    #[serde(skip, default = "unknown_origin")]
    pub origin: Origin,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub cause: Text,
    pub fix: Text,
    /// Code from the guide that shows the fix, shown as code.
    #[serde(default)]
    pub code: Option<String>,
}

/// A fix a check carries: what it is, what it runs, and which diagnoses it clears.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FixDef {
    pub id: String,
    pub title: Text,
    /// Diagnoses this fix applies to; empty means any non-passing result.
    #[serde(default, rename = "for")]
    pub for_diagnoses: Vec<String>,
    /// What the fix does.
    pub action: FixAction,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum FixAction {
    /// `python manage.py ARGS...` with the project's own interpreter, no shell.
    Manage(Vec<String>),
    /// A program and its arguments, run in the project dir, no shell.
    Command(Vec<String>),
    /// A fix built into doctor, by name (e.g. `start_server`).
    Builtin(String),
}

fn default_order() -> i64 {
    100
}

fn default_timeout() -> f64 {
    10.0
}

fn unknown_origin() -> Origin {
    Origin::Builtin(String::new())
}

impl CheckDef {
    pub fn diagnosis(&self, key: Option<&str>) -> Option<&Diagnosis> {
        key.and_then(|k| self.diagnoses.get(k))
            .or_else(|| self.diagnoses.get("default"))
    }

    /// The fixes that apply to a result with this diagnosis.
    pub fn fixes_for(&self, diagnosis: Option<&str>) -> Vec<&FixDef> {
        self.fixes
            .iter()
            .filter(|f| {
                f.for_diagnoses.is_empty()
                    || diagnosis.is_some_and(|d| f.for_diagnoses.iter().any(|x| x == d))
            })
            .collect()
    }
}
