//! The run report's fixed words in Korean: check statuses and the run's closing message (made
//! in English by the run loop, worded here for the report).

use crate::i18n::Lang;
use crate::load::RunReport;

/// `pass` → "통과" (Korean) / "pass" (English): a check's status as the report shows it.
pub fn status(status: &str, lang: Lang) -> String {
    match (lang, status) {
        (Lang::En, _) => status.to_string(),
        (Lang::Ko, "pass" | "warn" | "fail" | "skip" | "error") => {
            crate::i18n::word(lang, status).to_string()
        }
        (Lang::Ko, other) => other.to_string(),
    }
}

/// The closing message in `lang`. The run loop words it in English; the Korean report says the
/// same from the report's own facts (the failed checks are listed by id above).
pub fn message(message: &str, report: &RunReport, lang: Lang) -> String {
    if lang == Lang::En {
        return message.to_string();
    }
    let after = |prefix: &str| message.strip_prefix(prefix).map(str::trim);
    if message.starts_with("a blocking check failed, no load was sent") {
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == "fail" || c.status == "error")
            .map(|c| c.id.as_str())
            .collect();
        return format!(
            "차단 점검이 실패해 부하를 보내지 않음 (그래도 실행하려면 `--force`): {}",
            failed.join(", ")
        );
    }
    if let Some(error) = after("Locust did not start:") {
        return format!("Locust가 시작되지 않음: {error}");
    }
    if let Some(error) = after("Locust exited while waiting for workers:") {
        return format!("워커를 기다리는 중 Locust가 종료됨: {error}");
    }
    if let Some(rest) = after("only")
        && let Some((count, rest)) = rest.split_once(" of ")
        && let Some((expected, _)) = rest.split_once(' ')
    {
        return format!("Locust 워커 {expected}개 중 {count}개만 연결됨");
    }
    if let Some(rest) = after("cannot create")
        && let Some((dir, error)) = rest.split_once(": ")
    {
        return format!("{dir}을(를) 만들 수 없음: {error}");
    }
    match message {
        "interrupted during the checks" => "점검 중 중단됨".into(),
        "interrupted while Locust started" => "Locust 시작 중 중단됨".into(),
        "interrupted while waiting for workers" => "워커를 기다리는 중 중단됨".into(),
        "interrupted (Ctrl-C or SIGTERM): Locust stopped, partial report saved" => {
            "중단됨 (Ctrl-C 또는 SIGTERM): Locust 중지, 지금까지의 보고서 저장".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_korean_words() {
        assert_eq!(status("fail", Lang::Ko), "실패");
        assert_eq!(status("pass", Lang::Ko), "통과");
        assert_eq!(status("warn", Lang::Ko), "경고");
        assert_eq!(status("skip", Lang::Ko), "건너뜀");
        assert_eq!(status("fail", Lang::En), "fail");
    }
}
