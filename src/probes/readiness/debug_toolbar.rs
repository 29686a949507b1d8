//! `debug_toolbar` aspect: django-debug-toolbar instruments every request from INTERNAL_IPS —
//! loopback, exactly where Locust runs — rendering its panels and recording the SQL of each one.
//! Django's settings say whether it is installed; a GET of base_url confirms it is shown.

use super::super::Input;
use crate::checks::result::Outcome;
use crate::t;
use serde_json::Value;

/// What the settings say about the toolbar.
#[derive(Debug, Default, PartialEq)]
pub struct ToolbarSettings {
    pub app: bool,
    pub middleware: bool,
    pub debug: bool,
    pub internal_ips: Vec<String>,
}

/// The toolbar seen in a page the running server answered: the marker that gave it away.
pub fn seen_in(headers: &[(String, String)], body: &str) -> Option<String> {
    if let Some((name, _)) = headers
        .iter()
        .find(|(name, _)| name.to_ascii_lowercase().starts_with("djdt"))
    {
        return Some(format!("header {name}"));
    }
    ["id=\"djDebug\"", "djdt"]
        .into_iter()
        .find(|marker| body.contains(marker))
        .map(|marker| format!("markup {marker}"))
}

/// The verdict from the settings and, when the server could be asked, what it answered.
pub fn judge(settings: &ToolbarSettings, seen: Option<&str>) -> Outcome {
    let loopback = settings
        .internal_ips
        .iter()
        .any(|ip| ip.starts_with("127.") || ip == "::1" || ip == "localhost");
    let ips = if settings.internal_ips.is_empty() {
        "[]".to_string()
    } else {
        settings.internal_ips.join(", ")
    };
    let outcome = match seen {
        Some(marker) => {
            // "header X" / "markup Y" read in Korean too: only the marker itself is code.
            let marker_ko =
                marker
                    .replacen("header ", "헤더 ", 1)
                    .replacen("markup ", "마크업 ", 1);
            Outcome::warn(
                "toolbar_on",
                t!("the running server answers with django-debug-toolbar ({marker}): every load-test request renders its panels and records its SQL"; "실행 중인 서버가 django-debug-toolbar와 함께 응답함 ({marker_ko}): 부하 테스트의 모든 요청이 패널을 렌더링하고 SQL을 기록함"),
            )
        }
        None if !(settings.app || settings.middleware) => {
            return Outcome::pass(
                t!("django-debug-toolbar is not installed"; "django-debug-toolbar 미설치"),
            );
        }
        None if settings.debug => Outcome::warn(
            "toolbar_on",
            if loopback {
                t!("django-debug-toolbar is on with DEBUG = True and INTERNAL_IPS {ips}: requests from this machine, where Locust runs, are instrumented"; "django-debug-toolbar 켜짐 (DEBUG = True, INTERNAL_IPS {ips}): Locust가 실행되는 이 컴퓨터의 요청이 계측됨")
            } else {
                t!("django-debug-toolbar is on with DEBUG = True (INTERNAL_IPS {ips}): its middleware runs on every request"; "django-debug-toolbar 켜짐 (DEBUG = True, INTERNAL_IPS {ips}): 모든 요청에서 미들웨어가 실행됨")
            },
        ),
        None => Outcome::pass(
            t!("django-debug-toolbar is installed but DEBUG = False: its default switch keeps it hidden"; "django-debug-toolbar가 설치되어 있지만 DEBUG = False: 기본 설정에서는 표시되지 않음"),
        ),
    };
    outcome
        .with("installed_app", settings.app)
        .with("middleware", settings.middleware)
        .with("internal_ips", ips)
}

pub async fn probe(input: &Input<'_>, facts: &crate::django::DjangoFacts) -> Outcome {
    let settings_answer = facts.answer("settings").ok();
    let settings = ToolbarSettings {
        app: facts
            .strings("settings", "installed_apps")
            .iter()
            .any(|a| a == "debug_toolbar" || a.starts_with("debug_toolbar.")),
        middleware: facts
            .strings("settings", "middleware")
            .iter()
            .any(|m| m.starts_with("debug_toolbar.")),
        debug: settings_answer
            .and_then(|s| s.get("debug"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        internal_ips: facts.strings("settings", "internal_ips"),
    };
    if !(settings.app || settings.middleware) {
        return judge(&settings, None);
    }
    // A server that is down answers nothing: the settings alone decide.
    let seen = page_marker(input).await;
    judge(&settings, seen.as_deref())
}

/// GET base_url (as a browser would, asking for HTML) and look for the toolbar.
async fn page_marker(input: &Input<'_>) -> Option<String> {
    let response = input
        .ctx
        .http
        .get(&input.ctx.config.base_url.value)
        .header("Accept", "text/html")
        .timeout(std::time::Duration::from_secs(3))
        .send()
        .await
        .ok()?;
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.text().await.unwrap_or_default();
    seen_in(&headers, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::result::Status;

    fn on() -> ToolbarSettings {
        ToolbarSettings {
            app: true,
            middleware: true,
            debug: true,
            internal_ips: vec!["127.0.0.1".into()],
        }
    }

    #[test]
    fn installed_with_debug_on_loopback_warns_with_its_cost() {
        let outcome = judge(&on(), None);
        assert_eq!(outcome.status, Some(Status::Warn));
        assert_eq!(outcome.diagnosis.as_deref(), Some("toolbar_on"));
        assert!(outcome.summary.en.contains("where Locust runs"));
    }

    #[test]
    fn the_servers_answer_is_the_evidence() {
        let marker = seen_in(&[], "<div id=\"djDebug\" class=\"djdt-hidden\">").unwrap();
        let outcome = judge(&on(), Some(&marker));
        assert!(outcome.summary.en.contains("markup id=\"djDebug\""));
        assert!(outcome.summary.ko.contains("마크업 id=\"djDebug\""));
        let header = seen_in(&[("djdt-request-id".into(), "abc".into())], "{}").unwrap();
        assert_eq!(header, "header djdt-request-id");
        assert_eq!(
            seen_in(&[("content-type".into(), "text/html".into())], "<html>"),
            None
        );
    }

    #[test]
    fn absent_or_hidden_toolbar_passes() {
        assert_eq!(
            judge(&ToolbarSettings::default(), None).status,
            Some(Status::Pass)
        );
        let hidden = ToolbarSettings {
            debug: false,
            ..on()
        };
        assert_eq!(judge(&hidden, None).status, Some(Status::Pass));
        // Shown anyway (a custom SHOW_TOOLBAR_CALLBACK): the page decides.
        assert_eq!(
            judge(&hidden, Some("header djdt-store-id")).status,
            Some(Status::Warn)
        );
    }
}
