//! `locustfile`: the guide's §1 and performance tips, read from the project's locustfile with
//! a Python parser; every finding with file:line.

use super::Input;
use crate::checks::result::{Outcome, Status};
use crate::locustfile::Locustfile;
use crate::locustfile::advice::{self, Kind, Severity};
use crate::locustfile::run_findings;
use crate::probes::locustfile_answers as answers;
use crate::probes::locustfile_pass;
use crate::t;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let Some(path) = input.ctx.config.locustfile.value.clone() else {
        return Ok(Outcome::skip(
            t!("no locustfile found (looked for locust_test/locustfile.py, locustfile.py); set [locust] locustfile"; "locustfile을 찾지 못함 (locust_test/locustfile.py, locustfile.py); [locust] locustfile 설정"),
        ));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let shown = path.display().to_string();
    let source_text = text.clone();
    // Reading (file:line locations) off the async threads, so the check's timeout holds even
    // for a huge file, side by side with running it (what really happens when users run once).
    let reading = tokio::task::spawn_blocking(move || {
        let file = Locustfile::parse(&text);
        let review = advice::review(&text, &file);
        let refresh = advice::refresh_interval(&text, &file);
        (file, review, refresh)
    });
    let (reading, execution) = tokio::join!(reading, input.ctx.locust_run());
    let (file, review, refresh_read) = reading?;
    let mut lifetime = input
        .dep("auth")
        .and_then(|r| r.facts.get("token_lifetime_s"))
        .and_then(|v| v.as_i64())
        .or_else(|| {
            execution
                .as_ref()
                .ok()
                .and_then(|r| r.django.as_ref())
                .and_then(|d| d.get("token_lifetime_s"))
                .and_then(|v| v.as_f64())
                .map(|s| s as i64)
        });
    let mut executed_findings = match &execution {
        Ok(run) => run_findings::findings(run, &shown, lifetime),
        Err(_) => Vec::new(),
    };
    // What the run did with its answers: a token read where the login does not keep it, requests
    // never reached; and errors caused by doctor's own stand-in, which are not the user's.
    let answers = match &execution {
        Ok(run) => answers::review(run, &source_text),
        Err(_) => answers::Answers::default(),
    };
    executed_findings.retain(|f| {
        !(f.kind == Kind::TaskError
            && (answers
                .stand_in
                .iter()
                .any(|c| f.what.starts_with(&format!("{c}:")))
                || answers
                    .findings
                    .iter()
                    .any(|a| a.kind == Kind::NotReached && a.line == f.line)))
    });
    executed_findings.splice(0..0, answers.findings.iter().cloned());
    let mut notes_text: Vec<crate::i18n::Text> = execution
        .as_ref()
        .ok()
        .and_then(|r| answers::executed_as(r))
        .into_iter()
        .chain(answers.notes.iter().cloned())
        .collect();
    if !answers.stand_in.is_empty()
        && let Ok(run) = &execution
    {
        let calls = answers.stand_in.join(", ");
        let reason = answers::stand_in_reason(run);
        notes_text.push(t!("Could not test {calls}: {}.", reason.en; "{calls}은(는) 확인하지 못함: {}.", reason.ko));
    }
    let import_failed = executed_findings
        .iter()
        .any(|f| matches!(f.kind, Kind::ImportError | Kind::ImportTimeout));
    if let Some(budget) = file.unread_within
        && executed_findings.is_empty()
    {
        let secs = budget.as_secs();
        return Ok(Outcome::skip(t!("could not test, because {shown} could not be read within {secs} s (the Python parser is slow on very long or deeply nested files)"; "점검하지 못함: {shown} 파일을 {secs}초 안에 읽지 못함 (매우 길거나 깊게 중첩된 파일은 Python 파서가 느림)"))
            .diagnosed("not_read")
            .with("file", &shown));
    }
    if file.user_classes.is_empty() && !import_failed && file.unread_within.is_none() {
        return Ok(Outcome::fail("no_user_class", t!("{shown}: no Locust User class (Locust will say \"No User class found!\")"; "{shown}: Locust User 클래스 없음 (Locust가 \"No User class found!\" 출력)")).at(&shown, None));
    }
    let mut findings = if import_failed { Vec::new() } else { review };
    // The run is the truth where it saw the same thing as the text reading.
    let executed_headers: Vec<usize> = executed_findings
        .iter()
        .filter(|f| f.kind == Kind::SessionHeaders)
        .map(|f| f.line)
        .collect();
    findings.retain(|f| !(f.kind == Kind::SessionHeaders && executed_headers.contains(&f.line)));
    let executed_refresh = execution
        .as_ref()
        .ok()
        .map(|r| r.users.iter().any(|u| u.token_refresh.is_some()))
        .unwrap_or(false);
    if executed_refresh {
        findings.retain(|f| f.kind != Kind::NoTokenRefresh);
    }
    findings.splice(0..0, executed_findings);
    // No token to read (the login failed, or auth did not run): simplejwt's own setting, asked
    // from Django only when the answer matters, rather than assuming a short-lived token.
    if lifetime.is_none()
        && (findings.iter().any(|f| f.kind == Kind::NoTokenRefresh) || refresh_read.is_some())
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
    if let (false, Some(lifetime), Some((refresh, line))) =
        (executed_refresh, lifetime, refresh_read)
        && refresh > lifetime as f64
    {
        findings.push(advice::Finding {
            kind: Kind::NoTokenRefresh,
            line,
            what: format!("re-login after {refresh:.0} s, but the access token lives {lifetime} s: 401s in between"),
        });
    }
    // Evidence in identifiers (it reads the same in ko and en); why it was not run, in words.
    let (executed, not_executed) = match &execution {
        Ok(run) => (
            format!(
                "mode={} users={} requests={}",
                run.mode,
                run.users.len(),
                run.requests().count()
            ),
            None,
        ),
        Err(reason) => ("no".to_string(), Some(reason.reason())),
    };
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
        // The locustfile ended, killed or stalled its own process: nothing was tested by running
        // it, and reading alone is no pass.
        if let Err(reason) = &execution
            && could_not_run(reason)
        {
            let reason = reason.reason();
            return Ok(Outcome::skip(t!("could not test, because {}; reading the file found nothing against the guide", reason.en;
                "점검하지 못함: {}; 파일을 읽어서는 가이드와 다른 점을 찾지 못함", reason.ko))
            .diagnosed("not_executed")
            .with("file", &shown)
            .with("executed", &executed));
        }
        let name = file_name(&shown);
        let mut outcome = if answers.stand_in.is_empty() {
            // Only what was checked: an aspect the file does not have is not claimed.
            let checked = locustfile_pass::checked(
                &file,
                &source_text,
                execution.as_ref().ok().map(|r| r.as_ref()),
                &notes,
            );
            Outcome::pass(
                t!("{name} follows the guide ({})", checked.en; "{name}: 가이드대로 작성됨 ({})", checked.ko),
            )
        } else {
            let calls = answers.stand_in.join(", ");
            Outcome::skip(
                t!("could not test {calls}: the answers were doctor's stand-in, not the project's"; "{calls}은(는) 확인하지 못함: 응답이 프로젝트가 아닌 doctor의 대체 응답이었음"),
            )
        };
        outcome = outcome
            .with("file", &shown)
            .with("executed", &executed)
            .with("user_classes", classes.join(", "));
        if let Some(reason) = &not_executed {
            outcome = outcome.with_detail(read_only_note(reason));
        }
        for note in notes {
            outcome = outcome.with("note", note);
        }
        return Ok(with_notes(outcome, &notes_text));
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
    let name = file_name(&shown);
    let what = &worst.what;
    let summary = match worst.line {
        0 => {
            t!("{count} issue(s) in {name}; first: {what}"; "{name}에서 문제 {count}건; 첫 번째: {what}")
        }
        line => {
            t!("{count} issue(s) in {name}; first at line {line}: {what}"; "{name}에서 문제 {count}건; 첫 번째 {line}행: {what}")
        }
    };
    let mut outcome = Outcome::new(status, summary)
        .diagnosed(worst.kind.diagnosis())
        .at(&shown, (worst.line > 0).then_some(worst.line))
        .with("file", &shown)
        .with("executed", &executed)
        .with("user_classes", classes.join(", "));
    if let Some(reason) = &not_executed {
        outcome = outcome.with_detail(read_only_note(reason));
    }
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
    outcome = with_notes(outcome, &notes_text);
    if !diff.is_empty() {
        let diff = diff.join("\n");
        let before = outcome.detail.take().unwrap_or_default();
        outcome.detail = Some(crate::i18n::Text::new(
            format!("{}{diff}", before.en),
            format!("{}{diff}", before.ko),
        ));
    }
    Ok(outcome.with_facts(serde_json::json!({ "findings": findings.iter().map(|f| (f.kind.diagnosis(), f.line)).collect::<Vec<_>>() })))
}

/// Execution was attempted and the locustfile's process gave no answer (exit, signal, timeout,
/// garbage): unlike "no Django project", that is a test that did not happen.
fn could_not_run(reason: &crate::locustfile::executed::NotExecuted) -> bool {
    use crate::locustfile::executed::NotExecuted;
    matches!(
        reason,
        NotExecuted::Helper(_)
            | NotExecuted::Unreadable(_)
            | NotExecuted::Internal(_)
            | NotExecuted::ReplayBusy { .. }
    )
}

/// The executed run's sentences, after whatever detail the outcome has.
fn with_notes(mut outcome: Outcome, notes: &[crate::i18n::Text]) -> Outcome {
    if notes.is_empty() {
        return outcome;
    }
    let before = outcome.detail.take().unwrap_or_default();
    let en: Vec<&str> = notes.iter().map(|n| n.en.as_str()).collect();
    let ko: Vec<&str> = notes.iter().map(|n| n.ko.as_str()).collect();
    outcome.detail = Some(crate::i18n::Text::new(
        format!("{}{}\n", before.en, en.join("\n")),
        format!("{}{}\n", before.ko, ko.join("\n")),
    ));
    outcome
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Said once when the locustfile could not be run: these findings come from reading it.
fn read_only_note(reason: &crate::i18n::Text) -> crate::i18n::Text {
    t!("Not executed ({}): these findings come from reading the file.\n", reason.en; "실행하지 못함 ({}): 아래 결과는 파일을 읽어서 얻은 것.\n", reason.ko)
}
