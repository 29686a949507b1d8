//! The JSON report (schema in README.md, "JSON output"): texts in the chosen language.

use crate::checks::result::CheckResult;
use crate::i18n::Lang;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn render(results: &[Arc<CheckResult>], lang: Lang, target: Value, exit_code: i32) -> Value {
    let checks: Vec<Value> = results.iter().map(|r| check(r, lang)).collect();
    let mut summary = json!(super::counts(results));
    summary["total"] = json!(results.len());
    json!({
        "doctor_version": env!("CARGO_PKG_VERSION"),
        "lang": lang,
        "target": target,
        "checks": checks,
        "summary": summary,
        "exit_code": exit_code,
    })
}

fn check(result: &CheckResult, lang: Lang) -> Value {
    let mut value = json!({
        "id": result.id,
        "title": result.title.get(lang),
        "section": result.section,
        "status": result.status,
        "summary": result.summary.get(lang),
        "evidence": result.evidence,
        "duration_ms": result.duration_ms,
    });
    let text = |t: &Option<crate::i18n::Text>| t.as_ref().map(|t| t.get(lang).to_string());
    for (key, field) in [
        ("diagnosis", result.diagnosis.clone()),
        ("cause", text(&result.cause)),
        ("fix", text(&result.fix)),
        ("code", result.code.clone()),
        ("detail", text(&result.detail)),
    ] {
        if let Some(v) = field {
            value[key] = json!(v);
        }
    }
    if let Some(location) = &result.location {
        value["location"] = json!(location);
    }
    if !result.fixes.is_empty() {
        value["fixes"] = result
            .fixes
            .iter()
            .map(|f| json!({ "id": f.id, "title": f.title.get(lang) }))
            .collect();
    }
    value
}
