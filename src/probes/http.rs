//! `http`: does the server answer? Status, latency, and what kind of failure it is.
//! Params: `path` (default "/"), `method`, `expect_status` (number or list), `expect_json`, `auth`.

use super::{Input, login};
use crate::checks::result::Outcome;
use crate::t;
use std::time::{Duration, Instant};

pub fn client(credentials: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    // base_url's `user:password@` (kept apart from the printed URL) as HTTP Basic auth.
    if let Some(value) = credentials
        .map(|c| format!("Basic {}", crate::encoding::base64(c.as_bytes())))
        .and_then(|v| reqwest::header::HeaderValue::from_str(&v).ok())
    {
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .no_proxy() // HTTP_PROXY must not divert requests meant for a local server
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain HTTP client builds")
}

/// Why a request got no answer, in words a user can act on.
pub enum Unreachable {
    Refused(String),
    Timeout(String),
    Other(String),
}

pub fn classify(error: &reqwest::Error) -> Unreachable {
    let chain = error_chain(error);
    if error.is_timeout() {
        Unreachable::Timeout(chain)
    } else if chain.contains("refused") {
        Unreachable::Refused(chain)
    } else {
        Unreachable::Other(chain)
    }
}

/// The error and its sources: reqwest's own message hides the real cause.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// An unreachable server as a failed outcome (shared by http and login probes).
pub fn unreachable_outcome(url: &str, error: &reqwest::Error) -> Outcome {
    match classify(error) {
        Unreachable::Refused(detail) => Outcome::fail(
            "refused",
            t!("{url}: connection refused"; "{url}: 연결 거부됨"),
        )
        .with("url", url)
        .with("error", detail),
        Unreachable::Timeout(detail) => Outcome::fail(
            "timeout",
            t!("{url}: no answer in time"; "{url}: 응답 시간 초과"),
        )
        .with("url", url)
        .with("error", detail),
        Unreachable::Other(detail) => {
            Outcome::fail("unreachable", t!("{url}: {detail}"; "{url}: {detail}"))
                .with("url", url)
                .with("error", detail)
        }
    }
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let config = &input.ctx.config;
    let path = input.param_str("path").unwrap_or("/");
    let url = format!("{}{}", config.base_url.value, path);
    let method = input.param_str("method").unwrap_or("GET").to_uppercase();
    let mut request = input
        .ctx
        .http
        .request(reqwest::Method::from_bytes(method.as_bytes())?, &url);
    if input
        .check
        .params
        .get("auth")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
    {
        match login::access_token(input.ctx).await {
            Ok(token) => request = request.bearer_auth(token),
            Err(reason) => {
                return Ok(Outcome::fail(
                    "no_token",
                    t!("could not log in for this request: {reason}"; "이 요청을 위한 로그인 실패: {reason}"),
                ));
            }
        }
    }
    let started = Instant::now();
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Ok(unreachable_outcome(&url, &e)),
    };
    let latency_ms = started.elapsed().as_millis();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.text().await.unwrap_or_default();
    let mut outcome = if status.is_server_error() {
        Outcome::fail(
            "server_error",
            t!("{method} {path} → {status} in {latency_ms} ms"; "{method} {path} → {status} ({latency_ms} ms)"),
        )
    } else if let Some(expected) = expected_statuses(input) {
        if expected.contains(&status.as_u16()) {
            Outcome::pass(
                t!("{method} {path} → {status} in {latency_ms} ms"; "{method} {path} → {status} ({latency_ms} ms)"),
            )
        } else {
            let list = expected
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("/");
            Outcome::fail(
                "unexpected_status",
                t!("{method} {path} → {status}, expected {list}"; "{method} {path} → {status}, 기대값 {list}"),
            )
        }
    } else {
        // Any answer below 500 means a server is there (Django answers 404 for an unknown "/").
        Outcome::pass(
            t!("{method} {path} → {status} in {latency_ms} ms"; "{method} {path} → {status} ({latency_ms} ms)"),
        )
    };
    if input
        .check
        .params
        .get("expect_json")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
        && outcome.status == Some(crate::checks::result::Status::Pass)
        && serde_json::from_str::<serde_json::Value>(&body).is_err()
    {
        outcome = Outcome::fail(
            "not_json",
            t!("{path} answered {content_type}, not JSON"; "{path} 응답이 JSON이 아님 ({content_type})"),
        );
    }
    let slow_ms = input.threshold("latency_warn_ms", f64::INFINITY);
    if outcome.status == Some(crate::checks::result::Status::Pass) && latency_ms as f64 > slow_ms {
        outcome = Outcome::warn(
            "slow",
            t!("{method} {path} took {latency_ms} ms (limit {slow_ms} ms)"; "{method} {path} {latency_ms} ms 소요 (기준 {slow_ms} ms)"),
        );
    }
    Ok(outcome
        .with("url", &url)
        .with("status", status.as_u16())
        .with("latency_ms", latency_ms)
        .with("content_type", content_type)
        .with("server", server_header_hint(&body)))
}

fn expected_statuses(input: &Input<'_>) -> Option<Vec<u16>> {
    let value = input.check.params.get("expect_status")?;
    match value {
        toml::Value::Integer(i) => Some(vec![*i as u16]),
        toml::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_integer())
                .map(|i| i as u16)
                .collect(),
        ),
        _ => None,
    }
}

/// A few characters of the body so a user sees what answered, never a whole page.
fn server_header_hint(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(80).collect()
}
