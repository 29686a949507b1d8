//! What the running server says about DEBUG, Silk and debug-toolbar, asked over HTTP: its 404
//! page (Django's technical page only under DEBUG), `/silk/` (mounted only when Silk is on) and
//! debug-toolbar's `djdt` traces. The settings doctor reads are the files as they are now; a
//! `.env` changed after the server started makes them another configuration than the one that
//! runs, so the readiness checks reconcile both here (issue 21 item 9).

use super::Input;
use crate::checks::result::{Outcome, Status};
use crate::t;
use std::path::PathBuf;
use std::time::Duration;

/// One aspect as the server answered it: Some(true) on, Some(false) off, None not telling.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub on: Option<bool>,
    /// What was asked and what came back, e.g. "GET /silk/ → 302".
    pub evidence: String,
}

/// Django's technical 404 page names the setting that shows it.
fn technical_404(status: u16, body: &str) -> Option<bool> {
    (status == 404).then(|| body.contains("DEBUG = True") || body.contains("DEBUG</code> = True"))
}

/// `/silk/`: Silk's pages answer (200, or a redirect to log in); without Silk, 404.
fn silk_mounted(status: u16) -> Option<bool> {
    match status {
        200 | 301 | 302 => Some(true),
        404 => Some(false),
        _ => None,
    }
}

/// debug-toolbar marks what it handles: a `djdt` header, or its toolbar in an HTML page.
fn toolbar_traces(headers: &reqwest::header::HeaderMap, body: &str) -> bool {
    headers.keys().any(|k| k.as_str().starts_with("djdt")) || body.contains("id=\"djDebug\"")
}

async fn get(input: &Input<'_>, path: &str) -> Option<(u16, reqwest::header::HeaderMap, String)> {
    let url = format!("{}{path}", input.ctx.config.base_url.value);
    let response = input
        .ctx
        .http
        .get(&url)
        .header(reqwest::header::ACCEPT, "text/html")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Some((status, headers, body))
}

/// Ask the server about `aspect` ("debug", "silk", "debug_toolbar").
pub async fn ask(input: &Input<'_>, aspect: &str) -> Option<Answer> {
    // A path no project routes: the answer is the URL resolver's own 404.
    let missing = format!(
        "/doctor-missing-{}/",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    match aspect {
        "debug" => {
            let (status, _, body) = get(input, &missing).await?;
            let on = technical_404(status, &body);
            let page = match on {
                Some(true) => "Django's technical 404 page",
                Some(false) => "a plain 404 page",
                None => "no 404",
            };
            Some(Answer {
                on,
                evidence: format!("GET {missing} → {status} ({page})"),
            })
        }
        "silk" => {
            let (status, _, _) = get(input, "/silk/").await?;
            Some(Answer {
                on: silk_mounted(status),
                evidence: format!("GET /silk/ → {status}"),
            })
        }
        "debug_toolbar" => {
            let (status, headers, body) = get(input, "/").await?;
            let (missing_status, missing_headers, missing_body) = get(input, &missing).await?;
            let on =
                toolbar_traces(&headers, &body) || toolbar_traces(&missing_headers, &missing_body);
            // No trace is not proof of off: the toolbar shows only to INTERNAL_IPS.
            Some(Answer {
                on: on.then_some(true),
                evidence: format!(
                    "GET / → {status}, GET {missing} → {missing_status}: {}",
                    if on { "djdt" } else { "-" }
                ),
            })
        }
        _ => None,
    }
}

/// A `.env` of the server's project changed after the server started: (file, seconds later).
pub async fn env_changed_after_start(input: &Input<'_>) -> Option<(PathBuf, u64)> {
    let server = crate::server::running_server(&input.ctx.config)
        .await
        .ok()?;
    let root = if server.cwd.join("manage.py").is_file() {
        server.cwd.clone()
    } else {
        input.ctx.config.project_dir.value.clone()?
    };
    let files = tokio::task::spawn_blocking(move || super::server_fresh::scan_project(&root))
        .await
        .ok()?;
    files.env_files.into_iter().find_map(|(path, modified)| {
        let after = modified.duration_since(server.started_at).ok()?;
        (after > Duration::from_secs(1)).then_some((path, after.as_secs()))
    })
}

/// The readiness outcome from the files, held against the running server: its answer wins,
/// and a pass the server cannot confirm after a `.env` change is "could not test".
pub async fn reconcile(input: &Input<'_>, aspect: &str, outcome: Outcome) -> Outcome {
    if !matches!(outcome.status, Some(Status::Pass | Status::Warn)) {
        return outcome;
    }
    let config = input.ctx.config.clone();
    let here = tokio::task::spawn_blocking(move || config.target_is_this_machine())
        .await
        .unwrap_or(false);
    if !here {
        return outcome;
    }
    let (answer, stale) = tokio::join!(ask(input, aspect), env_changed_after_start(input));
    let stale_words = stale.as_ref().map(|(path, secs)| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (
            format!("{name} changed {secs} s after the server started"),
            format!("서버 시작 {secs}초 후 {name} 변경됨"),
        )
    });
    let name = match aspect {
        "debug" => "DEBUG",
        "silk" => "Silk",
        _ => "django-debug-toolbar",
    };
    let with_answer = |o: Outcome| match &answer {
        Some(a) => o.with("server_answer", &a.evidence),
        None => o,
    };
    match (outcome.status, answer.as_ref().and_then(|a| a.on)) {
        // The files say off, the server runs it on.
        (Some(Status::Pass), Some(true)) => {
            let code = match aspect {
                "debug" => "debug_on",
                "silk" => "silk_on",
                _ => "toolbar_on",
            };
            let (why_en, why_ko) = stale_words.unwrap_or_else(|| {
                (
                    "the settings read now differ from the server's".into(),
                    "지금 읽은 설정이 서버의 설정과 다름".into(),
                )
            });
            let evidence = answer
                .as_ref()
                .map(|a| a.evidence.clone())
                .unwrap_or_default();
            with_answer(Outcome::warn(
                code,
                t!("the running server has {name} on ({evidence}), though the settings read now say off: {why_en}; restart the server";
                   "실행 중인 서버는 {name} 켜짐 ({evidence}), 지금 읽은 설정은 꺼짐: {why_ko}; 서버를 다시 시작"),
            ))
        }
        // A pass from files the server does not run, with nothing from the server to confirm.
        (Some(Status::Pass), None) if stale_words.is_some() => {
            let (why_en, why_ko) = stale_words.unwrap_or_default();
            with_answer(Outcome::skip(t!(
                "could not test {name} as the server runs it: {why_en}, and the settings read now are not the server's; restart the server";
                "서버가 실행 중인 {name} 설정을 점검할 수 없음: {why_ko}, 지금 읽은 설정은 서버의 설정이 아님; 서버를 다시 시작"
            )))
        }
        _ => with_answer(outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_pages_say_on_or_off() {
        let technical = "<p>You’re seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p>";
        assert_eq!(technical_404(404, technical), Some(true));
        assert_eq!(technical_404(404, "<h1>Not Found</h1>"), Some(false));
        assert_eq!(technical_404(200, technical), None);
        assert_eq!(silk_mounted(302), Some(true));
        assert_eq!(silk_mounted(404), Some(false));
        assert_eq!(silk_mounted(500), None);
        let mut headers = reqwest::header::HeaderMap::new();
        assert!(!toolbar_traces(&headers, "<html></html>"));
        headers.insert("djdt-request-id", "abc".parse().unwrap());
        assert!(toolbar_traces(&headers, ""));
    }
}
