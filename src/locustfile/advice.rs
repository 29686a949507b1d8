//! What the guide says about a locustfile, found in its syntax tree: §1 (headers on a
//! FastHttpSession) and the performance tips (timeouts, token caching, 400 handling).

use super::Locustfile;
use crate::python_source::{Source, call_args, strip_kw};
use tree_sitter::Node;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warn,
    Fail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Guide §1: `self.client.headers...` on a FastHttpUser.
    SessionHeaders,
    /// Tip 1: `connection_timeout` / `network_timeout` missing on a FastHttpUser.
    MissingTimeouts,
    /// Tip 2: no `time.time()` comparison anywhere: the token is fetched once and never renewed.
    NoTokenRefresh,
    /// Tip 3: a 400 branch that calls `success()` without checking the body is JSON.
    Success400WithoutJson,
    /// Tip 3: every 400 counted as a failure (explicitly, or by not handling it at all).
    Every400Fails,
    /// Executed: the file does not import (syntax error, missing module, exit at import).
    ImportError,
    /// Executed: importing the file did not finish (a loop at module level).
    ImportTimeout,
    /// Executed: on_start or a task raised an exception.
    TaskError,
    /// Executed: on_start or a task did not return in time (a loop that never yields).
    TaskTimeout,
    /// Executed: the token is renewed later than the server lets it live.
    RefreshAfterExpiry,
    /// Executed: the login answer keeps its token elsewhere than where the locustfile reads it.
    TokenNotRead,
    /// Executed: requests after a key the answer lacked were never sent.
    NotReached,
}

impl Kind {
    pub fn diagnosis(self) -> &'static str {
        match self {
            Kind::SessionHeaders => "session_headers",
            Kind::MissingTimeouts => "missing_timeouts",
            Kind::NoTokenRefresh => "no_token_refresh",
            Kind::Success400WithoutJson => "success_400_without_json",
            Kind::Every400Fails => "every_400_fails",
            Kind::ImportError => "import_error",
            Kind::ImportTimeout => "import_timeout",
            Kind::TaskError => "task_error",
            Kind::TaskTimeout => "task_timeout",
            Kind::RefreshAfterExpiry => "refresh_after_expiry",
            Kind::TokenNotRead => "token_not_read",
            Kind::NotReached => "not_reached",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Kind::SessionHeaders
            | Kind::ImportError
            | Kind::ImportTimeout
            | Kind::TaskError
            | Kind::TaskTimeout
            | Kind::RefreshAfterExpiry
            | Kind::TokenNotRead
            | Kind::NotReached => Severity::Fail,
            _ => Severity::Warn,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    pub line: usize,
    /// What was found, in the file's own words (a class name, the code on that line).
    pub what: String,
}

pub fn review(text: &str, file: &Locustfile) -> Vec<Finding> {
    let source = Source::new(text);
    let mut findings = Vec::new();
    session_headers(&source, file, &mut findings);
    missing_timeouts(file, &mut findings);
    token_refresh(&source, file, &mut findings);
    response_handling(&source, file, &mut findings);
    findings.sort_by_key(|f| (std::cmp::Reverse(f.kind.severity()), f.line));
    findings
}

fn session_headers(source: &Source, file: &Locustfile, findings: &mut Vec<Finding>) {
    let fast_ranges: Vec<_> = file
        .user_classes
        .iter()
        .filter(|c| c.fast_http)
        .map(|c| c.range.clone())
        .collect();
    if fast_ranges.is_empty() {
        return; // HttpUser's requests.Session has headers: only FastHttpSession lacks them.
    }
    source.walk(source.root(), &mut |node| {
        if node.kind() == "attribute"
            && source.text(node) == "self.client.headers"
            && fast_ranges.iter().any(|r| r.contains(&node.start_byte()))
        {
            let line_text = source
                .text
                .lines()
                .nth(source.line(node) - 1)
                .unwrap_or("")
                .trim()
                .to_string();
            findings.push(Finding {
                kind: Kind::SessionHeaders,
                line: source.line(node),
                what: line_text,
            });
        }
    });
}

fn missing_timeouts(file: &Locustfile, findings: &mut Vec<Finding>) {
    for class in file.user_classes.iter().filter(|c| c.fast_http) {
        let missing: Vec<&str> = ["connection_timeout", "network_timeout"]
            .into_iter()
            .filter(|a| !class.attributes.contains_key(*a))
            .collect();
        if !missing.is_empty() {
            findings.push(Finding {
                kind: Kind::MissingTimeouts,
                line: class.line,
                what: format!("class {}: no {}", class.name, missing.join(", ")),
            });
        }
    }
}

fn token_refresh(source: &Source, file: &Locustfile, findings: &mut Vec<Finding>) {
    let Some(login) = &file.login else { return };
    let mut compares_time = false;
    source.walk(source.root(), &mut |node| {
        if node.kind() == "comparison_operator" && source.text(node).contains("time()") {
            compares_time = true;
        }
    });
    if !compares_time {
        findings.push(Finding {
            kind: Kind::NoTokenRefresh,
            line: login.line,
            what: format!("login POST {} without a later expiry check", login.path),
        });
    }
}

/// Tip 3, per request made with `catch_response=True`, and POSTs without it. The login request
/// (as `Locustfile::parse` found it, whatever its path) is no business request: a 400 there is a
/// real failure.
fn response_handling(source: &Source, file: &Locustfile, findings: &mut Vec<Finding>) {
    let login_line = file.login.as_ref().map(|l| l.line);
    source.walk(source.root(), &mut |node| {
        if node.kind() != "call" {
            return;
        }
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let callee = source.text(function);
        if !callee.starts_with("self.client.") {
            return;
        }
        let method = callee.trim_start_matches("self.client.");
        let args = call_args(node);
        let catches = args
            .iter()
            .filter(|a| a.kind() == "keyword_argument")
            .filter_map(|a| strip_kw(source, *a))
            .any(|(name, value)| name == "catch_response" && source.text(value) == "True");
        let path = args.first().map(|a| source.text(*a)).unwrap_or("");
        let business = method == "post"
            && login_line != Some(source.line(node))
            && !path.to_lowercase().contains("token")
            && !path.to_lowercase().contains("login");
        if !catches {
            if business {
                findings.push(Finding {
                    kind: Kind::Every400Fails,
                    line: source.line(node),
                    // Locust's default, in code: reads the same in Korean and English.
                    what: format!("self.client.post({path}) (catch_response=False)"),
                });
            }
            return;
        }
        let Some(block) = enclosing_with_body(node) else {
            return;
        };
        match branch_for_400(source, block) {
            Some(branch) => {
                let text = source.text(branch);
                let succeeds = text.contains(".success()");
                let checks_json = text.contains(".json()") || text.contains("json.loads");
                if succeeds && !checks_json {
                    findings.push(Finding {
                        kind: Kind::Success400WithoutJson,
                        line: source.line(branch),
                        what: first_line(text),
                    });
                } else if !succeeds && text.contains(".failure(") {
                    findings.push(Finding {
                        kind: Kind::Every400Fails,
                        line: source.line(branch),
                        what: first_line(text),
                    });
                }
            }
            None if business => {
                findings.push(Finding {
                    kind: Kind::Every400Fails,
                    line: source.line(node),
                    what: format!(
                        "self.client.post({path}, catch_response=True) with no 400 branch"
                    ),
                });
            }
            None => {}
        }
    });
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// `with self.client.post(..., catch_response=True) as response:` → the with's body.
fn enclosing_with_body(call: Node) -> Option<Node> {
    let mut node = call.parent()?;
    for _ in 0..4 {
        if node.kind() == "with_statement" {
            return node.child_by_field_name("body");
        }
        node = node.parent()?;
    }
    None
}

/// The `if`/`elif` clause whose condition compares a status code with 400.
fn branch_for_400<'t>(source: &'t Source, block: Node<'t>) -> Option<Node<'t>> {
    let mut found = None;
    source.walk(block, &mut |node| {
        if found.is_some() || !matches!(node.kind(), "if_statement" | "elif_clause") {
            return;
        }
        let Some(condition) = node.child_by_field_name("condition") else {
            return;
        };
        let text = source.text(condition);
        if text.contains("status_code") && text.contains("400") {
            found = node.child_by_field_name("consequence");
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, usize)> {
        let file = Locustfile::parse(text);
        review(text, &file)
            .into_iter()
            .map(|f| (f.kind, f.line))
            .collect()
    }

    const GOOD: &str = r#"import json, time
from locust import FastHttpUser, task

class U(FastHttpUser):
    connection_timeout = 60.0
    network_timeout = 60.0

    def on_start(self):
        self.authenticate()

    def authenticate(self):
        r = self.client.post("/api/token/", json={"username": "u", "password": "p"})
        self.token_expires_at = time.time() + 240

    @task
    def reserve(self):
        if time.time() >= self.token_expires_at:
            self.authenticate()
        with self.client.post("/api/products/1/reserve/", json={"quantity": 1}, catch_response=True) as response:
            if response.status_code == 201:
                response.success()
            elif response.status_code == 400:
                try:
                    response.json()
                    response.success()
                except json.JSONDecodeError:
                    response.failure("400 response parse failed")
"#;

    #[test]
    fn the_guides_own_advice_passes() {
        assert_eq!(kinds(GOOD), vec![]);
    }

    #[test]
    fn headers_on_fast_session_fail_with_line() {
        let text = GOOD.replace("        self.token_expires_at = time.time() + 240", "        self.client.headers.update({\"Authorization\": \"Bearer x\"})\n        self.token_expires_at = time.time() + 240");
        assert_eq!(kinds(&text), vec![(Kind::SessionHeaders, 13)]);
    }

    #[test]
    fn headers_on_http_user_are_fine() {
        let text = GOOD.replace("FastHttpUser", "HttpUser").replace(
            "        self.token_expires_at",
            "        self.client.headers.update({})\n        self.token_expires_at",
        );
        assert!(!kinds(&text).iter().any(|(k, _)| *k == Kind::SessionHeaders));
    }

    #[test]
    fn missing_timeouts_and_refresh_are_warned() {
        let text = GOOD.replace("    connection_timeout = 60.0\n", "").replace("        if time.time() >= self.token_expires_at:\n            self.authenticate()\n", "").replace("        self.token_expires_at = time.time() + 240\n", "");
        let found = kinds(&text);
        assert!(found.contains(&(Kind::MissingTimeouts, 4)), "{found:?}");
        assert!(
            found.iter().any(|(k, _)| *k == Kind::NoTokenRefresh),
            "{found:?}"
        );
    }

    #[test]
    fn blind_400_handling_is_warned() {
        let blind_success = GOOD.replace("                try:\n                    response.json()\n                    response.success()\n                except json.JSONDecodeError:\n                    response.failure(\"400 response parse failed\")\n", "                response.success()\n");
        assert!(
            kinds(&blind_success)
                .iter()
                .any(|(k, _)| *k == Kind::Success400WithoutJson)
        );
        let always_fail = GOOD.replace("                try:\n                    response.json()\n                    response.success()\n                except json.JSONDecodeError:\n                    response.failure(\"400 response parse failed\")\n", "                response.failure(\"bad request\")\n");
        assert!(
            kinds(&always_fail)
                .iter()
                .any(|(k, _)| *k == Kind::Every400Fails)
        );
        let no_catch = "from locust import HttpUser\nclass U(HttpUser):\n    def t(self):\n        self.client.post('/api/products/1/reserve/', json={})\n";
        assert_eq!(kinds(no_catch), vec![(Kind::Every400Fails, 4)]);
    }

    #[test]
    fn a_login_at_any_path_is_no_business_request() {
        let text = "import random\nfrom locust import HttpUser, task\nclass U(HttpUser):\n    def on_start(self):\n        self.client.post(\"/auth/jwt/create/\", data={\"email\": f\"member{random.randint(1, 20)}@shop.test\", \"password\": \"p\"})\n";
        assert!(
            !kinds(text).iter().any(|(k, _)| *k == Kind::Every400Fails),
            "{:?}",
            kinds(text)
        );
    }
}

/// `self.token_expires_at = time.time() + 240` (or `+ TOKEN_REFRESH_SECONDS`) → (240 s, line):
/// how long the locustfile uses a token before it logs in again.
pub fn refresh_interval(text: &str, file: &Locustfile) -> Option<(f64, usize)> {
    let source = Source::new(text);
    let mut found = None;
    source.walk(source.root(), &mut |node| {
        if found.is_some() || node.kind() != "assignment" {
            return;
        }
        let Some((left, right)) = crate::python_source::sides(node) else {
            return;
        };
        if !source.text(left).to_lowercase().contains("expire") || right.kind() != "binary_operator"
        {
            return;
        }
        let Some((a, b)) = crate::python_source::sides(right) else {
            return;
        };
        if !source.text(a).contains("time()") {
            return;
        }
        let amount = source.text(b).trim();
        let seconds = amount
            .parse::<f64>()
            .ok()
            .or_else(|| file.constants.get(amount).and_then(|v| v.parse().ok()));
        if let Some(seconds) = seconds {
            found = Some((seconds, source.line(node)));
        }
    });
    found
}

#[cfg(test)]
mod refresh_tests {
    use super::*;

    #[test]
    fn reads_the_refresh_interval_with_a_constant() {
        let text = "import time\nREFRESH = 240\nclass U(FastHttpUser):\n    def auth(self):\n        self.token_expires_at = time.time() + REFRESH\n";
        let file = Locustfile::parse(text);
        assert_eq!(refresh_interval(text, &file), Some((240.0, 5)));
    }
}
