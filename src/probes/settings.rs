//! `settings` (guide §3): Django's own `manage.py check`, and when Django cannot even start,
//! which of the guide's apps and middleware are missing, with the lines to add.

mod optional;
mod startup;

use super::Input;
use crate::checks::result::Outcome;
use crate::django::DjangoFacts;
use crate::t;
use serde_json::Value;

/// The guide's §3 lists, in its order.
pub const GUIDE_BASE_APPS: &[&str] = &[
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
];
pub const GUIDE_MIDDLEWARE: &[&str] = &[
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "silk.middleware.SilkyMiddleware",
];

/// A list as written in the settings file.
#[derive(Debug, Clone)]
struct WrittenList {
    file: String,
    line: usize,
    items: Vec<String>,
}

/// Where the list is written (from the syntax tree), with the values the settings module really
/// computes when it can be imported (conditions like `if DEBUG:` included).
fn written(facts: &DjangoFacts, name: &str) -> Option<WrittenList> {
    let answer = facts.answer("static_settings").ok()?;
    let entry = answer.get("lists")?.get(name)?;
    if let Some(values) = answer
        .get("values")
        .and_then(|v| v.get(name))
        .and_then(Value::as_array)
    {
        return Some(WrittenList {
            file: entry.get("file")?.as_str()?.to_string(),
            line: entry.get("line")?.as_u64()? as usize,
            items: values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        });
    }
    let items = entry
        .get("expanded")
        .or_else(|| entry.get("items"))?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Some(WrittenList {
        file: entry.get("file")?.as_str()?.to_string(),
        line: entry.get("line")?.as_u64()? as usize,
        items,
    })
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let outcome = probe_here(input).await?;
    Ok(crate::probes::remote::note_read_here(outcome, &input.ctx.config).await)
}

/// The check itself, from the project's files on this machine.
async fn probe_here(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let ctx = input.ctx;
    if ctx.config.project_dir.value.is_none() {
        // Several projects below (one alone is used by itself): name them.
        let cwd = std::env::current_dir().unwrap_or_default();
        let below: Vec<String> = crate::config::projects_below(&cwd)
            .iter()
            .map(|p| p.strip_prefix(&cwd).unwrap_or(p).display().to_string())
            .collect();
        if !below.is_empty() {
            let list = below.join(", ");
            return Ok(Outcome::fail(
                "no_project",
                t!("no manage.py in this folder or above it; below it: {list} (pass --project-dir with one of them)"; "이 폴더와 상위 폴더에 manage.py 없음; 하위 폴더: {list} (--project-dir로 하나를 지정)"),
            ));
        }
        return Ok(Outcome::fail(
            "no_project",
            t!("no manage.py in this folder or above it"; "이 폴더와 상위 폴더에 manage.py 없음"),
        ));
    }
    let facts = match ctx.django.facts(&ctx.config).await {
        Ok(f) => f,
        Err(reason) => {
            return Ok(Outcome::fail(
                "django_unavailable",
                t!("cannot run the project's Python: {reason}"; "프로젝트 Python 실행 불가: {reason}"),
            ));
        }
    };
    let project = ctx.config.project_dir.value.clone().unwrap_or_default();
    let python = ctx.config.python.value.join(" ");
    let outcome: anyhow::Result<Outcome> = match &facts.setup_error {
        // The guide's §3: a django.contrib app left out (Python's code, or its message from an
        // answer without one).
        Some(setup)
            if setup.cause_code() == "missing_apps"
                || (setup.cause.is_none()
                    && setup
                        .message
                        .contains("doesn't declare an explicit app_label")) =>
        {
            Ok(missing_app(&facts, &setup.message))
        }
        Some(setup)
            if setup.kind == "ModuleNotFoundError" && setup.message.contains("'django'") =>
        {
            Ok(Outcome::fail(
                "django_not_installed",
                t!("`{python}` has no Django: it is not the project's interpreter"; "`{python}`에 Django가 없음: 프로젝트의 인터프리터가 아님"),
            )
            .with("python", &python)
            .with("python_from", ctx.config.python.origin.to_string()))
        }
        Some(setup) => Ok(startup::located(
            setup,
            &project,
            &python,
            facts.settings_file.as_deref(),
        )),
        // Django starts, but `manage.py check` (and runserver) stop importing the URLconf.
        None => match facts.check_failure() {
            Some(failure) => Ok(startup::located(&failure, &project, &python, None)),
            None => Ok(system_check(&facts)),
        },
    };
    let outcome = outcome?;
    // A settings package: the module it imported, as the server's environment chose it.
    Ok(match &facts.settings_choice {
        Some(choice) => outcome.with("settings_runs", choice.describe(Some(&project))),
        None => outcome,
    })
}

/// `Model class django.contrib.X.models.Y doesn't declare an explicit app_label` (the guide's
/// §3): which of the guide's apps and middleware are missing, and the lines to add.
fn missing_app(facts: &DjangoFacts, message: &str) -> Outcome {
    let model = message
        .strip_prefix("Model class ")
        .and_then(|m| m.split(" doesn't").next())
        .unwrap_or("")
        .to_string();
    let installed = written(facts, "INSTALLED_APPS");
    let base = written(facts, "BASE_APPS");
    let middleware = written(facts, "MIDDLEWARE");
    let installed_items = installed
        .as_ref()
        .map(|l| l.items.clone())
        .unwrap_or_default();
    let missing_apps: Vec<&str> = GUIDE_BASE_APPS
        .iter()
        .copied()
        .filter(|a| !installed_items.iter().any(|i| i == a))
        .collect();
    let missing_middleware: Vec<&str> = match &middleware {
        Some(list) => GUIDE_MIDDLEWARE
            .iter()
            .copied()
            .filter(|m| !list.items.iter().any(|i| i == m))
            .filter(|m| !m.starts_with("silk.") || installed_items.iter().any(|a| a == "silk"))
            .collect(),
        None => Vec::new(),
    };
    let target = base.as_ref().or(installed.as_ref());
    let mut code = String::new();
    if let Some(list) = target {
        code.push_str(&format!(
            "# {}:{}  ({})\n",
            list.file,
            list.line,
            if base.is_some() {
                "BASE_APPS"
            } else {
                "INSTALLED_APPS"
            }
        ));
        for app in &missing_apps {
            code.push_str(&format!("+    \"{app}\",\n"));
        }
    }
    if let (Some(list), false) = (&middleware, missing_middleware.is_empty()) {
        code.push_str(&format!(
            "# {}:{}  (MIDDLEWARE, in the guide's order)\n",
            list.file, list.line
        ));
        for m in &missing_middleware {
            code.push_str(&format!("+    \"{m}\",\n"));
        }
    }
    let mut outcome = Outcome::fail(
        "missing_apps",
        t!("{model} has no app: missing from INSTALLED_APPS: {}", missing_apps.join(", "); "{model}의 앱이 없음: INSTALLED_APPS에 빠진 항목: {}", missing_apps.join(", ")),
    )
    .with("error", first_line(message))
    .with("missing_apps", missing_apps.join(", "))
    .with("missing_middleware", missing_middleware.join(", "));
    if let Some(list) = target {
        outcome = outcome.at(&list.file, Some(list.line));
    }
    outcome.detail = Some(t!("Add to the settings:\n{code}"; "설정에 추가:\n{code}"));
    outcome.with_facts(serde_json::json!({ "patch": code }))
}

fn system_check(facts: &DjangoFacts) -> Outcome {
    let issues = match facts.answer("system_check") {
        Ok(answer) => answer
            .get("issues")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Err(reason) => {
            return Outcome::new(
                crate::checks::result::Status::Error,
                t!("Django's system checks could not run: {reason}"; "Django 시스템 점검 실행 실패: {reason}"),
            );
        }
    };
    let errors: Vec<&Value> = issues
        .iter()
        .filter(|i| i.get("level").and_then(Value::as_i64).unwrap_or(0) >= 40)
        .collect();
    let warnings = issues.len() - errors.len();
    let describe = |i: &Value| {
        format!(
            "{}: {}",
            i.get("id").and_then(Value::as_str).unwrap_or("?"),
            i.get("msg").and_then(Value::as_str).unwrap_or("")
        )
    };
    let installed = facts.strings("settings", "installed_apps");
    let missing_core: Vec<&str> = GUIDE_BASE_APPS
        .iter()
        .copied()
        .filter(|a| !installed.iter().any(|i| i == a))
        .collect();
    let mut outcome = if let Some(first) = errors.first() {
        Outcome::fail(
            "check_errors",
            t!("manage.py check: {} error(s); {}", errors.len(), describe(first); "manage.py check: 오류 {}건; {}", errors.len(), describe(first)),
        )
    } else {
        // Django starts and its checks pass: an app of the guide's list that the project leaves
        // out (sessions, messages, staticfiles in an API-only service) breaks nothing, so it is
        // noted, not warned about (the guide's §3 error is the failed start handled above).
        let outcome = Outcome::pass(
            t!("manage.py check: no errors ({warnings} warning(s)); {} apps installed", installed.len(); "manage.py check: 오류 없음 (경고 {warnings}건); 앱 {}개", installed.len()),
        );
        if missing_core.is_empty() {
            outcome
        } else {
            outcome.with("guide_apps_not_installed", missing_core.join(", "))
        }
    };
    for issue in issues.iter().take(10) {
        outcome = outcome.with("issue", describe(issue));
    }
    outcome
        .with("django", facts.django.clone().unwrap_or_default())
        .with(
            "settings_module",
            facts.settings_module.clone().unwrap_or_default(),
        )
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}
