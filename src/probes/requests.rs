//! `requests`: every request the load test's users make, tried once before load. The executed
//! locustfile sent each through the project's own Django in-process, inside a transaction that
//! was rolled back; this judges the answers as the load test will meet them.

use super::Input;
use crate::checks::result::Outcome;
use crate::locustfile::executed::{Execution, Request};
use crate::t;
use serde_json::Value;

/// What one request's answer means for the run.
#[derive(Debug, PartialEq)]
enum Verdict {
    Fine,
    Unrouted,
    ServerError,
    Invalid(String),
    Unauthorized,
    NotFound,
    CountedAsFailure(String),
    /// Answered by a redirect (its status, where to, and whether it stays a redirect after
    /// following): a failure when it does.
    Redirected(u16, String, bool),
    /// The login answered 400 because the account is missing or refused, not a wrong body.
    LoginRefused(String),
    /// The view connects to a host outside this machine (`host:port`); doctor refused it.
    OutsideService(String),
}

impl Verdict {
    fn diagnosis(&self) -> Option<&'static str> {
        Some(match self {
            Verdict::Fine => return None,
            Verdict::Unrouted => "would_404",
            Verdict::ServerError => "server_error",
            Verdict::Invalid(_) => "invalid_body",
            Verdict::Unauthorized => "unauthorized",
            Verdict::NotFound => "not_found",
            Verdict::CountedAsFailure(_) => "counted_as_failure",
            Verdict::Redirected(..) => "redirected",
            Verdict::LoginRefused(_) => "login_refused",
            Verdict::OutsideService(_) => "outside_service",
        })
    }

    fn is_failure(&self) -> bool {
        match self {
            Verdict::Redirected(_, _, stuck) => *stuck,
            _ => matches!(
                self,
                Verdict::Unrouted
                    | Verdict::ServerError
                    | Verdict::Invalid(_)
                    | Verdict::Unauthorized
                    | Verdict::LoginRefused(_)
            ),
        }
    }
}

/// DRF's validation answer: `{"field": ["message", ...]}` — the request is wrong, not the stock.
pub(super) fn validation_message(excerpt: &str) -> Option<String> {
    let body: Value = serde_json::from_str(excerpt).ok()?;
    let object = body.as_object()?;
    let (field, messages) = object.iter().find(|(_, v)| v.is_array())?;
    let first = messages.as_array()?.first()?.as_str()?;
    Some(format!("{field}: {first}"))
}

/// What the answer of the login request means: is this request the login, and does the account
/// it was executed as exist.
#[derive(Default)]
struct Login {
    label: Option<(String, String)>,
    account_missing: bool,
}

impl Login {
    fn of(run: &Execution) -> Login {
        let user = run.login_user();
        Login {
            label: user
                .and_then(|u| u.login.as_ref())
                .map(|l| (l.method.clone(), l.path.clone())),
            account_missing: user
                .and_then(|u| u.executed_as.as_ref())
                .is_some_and(|a| a.exists == Some(false)),
        }
    }

    fn is(&self, request: &Request) -> bool {
        self.label
            .as_ref()
            .is_some_and(|(m, p)| *m == request.method && *p == request.path)
    }
}

/// A 400 of the login that is about the account, not the body: the account does not exist,
/// or the answer carries only a message (`non_field_errors`, `detail`, `message`).
fn login_refused(request: &Request, login: &Login) -> Option<String> {
    if request.status != Some(400) || !login.is(request) {
        return None;
    }
    let body: Value = serde_json::from_str(request.json_excerpt.as_deref()?).ok()?;
    let object = body.as_object()?;
    let only_messages = object.keys().all(|k| {
        ["non_field_errors", "detail", "message", "error", "errors"].contains(&k.as_str())
    });
    (login.account_missing || only_messages).then(|| body.to_string())
}

fn judge(request: &Request, login: &Login) -> Verdict {
    if request.unrouted() {
        return Verdict::Unrouted;
    }
    // Before the server error it causes: doctor refused the view's outside connection.
    if let Some(call) = request
        .side_effects
        .iter()
        .find(|e| e.get("code").and_then(Value::as_str) == Some("outside_call"))
    {
        let host = call.get("host").and_then(Value::as_str).unwrap_or("?");
        let port = call.get("port").map(|p| p.to_string()).unwrap_or_default();
        return Verdict::OutsideService(format!("{host}:{port}"));
    }
    let status = request.status.unwrap_or(0);
    if let Some(last) = request.redirects.last() {
        let to = last.get("path").and_then(Value::as_str).unwrap_or("?");
        let first = request.redirects[0].get("status").and_then(Value::as_u64);
        let shown = if (300..400).contains(&status) {
            status
        } else {
            first.unwrap_or(0) as u16
        };
        let stuck = (300..400).contains(&status);
        let verdict = Verdict::Redirected(shown, to.to_string(), stuck);
        if (300..400).contains(&status) || status < 400 {
            return verdict;
        }
    } else if (300..400).contains(&status) {
        return Verdict::Redirected(status, "?".into(), true);
    }
    if let Some(message) = login_refused(request, login) {
        return Verdict::LoginRefused(message);
    }
    if request.exception.is_some() || status >= 500 {
        return Verdict::ServerError;
    }
    match status {
        400 => {
            if let Some(message) = request.json_excerpt.as_deref().and_then(validation_message) {
                return Verdict::Invalid(message);
            }
        }
        401 | 403 => return Verdict::Unauthorized,
        404 => return Verdict::NotFound,
        _ => {}
    }
    if request.catch.as_deref() == Some("failure") {
        return Verdict::CountedAsFailure(request.failure_message.clone().unwrap_or_default());
    }
    Verdict::Fine
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let run = match input.ctx.locust_run().await {
        Ok(run) => run,
        Err(reason) => {
            let reason = reason.reason();
            return Ok(Outcome::skip(
                t!("could not test, because {}", reason.en; "점검하지 못함: {}", reason.ko),
            ));
        }
    };
    if let Some(skip) = untestable(&run) {
        return Ok(skip);
    }
    let login_refused = run
        .login_user()
        .and_then(|u| u.login.as_ref())
        .and_then(|l| l.status)
        .is_some_and(|s| s == 401 || s == 403);
    let login = Login::of(&run);
    let mut seen = std::collections::BTreeSet::new();
    let mut redirected = 0;
    let mut lines = Vec::new();
    let mut worst: Option<(&Request, Verdict)> = None;
    let mut effects = Vec::new();
    for (_, request) in run.requests() {
        if !seen.insert(request.label()) {
            continue;
        }
        let verdict = judge(request, &login);
        if matches!(verdict, Verdict::Redirected(..)) {
            redirected += 1;
        }
        lines.push(format!(
            "{} → {}{}",
            request.label(),
            request.status.map(|s| s.to_string()).unwrap_or("-".into()),
            verdict
                .diagnosis()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ));
        effects.extend(request.side_effects.iter().filter_map(effect_name));
        let rank = |v: &Verdict| (v.is_failure(), v.diagnosis().is_some());
        if verdict.diagnosis().is_some()
            && worst.as_ref().is_none_or(|(_, w)| rank(&verdict) > rank(w))
        {
            worst = Some((request, verdict));
        }
    }
    let total = seen.len();
    let mut outcome = match worst {
        // Every answer is right; a request that queries once per row is what load will show.
        None => super::request_costs::n_plus_one_warning(&run).unwrap_or_else(|| Outcome::pass(
            t!("all {total} requests of the load test answer as expected (tried once, in-process, rolled back)"; "부하 테스트의 요청 {total}종 모두 정상 응답 (프로세스 안에서 한 번씩 실행 후 롤백)"),
        )),
        Some((request, verdict)) => outcome_for(request, &verdict, total, login_refused, input),
    };
    // Every request answered by a redirect: nothing of the API was tested.
    if redirected == total && total > 0 {
        outcome = Outcome {
            status: Some(crate::checks::result::Status::Fail),
            diagnosis: Some("redirected".into()),
            summary: t!("every one of the {total} requests of the load test is answered by a redirect (301/302): none reaches the API"; "부하 테스트의 요청 {total}종 모두 리다이렉트(301/302)로 응답됨: API에 도달하는 요청이 없음"),
            ..outcome
        };
    }
    outcome = outcome.with("requests", lines.join("; "));
    for (key, value) in super::request_costs::evidence(&run) {
        outcome = outcome.with(key, value);
    }
    if !effects.is_empty() {
        effects.sort();
        effects.dedup();
        outcome = outcome.with("side_effects_kept_out", effects.join(", "));
    }
    Ok(outcome)
}

/// A run that answered nothing real cannot judge the answers.
fn untestable(run: &Execution) -> Option<Outcome> {
    if let Some(problem) = &run.import_error {
        let what = problem.headline();
        return Some(Outcome::skip(
            t!("could not test, because the locustfile does not import ({what}): see the locustfile check"; "점검하지 못함: locustfile을 import할 수 없음 ({what}), locustfile 점검 참고"),
        ));
    }
    if run.mode != "django" {
        let why = run
            .mode_reason
            .as_ref()
            .map(|p| p.headline())
            .unwrap_or_default();
        return Some(Outcome::skip(
            t!("could not test, because the project's Django could not answer in-process ({why}); the requests were only recorded"; "점검하지 못함: 프로젝트 Django가 프로세스 안에서 응답할 수 없음 ({why}); 요청은 기록만 함"),
        ));
    }
    if run.requests().next().is_none() {
        return Some(Outcome::skip(
            t!("could not test, because the load test's users made no request when run once"; "점검하지 못함: 사용자를 한 번 실행했을 때 요청이 없음"),
        ));
    }
    None
}

fn outcome_for(
    request: &Request,
    verdict: &Verdict,
    total: usize,
    login_refused: bool,
    input: &Input<'_>,
) -> Outcome {
    let label = request.label();
    let status = request.status.unwrap_or(0);
    let diagnosis = verdict.diagnosis().unwrap_or("default");
    let summary = match verdict {
        Verdict::Unrouted => {
            t!("{label}: no URL pattern of the project matches {}: every such request will answer 404", request.path; "{label}: 프로젝트의 어떤 URL 패턴도 {}와 맞지 않음: 이 요청은 모두 404", request.path)
        }
        Verdict::ServerError => {
            let what = request
                .exception
                .as_ref()
                .map(|e| e.headline())
                .unwrap_or_default();
            t!("{label} → {status}: {what}"; "{label} → {status}: {what}")
        }
        Verdict::Invalid(message) => {
            t!("{label} → 400: the server rejects the load test's body ({message})"; "{label} → 400: 서버가 부하 테스트의 요청 본문을 거부 ({message})")
        }
        Verdict::Unauthorized if login_refused => {
            t!("{label} → {status}: the users' login was refused, so this request is too (see users and auth)"; "{label} → {status}: 사용자 로그인이 거부되어 이 요청도 거부됨 (users, auth 점검 참고)")
        }
        Verdict::Unauthorized => {
            t!("{label} → {status} although the login succeeded: the token is not sent or not accepted here"; "{label} → {status}: 로그인은 성공했지만 토큰이 전달되지 않거나 거부됨")
        }
        Verdict::NotFound => {
            t!("{label} → 404: the URL exists but the object does not (ids in the load test vs the database)"; "{label} → 404: URL은 있지만 대상 객체가 없음 (부하 테스트의 id와 DB 불일치)")
        }
        Verdict::CountedAsFailure(message) => {
            t!("{label} → {status}, and the load test marks it a failure ({message})"; "{label} → {status}, 부하 테스트가 실패로 처리 ({message})")
        }
        Verdict::Redirected(code, to, _) => {
            t!("{label} → {code}: redirected to {to}, not answered"; "{label} → {code}: 응답 대신 {to}(으)로 리다이렉트")
        }
        Verdict::LoginRefused(answer) => {
            t!("{label} → 400: the login refuses the account (answer {answer}); the body is not invalid: see the users check"; "{label} → 400: 로그인이 계정을 거부함 (응답 {answer}); 본문 오류가 아님: users 점검 참고")
        }
        Verdict::OutsideService(host) => {
            t!("{label}: its view connects to {host}, a service outside this machine; doctor kept the connection from being made, but under load every such request would reach it"; "{label}: 뷰가 이 컴퓨터 밖의 서비스 {host}에 연결함; doctor는 연결을 막았지만 부하 중에는 이런 요청마다 실제로 연결됨")
        }
        Verdict::Fine => t!("all {total} requests answer as expected"; "요청 {total}종 모두 정상"),
    };
    let mut outcome = if verdict.is_failure() {
        Outcome::fail(diagnosis, summary)
    } else {
        Outcome::warn(diagnosis, summary)
    };
    // Where to look: the project's frame for a server error, else the locustfile's line.
    let project = input.ctx.config.project_dir.value.clone();
    let frame = request.exception.as_ref().and_then(|e| {
        e.frames
            .iter()
            .rev()
            .find(|f| project.as_deref().is_some_and(|p| f.is_project_code(p)))
            .or(e.frames.last())
    });
    if let Some(frame) = frame.filter(|f| f.file.is_some()) {
        outcome = outcome.at(frame.file.clone().unwrap_or_default(), frame.line);
        if let Some(code) = &frame.code {
            outcome = outcome.with("code", code.trim());
        }
    } else if let Some(file) = &input.ctx.config.locustfile.value {
        outcome = outcome.at(file.display().to_string(), request.line);
    }
    if let Some(view) = request.view() {
        outcome = outcome.with("view", view);
    }
    if let Some(body) = &request.json_excerpt {
        outcome = outcome.with("answer", body);
    }
    outcome.with("sent", request.body.to_string())
}

fn effect_name(effect: &Value) -> Option<String> {
    let code = effect.get("code")?.as_str()?;
    Some(match effect.get("count").and_then(Value::as_u64) {
        Some(n) => format!("{code}×{n}"),
        None => code.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> Request {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn answers_are_judged_as_the_load_test_meets_them() {
        let unrouted = request(
            r#"{"method":"GET","path":"/nope/","status":404,"url_match":{"code":"no_url_pattern"}}"#,
        );
        assert_eq!(judge(&unrouted, &Login::default()), Verdict::Unrouted);
        let invalid = request(
            r#"{"method":"POST","path":"/r/","status":400,"json_excerpt":"{\"product_id\": [\"This field is required.\"]}"}"#,
        );
        assert_eq!(
            judge(&invalid, &Login::default()),
            Verdict::Invalid("product_id: This field is required.".into())
        );
        let business = request(
            r#"{"method":"POST","path":"/r/","status":400,"json_excerpt":"{\"success\": false, \"error_code\": \"OUT_OF_STOCK\"}"}"#,
        );
        assert_eq!(judge(&business, &Login::default()), Verdict::Fine);
        let crash = request(
            r#"{"method":"POST","path":"/r/","status":500,"exception":{"type":"AttributeError","message":"x"}}"#,
        );
        assert_eq!(judge(&crash, &Login::default()), Verdict::ServerError);
    }
}
