//! `db_connections`: on PostgreSQL, connections to the database against max_connections.

use super::Input;
use super::database::{self, Vendor};
use crate::checks::result::Outcome;
use crate::t;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    if input.ctx.config.database_url.value.is_none()
        && let Err(outcome) = super::django_facts(input).await
    {
        return Ok(outcome);
    }
    let url = match database::url(input.ctx).await {
        Ok(url) => url,
        Err(reason) => {
            return Ok(Outcome::fail(
                "database_unavailable",
                t!("{reason}"; "DB에 연결할 수 없음: \"{reason}\""),
            ));
        }
    };
    if database::vendor_of(&url) != Some(Vendor::Postgres) {
        return Ok(Outcome::skip(
            t!("does not apply: the database is not PostgreSQL (SQLite has no connection limit to watch)"; "해당 없음: PostgreSQL이 아님 (SQLite는 연결 수 제한이 없음)"),
        ));
    }
    let db = match database::shared(input.ctx).await {
        Ok(db) => db,
        Err(reason) => {
            return Ok(Outcome::fail(
                "database_unavailable",
                t!("{reason}"; "DB에 연결할 수 없음: \"{reason}\""),
            ));
        }
    };
    // doctor's own sessions (its pool, its helpers) are not the app's.
    let not_doctor = crate::python_helper::NOT_DOCTOR_SQL;
    let here = db
        .scalar(
            format!(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND {not_doctor}"
            ),
            &[],
        )
        .await
        .map_err(anyhow::Error::msg)?;
    let all = db
        .scalar(
            format!(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND {not_doctor}"
            ),
            &[],
        )
        .await
        .map_err(anyhow::Error::msg)?;
    let max = db
        .scalar(
            "SELECT CAST(setting AS BIGINT) FROM pg_settings WHERE name = 'max_connections'".into(),
            &[],
        )
        .await
        .map_err(anyhow::Error::msg)?;
    // Whether the app keeps its connections (the forecast's peak), when Django can say.
    let persistent = match super::django_facts(input).await {
        Ok(facts) => facts.database().ok().map(|d| d.persistent),
        Err(_) => None,
    };
    let ratio = all as f64 / max.max(1) as f64;
    let limit = input.threshold("used_ratio_max", 0.8);
    let summary = t!("{here} connections to this database, {all} of max_connections {max} in use"; "이 DB 연결 {here}개, 전체 {all}/{max} (max_connections) 사용 중");
    let outcome = if ratio >= limit {
        Outcome::warn("near_limit", summary)
    } else {
        Outcome::pass(summary)
    };
    Ok(outcome
        .with("connections_to_database", here)
        .with("client_connections", all)
        .with("max_connections", max)
        .with("used_percent", format!("{:.0}", ratio * 100.0))
        .with("database", &db.shown_url)
        .with_facts(serde_json::json!({
            "connections": here,
            "max_connections": max,
            "persistent": persistent,
        })))
}
