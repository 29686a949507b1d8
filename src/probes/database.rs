//! The project's database, opened once per run for every SQL probe: SQLite or PostgreSQL,
//! from `[database] url` or from Django's own settings. Read-only: checks never write.

use super::Context;
use crate::config::secret::redact_url;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::{AssertSqlSafe, Row};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Database {
    pub pool: AnyPool,
    pub vendor: Vendor,
    /// The URL with its password masked, for evidence.
    pub shown_url: String,
}

pub fn vendor_of(url: &str) -> Option<Vendor> {
    if url.starts_with("sqlite:") {
        Some(Vendor::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Vendor::Postgres)
    } else {
        None
    }
}

/// The database URL: configured, or asked from Django.
pub async fn url(ctx: &Context) -> Result<String, String> {
    if let Some(url) = &ctx.config.database_url.value {
        return Ok(url.expose().to_string());
    }
    let facts = ctx.django.facts(&ctx.config).await?;
    Ok(facts.database()?.url)
}

/// The app's own connection pool size, when Django has one (None also when unknown).
pub async fn pool_max_size(ctx: &Context) -> Option<i64> {
    let facts = ctx.django.facts(&ctx.config).await.ok()?;
    facts.database().ok()?.pool_max_size
}

/// SQLite's locking as Django configures it, its DATABASES lines relative to the project
/// (None for other databases, or when unknown). The check, the forecast and the run's verdict
/// all take it from here.
pub async fn sqlite_locking(ctx: &Context) -> Option<crate::django::SqliteLocking> {
    let facts = ctx.django.facts(&ctx.config).await.ok()?;
    let locking = facts.database().ok()?.sqlite?;
    Some(match &ctx.config.project_dir.value {
        Some(dir) => locking.relative_to(dir),
        None => locking,
    })
}

pub async fn open(ctx: &Context) -> Result<Database, String> {
    let url = url(ctx).await?;
    let shown_url = redact_url(&url);
    let vendor = vendor_of(&url).ok_or_else(|| {
        format!("database {shown_url}: doctor reads SQLite and PostgreSQL; set [database] url in doctor.toml to one of those")
    })?;
    sqlx::any::install_default_drivers();
    let connect_url = match vendor {
        Vendor::Sqlite => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            if path != ":memory:" && !std::path::Path::new(path).is_file() {
                return Err(format!(
                    "SQLite database {path} does not exist: run `python manage.py migrate` first"
                ));
            }
            // Read-only: a check must never create or change the user's database.
            format!("sqlite://{path}?mode=ro")
        }
        // Read-only session: a check can never change the user's data.
        Vendor::Postgres => {
            let joiner = if url.contains('?') { '&' } else { '?' };
            // Tagged: doctor's own sessions are left out of every count (PG_APP_NAME).
            format!(
                "{url}{joiner}options=-c%20default_transaction_read_only%3Don&application_name={}",
                crate::python_helper::PG_APP_NAME
            )
        }
    };
    let pool = AnyPoolOptions::new()
        .max_connections(3)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&connect_url)
        .await
        .map_err(|e| format!("cannot open {shown_url}: {}", super::http::error_chain(&e)))?;
    Ok(Database {
        pool,
        vendor,
        shown_url,
    })
}

impl Database {
    /// `$1` for PostgreSQL, `?` for SQLite.
    pub fn placeholder(&self, n: usize) -> String {
        match self.vendor {
            Vendor::Postgres => format!("${n}"),
            Vendor::Sqlite => "?".to_string(),
        }
    }

    /// One integer from a query whose identifiers were checked with [`ident`].
    pub async fn scalar(&self, sql: String, binds: &[&str]) -> Result<i64, String> {
        let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
        for bind in binds {
            query = query.bind(bind.to_string());
        }
        let row = query
            .fetch_one(&self.pool)
            .await
            .map_err(|e| format!("{e} (query: {sql})"))?;
        row.try_get::<i64, _>(0)
            .map_err(|e| format!("{e} (query: {sql})"))
    }

    /// The first column of every row, as text.
    pub async fn text_column(&self, sql: String, binds: &[&str]) -> Result<Vec<String>, String> {
        let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
        for bind in binds {
            query = query.bind(bind.to_string());
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(|e| format!("{e} (query: {sql})"))?;
        Ok(rows.iter().map(|row| cell_text(row, 0)).collect())
    }

    /// Rows of a read-only query as text columns.
    pub async fn rows(&self, sql: String) -> Result<Vec<Vec<String>>, String> {
        let rows = sqlx::query(AssertSqlSafe(sql.clone()))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| format!("{e} (query: {sql})"))?;
        Ok(rows
            .iter()
            .map(|row| (0..row.len()).map(|i| cell_text(row, i)).collect())
            .collect())
    }
}

fn cell_text(row: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<i64, _>(i) {
        return v.to_string();
    }
    if let Ok(v) = row.try_get::<f64, _>(i) {
        return v.to_string();
    }
    if let Ok(v) = row.try_get::<String, _>(i) {
        return v;
    }
    if let Ok(v) = row.try_get::<bool, _>(i) {
        return v.to_string();
    }
    "NULL".to_string()
}

/// A query error meaning the project's tables were never created: a failure with the fix
/// (`migrate`), not a probe error.
pub fn not_migrated(error: &str) -> Option<crate::checks::result::Outcome> {
    let missing = error.contains("no such table")
        || (error.contains("relation") && error.contains("does not exist"));
    missing.then(|| {
        let first = error.split(" (query:").next().unwrap_or(error).to_string();
        crate::checks::result::Outcome::fail(
            "not_migrated",
            crate::t!("the database has no tables yet ({first}): run python manage.py migrate"; "DB에 테이블이 아직 없음 ({first}): python manage.py migrate 실행"),
        )
    })
}

/// A table or column name from Django, quoted; anything but a plain identifier is refused.
pub fn ident(name: &str) -> Result<String, String> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain {
        Ok(format!("\"{name}\""))
    } else {
        Err(format!("unexpected identifier '{name}'"))
    }
}

/// The shared database of a run: opened by the first SQL probe, reused by the others.
pub async fn shared(ctx: &Context) -> Result<Database, String> {
    ctx.db
        .get_or_init(|| async { open(ctx).await })
        .await
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_or_refused() {
        assert_eq!(ident("auth_user").unwrap(), "\"auth_user\"");
        assert!(ident("x\"; DROP TABLE y; --").is_err());
        assert!(ident("").is_err());
    }

    #[test]
    fn vendors_by_scheme() {
        assert_eq!(vendor_of("sqlite:///tmp/x"), Some(Vendor::Sqlite));
        assert_eq!(vendor_of("postgresql://a@b/c"), Some(Vendor::Postgres));
        assert_eq!(vendor_of("mysql://a@b/c"), None);
    }
}
