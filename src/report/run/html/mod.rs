//! The run report as one self-contained HTML page (`report.html`): inline CSS, charts drawn as
//! inline SVG, the flame graphs embedded as data URIs. No scripts, no fonts or files fetched:
//! it opens offline, from a mail attachment as well as from the run folder.
//!
//! This module owns what the page's parts share (escaping, words, number formats, a figure);
//! each part is drawn in its own file.

use crate::i18n::Lang;
use crate::load::RunReport;
use std::fmt::Write;

pub mod charts;
mod failures;
mod flame;
mod layout;
mod over_time;
mod profile;
mod stage;
mod stage_table;
mod timeline;
mod waits;

pub use crate::encoding::base64;
pub use layout::render;

/// Text for HTML (element content and quoted attributes alike).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Write `report.html` into the run's folder; returns its file name.
pub fn save_html(report: &RunReport, lang: Lang) -> std::io::Result<String> {
    std::fs::create_dir_all(&report.run_dir)?;
    let name = "report.html";
    std::fs::write(report.run_dir.join(name), render(report, lang))?;
    Ok(name.to_string())
}

/// English or Korean.
fn tr(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    if lang == Lang::Ko { ko } else { en }
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{} ms", charts::number(v, 1.0)))
        .unwrap_or_else(|| "-".into())
}

fn pct(v: Option<f32>) -> String {
    v.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "-".into())
}

fn share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn stage_users(lang: Lang, users: u32) -> String {
    match lang {
        Lang::Ko => format!("사용자 {users}명"),
        Lang::En => format!("{users} users"),
    }
}

/// A chart in its figure: the heading, the drawing, its legend and its captions.
fn figure(h: &mut String, title: &str, svg: &str, legend: &str, notes: &[String]) {
    let _ = writeln!(
        h,
        "<figure>\n<h3>{}</h3>\n{svg}\n{legend}\n<figcaption>{}</figcaption>\n</figure>",
        esc(title),
        notes
            .iter()
            .map(|n| esc(n))
            .collect::<Vec<_>>()
            .join("<br>")
    );
}

#[cfg(test)]
mod tests;
