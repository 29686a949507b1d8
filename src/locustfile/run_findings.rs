//! Findings from the executed locustfile: what really happened when its users ran once, as
//! the same `Finding`s the text review gives, so one check reports both.

use super::advice::{Finding, Kind};
use super::executed::{Call, Execution, Problem};

/// The guide §1 error, raised for real by the mimicking FastHttpSession.
fn is_session_headers(problem: &Problem) -> bool {
    problem.kind.as_deref() == Some("AttributeError")
        && problem
            .message
            .as_deref()
            .is_some_and(|m| m.contains("FastHttpSession") && m.contains("'headers'"))
}

fn line_in(problem: &Problem, locustfile: &str) -> usize {
    problem
        .frames
        .iter()
        .rev()
        .find(|f| f.file.as_deref() == Some(locustfile))
        .and_then(|f| f.line)
        .or(problem.line)
        .unwrap_or(0)
}

/// What the run found. `lifetime_s`: how long the server's access token lives, when known.
pub fn findings(run: &Execution, locustfile: &str, lifetime_s: Option<i64>) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(problem) = &run.import_error {
        let timed_out = problem.code.as_deref() == Some("timed_out");
        found.push(Finding {
            kind: if timed_out {
                Kind::ImportTimeout
            } else {
                Kind::ImportError
            },
            line: line_in(problem, locustfile),
            what: if timed_out {
                "import".to_string()
            } else {
                problem.headline()
            },
        });
        return found;
    }
    for user in &run.users {
        let calls = user.on_start.iter().chain(&user.tasks);
        for call in calls {
            if let Some(finding) = call_finding(call, &user.class_name, locustfile)
                && !found.contains(&finding)
            {
                found.push(finding);
            }
        }
        if let (Some(refresh), Some(lifetime)) = (&user.token_refresh, lifetime_s)
            && let Some(seconds) = refresh.seconds
            && seconds > lifetime as f64
        {
            found.push(Finding {
                kind: Kind::RefreshAfterExpiry,
                line: user.login.as_ref().and_then(|l| l.line).unwrap_or(0),
                what: format!(
                    "{}.{} = now + {seconds:.0} s > {lifetime} s",
                    user.class_name,
                    refresh.attribute.as_deref().unwrap_or("?")
                ),
            });
        }
    }
    found
}

fn call_finding(call: &Call, class: &str, locustfile: &str) -> Option<Finding> {
    let name = call.name.as_deref().unwrap_or("on_start");
    if call.timed_out {
        return Some(Finding {
            kind: Kind::TaskTimeout,
            line: call.line.unwrap_or(0),
            what: format!("{class}.{name}"),
        });
    }
    let problem = call.error.as_ref()?;
    let kind = if is_session_headers(problem) {
        Kind::SessionHeaders
    } else {
        Kind::TaskError
    };
    Some(Finding {
        kind,
        line: line_in(problem, locustfile),
        what: format!("{class}.{name}: {}", problem.headline()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_attribute_error_is_guide_section_one() {
        let run = Execution::parse(
            r#"{"users":[{"class":"U","tasks":[{"name":"t","error":{"type":"AttributeError",
            "message":"'FastHttpSession' object has no attribute 'headers'",
            "frames":[{"file":"/p/locustfile.py","line":12}]}}],
            "token_refresh":{"attribute":"exp","seconds":240},"login":{"line":9}}]}"#,
        )
        .unwrap();
        let found = findings(&run, "/p/locustfile.py", Some(60));
        assert_eq!(found[0].kind, Kind::SessionHeaders);
        assert_eq!(found[0].line, 12);
        assert_eq!(found[1].kind, Kind::RefreshAfterExpiry);
        assert!(found[1].what.contains("240 s > 60 s"), "{}", found[1].what);
        assert!(findings(&run, "/p/locustfile.py", Some(300)).len() == 1);
    }
}
