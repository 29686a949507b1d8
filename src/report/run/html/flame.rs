//! A stage's flame graph inside the page: the SVG file of the run folder embedded as a base64
//! data URI (so the page stays one file), with a link to the file itself.

use super::{esc, tr};
use crate::i18n::Lang;
use crate::load::RunReport;
use std::fmt::Write;

/// Standard base64 with padding (RFC 4648), for the embedded flame graphs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }
}
