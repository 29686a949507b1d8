//! What a check run produces: a status, a short summary, evidence, and cause + fix when not passing.

use crate::i18n::Text;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Skip,
    Fail,
    Error,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }

    /// A mark that reads without colour.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
            Status::Skip => "-",
            Status::Error => "?",
        }
    }

    /// A dependent check may run only after its needs passed or warned.
    pub fn lets_dependents_run(self) -> bool {
        matches!(self, Status::Pass | Status::Warn)
    }
}

/// One measured fact, language-neutral (`key: value`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub key: String,
    pub value: String,
}

/// A place in the user's files the result points at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: Option<usize>,
}

/// What a probe reports; the runner turns it into a [`CheckResult`] with the check's texts.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub status: Option<Status>,
    pub summary: Text,
    /// Key into the check's `diagnoses`, for the cause and fix texts.
    pub diagnosis: Option<String>,
    pub evidence: Vec<Evidence>,
    pub location: Option<Location>,
    /// Machine-readable facts for dependent checks (e.g. the listening pid).
    pub facts: serde_json::Value,
    /// A detail from the probe that adds to the check's cause (e.g. the server's error text).
    pub detail: Option<Text>,
    /// Code for this project (e.g. its own gunicorn command), shown instead of the check file's.
    pub code: Option<String>,
}

impl Outcome {
    pub fn new(status: Status, summary: Text) -> Outcome {
        Outcome {
            status: Some(status),
            summary,
            ..Outcome::default()
        }
    }

    pub fn pass(summary: Text) -> Outcome {
        Outcome::new(Status::Pass, summary)
    }

    pub fn warn(diagnosis: &str, summary: Text) -> Outcome {
        Outcome::new(Status::Warn, summary).diagnosed(diagnosis)
    }

    pub fn fail(diagnosis: &str, summary: Text) -> Outcome {
        Outcome::new(Status::Fail, summary).diagnosed(diagnosis)
    }

    pub fn skip(summary: Text) -> Outcome {
        Outcome::new(Status::Skip, summary)
    }

    pub fn diagnosed(mut self, diagnosis: &str) -> Outcome {
        self.diagnosis = Some(diagnosis.to_string());
        self
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Outcome {
        self.evidence.push(Evidence {
            key: key.to_string(),
            value: value.to_string(),
        });
        self
    }

    pub fn with_facts(mut self, facts: serde_json::Value) -> Outcome {
        self.facts = facts;
        self
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Outcome {
        self.code = Some(code.into());
        self
    }

    pub fn with_detail(mut self, detail: Text) -> Outcome {
        self.detail = Some(detail);
        self
    }

    pub fn at(mut self, file: impl Into<String>, line: Option<usize>) -> Outcome {
        self.location = Some(Location {
            file: file.into(),
            line,
        });
        self
    }
}

/// A fix offered for a result, as shown to the user.
#[derive(Clone, Debug, Serialize)]
pub struct OfferedFix {
    pub id: String,
    pub title: Text,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub title: Text,
    pub section: String,
    pub status: Status,
    pub summary: Text,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<OfferedFix>,
    pub duration_ms: u64,
    #[serde(skip)]
    pub facts: serde_json::Value,
}
