//! The plain-text report: one line per pass, cause + fix for everything else.

use crate::checks::result::{CheckResult, Status};
use crate::i18n::{Lang, word};
use std::fmt::Write;
use std::sync::Arc;

pub fn render(results: &[Arc<CheckResult>], lang: Lang, header: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{header}");
    let id_width = results.iter().map(|r| r.id.len()).max().unwrap_or(4);
    for result in results {
        let status = pad(word(lang, result.status.key()), 6);
        let _ = writeln!(
            out,
            " {} {status} {:<id_width$}  {}  ({} ms)",
            result.status.mark(),
            result.id,
            result.summary.get(lang),
            result.duration_ms
        );
        if matches!(result.status, Status::Pass | Status::Skip) {
            continue;
        }
        detail(&mut out, result, lang);
    }
    let counts = super::counts(results);
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{} {n}", word(lang, k)))
        .collect();
    let _ = writeln!(out, "{}: {}", word(lang, "summary"), parts.join(", "));
    out
}

fn detail(out: &mut String, result: &CheckResult, lang: Lang) {
    let pad = "          ";
    if !result.title.is_empty() {
        let section = if result.section.is_empty() {
            String::new()
        } else {
            format!(
                " [{} {}]",
                word(lang, "guide"),
                crate::i18n::section_title(lang, &result.section)
            )
        };
        let _ = writeln!(out, "{pad}{}{section}", result.title.get(lang));
    }
    if let Some(location) = &result.location {
        let at = location.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(out, "{pad}@ {}{at}", location.file);
    }
    if let Some(cause) = &result.cause {
        let _ = writeln!(out, "{pad}{}: {}", word(lang, "cause"), cause.get(lang));
    }
    if let Some(detail) = &result.detail {
        for line in detail.get(lang).lines() {
            let _ = writeln!(out, "{pad}  {line}");
        }
    }
    if let Some(fix) = &result.fix {
        let _ = writeln!(
            out,
            "{pad}{}: {}",
            word(lang, "fix"),
            fix.get(lang).replace('\n', &format!("\n{pad}  "))
        );
    }
    if let Some(code) = &result.code {
        for line in code.trim_end().lines() {
            let _ = writeln!(out, "{pad}    {line}");
        }
    }
    if !result.evidence.is_empty() {
        let evidence: Vec<String> = result
            .evidence
            .iter()
            .filter(|e| !e.value.is_empty())
            .map(|e| format!("{}={}", e.key, e.value))
            .collect();
        let _ = writeln!(
            out,
            "{pad}{}: {}",
            word(lang, "evidence"),
            evidence.join("; ")
        );
    }
    for fix in &result.fixes {
        let _ = writeln!(
            out,
            "{pad}→ doctor fix {}  ({})",
            fix.id,
            fix.title.get(lang)
        );
    }
}

/// Pad to a display width: Korean characters take two columns.
fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}
