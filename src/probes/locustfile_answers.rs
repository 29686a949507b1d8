//! What the executed locustfile did with its answers, worded: the account it ran as, a token
//! read where the login answer does not keep it (`Bearer None`, then 401), requests never
//! reached because an earlier answer lacked a key, and task errors caused by doctor's own
//! stand-in answers (mode "record"), which are "could not test", never the user's fault.

use crate::i18n::Text;
use crate::locustfile::advice::{Finding, Kind};
use crate::locustfile::executed::{Call, Execution, UserRun};
use crate::t;

/// Findings and the sentences that explain them (for the check's detail).
#[derive(Default)]
pub struct Answers {
    pub findings: Vec<Finding>,
    pub notes: Vec<Text>,
    /// `Class.task` whose error came from doctor's stand-in answer: not the user's to fix.
    pub stand_in: Vec<String>,
}

pub fn review(run: &Execution, locustfile_text: &str) -> Answers {
    let mut out = Answers::default();
    for user in &run.users {
        token_not_read(user, locustfile_text, &mut out);
        for call in user.on_start.iter().chain(&user.tasks) {
            if run.mode == "record" && stand_in_error(call) {
                out.stand_in
                    .push(format!("{}.{}", user.class_name, call_name(call)));
            } else {
                not_reached(user, call, &mut out);
            }
        }
    }
    out
}

fn call_name(call: &Call) -> &str {
    call.name.as_deref().unwrap_or("on_start")
}

/// "executed as loadtester_7, one of the 50 that exist".
pub fn executed_as(run: &Execution) -> Option<Text> {
    let user = run.login_user()?;
    let who = user.executed_as.as_ref()?;
    let name = &who.username;
    match (who.exists, who.existing, who.pool_size) {
        (Some(true), Some(existing), Some(size)) if size > 1 && existing < size => Some(t!(
            "executed as {name}, one of the {existing} of {size} accounts that exist";
            "{name}(으)로 실행함: 계정 {size}개 중 존재하는 {existing}개 중 하나"
        )),
        // Every account exists: nothing worth saying.
        (Some(true), ..) => None,
        (Some(false), Some(0), Some(size)) => Some(t!(
            "executed as {name}; none of the {size} accounts of the pool exist, so the login and what follows it could not be tested";
            "{name}(으)로 실행함; 계정 {size}개 중 존재하는 계정이 없어 로그인과 그 이후는 확인하지 못함"
        )),
        (Some(false), ..) => Some(t!(
            "executed as {name}, an account that does not exist";
            "존재하지 않는 계정 {name}(으)로 실행함"
        )),
        (None, ..) => None,
    }
}

/// The locustfile reads the token where the login answer does not keep it.
fn token_not_read(user: &UserRun, text: &str, out: &mut Answers) {
    let Some(login) = &user.login else { return };
    let Some(path) = login.token_path.as_deref() else {
        return;
    };
    if login.reads.iter().any(|r| r.found && r.key == path) {
        return;
    }
    let Some(miss) = login.reads.iter().find(|r| !r.found) else {
        return;
    };
    let line = miss.line.unwrap_or(0);
    let later: Vec<_> = user
        .requests
        .iter()
        .filter(|r| r.auth.as_deref() == Some("bearer_none"))
        .collect();
    let refused = later.iter().filter(|r| r.status == Some(401)).count();
    let total = later.len();
    let key = &miss.key;
    out.findings.push(Finding {
        kind: Kind::TokenNotRead,
        line,
        what: format!("\"{key}\" → None; token: \"{path}\""),
    });
    let current = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim();
    let change = match token_fix_line(current, key, path) {
        Some(fixed) => format!("\n- {current}\n+ {fixed}"),
        None => String::new(),
    };
    let login_label = format!("{} {}", login.method, login.path);
    out.notes.push(t!(
        "Line {line} reads \"{key}\" from the answer of {login_label}, but the project's login keeps the token at \"{path}\": the header becomes `Authorization: Bearer None`, and {refused} of the {total} later requests that sent it answered 401.{change}";
        "{line}행이 {login_label} 응답에서 \"{key}\"를 읽지만, 이 프로젝트의 로그인은 토큰을 \"{path}\"에 둠: 헤더가 `Authorization: Bearer None`이 되고, 이를 보낸 이후 요청 {total}건 중 {refused}건이 401로 응답함.{change}"
    ));
}

/// The locustfile line with the key read replaced by the token's path, e.g.
/// `response.json().get("access")` → `response.json()["token"]["access"]`.
pub fn token_fix_line(line: &str, key: &str, path: &str) -> Option<String> {
    let index: String = path.split('.').map(|k| format!("[\"{k}\"]")).collect();
    for pattern in [
        format!(".get(\"{key}\")"),
        format!(".get('{key}')"),
        format!("[\"{key}\"]"),
        format!("['{key}']"),
    ] {
        if line.contains(&pattern) {
            return Some(line.replacen(&pattern, &index, 1));
        }
    }
    None
}

/// Requests after the line where a task raised: never sent, and why.
fn not_reached(user: &UserRun, call: &Call, out: &mut Answers) {
    let Some(error) = &call.error else { return };
    if call.not_reached.is_empty() {
        return;
    }
    let error_line = error.line.or_else(|| error.location().map(|(_, l)| l));
    let listed = |line_word: fn(usize) -> String| {
        call.not_reached
            .iter()
            .map(|u| {
                let path = u.path.as_deref().unwrap_or("?");
                format!("{} {path} ({})", u.method, line_word(u.line.unwrap_or(0)))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unsent = listed(|n| format!("line {n}"));
    let unsent_ko = listed(|n| format!("{n}행"));
    let requests: Vec<String> = call
        .not_reached
        .iter()
        .map(|u| format!("{} {}", u.method, u.path.as_deref().unwrap_or("?")))
        .collect();
    let requests = requests.join(", ");
    // Only a chain stopped by an answer that lacked a key; other errors are task errors.
    let Some((request, read)) = user.requests.iter().find_map(|r| {
        let read = r.reads.iter().find(|x| !x.found && x.line == error_line)?;
        Some((r, read))
    }) else {
        return;
    };
    let headline = error.headline();
    let line = error_line.unwrap_or(0);
    out.findings.push(Finding {
        kind: Kind::NotReached,
        line,
        what: format!("{headline} → {requests}"),
    });
    let label = request.label();
    let at = request.line.unwrap_or(0);
    let key = &read.key;
    let has = answer_keys(request.json_excerpt.as_deref());
    out.notes.push(t!(
        "Not reached: {unsent}, because the answer of {label} (line {at}) has no \"{key}\"{has}; the task stops at line {line} on every iteration.";
        "도달하지 못함: {unsent_ko}. {label} ({at}행)의 응답에 \"{key}\"가 없음{has}; 태스크가 매 반복마다 {line}행에서 멈춤."
    ));
}

/// ` (keys: a, b)` of a JSON object answer, when its excerpt parses.
fn answer_keys(excerpt: Option<&str>) -> String {
    let Some(serde_json::Value::Object(map)) =
        excerpt.and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
    else {
        return String::new();
    };
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    format!(" ({})", keys.join(", "))
}

/// An error about the answer's shape (a list where a dict was expected, a missing key, no JSON):
/// in mode "record" every answer is doctor's stand-in, so it proves nothing about the user's code.
fn stand_in_error(call: &Call) -> bool {
    let Some(error) = &call.error else {
        return false;
    };
    matches!(
        error.kind.as_deref(),
        Some(
            "AttributeError"
                | "KeyError"
                | "IndexError"
                | "TypeError"
                | "JSONDecodeError"
                | "ValueError"
        )
    ) && !error
        .message
        .as_deref()
        .is_some_and(|m| m.contains("FastHttpSession"))
}

/// The reason the stand-in answered, in words: why Django could not answer in-process.
pub fn stand_in_reason(run: &Execution) -> Text {
    let problem = run.mode_reason.as_ref();
    let reason = match problem.and_then(|p| p.code.as_deref()) {
        Some("sqlite_missing") => {
            return t!(
                "the project's SQLite database file does not exist here, so Django could not answer in-process and doctor's stand-in answered (`[]` for a GET, `{{}}` otherwise)";
                "프로젝트의 SQLite DB 파일이 없어 Django가 프로세스 안에서 응답하지 못했고 doctor의 대체 응답(GET은 `[]`, 그 외는 `{{}}`)을 사용함"
            );
        }
        _ => problem.map(|p| p.headline()).unwrap_or_default(),
    };
    t!(
        "Django could not answer in-process ({reason}), so doctor's stand-in answered (`[]` for a GET, `{{}}` otherwise)";
        "Django가 프로세스 안에서 응답하지 못해 ({reason}) doctor의 대체 응답(GET은 `[]`, 그 외는 `{{}}`)을 사용함"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_line_change_follows_the_token_path() {
        assert_eq!(
            token_fix_line(
                "self.token = response.json().get(\"access\")",
                "access",
                "token.access"
            )
            .as_deref(),
            Some("self.token = response.json()[\"token\"][\"access\"]")
        );
        assert_eq!(token_fix_line("x = 1", "access", "token.access"), None);
    }

    #[test]
    fn a_list_answered_by_the_stand_in_is_not_the_users_error() {
        let run = Execution::parse(
            r#"{"mode":"record","mode_reason":{"code":"settings_error","type":"ImportError","message":"no module"},
            "users":[{"class":"U","tasks":[{"name":"t","error":{"type":"AttributeError",
            "message":"'list' object has no attribute 'get'","line":9}}]}]}"#,
        )
        .unwrap();
        let answers = review(&run, "");
        assert_eq!(answers.stand_in, vec!["U.t".to_string()]);
        assert!(answers.findings.is_empty());
        assert!(stand_in_reason(&run).en.contains("ImportError: no module"));
    }
}
