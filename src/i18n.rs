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

/// Names and identifiers that may stand in Korean text as they are: products, tools, units.
const ALLOWED_WORDS: &[&str] = &[
    // Keys as the help and footers name them.
    "enter",
    "tab",
    "esc",
    "space",
    "backspace",
    "ctrl",
    "django",
    "locust",
    "debug",
    "silk",
    "postgresql",
    "postgres",
    "sqlite",
    "mysql",
    "jwt",
    "gunicorn",
    "uvicorn",
    "runserver",
    "fasthttpuser",
    "httpuser",
    "p50",
    "p95",
    "p99",
    "cpu",
    "rest",
    "framework",
    "drf",
    "doctor",
    "python",
    "locustfile",
    "simplejwt",
    "pip",
    "venv",
    "ms",
    "req",
    "rps",
    "ok",
    "id",
    "url",
    "api",
    "http",
    "https",
    "ctrl",
    "tcp",
    "ip",
    "ipv6",
    "json",
    "toml",
    "markdown",
    "tui",
    "linux",
    "macos",
    "gevent",
    "uuid",
];

/// Words of a status that must be worded in Korean even though they look like shouted acronyms.
const STATUS_WORDS: &[&str] = &["PASS", "FAIL", "WARN", "SKIP", "ERROR", "RUN", "WAIT"];

/// English prose left in a (Korean) text: each run of two or more consecutive ASCII words that
/// are neither identifiers nor names. Code (fenced and in backticks), URLs, paths, quoted
/// strings and `key=value` / `key: value` keys are left out first.
pub fn english_fragments(text: &str) -> Vec<String> {
    let mut fragments = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let line = strip_delimited(&strip_delimited(line, '`', '`'), '"', '"');
        let line = strip_delimited(&line, '“', '”');
        let mut run: Vec<String> = Vec::new();
        let mut flush = |run: &mut Vec<String>| {
            if run.len() >= 2 {
                fragments.push(run.join(" "));
            }
            run.clear();
        };
        if is_code_line(&line) {
            continue;
        }
        // After an HTTP status code its reason phrase follows ("404 Not Found"): a name.
        let mut after_status = false;
        for token in line.split_whitespace() {
            let status = token.len() == 3 && token.chars().all(|c| c.is_ascii_digit());
            if after_status && token.starts_with(|c: char| c.is_ascii_uppercase()) {
                continue;
            }
            after_status = status;
            // A list ("users, auth") or a parenthesis is no sentence going on.
            if token.starts_with('(') {
                flush(&mut run);
            }
            match prose_word(token) {
                Some(word) => run.push(word.to_string()),
                None => flush(&mut run),
            }
            if token.ends_with([',', ';', ':', ')']) {
                flush(&mut run);
            }
        }
        flush(&mut run);
    }
    fragments
}

/// A line of code or a command shown as it is typed (`from x import y`, `python manage.py ...`).
fn is_code_line(line: &str) -> bool {
    let line = line.trim_start();
    let first = line.split_whitespace().next().unwrap_or("");
    (first == "from" && line.contains(" import "))
        || [
            "import", "python", "python3", "pip", "gunicorn", "locust", "cd", "export", "curl", "$",
        ]
        .contains(&first)
}

/// `text` without the spans between `open` and `close` (an unclosed span is kept).
fn strip_delimited(text: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len_utf8()..];
        let Some(end) = after.find(close) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &after[end + close.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The token as an English prose word, or None when it is code, a name, a number, a key or not
/// English at all.
fn prose_word(token: &str) -> Option<&str> {
    if token.contains("://") || token.contains('/') || token.contains('=') || token.contains('\\') {
        return None;
    }
    let word = token.trim_matches(|c: char| ",.;:!?()[]{}'…·—-".contains(c));
    if (word.len() < 2 && word != "a")
        || !word
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-')
    {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    if ALLOWED_WORDS.contains(&lower.as_str()) {
        return None;
    }
    let upper = word.chars().filter(char::is_ascii_uppercase).count();
    // Acronyms (GET, HTTP) and CamelCase names (AttributeError) are identifiers; status words
    // are not.
    if upper == word.len() && !STATUS_WORDS.contains(&word) {
        return None;
    }
    if word.chars().skip(1).any(|c| c.is_ascii_uppercase()) && upper < word.len() {
        return None;
    }
    Some(word)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_status_phrases_and_code_lines_are_not_prose() {
        assert!(english_fragments("(users, auth 점검 참고)").is_empty());
        assert!(english_fragments("GET / → 404 Not Found (16 ms)").is_empty());
        assert!(
            english_fragments("    from apps.products.models import Product, ProductStock")
                .is_empty()
        );
        assert_eq!(english_fragments("- pass port: 대기 중"), vec!["pass port"]);
    }

    #[test]
    fn english_prose_in_korean_is_found() {
        assert_eq!(
            english_fragments("해당 없음: no product with stock to reserve"),
            vec!["no product with stock to reserve"]
        );
        assert_eq!(
            english_fragments("- fail users: 3\n메시지: a blocking check failed"),
            vec!["fail users", "a blocking check failed"]
        );
        assert_eq!(english_fragments("결과: FAIL PASS"), vec!["FAIL PASS"]);
    }

    #[test]
    fn code_names_paths_keys_and_quotes_are_not_prose() {
        let text = "Django REST framework 설치 필요: `pip install djangorestframework`\n\
            ```python\nself.client.get(\"/api/products/\")\n```\n\
            서버 응답 \"database is locked\" · https://example.com/a b\n\
            측정값: exit_code=3 path=/tmp/doctor dir: ./a/b\n\
            FastHttpUser PostgreSQL SQLite DEBUG Silk JWT gunicorn runserver p95 CPU 사용률\n\
            AttributeError: 'FastHttpSession' object 원인 GET POST";
        assert_eq!(english_fragments(text), Vec::<String>::new());
    }

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
