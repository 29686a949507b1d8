//! `reserve` (guide §2): the locustfile's own reservation request, as the executed locustfile
//! sent it to the project's Django in-process inside a rolled-back transaction. When the load
//! test makes none (or could not be run), the Django probe's own reservation stands in, and a
//! body it made up that the server rejects is "could not test", never a pass. A 500 comes back
//! with its exception, so the guide's ReservationResult bug is named with the view's file and line.

use super::Input;
use super::requests::validation_message;
use crate::checks::result::Outcome;
use crate::django::Frame;
use crate::locustfile::executed::Request;
use crate::t;
use serde_json::Value;

/// A request of the load test that reserves: a write whose path, name or view says so.
pub fn is_reservation(request: &Request) -> bool {
    let words = format!(
        "{} {} {}",
        request.path,
        request.name.as_deref().unwrap_or(""),
        request.view().unwrap_or_default()
    )
    .to_lowercase();
    request.method != "GET" && (words.contains("reserv") || words.contains("booking"))
}

/// The executed request in the shape of the Django probe's answer, so both are judged alike.
fn as_answer(request: &Request) -> Value {
    let exception = request.exception.as_ref().map(|e| {
        serde_json::json!({
            "chain": [{"type": e.kind, "message": e.message}],
            "frames": e.frames,
        })
    });
    serde_json::json!({
        "status": request.status.unwrap_or(0),
        "url": request.path,
        "body": request.json_excerpt.clone().unwrap_or_default(),
        "is_json": request.json_excerpt.is_some(),
        "exception": exception,
    })
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let ctx = input.ctx;
    let run = ctx.locust_run().await.ok();
    let reservation = run
        .as_ref()
        .filter(|run| run.mode == "django")
        .and_then(|run| {
            run.requests()
                .find(|(_, r)| is_reservation(r))
                .map(|(_, r)| r)
        });
    // Refused for want of a token (the load test's login failed, or it sends none): the
    // requests and auth checks say so; the endpoint itself is still tried with doctor's
    // stand-in, which is authenticated.
    let refused = reservation.filter(|r| matches!(r.status, Some(401 | 403)));
    if let Some(request) = reservation.filter(|_| refused.is_none()) {
        if request.unrouted() {
            let path = &request.path;
            return Ok(Outcome::fail("would_404", t!("the locustfile's reservation {} {path}: no URL pattern of the project matches it (404)", request.method; "locustfile의 예약 요청 {} {path}: 맞는 URL 패턴 없음 (404)", request.method))
                .with("sent", request.body.to_string()));
        }
        let outcome = judge(&as_answer(request), true, input);
        return Ok(outcome
            .with(
                "request",
                format!(
                    "{} (locustfile line {}, executed in-process, rolled back)",
                    request.label(),
                    request.line.unwrap_or(0)
                ),
            )
            .with("sent", request.body.to_string()));
    }
    let facts = match super::django_facts(input).await {
        Ok(f) => f,
        Err(outcome) => return Ok(outcome),
    };
    let answer = match facts.answer("reserve") {
        Ok(a) => a.clone(),
        Err(reason) => {
            return Ok(super::database::not_migrated(&reason).unwrap_or_else(|| {
                Outcome::fail(
                    "django_unavailable",
                    t!("{reason}"; "Django의 답을 받을 수 없음: \"{reason}\""),
                )
            }));
        }
    };
    if answer.get("code").and_then(Value::as_str) == Some("replay_busy") {
        let reason = crate::locustfile::executed::NotExecuted::ReplayBusy {
            holder: answer
                .get("holder")
                .and_then(Value::as_u64)
                .map(|p| p as u32),
            waited_s: answer
                .get("waited_s")
                .and_then(Value::as_f64)
                .unwrap_or_default(),
        }
        .reason();
        return Ok(Outcome::skip(
            t!("could not test, because {}", reason.en; "점검하지 못함: {}", reason.ko),
        )
        .diagnosed("replay_busy"));
    }
    if answer.get("applies").and_then(Value::as_bool) == Some(false) {
        return Ok(Outcome::skip(not_applying(&answer)));
    }
    let outcome = judge(&answer, false, input);
    Ok(match refused {
        Some(request) => outcome.with(
            "locustfile_reservation",
            format!(
                "{} → {} (see requests)",
                request.label(),
                request.status.unwrap_or(0)
            ),
        ),
        None => outcome,
    })
}

/// `from_load_test`: the answer is to the locustfile's own request (else doctor's stand-in).
fn judge(answer: &Value, from_load_test: bool, input: &Input<'_>) -> Outcome {
    let ctx = input.ctx;
    let text = |key: &str| {
        answer
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let status = answer.get("status").and_then(Value::as_u64).unwrap_or(0);
    let url = text("url");
    let body = text("body");
    let is_json = answer
        .get("is_json")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let base = |o: Outcome| {
        let o = o.with("status", status);
        if from_load_test {
            return o;
        }
        o.with(
            "request",
            format!(
                "POST {url} as {} (doctor's stand-in, in-process, rolled back)",
                text("as_user")
            ),
        )
    };
    if status == 400
        && let Some(message) = validation_message(&body)
    {
        return if from_load_test {
            Outcome::fail("invalid_body", t!("POST {url} → 400: the server rejects the load test's body ({message})"; "POST {url} → 400: 서버가 부하 테스트의 요청 본문을 거부 ({message})")).with("body", body)
        } else {
            Outcome::skip(t!("could not test, because doctor's stand-in body was rejected ({message}) and the locustfile makes no reservation doctor could run"; "점검하지 못함: doctor의 대체 요청 본문이 거부됨 ({message}), locustfile에서 실행할 예약 요청을 찾지 못함")).with("body", body)
        };
    }
    match status {
        200 | 201 => base(Outcome::pass(t!("POST {url} → {status}: reservations work"; "POST {url} → {status}: 예약 정상"))),
        400 if is_json => {
            let code = serde_json::from_str::<Value>(&body).ok().and_then(|b| b.get("error_code").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
            base(Outcome::pass(t!("POST {url} → 400 with JSON {code}: a business answer the load test counts as success (tip 3)"; "POST {url} → 400 JSON {code}: 부하 테스트가 성공으로 처리하는 비즈니스 응답 (팁 3)"))).with("body", body)
        }
        400 => base(Outcome::fail("bad_400", t!("POST {url} → 400 without a JSON body: the load test cannot tell it from a real error"; "POST {url} → JSON 본문 없는 400: 부하 테스트가 실제 오류와 구분 불가"))).with("body", body),
        500 => server_error(answer, &url, ctx.config.project_dir.value.as_deref()),
        other => base(Outcome::fail("unexpected", t!("POST {url} → {other}"; "POST {url} → {other}"))).with("body", body),
    }
}

fn server_error(answer: &Value, url: &str, project: Option<&std::path::Path>) -> Outcome {
    let exception = answer.get("exception").cloned().unwrap_or_default();
    let chain: Vec<String> = exception
        .get("chain")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e.get("type").and_then(Value::as_str).unwrap_or("?"),
                        e.get("message").and_then(Value::as_str).unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let frames: Vec<Frame> = exception
        .get("frames")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default();
    let view_frame = project.and_then(|p| frames.iter().rev().find(|f| f.is_project_code(p)));
    let guide_bug = chain
        .iter()
        .find(|c| c.contains("'ReservationResult' object has no attribute"));
    let mut outcome = match guide_bug {
        Some(message) => {
            let attribute = message
                .rsplit("no attribute ")
                .next()
                .unwrap_or("")
                .trim_end_matches('.')
                .to_string();
            Outcome::fail(
                "reservation_result",
                t!("POST {url} → 500: 'ReservationResult' object has no attribute {attribute}"; "POST {url} → 500: 'ReservationResult' 객체에 {attribute} 속성 없음"),
            )
        }
        None => {
            let first = chain
                .first()
                .cloned()
                .unwrap_or_else(|| "unknown exception".into());
            let last = chain.last().cloned().unwrap_or_default();
            Outcome::fail("server_error", t!("POST {url} → 500: {}", first_line(&last); "POST {url} → 500: {}", first_line(&last))).with("exception", first)
        }
    };
    for (i, link) in chain.iter().enumerate() {
        outcome = outcome.with(
            if i == 0 { "raised" } else { "caused_by" },
            first_line(link),
        );
    }
    if let Some(frame) = view_frame {
        outcome = outcome
            .at(frame.file.clone().unwrap_or_default(), frame.line)
            .with(
                "at",
                format!(
                    "{}:{} {}",
                    frame.file.clone().unwrap_or_default(),
                    frame.line.unwrap_or(0),
                    frame.code.clone().unwrap_or_default()
                ),
            );
        if guide_bug.is_some() {
            // The exact place to change, next to the guide's code (the check's `code`).
            let file = frame.file.clone().unwrap_or_default();
            let line = frame.line.unwrap_or(0);
            let code = frame.code.clone().unwrap_or_default();
            outcome.detail = Some(t!(
                "--- {file}:{line}\n- {code}\n+ build response_data from reservation_result (below) and serialize that";
                "--- {file}:{line}\n- {code}\n+ reservation_result로 response_data를 만들어 직렬화 (아래 코드)"
            ));
        }
    }
    outcome
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// Why the reservation cannot be tried, from the helper's `code` and facts.
fn not_applying(answer: &Value) -> crate::i18n::Text {
    let code = answer.get("code").and_then(Value::as_str).unwrap_or("");
    let path = answer.get("path").and_then(Value::as_str).unwrap_or("?");
    match code {
        "no_stock_model" => t!("does not apply: no stock model"; "해당 없음: 재고 모델이 없음"),
        "sqlite_missing" => t!(
            "does not apply: the SQLite database {path} does not exist: run python manage.py migrate";
            "해당 없음: SQLite 데이터베이스 {path}가 없음 — `python manage.py migrate`를 실행하세요"
        ),
        "no_reserve_url" => t!(
            "does not apply: no URL with 'reserve' in the URLconf";
            "해당 없음: URLconf에 'reserve'가 들어간 URL이 없음"
        ),
        "no_rest_framework" => t!(
            "does not apply: Django REST framework is not installed";
            "해당 없음: Django REST framework가 설치되지 않음"
        ),
        "no_stock_row" => t!(
            "does not apply: no product with stock to reserve";
            "해당 없음: 예약할 재고가 있는 상품이 없음"
        ),
        "no_user" => {
            t!("does not apply: no user to reserve as"; "해당 없음: 예약에 쓸 사용자가 없음")
        }
        other => t!("does not apply ({other})"; "해당 없음 ({other})"),
    }
}
