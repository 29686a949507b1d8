//! Who the load test logs in as, and how. What the user set (doctor.toml, env, flags) wins;
//! then what the executed locustfile really sent; then what its text says (read, not run).

use super::Context;
use crate::config::{Origin, Secret, Setting};
use crate::locustfile::BodyKind;
use crate::locustfile::executed::UserRun;
use crate::locustfile::pool::UserPool;

#[derive(Clone, Debug)]
pub struct LoginSpec {
    pub path: String,
    pub format: BodyKind,
    pub username_field: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub password_field: String,
    /// Where the request's shape came from, e.g. `locustfile.py:31 (executed)`.
    pub from: String,
}

fn explicit<T>(setting: &Setting<T>) -> bool {
    !matches!(setting.origin, Origin::Default | Origin::Discovered(_))
}

pub async fn login_spec(ctx: &Context) -> LoginSpec {
    let config = &ctx.config;
    let run = ctx.locust_run().await.ok();
    let user: Option<&UserRun> = run.as_ref().and_then(|r| r.login_user());
    let login = user.and_then(|u| u.login.as_ref());
    let pick = |setting: &Setting<String>, learnt: Option<&String>| match learnt {
        Some(value) if !explicit(setting) => value.clone(),
        _ => setting.value.clone(),
    };
    let learnt_format = login.and_then(|l| l.body_kind.as_deref()).map(|k| {
        if k == "form" {
            BodyKind::Form
        } else {
            BodyKind::Json
        }
    });
    let format = match learnt_format {
        Some(format) if !explicit(&config.login_format) => format,
        _ => config.login_format.value,
    };
    let learnt_name = user.and_then(first_account);
    let username = match (&config.username.value, learnt_name) {
        (Some(name), _) if explicit(&config.username) => Some(name.clone()),
        (_, Some(name)) => Some(name),
        (configured, None) => configured.clone(),
    };
    let learnt_password = user.and_then(|u| u.credentials.passwords.first().cloned());
    let password = match (&config.password.value, learnt_password) {
        (Some(pw), _) if explicit(&config.password) => Some(pw.clone()),
        (_, Some(pw)) => Some(Secret::new(pw)),
        (configured, None) => configured.clone(),
    };
    let from = match (login, user) {
        (Some(login), Some(user)) => format!(
            "{}:{} (executed)",
            user.file
                .as_deref()
                .and_then(|f| f.rsplit('/').next())
                .unwrap_or("locustfile"),
            login.line.unwrap_or(0)
        ),
        _ => config.login_path.origin.to_string(),
    };
    LoginSpec {
        path: pick(&config.login_path, login.map(|l| &l.path)),
        format,
        username_field: pick(
            &config.username_field,
            login.and_then(|l| l.username_field.as_ref()),
        ),
        username,
        password,
        password_field: login
            .and_then(|l| l.password_field.clone())
            .unwrap_or_else(|| "password".into()),
        from,
    }
}

/// The account the executed locustfile ran as when it exists (of a partial pool, one that
/// exists), else the first run's.
fn first_account(user: &UserRun) -> Option<String> {
    if let Some(who) = &user.executed_as {
        if who.exists == Some(true) {
            return Some(who.username.clone());
        }
        if let Some(name) = &who.an_existing {
            return Some(name.clone());
        }
    }
    let pool = user.credentials.pool.as_ref()?;
    pool.names.first().cloned().or_else(|| {
        let (prefix, suffix) = pool.template.as_deref()?.split_once("{}")?;
        Some(format!("{prefix}{}{suffix}", pool.low?))
    })
}

/// The accounts the load test logs in with, and whether they were seen running or read.
/// The executed pool wins over `[target] username`: that only picks auth's account.
pub async fn pool(ctx: &Context) -> Option<(UserPool, bool)> {
    if let Ok(run) = ctx.locust_run().await
        && let Some(pool) = run
            .login_user()
            .and_then(|u| u.credentials.pool.as_ref())
            .and_then(UserPool::from_run)
    {
        return Some((pool, true));
    }
    let path = ctx.config.locustfile.value.clone();
    let read = tokio::task::spawn_blocking(move || {
        crate::locustfile::Locustfile::read(path.as_deref()?)
            .ok()?
            .user_pool()
    })
    .await
    .ok()
    .flatten();
    if let Some(pool) = read {
        return Some((pool, false));
    }
    let name = ctx.config.username.value.clone()?;
    Some((
        UserPool {
            names: vec![name.clone()],
            description: format!("\"{name}\" ({})", ctx.config.username.origin),
            pattern: None,
        },
        false,
    ))
}
