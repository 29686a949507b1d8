//! `login`: POST the login path the way the locustfile does; tell apart every way it fails;
//! read the access token's lifetime (no secret needed to read `exp`/`iat`).

use super::credentials::{self, LoginSpec};
use super::{Context, Input, http};
use crate::checks::result::Outcome;
use crate::config::secret::abbreviate_token;
use crate::locustfile::BodyKind;
use crate::t;
use serde_json::Value;
use std::time::Instant;

/// What came back from one login request.
pub enum Attempt {
    NoCredentials(&'static str),
    Unreachable(reqwest::Error),
    Answered {
        status: u16,
        content_type: String,
        body: String,
        latency_ms: u128,
    },
}

pub async fn attempt(ctx: &Context) -> Attempt {
    let spec = credentials::login_spec(ctx).await;
    match spec.username.clone() {
        Some(username) => attempt_with(ctx, &spec, &username).await,
        None => Attempt::NoCredentials("username"),
    }
}

/// One login as `username` with the load test's password, body and path.
pub async fn attempt_as(ctx: &Context, username: &str) -> Attempt {
    let spec = credentials::login_spec(ctx).await;
    attempt_with(ctx, &spec, username).await
}

async fn attempt_with(ctx: &Context, spec: &LoginSpec, username: &str) -> Attempt {
    let Some(password) = spec.password.clone() else {
        return Attempt::NoCredentials("password");
    };
    let url = format!("{}{}", ctx.config.base_url.value, spec.path);
    let fields = [
        (spec.username_field.as_str(), username),
        (spec.password_field.as_str(), password.expose()),
    ];
    let request = ctx.http.post(&url);
    let request = match spec.format {
        BodyKind::Json => request.json(&serde_json::Map::from_iter(
            fields.iter().map(|(k, v)| (k.to_string(), Value::from(*v))),
        )),
        BodyKind::Form => request.form(&fields),
    };
    let started = Instant::now();
    match request.send().await {
        Err(e) => Attempt::Unreachable(e),
        Ok(response) => {
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body = response.text().await.unwrap_or_default();
            Attempt::Answered {
                status,
                content_type,
                body,
                latency_ms: started.elapsed().as_millis(),
            }
        }
    }
}

/// The access token from a login answer: simplejwt's `access`, or the usual other names.
/// A project's own login may nest it (`{"token": {"access": …}}`, `{"data": {…}}`).
pub fn token_in(body: &Value) -> Option<String> {
    const NAMES: [&str; 5] = ["access", "access_token", "token", "jwt", "key"];
    let flat = |v: &Value| {
        NAMES
            .iter()
            .find_map(|k| v.get(k).and_then(Value::as_str))
            .map(str::to_string)
    };
    flat(body).or_else(|| {
        body.as_object()?
            .values()
            .filter(|v| v.is_object())
            .find_map(flat)
    })
}

/// An access token for probes that call authenticated endpoints.
pub async fn access_token(ctx: &Context) -> Result<String, String> {
    match attempt(ctx).await {
        Attempt::Answered {
            status: 200, body, ..
        } => serde_json::from_str::<Value>(&body)
            .ok()
            .as_ref()
            .and_then(token_in)
            .ok_or_else(|| "the login answer has no token".to_string()),
        Attempt::Answered { status, .. } => Err(format!("login answered {status}")),
        Attempt::Unreachable(e) => Err(http::error_chain(&e)),
        Attempt::NoCredentials(what) => Err(format!("no {what} configured")),
    }
}

/// Lifetime in seconds from the token's own claims.
pub fn token_lifetime(token: &str) -> Option<(i64, Value)> {
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    let exp = claims.get("exp")?.as_i64()?;
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .unwrap_or_else(chrono_now);
    Some((exp - iat, claims))
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let config = &input.ctx.config;
    let spec = credentials::login_spec(input.ctx).await;
    let path = &spec.path;
    let who = spec.username.clone().unwrap_or_default();
    let outcome = match attempt(input.ctx).await {
        Attempt::NoCredentials(what) => Outcome::fail(
            "no_credentials",
            t!("no login {what} configured (and none found in the locustfile)"; "로그인 {what} 설정 없음 (locustfile에서도 찾지 못함)"),
        ),
        Attempt::Unreachable(e) => {
            http::unreachable_outcome(&format!("{}{}", config.base_url.value, path), &e)
        }
        Attempt::Answered {
            status,
            content_type,
            body,
            latency_ms,
        } => {
            let json: Option<Value> = serde_json::from_str(&body).ok();
            let mut base = judge(status, json.as_ref(), &content_type, path, &who, input);
            if matches!(base.diagnosis.as_deref(), Some("wrong_path" | "not_json")) {
                base = base.with("django_login_paths", django_login_paths(input).await);
            }
            base.with(
                "login",
                format!(
                    "POST {path} body={} user={who}",
                    match spec.format {
                        BodyKind::Json => "json",
                        BodyKind::Form => "form",
                    }
                ),
            )
            .with("status", status)
            .with("latency_ms", latency_ms)
            .with("content_type", content_type)
        }
    };
    Ok(outcome.with("login_from", &spec.from))
}

fn judge(
    status: u16,
    json: Option<&Value>,
    content_type: &str,
    path: &str,
    who: &str,
    input: &Input<'_>,
) -> Outcome {
    let detail = json
        .and_then(|j| j.get("detail"))
        .and_then(Value::as_str)
        .map(str::to_string);
    match (status, json) {
        (200 | 201, Some(body)) => match token_in(body) {
            Some(token) => with_token(&token, who, input),
            None => {
                let keys: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
                Outcome::fail("no_token", t!("{path} answered {status} without an access token (keys: {})", keys.join(", "); "{path} 응답({status})에 access 토큰 없음 (키: {})", keys.join(", ")))
            }
        },
        (_, None) if status < 500 => {
            let kind = if content_type.contains("html") { "HTML" } else { "non-JSON" };
            if status == 404 {
                Outcome::fail("wrong_path", t!("{path} does not exist (404, {kind})"; "{path} 경로 없음 (404, {kind})"))
            } else {
                Outcome::fail("not_json", t!("{path} answered {status} with {kind}, not JSON: not a JWT login endpoint"; "{path}가 JSON이 아닌 {kind}로 응답({status}): JWT 로그인 엔드포인트가 아님"))
            }
        }
        (401 | 403, _) => Outcome::fail(
            "unauthorized",
            t!("{path} refused user \"{who}\" ({status})"; "{path}가 사용자 \"{who}\"를 거부함 ({status})"),
        )
        .with("server_says", detail.unwrap_or_default())
        .with_detail(which_step(input)),
        (404 | 405, _) => Outcome::fail("wrong_path", t!("{path} answered {status}: no login there"; "{path} 응답 {status}: 로그인 엔드포인트 아님")),
        (400, Some(body)) => {
            let fields: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
            Outcome::fail("bad_request", t!("{path} rejected the login body (400): fields {}", fields.join(", "); "{path}가 로그인 요청 본문을 거부 (400): 필드 {}", fields.join(", ")))
                .with("server_says", body.to_string().chars().take(200).collect::<String>())
        }
        (s, _) if s >= 500 => Outcome::fail("server_error", t!("{path} failed on the server ({status})"; "{path} 서버 오류 ({status})")),
        _ => Outcome::fail("unexpected", t!("{path} answered {status}"; "{path} 응답 {status}")),
    }
}

fn with_token(token: &str, who: &str, input: &Input<'_>) -> Outcome {
    let Some((lifetime, claims)) = token_lifetime(token) else {
        return Outcome::pass(t!("logged in as {who}; the token is not a JWT (opaque token)"; "{who}로 로그인됨; JWT가 아닌 토큰"))
            .with("token", abbreviate_token(token));
    };
    let min_lifetime = input.threshold("token_lifetime_warn_s", 60.0);
    let lives = human(lifetime);
    let summary = t!("logged in as {who}; access token lives {}", lives.en; "{who}로 로그인됨; access 토큰 유효시간 {}", lives.ko);
    let outcome = if (lifetime as f64) < min_lifetime {
        Outcome::warn("short_token", summary)
    } else {
        Outcome::pass(summary)
    };
    outcome
        .with("token", abbreviate_token(token))
        .with("token_lifetime_s", lifetime)
        .with(
            "token_type",
            claims
                .get("token_type")
                .and_then(Value::as_str)
                .unwrap_or("-"),
        )
        .with_facts(serde_json::json!({ "token_lifetime_s": lifetime }))
}

/// Where the project's URLconf serves a token view, to suggest the right login path.
async fn django_login_paths(input: &Input<'_>) -> String {
    match input.ctx.django.facts(&input.ctx.config).await {
        Ok(facts) => {
            // simplejwt's view, and the project's own login views (`LoginView`, `login`).
            let mut paths = facts.paths_of_view("TokenObtain");
            for part in ["Login", "login", "ObtainAuthToken"] {
                for path in facts.paths_of_view(part) {
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                }
            }
            if paths.is_empty() {
                "(none in the URLconf)".into()
            } else {
                paths.join(", ")
            }
        }
        Err(reason) => format!("(Django not asked: {reason})"),
    }
}

/// A lifetime in whole hours, minutes or seconds, worded in both languages.
pub fn human(seconds: i64) -> crate::i18n::Text {
    if seconds % 3600 == 0 && seconds >= 3600 {
        let n = seconds / 3600;
        t!("{n} h"; "{n}시간")
    } else if seconds % 60 == 0 && seconds >= 60 {
        let n = seconds / 60;
        t!("{n} min"; "{n}분")
    } else {
        t!("{seconds} s"; "{seconds}초")
    }
}

/// The guide's §4 order: 1. users, 2. server, 3. credentials — which one explains the 401.
fn which_step(input: &Input<'_>) -> crate::i18n::Text {
    match input.dep("users").map(|r| (r.status, r.diagnosis.clone())) {
        Some((crate::checks::result::Status::Fail, Some(d)))
            if d == "no_users" || d == "user_missing" =>
        {
            t!(
                "Step 1 of the guide: the test users are missing (see the users check).";
                "가이드 1단계: 테스트 사용자가 없음 (users 점검 참고)."
            )
        }
        Some((crate::checks::result::Status::Pass, _)) => t!(
            "Steps 1 and 2 are fine (the users exist, the server answers): the password the load test sends is wrong for these accounts (or [target] username/password, when set, differs from the locustfile).";
            "1·2단계는 정상 (사용자 존재, 서버 응답): 부하 테스트가 보내는 비밀번호가 이 계정들과 맞지 않음 (또는 설정한 [target] username/password가 locustfile과 다름)."
        ),
        _ => {
            t!("Check the guide's steps in order: users, server, auth test."; "가이드 순서대로 확인: 사용자, 서버, 인증 테스트.")
        }
    }
}
