//! `locustfile`: the guide's §1 and performance tips, read from the project's locustfile with
//! a Python parser; every finding with file:line.

use super::Input;
use crate::checks::result::{Outcome, Status};
use crate::locustfile::Locustfile;
use crate::locustfile::advice::{self, Kind, Severity};
use crate::t;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let Some(path) = input.ctx.config.locustfile.value.clone() else {
        return Ok(Outcome::skip(
            t!("no locustfile found (looked for locust_test/locustfile.py, locustfile.py); set [locust] locustfile"; "locustfile을 찾지 못함 (locust_test/locustfile.py, locustfile.py); [locust] locustfile 설정"),
        ));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let file = Locustfile::parse(&text);
    let shown = path.display().to_string();
    if file.user_classes.is_empty() {
        return Ok(Outcome::fail("no_user_class", t!("{shown}: no Locust User class (Locust will say \"No User class found!\")"; "{shown}: Locust User 클래스 없음 (Locust가 \"No User class found!\" 출력)")).at(&shown, None));
    }
    let mut findings = advice::review(&text, &file);
    // Tip 2 matters only when the token dies before the run ends.
    let mut lifetime = input
        .dep("auth")
        .and_then(|r| r.facts.get("token_lifetime_s"))
        .and_then(|v| v.as_i64());
    // No token to read (the login failed, or auth did not run): simplejwt's own setting, asked
    // from Django only when the answer matters, rather than assuming a short-lived token.
    if lifetime.is_none()
        && (findings.iter().any(|f| f.kind == Kind::NoTokenRefresh)
            || advice::refresh_interval(&text, &file).is_some())
        && let Ok(facts) = input.ctx.django.facts(&input.ctx.config).await
    {
        lifetime = facts.access_token_lifetime_s().map(|s| s as i64);
    }
    // The staged run's length: [run] stages × stage_time (the threshold overrides it).
    let run = &input.ctx.config.run;
    let run_seconds = input.threshold(
        "run_seconds",
        run.stages.value.len() as f64 * run.stage_secs.value,
    ) as i64;
    let mut notes = Vec::new();
    if let Some(lifetime) = lifetime
        && lifetime >= run_seconds
        && findings.iter().any(|f| f.kind == Kind::NoTokenRefresh)
    {
        notes.push(format!(
            "token refresh: none, but the access token lives {lifetime} s ≥ the {run_seconds} s run"
        ));
        findings.retain(|f| f.kind != Kind::NoTokenRefresh);
    }
    // Tip 2 the other way round: a refresh planned after the token has already expired.
    if let (Some(lifetime), Some((refresh, line))) =
        (lifetime, advice::refresh_interval(&text, &file))
        && refresh > lifetime as f64
    {
        findings.push(advice::Finding {
            kind: Kind::NoTokenRefresh,
            line,
            what: format!("re-login after {refresh:.0} s, but the access token lives {lifetime} s: 401s in between"),
        });
    }
    let classes: Vec<String> = file
        .user_classes
        .iter()
        .map(|c| {
            format!(
                "{}{}",
                c.name,
                if c.fast_http { " (FastHttpUser)" } else { "" }
            )
        })
        .collect();
    let Some(worst) = findings.first() else {
        let mut outcome = Outcome::pass(t!("{} follows the guide (headers per request, timeouts, token refresh, 400 handling)", file_name(&shown); "{}: 가이드대로 작성됨 (요청별 headers, 타임아웃, 토큰 갱신, 400 처리)", file_name(&shown)))
            .with("file", &shown)
            .with("user_classes", classes.join(", "));
        for note in notes {
            outcome = outcome.with("note", note);
        }
        return Ok(outcome);
    };
    // Where the location is known, the change to make, as a diff.
    let diff: Vec<String> = findings
        .iter()
        .filter(|f| f.kind == Kind::SessionHeaders)
        .map(|f| format!("--- {shown}:{}\n- {}\n+ headers = {{\"Authorization\": f\"Bearer {{token}}\"}}  # pass headers=headers on every request", f.line, f.what))
        .collect();
    let status = if worst.kind.severity() == Severity::Fail {
        Status::Fail
    } else {
        Status::Warn
    };
    let count = findings.len();
    let mut outcome = Outcome::new(status, t!("{} issue(s) in {}; first at line {}: {}", count, file_name(&shown), worst.line, worst.what; "{}에서 문제 {}건; 첫 번째 {}행: {}", file_name(&shown), count, worst.line, worst.what))
        .diagnosed(worst.kind.diagnosis())
        .at(&shown, Some(worst.line))
        .with("file", &shown)
        .with("user_classes", classes.join(", "));
    if let Some(lifetime) = lifetime {
        outcome = outcome
            .with("token_lifetime_s", lifetime)
            .with("run_seconds", run_seconds);
    }
    for finding in &findings {
        outcome = outcome.with(
            finding.kind.diagnosis(),
            format!("line {}: {}", finding.line, finding.what),
        );
    }
    if !diff.is_empty() {
        let diff = diff.join("\n");
        outcome.detail = Some(crate::i18n::Text::new(diff.clone(), diff));
    }
    Ok(outcome.with_facts(serde_json::json!({ "findings": findings.iter().map(|f| (f.kind.diagnosis(), f.line)).collect::<Vec<_>>() })))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
