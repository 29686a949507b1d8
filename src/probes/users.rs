//! `users` (guide §4.1): the load-test users exist in Django's user table (whatever
//! AUTH_USER_MODEL is) — every account of the locustfile's pool, and its password works.

use super::Input;
use super::database::{self, Database, ident};
use crate::checks::result::Outcome;
use crate::django::UserModel;
use crate::locustfile::pool::UserPool;
use crate::t;
use std::collections::HashSet;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let outcome = probe_here(input).await?;
    Ok(crate::probes::remote::note_read_here(outcome, &input.ctx.config).await)
}

/// The check itself, from the project's files on this machine.
async fn probe_here(input: &Input<'_>) -> anyhow::Result<Outcome> {
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
                t!("{reason}"; "DB에 연결할 수 없음: \"{reason}\""),
            ));
        }
    };
    let table = ident(&model.db_table).map_err(anyhow::Error::msg)?;
    let total = match db
        .scalar(format!("SELECT COUNT(*) FROM {table}"), &[])
        .await
    {
        Ok(n) => n,
        Err(e) => return database::not_migrated(&e).ok_or_else(|| anyhow::anyhow!(e)),
    };
    let base = Outcome::pass(t!(""; ""))
        .with("user_model", &model.label)
        .with("table", &model.db_table)
        .with("login_field", &model.username_field)
        .with("users", total)
        .with("database", &db.shown_url);
    if total == 0 {
        return Ok(retitle(
            base,
            "no_users",
            t!("no users in {} at all: every login answers 401", model.db_table; "{}에 사용자가 하나도 없음: 모든 로그인이 401", model.db_table),
        ));
    }
    let Some((pool, executed)) = super::credentials::pool(ctx).await else {
        return Ok(Outcome {
            summary: t!("{total} users; no load-test account configured or found in the locustfile"; "사용자 {total}명; 설정이나 locustfile에 부하 테스트 계정 없음"),
            ..base
        });
    };
    let existing = existing_in_pool(&db, &model, &pool)
        .await
        .map_err(anyhow::Error::msg)?;
    let size = pool.size();
    let found = existing.len();
    let outcome = base
        .with("pool", &pool.description)
        .with("pool_from", if executed { "executed" } else { "read" })
        .with("pool_size", size)
        .with("pool_existing", found);
    if found < size {
        let failing = (size - found) as f64 * 100.0 / size as f64;
        let missing: Vec<String> = pool
            .all_names()
            .filter(|n| !existing.contains(n))
            .take(3)
            .collect();
        let summary = if size == 1 {
            t!("{total} users, but not \"{}\", the one the load test logs in with", pool.names[0]; "사용자 {total}명, 하지만 부하 테스트가 쓰는 \"{}\" 없음", pool.names[0])
        } else {
            t!("{found} of the locustfile's {size} accounts exist: about {failing:.0}% of logins will answer 401"; "locustfile 계정 {size}개 중 {found}개만 존재: 로그인의 약 {failing:.0}%가 401")
        };
        let outcome = outcome.with("missing_examples", missing.join(", "));
        let mut outcome = retitle(outcome, "user_missing", summary);
        outcome.facts = serde_json::json!({ "pool_size": size, "pool_existing": found });
        return Ok(outcome);
    }
    // The password is proved by the auth check's one real login: a login costs the server a
    // password hash, and a run pays that at most once.
    let outcome = outcome.with("password", "auth");
    Ok(Outcome { summary: t!("{total} users; all {size} accounts of the load test exist"; "사용자 {total}명; 부하 테스트 계정 {size}개 모두 존재"), ..outcome }
        .with_facts(serde_json::json!({ "pool_size": size, "pool_existing": found })))
}

fn retitle(outcome: Outcome, diagnosis: &str, summary: crate::i18n::Text) -> Outcome {
    Outcome {
        status: Some(crate::checks::result::Status::Fail),
        diagnosis: Some(diagnosis.into()),
        summary,
        ..outcome
    }
}

async fn existing_in_pool(
    db: &Database,
    model: &UserModel,
    pool: &UserPool,
) -> Result<HashSet<String>, String> {
    let table = ident(&model.db_table)?;
    let column = ident(&model.username_column)?;
    let mut existing = HashSet::new();
    // One query for a numbered pool (prefix match), chunks of IN (...) for a list.
    let chunks: Vec<Vec<&String>> = match &pool.pattern {
        Some(_) => vec![],
        None => pool.names.chunks(500).map(|c| c.iter().collect()).collect(),
    };
    if let Some((prefix, ..)) = &pool.pattern {
        let like = format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = db
            .text_column(
                format!(
                    "SELECT {column} FROM {table} WHERE {column} LIKE {} ESCAPE '\\'",
                    db.placeholder(1)
                ),
                &[&like],
            )
            .await?;
        // The whole numbered range counts, not only the names listed (see `UserPool::size`).
        existing.extend(rows.into_iter().filter(|n| pool.contains(n)));
    }
    for chunk in chunks {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| db.placeholder(i)).collect();
        let binds: Vec<&str> = chunk.iter().map(|s| s.as_str()).collect();
        let rows = db
            .text_column(
                format!(
                    "SELECT {column} FROM {table} WHERE {column} IN ({})",
                    marks.join(", ")
                ),
                &binds,
            )
            .await?;
        existing.extend(rows);
    }
    Ok(existing)
}
