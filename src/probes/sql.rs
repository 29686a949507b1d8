//! `sql`: a user's own SQL check. `params.query` returns one number; `thresholds.min` / `max`
//! bound it. Runs on the read-only connection of the run.

use super::Input;
use super::database;
use crate::checks::result::Outcome;
use crate::t;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let Some(query) = input.param_str("query") else {
        anyhow::bail!("an sql check needs params.query (one SELECT returning one number)");
    };
    let first_word = query.split_whitespace().next().unwrap_or("").to_uppercase();
    if !matches!(first_word.as_str(), "SELECT" | "WITH") {
        anyhow::bail!("params.query must be a SELECT (checks only read); got '{first_word}'");
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
    let value = db
        .scalar(query.to_string(), &[])
        .await
        .map_err(anyhow::Error::msg)?;
    let min = input.threshold("min", f64::NEG_INFINITY);
    let max = input.threshold("max", f64::INFINITY);
    let label = input.param_str("label").unwrap_or("value");
    let outcome = if (value as f64) < min {
        Outcome::fail(
            "below_min",
            t!("{label} = {value}, below {min}"; "{label} = {value}, 최소 {min} 미만"),
        )
    } else if (value as f64) > max {
        Outcome::fail(
            "above_max",
            t!("{label} = {value}, above {max}"; "{label} = {value}, 최대 {max} 초과"),
        )
    } else {
        Outcome::pass(t!("{label} = {value}"; "{label} = {value}"))
    };
    Ok(outcome.with(label, value).with("database", &db.shown_url))
}
