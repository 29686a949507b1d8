//! `readiness`: settings that skew load-test results, one aspect per check (params.aspect):
//! silk, debug, logging, sqlite, devserver, open_files. Each says what it costs.

mod debug_toolbar;

use super::Input;
use crate::checks::result::Outcome;
use crate::server::port::django_server_kind;
use crate::t;
use serde_json::Value;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let aspect = input.param_str("aspect").unwrap_or("");
    match aspect {
        "open_files" => Ok(open_files(input)),
        "devserver" => Ok(devserver(input).await),
        // The server's own answers win over the files (a .env changed after its start).
        "debug_toolbar" => {
            let outcome = django_aspect(input, aspect).await?;
            Ok(super::server_answers::reconcile(input, aspect, outcome).await)
        }
        // Settings read from the project's files here, not from the server.
        "silk" | "debug" | "logging" | "sqlite" => {
            let mut outcome = django_aspect(input, aspect).await?;
            if matches!(aspect, "silk" | "debug") {
                outcome = super::server_answers::reconcile(input, aspect, outcome).await;
            }
            Ok(crate::probes::remote::note_read_here(outcome, &input.ctx.config).await)
        }
        other => anyhow::bail!(
            "readiness: unknown aspect '{other}' (silk, debug, debug_toolbar, logging, sqlite, devserver, open_files)"
        ),
    }
}

/// SQLite in words of its locking when Django told it (mode, timeout, the DATABASES line), and
/// of the load test's own read-then-write transactions when the replay measured them.
fn sqlite_warning(
    reserves: bool,
    locking: Option<crate::django::SqliteLocking>,
    measured: &super::sqlite_locking::ReadThenWrite,
) -> Outcome {
    // The diagnosis is the settings' (asked of Django); the summary says what the replay saw.
    let deferred = locking.as_ref().is_some_and(|l| l.deferred());
    let diagnosis = match (reserves, deferred) {
        (true, true) => "sqlite_deferred",
        (false, true) => "sqlite_writes_deferred",
        (true, false) => "sqlite",
        (false, false) => "sqlite_writes",
    };
    let Some(locking) = locking else {
        let summary = if reserves {
            t!("the database is SQLite: concurrent reservations will serialize and fail with \"database is locked\""; "DB가 SQLite: 동시 예약이 직렬화되고 \"database is locked\"로 실패함")
        } else {
            t!("the database is SQLite: concurrent writes will serialize and fail with \"database is locked\""; "DB가 SQLite: 동시 쓰기가 직렬화되고 \"database is locked\"로 실패함")
        };
        return Outcome::warn(diagnosis, summary);
    };
    let mut outcome = Outcome::warn(
        diagnosis,
        super::sqlite_locking::forecast(&locking, reserves, measured),
    )
    .with_detail(super::sqlite_locking::facts(&locking))
    .with(
        "transaction_mode",
        locking.transaction_mode.as_deref().unwrap_or("DEFERRED"),
    )
    .with("django", &locking.django_version);
    if let Some(timeout) = locking.timeout_s {
        outcome = outcome.with("timeout_s", timeout);
    }
    // Said in the summary when the replay saw none.
    if let Some(measured) = measured.as_ref().filter(|m| !m.is_empty()) {
        let named: Vec<String> = measured
            .iter()
            .map(|(label, ms)| format!("{label} ({ms:.0} ms)"))
            .collect();
        outcome = outcome.with("read_then_write", named.join(", "));
    }
    // One assignment is the place; of several (an if/else), the source cannot say which ran.
    if let [at] = locking.databases_at.as_slice() {
        outcome = outcome.at(at.file.clone(), Some(at.line));
    }
    outcome
}

/// The load test's requests whose own transaction read, then wrote, as the in-process replay
/// measured them (the executed locustfile is shared with the locustfile and reserve checks).
async fn read_then_write(ctx: &super::Context) -> super::sqlite_locking::ReadThenWrite {
    let run = ctx.locust_run().await.ok()?;
    if run.mode != "django" || run.costs.is_empty() {
        return None;
    }
    let measured = run.costs.iter().filter(|c| c.read_write_ms > 0.0);
    Some(
        measured
            .map(|c| (c.request.clone(), c.read_write_ms))
            .collect(),
    )
}

async fn django_aspect(input: &Input<'_>, aspect: &str) -> anyhow::Result<Outcome> {
    let ctx = input.ctx;
    let facts = match super::django_facts(input).await {
        Ok(f) => f,
        Err(outcome) => return Ok(outcome),
    };
    if aspect == "debug_toolbar" {
        return Ok(debug_toolbar::probe(input, &facts).await);
    }
    if aspect == "sqlite" {
        let vendor = match super::database::url(ctx).await {
            Ok(url) => super::database::vendor_of(&url),
            Err(reason) => {
                return Ok(Outcome::fail(
                    "django_unavailable",
                    t!("{reason}"; "Django의 답을 받을 수 없음: \"{reason}\""),
                ));
            }
        };
        // Speak of reservations only to a project that has stock to reserve.
        let reserves = facts.stock().is_ok_and(|s| s.present);
        return Ok(match vendor {
            Some(super::database::Vendor::Sqlite) => {
                let locking = super::database::sqlite_locking(ctx).await;
                sqlite_warning(reserves, locking, &read_then_write(ctx).await)
            }
            _ => Outcome::pass(t!("the database is not SQLite"; "DB가 SQLite가 아님")),
        });
    }
    let settings = match facts.answer("settings") {
        Ok(s) => s.clone(),
        Err(reason) => {
            return Ok(Outcome::fail(
                "django_unavailable",
                t!("{reason}"; "Django의 답을 받을 수 없음: \"{reason}\""),
            ));
        }
    };
    let list = |key: &str| facts.strings("settings", key);
    Ok(match aspect {
        "silk" => {
            let app = list("installed_apps").iter().any(|a| a == "silk");
            let middleware = list("middleware").iter().any(|m| m.contains("silk"));
            if app || middleware {
                Outcome::warn(
                    "silk_on",
                    t!("Django Silk is on (app: {app}, middleware: {middleware}): every request is recorded in the database"; "Django Silk 켜짐 (앱: {app}, 미들웨어: {middleware}): 모든 요청이 DB에 기록됨"),
                )
            } else {
                Outcome::pass(t!("Silk is off"; "Silk 꺼짐"))
            }
        }
        "debug" => {
            if settings
                .get("debug")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                Outcome::warn(
                    "debug_on",
                    t!("DEBUG = True: Django keeps every SQL query in memory"; "DEBUG = True: Django가 모든 SQL 쿼리를 메모리에 보관"),
                )
            } else {
                Outcome::pass(t!("DEBUG is off"; "DEBUG 꺼짐"))
            }
        }
        _ => {
            let level = settings
                .get("logging_root_level")
                .and_then(Value::as_str)
                .unwrap_or("");
            if level == "DEBUG" {
                Outcome::warn(
                    "debug_logging",
                    t!("the root logger is at DEBUG: every request writes log lines"; "루트 로거가 DEBUG: 요청마다 로그 기록"),
                )
            } else {
                Outcome::pass(t!("logging is not at DEBUG"; "로깅이 DEBUG가 아님"))
            }
        }
    })
}

async fn devserver(input: &Input<'_>) -> Outcome {
    let listeners = input
        .dep("port")
        .and_then(|r| r.facts.get("listeners"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let command = listeners
        .iter()
        .filter_map(|l| l.get("command").and_then(Value::as_str))
        .find_map(django_server_kind);
    let remote = if command.is_none() {
        let config = input.ctx.config.clone();
        tokio::task::spawn_blocking(move || config.remote_host())
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    // On another host the process cannot be read: its `Server` header, asked from here, names
    // runserver (WSGIServer), gunicorn or uvicorn when the server sends one.
    let mut header = None;
    let command = match (command, &remote) {
        (None, Some(_)) => {
            header = server_header(input).await;
            header.as_deref().and_then(server_kind_from_header)
        }
        (command, _) => command,
    };
    if let (None, Some(host)) = (command, &remote) {
        let why = crate::probes::remote::remote_reason(host);
        let outcome = Outcome::skip(t!(
            "could not tell which program serves: {}", why.en;
            "어떤 프로그램이 서비스하는지 알 수 없음: {}", why.ko
        ))
        .diagnosed(crate::checks::diagnosis::REMOTE_SERVER)
        .with("server_at", host);
        return match header {
            Some(header) => outcome.with("server_header", header),
            None => outcome,
        };
    }
    let from_header = |outcome: Outcome| match &header {
        Some(h) => outcome.with("server_header", h),
        None => outcome,
    };
    from_header(match command {
        Some("runserver") => {
            // The project's own WSGI module and base_url's address, not the guide's.
            let wsgi = match super::django_facts(input).await {
                Ok(facts) => facts
                    .answer("settings")
                    .ok()
                    .and_then(|s| s.get("wsgi_application")?.as_str().map(str::to_string)),
                Err(_) => None,
            };
            let config = &input.ctx.config;
            let command = gunicorn_command(
                wsgi.as_deref(),
                config.settings_module.value.as_deref(),
                &config.base_url.value,
            );
            Outcome::warn(
                "runserver",
                t!("the server is Django's development server (runserver): one process, not built for 500–1000 users"; "서버가 Django 개발 서버(runserver): 단일 프로세스, 500–1000명 부하용이 아님"),
            )
            .with_code(command)
        }
        Some(kind) => Outcome::pass(t!("served by {kind}"; "{kind}로 서비스 중")),
        None => Outcome::skip(
            t!("does not apply: the server process is not visible"; "해당 없음: 서버 프로세스를 볼 수 없음"),
        ),
    })
}

/// The `Server` header of base_url's answer, asked from here.
async fn server_header(input: &Input<'_>) -> Option<String> {
    let response = input
        .ctx
        .http
        .get(&input.ctx.config.base_url.value)
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    let value = response.headers().get(reqwest::header::SERVER)?;
    Some(value.to_str().ok()?.to_string())
}

/// The server program a `Server` header names: Django's runserver answers
/// `WSGIServer/0.2 CPython/3.12`.
fn server_kind_from_header(header: &str) -> Option<&'static str> {
    let h = header.to_ascii_lowercase();
    if h.starts_with("wsgiserver/") {
        Some("runserver")
    } else if h.starts_with("gunicorn") {
        Some("gunicorn")
    } else if h.starts_with("uvicorn") {
        Some("uvicorn")
    } else if h.starts_with("daphne") {
        Some("daphne")
    } else if h.starts_with("hypercorn") {
        Some("hypercorn")
    } else {
        None
    }
}

/// `gunicorn core.wsgi:application -w 4 -b 127.0.0.1:8200` for this project: WSGI_APPLICATION
/// when Django told it, else the settings package's `wsgi` (Django's layout), on base_url's
/// address.
fn gunicorn_command(
    wsgi_application: Option<&str>,
    settings_module: Option<&str>,
    base_url: &str,
) -> String {
    let app = match wsgi_application.and_then(|a| a.rsplit_once('.')) {
        Some((module, attr)) => format!("{module}:{attr}"),
        None => match settings_module.and_then(|m| m.split_once('.')) {
            Some((package, _)) => format!("{package}.wsgi:application"),
            None => "PROJECT.wsgi:application".to_string(),
        },
    };
    let url = reqwest::Url::parse(base_url).ok();
    let host = url
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = super::url_port(base_url).unwrap_or(8000);
    format!("gunicorn {app} -w 4 -b {host}:{port}")
}

/// Locust warns below 10000 and raises the soft limit itself when the hard limit allows.
fn open_files(input: &Input<'_>) -> Outcome {
    use nix::sys::resource::{Resource, getrlimit};
    let need = input.threshold("min_open_files", 10000.0) as u64;
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return Outcome::skip(
            t!("the open-file limit cannot be read"; "열린 파일 제한을 읽을 수 없음"),
        );
    };
    let outcome = if hard < need {
        Outcome::warn(
            "open_files",
            t!("open-file limit {hard} is below {need}: Locust cannot open enough connections for many users"; "열린 파일 제한 {hard}이 {need} 미만: Locust가 많은 사용자의 연결을 열 수 없음"),
        )
    } else {
        Outcome::pass(
            t!("open-file limit: soft {soft}, hard {hard} (Locust raises the soft limit itself)"; "열린 파일 제한: soft {soft}, hard {hard} (Locust가 soft 제한을 직접 올림)"),
        )
    };
    outcome.with("soft_limit", soft).with("hard_limit", hard)
}

#[cfg(test)]
mod tests {
    use super::{gunicorn_command, server_kind_from_header};

    #[test]
    fn a_server_header_names_the_program() {
        assert_eq!(
            server_kind_from_header("WSGIServer/0.2 CPython/3.12.3"),
            Some("runserver")
        );
        assert_eq!(server_kind_from_header("gunicorn"), Some("gunicorn"));
        assert_eq!(server_kind_from_header("uvicorn"), Some("uvicorn"));
        assert_eq!(server_kind_from_header("nginx/1.25"), None);
    }

    #[test]
    fn the_gunicorn_command_names_the_projects_module_and_port() {
        assert_eq!(
            gunicorn_command(
                Some("core.wsgi.application"),
                Some("core.settings"),
                "http://127.0.0.1:8200"
            ),
            "gunicorn core.wsgi:application -w 4 -b 127.0.0.1:8200"
        );
        // Without Django's answer: the settings package's wsgi module.
        assert_eq!(
            gunicorn_command(None, Some("shop.settings.load"), "http://localhost:9000/"),
            "gunicorn shop.wsgi:application -w 4 -b localhost:9000"
        );
    }
}
