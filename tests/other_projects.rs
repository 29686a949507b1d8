//! doctor on a Django project unlike the sample service: `tests/fixtures/email-shop` has a custom
//! user model that logs in by email, a form-encoded simplejwt login at `/auth/jwt/create/`, its
//! settings in `shop.settings`, its locustfile in `loadtest/` (a plain HttpUser) and no stock
//! app. Everything must be discovered from the project, nothing taken from the sample.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

fn shop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email-shop")
}

/// The email-shop project, migrated in a temp dir's SQLite file and served by `runserver` on a
/// free loopback port (its own process group, stopped on drop); the fixture dir stays untouched.
struct Shop {
    base_url: String,
    database_url: String,
    config: String,
    server: Group,
    /// Dropped after the server (field order): the database outlives runserver.
    _dir: TempDir,
}

impl Shop {
    fn start(members: bool) -> Shop {
        // The fixture has no venv of its own: doctor is told to use the sample's.
        let FixtureDb {
            database_url,
            config,
            dir,
        } = FixtureDb::migrated(&shop_dir(), "doctor-email-shop-");
        if members {
            shop_manage(
                &["make_members", "--count", "20", "--password", "shop-pass-1"],
                &database_url,
            );
        }

        let log = dir.path().join("runserver.log");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = python_cmd(&database_url);
            cmd.arg("manage.py")
                .arg("runserver")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--noreload")
                .env("PYTHONUNBUFFERED", "1");
            let mut server = Group::spawn("email-shop runserver", cmd, &log);
            if server.wait_for_port(port) {
                return Shop {
                    base_url: format!("http://127.0.0.1:{port}"),
                    database_url,
                    config: config.clone(),
                    server,
                    _dir: dir,
                };
            }
            server.stop();
        }
        panic!(
            "email-shop runserver found no free port in 5 attempts; log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.server.log).unwrap_or_default()
    }

    /// doctor in the fixture dir with this shop's config, base URL and DATABASE_URL.
    fn doctor(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["--config", &self.config, "--base-url", &self.base_url];
        all.extend_from_slice(args);
        run_doctor(
            &all,
            &shop_dir(),
            &[("DATABASE_URL", self.database_url.as_str())],
        )
    }

    fn check_json(&self, checks: &str) -> Value {
        let (code, stdout, stderr) = self.doctor(&["--format", "json", "--check", checks]);
        parse_report(code, &stdout, &stderr, &self.log())
    }
}

/// The sample venv's Python in the fixture dir, with only what the shop needs in its environment.
fn python_cmd(database_url: &str) -> Command {
    let mut cmd = Command::new(python());
    for key in [
        "DJANGO_SETTINGS_MODULE",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(key);
    }
    cmd.current_dir(shop_dir())
        .env("DATABASE_URL", database_url)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    cmd
}

fn shop_manage(args: &[&str], database_url: &str) -> String {
    manage_in(&shop_dir(), args, &[("DATABASE_URL", database_url)])
}

#[test]
fn config_is_discovered_from_the_other_project() {
    let shop = Shop::start(false);
    let (code, stdout, stderr) = shop.doctor(&["config", "--format", "json"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let value = |key: &str| json[key]["value"].as_str().unwrap_or("").to_string();
    let origin = |key: &str| json[key]["origin"].as_str().unwrap_or("").to_string();

    assert_eq!(value("target.login_path"), "/auth/jwt/create/", "{json:#}");
    assert!(
        origin("target.login_path").contains("locustfile.py"),
        "{json:#}"
    );
    assert_eq!(value("target.login_format"), "form", "{json:#}");
    assert_eq!(value("target.username_field"), "email", "{json:#}");
    assert_eq!(value("target.username"), "member1@shop.test", "{json:#}");
    assert_eq!(value("django.settings"), "shop.settings", "{json:#}");
    assert!(origin("django.settings").contains("manage.py"), "{json:#}");
    assert!(
        value("locust.locustfile").ends_with("email-shop/loadtest/locustfile.py"),
        "{json:#}"
    );
    assert!(
        !stdout.contains("shop-pass-1"),
        "the password leaked:\n{stdout}"
    );
}

#[test]
fn email_login_project_without_stock_passes_what_applies() {
    let shop = Shop::start(true);
    let json = shop.check_json("all");

    assert_check(&json, "users", "pass", None);
    assert_eq!(
        evidence(&json, "users", "table"),
        Some("accounts_member"),
        "{json:#}"
    );
    assert_eq!(evidence(&json, "users", "login_field"), Some("email"));
    assert_eq!(evidence(&json, "users", "pool_size"), Some("20"));
    assert_eq!(evidence(&json, "users", "pool_existing"), Some("20"));

    assert_check(&json, "auth", "pass", None);
    assert_eq!(evidence(&json, "auth", "token_lifetime_s"), Some("900"));
    assert!(
        evidence(&json, "auth", "login")
            .unwrap_or("")
            .contains("body=form"),
        "{json:#}"
    );

    // Django starts and its checks pass: no sessions/messages/staticfiles is no problem.
    assert_check(&json, "settings", "pass", None);
    assert_eq!(
        evidence(&json, "settings", "settings_module"),
        Some("shop.settings")
    );

    // No stock model: the stock and reservation sections do not apply.
    for id in ["stock", "reserve"] {
        assert_check(&json, id, "skip", None);
        let summary = check(&json, id)["summary"].as_str().unwrap_or("");
        assert!(summary.contains("does not apply"), "{id}: {summary}");
    }

    // A plain HttpUser may set session headers; its login at /auth/jwt/create/ is no business
    // POST; the 15-minute token outlives the run. Nothing to say.
    assert_check(&json, "locustfile", "pass", None);
    assert_eq!(
        evidence(&json, "locustfile", "user_classes"),
        Some("Shopper")
    );

    for id in ["server", "port", "silk", "debug", "logging"] {
        assert_check(&json, id, "pass", None);
    }
    assert_check(&json, "db", "skip", None);
    assert!(
        !serde_json::to_string(&json)
            .unwrap()
            .contains("shop-pass-1"),
        "the password leaked"
    );
}

#[test]
fn email_login_project_without_members_names_the_empty_table() {
    let shop = Shop::start(false);
    let json = shop.check_json("all");

    assert_check(&json, "users", "fail", Some("no_users"));
    assert_eq!(evidence(&json, "users", "table"), Some("accounts_member"));
    assert_eq!(evidence(&json, "users", "users"), Some("0"));

    assert_check(&json, "auth", "fail", Some("unauthorized"));
    assert_eq!(evidence(&json, "auth", "status"), Some("401"));

    // Without a token to read, the lifetime comes from Django's SIMPLE_JWT setting: no false
    // "no token refresh" warning.
    assert_check(&json, "locustfile", "pass", None);
    assert_check(&json, "settings", "pass", None);
    assert_check(&json, "stock", "skip", None);
    assert_check(&json, "reserve", "skip", None);
    assert_eq!(json["exit_code"].as_i64(), Some(1));
}
