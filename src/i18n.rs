//! Korean and English: the language choice and the texts that live in code.
//! Check texts (titles, causes, fixes) live in the check files, not here.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ko,
    #[default]
    En,
}

impl Lang {
    /// LANG/LC_ALL starting with `ko` means Korean; everything else English.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var) {
                if value.is_empty() {
                    continue;
                }
                return if value.to_lowercase().starts_with("ko") {
                    Lang::Ko
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_lowercase().as_str() {
            "ko" | "kr" | "korean" | "한국어" => Some(Lang::Ko),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }
}

/// A text in both languages. Probes build these for summaries that carry numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Text {
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub ko: String,
}

impl Text {
    pub fn new(en: impl Into<String>, ko: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            ko: ko.into(),
        }
    }

    /// The text in `lang`, falling back to the other language when one is missing.
    pub fn get(&self, lang: Lang) -> &str {
        let (first, second) = match lang {
            Lang::Ko => (&self.ko, &self.en),
            Lang::En => (&self.en, &self.ko),
        };
        if first.is_empty() { second } else { first }
    }

    pub fn is_empty(&self) -> bool {
        self.en.is_empty() && self.ko.is_empty()
    }
}

/// `t!("english {}", x; "한국어 {}", x)` builds a [`Text`] from two format strings.
#[macro_export]
macro_rules! t {
    ($en:literal $(, $ea:expr)* ; $ko:literal $(, $ka:expr)* $(,)?) => {
        $crate::i18n::Text::new(format!($en $(, $ea)*), format!($ko $(, $ka)*))
    };
}

/// Fixed words of the interface, by language.
pub fn word(lang: Lang, key: &str) -> &'static str {
    let pair: (&str, &str) = match key {
        "pass" => ("PASS", "통과"),
        "warn" => ("WARN", "경고"),
        "fail" => ("FAIL", "실패"),
        "skip" => ("SKIP", "건너뜀"),
        "error" => ("ERROR", "오류"),
        "running" => ("RUN", "실행 중"),
        "pending" => ("WAIT", "대기"),
        "cause" => ("Cause", "원인"),
        "fix" => ("Fix", "해결"),
        "evidence" => ("Evidence", "측정값"),
        "guide" => ("Guide", "가이드"),
        "fixes" => ("Available fixes", "자동 해결"),
        "summary" => ("Summary", "요약"),
        "duration" => ("took", "소요"),
        "defined_in" => ("defined in", "정의 위치"),
        _ => ("?", "?"),
    };
    match lang {
        Lang::En => pair.0,
        Lang::Ko => pair.1,
    }
}

/// The guide's section a check belongs to, as a heading: `"4"` → "§4 JWT authentication".
/// Unknown ids (a user's own sections) are shown as written.
pub fn section_title(lang: Lang, section: &str) -> String {
    let (en, ko) = match section {
        "1" => ("§1 FastHttpSession headers", "§1 FastHttpSession 헤더 오류"),
        "2" => (
            "§2 ReservationResult serializer",
            "§2 ReservationResult 시리얼라이저 오류",
        ),
        "3" => ("§3 Django settings", "§3 Django 설정 문제"),
        "4" => ("§4 JWT authentication", "§4 JWT 인증 실패"),
        "5" => ("§5 Out of stock", "§5 재고 부족 오류"),
        "debug.1" => ("Debugging 1 · verbose logging", "디버깅 1 · 상세 로깅"),
        "debug.2" => ("Debugging 2 · Django Silk", "디버깅 2 · Django Silk"),
        "debug.3" => (
            "Debugging 3 · network monitoring",
            "디버깅 3 · 네트워크 모니터링",
        ),
        "load" => ("Before a load run", "부하 테스트 준비"),
        "load.1" => ("Load 1 · staged load", "부하 1 · 단계적 부하 증가"),
        "load.2" => ("Load 2 · resources", "부하 2 · 리소스 모니터링"),
        "load.3" => ("Load 3 · targets", "부하 3 · 성능 목표"),
        other => return format!("§{other}"),
    };
    match lang {
        Lang::En => en.to_string(),
        Lang::Ko => ko.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_the_other_language() {
        let only_en = Text::new("hello", "");
        assert_eq!(only_en.get(Lang::Ko), "hello");
        let both = Text::new("hello", "안녕");
        assert_eq!(both.get(Lang::Ko), "안녕");
        assert_eq!(both.get(Lang::En), "hello");
    }

    #[test]
    fn parses_language_names() {
        assert_eq!(Lang::parse("KO"), Some(Lang::Ko));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
