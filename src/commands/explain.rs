//! `doctor explain [SECTION]`: the troubleshooting guide in doctor's own words, from docs/,
//! embedded in the binary so it travels with it.

use crate::i18n::Lang;
use crate::outln;

const GUIDE_EN: &str = include_str!("../../docs/guide.md");
const GUIDE_KO: &str = include_str!("../../docs/guide.ko.md");
const MARKER: &str = "<!-- section: ";

/// One section of the guide: its id (`4`, `tip2`), heading and text.
pub struct Section<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub text: &'a str,
}

/// The sections of the guide in `lang`, in order.
pub fn sections(lang: Lang) -> Vec<Section<'static>> {
    let guide = match lang {
        Lang::En => GUIDE_EN,
        Lang::Ko => GUIDE_KO,
    };
    guide
        .split(MARKER)
        .skip(1)
        .filter_map(|chunk| {
            let (id, text) = chunk.split_once(" -->")?;
            let text = text.trim();
            let title = text.lines().next()?.trim_start_matches('#').trim();
            Some(Section { id, title, text })
        })
        .collect()
}

/// `§4`, `4`, `tip 2`, `Tip2`, `debug.2` (a check's section) all name the same sections.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '§' | '.' | ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn explain_command(section: Option<&str>, lang: Lang) -> Result<u8, String> {
    let all = sections(lang);
    let Some(name) = section else {
        for s in &all {
            outln!(
                "{:<7} {}",
                s.id,
                s.title.split_once(" — ").map_or(s.title, |t| t.1)
            );
        }
        outln!(
            "\n{}",
            if lang == Lang::Ko {
                "한 항목 보기: doctor explain 항목 (예: doctor explain 4, doctor explain tip2)"
            } else {
                "One section: doctor explain SECTION (e.g. doctor explain 4, doctor explain tip2)"
            }
        );
        return Ok(0);
    };
    let wanted = normalize(name);
    match all.iter().find(|s| s.id == wanted) {
        Some(s) => {
            outln!("{}", s.text);
            Ok(0)
        }
        None => {
            let ids: Vec<&str> = all.iter().map(|s| s.id).collect();
            Err(if lang == Lang::Ko {
                format!("'{name}' 항목이 없습니다. 항목: {}", ids.join(", "))
            } else {
                format!(
                    "no section '{name}' in the guide; sections: {}",
                    ids.join(", ")
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_sections() {
        let en: Vec<&str> = sections(Lang::En).iter().map(|s| s.id).collect();
        let ko: Vec<&str> = sections(Lang::Ko).iter().map(|s| s.id).collect();
        assert_eq!(en, ko);
        assert_eq!(
            en,
            [
                "1", "2", "3", "4", "5", "tip1", "tip2", "tip3", "debug1", "debug2", "debug3",
                "load1", "load2", "load3"
            ]
        );
    }

    #[test]
    fn section_names_are_forgiving() {
        assert_eq!(normalize("§4"), "4");
        assert_eq!(normalize("Tip 2"), "tip2");
        assert_eq!(normalize("debug.2"), "debug2");
    }
}
