//! The locustfile's PASS names only what was checked: an aspect the file does not have (no
//! FastHttpUser: no timeouts to check; no 400 branch: no 400 handling) is not claimed.

use crate::i18n::Text;
use crate::locustfile::Locustfile;
use crate::locustfile::executed::Execution;

/// The aspects checked and found right, as one list in both languages.
pub fn checked(file: &Locustfile, text: &str, run: Option<&Execution>, notes: &[String]) -> Text {
    let mut said: Vec<(String, String)> = Vec::new();
    let mut add = |e: String, k: String| said.push((e, k));
    if let Some(run) = run.filter(|r| r.mode == "django") {
        let n = run.requests().count();
        add(
            format!("executed once: {n} requests"),
            format!("한 번 실행함: 요청 {n}건"),
        );
    }
    let header_per_request = match run {
        Some(run) => run
            .requests()
            .any(|(_, r)| r.auth.as_deref() == Some("set")),
        None => text.contains("headers="),
    };
    if header_per_request {
        add("headers per request".into(), "요청별 headers".into());
    }
    if file.user_classes.iter().any(|c| c.fast_http) {
        add("timeouts".into(), "타임아웃".into());
    }
    let refresh = run.is_some_and(|r| r.users.iter().any(|u| u.token_refresh.is_some()));
    if refresh {
        add("token refresh".into(), "토큰 갱신".into());
    } else if notes.iter().any(|n| n.starts_with("token refresh")) {
        add(
            "token lifetime covers the run".into(),
            "토큰 유효시간이 실행 시간보다 김".into(),
        );
    }
    if text.contains("catch_response=True") && text.contains("400") {
        add("400 handling".into(), "400 처리".into());
    }
    if said.is_empty() {
        said.push(("nothing else to check".into(), "더 확인할 항목 없음".into()));
    }
    let (en, ko): (Vec<String>, Vec<String>) = said.into_iter().unzip();
    Text::new(en.join(", "), ko.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_http_user_without_400_branch_claims_neither() {
        let text = "from locust import HttpUser, task\nclass U(HttpUser):\n    @task\n    def t(self):\n        self.client.get('/a/', headers={'X': '1'})\n";
        let file = Locustfile::parse(text);
        let said = checked(&file, text, None, &[]);
        assert_eq!(said.en, "headers per request");
        assert!(!said.en.contains("timeouts") && !said.en.contains("400"));
    }
}
