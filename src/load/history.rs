//! The index of runs: `.doctor/history.sqlite3` in the project (sqlx, SQLite), one row per run,
//! and the comparison of a new run with the previous one on the same target.

use super::run_report::RunReport;
use crate::i18n::Text;
use crate::t;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One stage as the history keeps it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StageSummary {
    pub users: u32,
    pub requests: u64,
    pub failures: u64,
    pub rps: f64,
    pub p95_ms: Option<f64>,
    pub passed: bool,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RunRow {
    pub id: String,
    pub started_at: String,
    pub base_url: String,
    pub locustfile: String,
    pub outcome: String,
    pub exit_code: i64,
    pub stages: Vec<StageSummary>,
    pub report_dir: String,
}

pub fn path(project_dir: &Path) -> PathBuf {
    project_dir.join(".doctor").join("history.sqlite3")
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    base_url TEXT NOT NULL,
    locustfile TEXT NOT NULL,
    outcome TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    stages TEXT NOT NULL,
    report_dir TEXT NOT NULL
)";

async fn open(project_dir: &Path) -> Result<SqliteConnection, String> {
    let file = path(project_dir);
    super::state_dir::ensure(project_dir)
        .map_err(|e| format!("{}: {e}", project_dir.join(".doctor").display()))?;
    let mut conn = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| format!("{}: {e}", file.display()))?;
    sqlx::query(CREATE)
        .execute(&mut conn)
        .await
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(conn)
}

pub fn summarize(report: &RunReport) -> Vec<StageSummary> {
    report
        .stages
        .iter()
        .map(|s| StageSummary {
            users: s.measure.users,
            requests: s.measure.requests,
            failures: s.measure.failures,
            rps: s.rps,
            p95_ms: s.measure.p95_ms,
            passed: s.verdict.passed,
        })
        .collect()
}

fn row_of(row: &sqlx::sqlite::SqliteRow) -> RunRow {
    let stages: String = row.try_get("stages").unwrap_or_default();
    RunRow {
        id: row.try_get("id").unwrap_or_default(),
        started_at: row.try_get("started_at").unwrap_or_default(),
        base_url: row.try_get("base_url").unwrap_or_default(),
        locustfile: row.try_get("locustfile").unwrap_or_default(),
        outcome: shown_outcome(row.try_get("outcome").unwrap_or_default()),
        exit_code: row.try_get("exit_code").unwrap_or_default(),
        stages: serde_json::from_str(&stages).unwrap_or_default(),
        report_dir: row.try_get("report_dir").unwrap_or_default(),
    }
}

/// Every run, newest first.
pub async fn list(project_dir: &Path) -> Result<Vec<RunRow>, String> {
    // A `.doctor` file is no history folder: say so rather than "no run yet".
    super::state_dir::not_a_folder(&project_dir.join(".doctor")).map_err(|e| e.to_string())?;
    if !path(project_dir).exists() {
        return Ok(Vec::new());
    }
    let mut conn = open(project_dir).await?;
    let rows = sqlx::query("SELECT * FROM runs ORDER BY started_at DESC, id DESC")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    Ok(rows.iter().map(row_of).collect())
}

/// Compare two runs stage by stage (same user counts).
pub fn compare(previous: &RunRow, now: &[StageSummary]) -> Vec<Text> {
    let mut out = Vec::new();
    for stage in now {
        let Some(before) = previous.stages.iter().find(|s| s.users == stage.users) else {
            continue;
        };
        let users = stage.users;
        let ms = |v: Option<f64>| {
            v.map(|v| format!("{v:.0} ms"))
                .unwrap_or_else(|| "-".into())
        };
        let ratio = |s: &StageSummary| {
            if s.requests > 0 {
                s.failures as f64 * 100.0 / s.requests as f64
            } else {
                0.0
            }
        };
        out.push(t!(
            "p95 at {users} users: {} → {}; {:.1} → {:.1} req/s; failures {:.2}% → {:.2}% (previous run {})",
            ms(before.p95_ms), ms(stage.p95_ms), before.rps, stage.rps, ratio(before), ratio(stage), previous.id;
            "{users}명 p95: {} → {}; 초당 {:.1} → {:.1} 요청; 실패율 {:.2}% → {:.2}% (이전 실행 {})",
            ms(before.p95_ms), ms(stage.p95_ms), before.rps, stage.rps, ratio(before), ratio(stage), previous.id
        ));
    }
    out
}

/// Outcome text of a run still under way, naming the doctor that runs it (its run id), so a
/// run whose doctor was killed reads as interrupted, with the stages measured until then.
const RUNNING: &str = "running:";

/// Index the run as under way (at its start and after each stage). Errors are ignored: the
/// final `record_and_compare` says them.
pub async fn mark_running(project_dir: &Path, report: &RunReport) {
    let Ok(mut conn) = open(project_dir).await else {
        return;
    };
    let stages = serde_json::to_string(&summarize(report)).unwrap_or_default();
    let _ = sqlx::query("INSERT OR REPLACE INTO runs (id, started_at, base_url, locustfile, outcome, exit_code, stages, report_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&report.id)
        .bind(&report.started_at)
        .bind(&report.base_url)
        .bind(report.locustfile.display().to_string())
        .bind(format!("{RUNNING}{}", crate::process::run_id()))
        .bind(3i64)
        .bind(stages)
        .bind(report.run_dir.display().to_string())
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

/// `running:<run id>` as read later: still `running`, or `interrupted` when that doctor is gone.
fn shown_outcome(stored: String) -> String {
    match stored.strip_prefix(RUNNING) {
        Some(id) if crate::process::doctor_is_gone(id) => "interrupted".into(),
        Some(_) => "running".into(),
        None => stored,
    }
}

/// Add the run to the index and compare it with the previous run on the same target.
/// Errors become a line of the comparison: the history never fails a run.
pub async fn record_and_compare(project_dir: &Path, report: &RunReport) -> Vec<Text> {
    match record(project_dir, report).await {
        Ok(lines) => lines,
        Err(e) => vec![t!("run history not updated: {e}"; "실행 기록 저장 실패: {e}")],
    }
}

async fn record(project_dir: &Path, report: &RunReport) -> Result<Vec<Text>, String> {
    let mut conn = open(project_dir).await?;
    let previous = sqlx::query(
        "SELECT * FROM runs WHERE base_url = ? AND id <> ? ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .bind(&report.base_url)
    .bind(&report.id)
    .fetch_optional(&mut conn)
    .await
    .map_err(|e| e.to_string())?
    .map(|r| row_of(&r));
    let stages = summarize(report);
    let outcome = serde_json::to_value(report.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    sqlx::query("INSERT OR REPLACE INTO runs (id, started_at, base_url, locustfile, outcome, exit_code, stages, report_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&report.id)
        .bind(&report.started_at)
        .bind(&report.base_url)
        .bind(report.locustfile.display().to_string())
        .bind(outcome)
        .bind(report.exit_code as i64)
        .bind(serde_json::to_string(&stages).unwrap_or_default())
        .bind(report.run_dir.display().to_string())
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    Ok(previous.map(|p| compare(&p, &stages)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn stage(users: u32, p95: f64) -> StageSummary {
        StageSummary {
            users,
            requests: 1000,
            failures: 10,
            rps: 50.0,
            p95_ms: Some(p95),
            passed: true,
        }
    }

    #[test]
    fn compares_stages_with_the_same_users() {
        let previous = RunRow {
            id: "A".into(),
            started_at: String::new(),
            base_url: String::new(),
            locustfile: String::new(),
            outcome: String::new(),
            exit_code: 0,
            stages: vec![stage(100, 120.0), stage(500, 340.0)],
            report_dir: String::new(),
        };
        let lines = compare(&previous, &[stage(500, 520.0), stage(1000, 900.0)]);
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0]
                .get(Lang::En)
                .starts_with("p95 at 500 users: 340 ms → 520 ms")
        );
    }

    #[tokio::test]
    async fn the_table_is_created_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list(dir.path()).await.unwrap().is_empty());
        let mut conn = open(dir.path()).await.unwrap();
        sqlx::query("INSERT INTO runs VALUES ('x', '2026', 'http://127.0.0.1:1', 'l.py', 'passed', 0, '[]', '/tmp')")
            .execute(&mut conn)
            .await
            .unwrap();
        let rows = list(dir.path()).await.unwrap();
        assert_eq!(rows[0].id, "x");
    }
}
