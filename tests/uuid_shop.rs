//! doctor on `tests/fixtures/uuid-shop`: Product and ProductStock keyed by UUIDs, a Decimal
//! price, settings in `core.settings`, no server needed. The stock fix must write its rows once,
//! print its summary without crashing, and say so with exit 0, however often it runs.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

fn shop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uuid-shop")
}

/// The fixture migrated into a temp SQLite file, and a doctor.toml naming the sample's Python.
struct UuidShop {
    database_url: String,
    config: String,
    _dir: TempDir,
}

impl UuidShop {
    fn migrated() -> UuidShop {
        let db = FixtureDb::migrated(&shop_dir(), "doctor-uuid-shop-");
        UuidShop {
            database_url: db.database_url,
            config: db.config,
            _dir: db.dir,
        }
    }

    fn doctor(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["--config", self.config.as_str()];
        all.extend_from_slice(args);
        run_doctor(
            &all,
            &shop_dir(),
            &[("DATABASE_URL", self.database_url.as_str())],
        )
    }

    /// Rows of the stock table and the sum of their available stock, read by Python's sqlite3.
    fn stock_rows(&self) -> String {
        let path = self.database_url.trim_start_matches("sqlite:///");
        let out = Command::new(python())
            .args([
                "-c",
                "import sqlite3, sys; print(*sqlite3.connect(sys.argv[1]).execute(\
                 'SELECT COUNT(*), SUM(available_stock) FROM catalog_productstock').fetchone())",
                path,
            ])
            .output()
            .expect("read the database");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

#[test]
fn stock_seed_with_uuid_keys_writes_once_and_exits_zero() {
    let shop = UuidShop::migrated();
    for run in 1..=2 {
        let (code, stdout, stderr) = shop.doctor(&["fix", "stock.seed", "--yes"]);
        assert_eq!(
            code, 0,
            "run {run}: exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        assert!(
            !stdout.contains("not JSON serializable") && !stderr.contains("Some("),
            "run {run}:\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains("\"product_id\""),
            "the script's summary: {stdout}"
        );
    }
    assert_eq!(
        shop.stock_rows(),
        "1 10000",
        "one stock row, topped up once"
    );
}

#[test]
fn a_failed_fix_reports_its_exit_code_in_words() {
    let shop = UuidShop::migrated();
    // The stock table dropped behind Django's back: the script fails inside its transaction.
    let path = shop
        .database_url
        .trim_start_matches("sqlite:///")
        .to_string();
    let dropped = Command::new(python())
        .args([
            "-c",
            "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('DROP TABLE catalog_productstock')",
            &path,
        ])
        .status()
        .expect("drop the table");
    assert!(dropped.success());
    let (code, stdout, stderr) = shop.doctor(&["fix", "stock.seed", "--yes"]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stderr.contains("fix stock.seed failed (exit code 1)"),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("Some("), "stderr: {stderr}");
    let (_, _, stderr) = shop.doctor(&["--lang", "ko", "fix", "stock.seed", "--yes"]);
    assert!(stderr.contains("종료 코드 1"), "stderr: {stderr}");
}

/// runserver for the fixture on a free loopback port (its own process group, stopped on drop).
fn runserver(shop: &UuidShop) -> (Group, u16) {
    let log = shop._dir.path().join("runserver.log");
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = Command::new(python());
        cmd.args([
            "manage.py",
            "runserver",
            &format!("127.0.0.1:{port}"),
            "--noreload",
        ])
        .current_dir(shop_dir())
        .env_remove("DJANGO_SETTINGS_MODULE")
        .env("DATABASE_URL", &shop.database_url)
        .env("PYTHONDONTWRITEBYTECODE", "1");
        let mut server = Group::spawn("uuid-shop runserver", cmd, &log);
        if server.wait_for_port(port) {
            return (server, port);
        }
    }
    panic!("uuid-shop runserver found no free port");
}

#[test]
fn devserver_advice_names_this_projects_wsgi_module_and_port() {
    let shop = UuidShop::migrated();
    let (_server, port) = runserver(&shop);
    let base_url = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = shop.doctor(&[
        "--base-url",
        &base_url,
        "--format",
        "json",
        "--check",
        "devserver,sqlite",
    ]);
    let json = parse_report(code, &stdout, &stderr, "");
    assert_check(&json, "devserver", "warn", Some("runserver"));
    let command = check(&json, "devserver")["code"].as_str().unwrap_or("");
    assert_eq!(
        command,
        format!("gunicorn core.wsgi:application -w 4 -b 127.0.0.1:{port}")
    );
    let fix = check(&json, "devserver")["fix"].as_str().unwrap_or("");
    assert!(
        !fix.contains("config.wsgi") && !fix.contains("8000"),
        "{fix}"
    );
    // uuid-shop has stock to reserve: the SQLite warning speaks of reservations, in Django's
    // DEFERRED default (its settings set no transaction_mode).
    assert_check(&json, "sqlite", "warn", Some("sqlite_deferred"));
}

#[test]
fn sqlite_warning_without_stock_speaks_of_concurrent_writes() {
    let shop = UuidShop::migrated();
    let email_shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email-shop");
    let json = check_json(
        &["--config", &shop.config, "--check", "sqlite"],
        &email_shop,
        &[("DATABASE_URL", shop.database_url.as_str())],
    );
    assert_check(&json, "sqlite", "warn", Some("sqlite_writes_deferred"));
    let text = format!("{}", check(&json, "sqlite"));
    assert!(
        !text.contains("reservation") && text.contains("concurrent writes"),
        "{text}"
    );
    // Its load test only logs in: the replay saw no transaction read before it wrote, so the
    // summary says the writers queue and claims no refusal it did not see.
    let summary = check(&json, "sqlite")["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(
        summary.contains("saw no transaction read before it wrote") && !summary.contains("at once"),
        "{summary}"
    );
}
