//! `users`: the load-test users exist in Django's user table (whatever AUTH_USER_MODEL is).

use super::Input;
use super::database::{self, ident};
use crate::checks::result::Outcome;
use crate::t;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let ctx = input.ctx;
    let facts = match super::django_facts(input).await {
        Ok(f) => f,
        Err(outcome) => return Ok(outcome),
    };
    let model = match facts.user_model() {
        Ok(m) => m,
        Err(reason) => {
            return Ok(Outcome::fail(
                "django_unavailable",
                t!("no user model: {reason}"; "사용자 모델 없음: {reason}"),
            ));
        }
    };
    let db = match database::shared(ctx).await {
        Ok(db) => db,
        Err(reason) => {
            return Ok(Outcome::fail(
                "database_unavailable",
                t!("{reason}"; "{reason}"),
            ));
        }
    };
    let table = ident(&model.db_table).map_err(anyhow::Error::msg)?;
    let total = db
        .scalar(format!("SELECT COUNT(*) FROM {table}"), &[])
        .await
        .map_err(anyhow::Error::msg)?;
    let active = match &model.is_active_column {
        Some(col) => {
            let col = ident(col).map_err(anyhow::Error::msg)?;
            let truth = if db.vendor == database::Vendor::Postgres {
                "TRUE"
            } else {
                "1"
            };
            Some(
                db.scalar(
                    format!("SELECT COUNT(*) FROM {table} WHERE {col} = {truth}"),
                    &[],
                )
                .await
                .map_err(anyhow::Error::msg)?,
            )
        }
        None => None,
    };
    let base = Outcome::pass(t!(""; ""))
        .with("user_model", &model.label)
        .with("table", &model.db_table)
        .with("login_field", &model.username_field)
        .with("users", total)
        .with(
            "active_users",
            active.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
        )
        .with("database", &db.shown_url);
    if total == 0 {
        return Ok(Outcome {
            status: Some(crate::checks::result::Status::Fail),
            diagnosis: Some("no_users".into()),
            summary: t!("no users in {} at all", model.db_table; "{}에 사용자가 하나도 없음", model.db_table),
            ..base
        });
    }
    let Some(username) = ctx.config.username.value.clone() else {
        return Ok(Outcome {
            summary: t!("{total} users; no load-test user configured to look for"; "사용자 {total}명; 확인할 부하 테스트 사용자 설정 없음"),
            ..base
        });
    };
    let column = ident(&model.username_column).map_err(anyhow::Error::msg)?;
    let found = db
        .scalar(
            format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} = {}",
                db.placeholder(1)
            ),
            &[&username],
        )
        .await
        .map_err(anyhow::Error::msg)?;
    let outcome = if found == 0 {
        Outcome {
            status: Some(crate::checks::result::Status::Fail),
            diagnosis: Some("user_missing".into()),
            summary: t!("{total} users, but not {username:?}, the one the load test logs in with"; "사용자 {total}명, 하지만 부하 테스트가 쓰는 {username:?} 없음"),
            ..base
        }
    } else {
        Outcome {
            summary: t!("{total} users; {username:?} exists"; "사용자 {total}명; {username:?} 있음"),
            ..base
        }
    };
    Ok(outcome.with("checked_user", username))
}
