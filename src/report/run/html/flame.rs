//! A stage's flame graph inside the page: the SVG file of the run folder embedded as a base64
//! data URI (so the page stays one file), with a link to the file itself.

use super::{esc, tr};
use crate::encoding::base64;
use crate::i18n::Lang;
use crate::load::RunReport;
use std::fmt::Write;

/// The flame graph `name` (a file in the run folder), or why it cannot be read.
pub(super) fn flame_graph(h: &mut String, report: &RunReport, name: &str, lang: Lang) {
    let _ = writeln!(h, "<h4>{}</h4>", tr(lang, "Flame graph", "플레임 그래프"));
    match std::fs::read(report.run_dir.join(name)) {
        Ok(bytes) => {
            let _ = writeln!(
                h,
                "<figure class=\"flame\"><img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\"><figcaption>{} <a href=\"{}\"><code>{}</code></a></figcaption></figure>",
                esc(tr(lang, "flame graph", "플레임 그래프")),
                base64(&bytes),
                tr(
                    lang,
                    "Width: share of samples. Searchable and zoomable in its own file:",
                    "너비: 샘플 비중. 검색과 확대는 원본 파일에서:"
                ),
                esc(name),
                esc(name)
            );
        }
        Err(e) => {
            let _ = writeln!(
                h,
                "<p class=\"note\">{} <code>{}</code>: {}</p>",
                tr(
                    lang,
                    "Cannot read the flame graph",
                    "플레임 그래프를 읽을 수 없음"
                ),
                esc(name),
                esc(&e.to_string())
            );
        }
    }
}
