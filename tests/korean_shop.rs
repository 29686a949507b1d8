//! doctor on `tests/fixtures/korean-shop`, a shop laid out unlike the sample: its own login view
//! at /api/v1/accounts/login/ answering `{"message", "user", "token": {"access", …}}`, 50 of
//! the 3,000 load-test accounts (`make_loadtesters`), paginated lists, an order answer without
//! `final_amount`, and its locustfiles in `loadtest/`. Each locustfile is executed by doctor's
//! helpers against the shop's Django in-process; `auth` logs in over HTTP to its runserver.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

fn shop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/korean-shop")
}

/// The shop migrated into a temp SQLite file, 50 load testers and 5 products, served by
/// `runserver` on a free loopback port (stopped on drop by its process group).
struct Shop {
    base_url: String,
    database_url: String,
    dir: PathBuf,
    server: Group,
    _tmp: TempDir,
}

impl Shop {
    fn start() -> Shop {
        let FixtureDb {
            database_url, dir, ..
        } = FixtureDb::migrated(&shop_dir(), "doctor-korean-shop-");
        let env = [("DATABASE_URL", database_url.as_str())];
        manage_in(&shop_dir(), &["make_loadtesters", "--count", "50"], &env);
        manage_in(&shop_dir(), &["seed_products"], &env);
        let log = dir.path().join("runserver.log");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = scrubbed(Command::new(python()));
            cmd.arg("manage.py")
                .arg("runserver")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--noreload")
                .current_dir(shop_dir())
                .env("DATABASE_URL", &database_url)
                .env("PYTHONUNBUFFERED", "1");
            let mut server = Group::spawn("korean-shop runserver", cmd, &log);
            if server.wait_for_port(port) {
                return Shop {
                    base_url: format!("http://127.0.0.1:{port}"),
                    database_url,
                    dir: dir.path().to_path_buf(),
                    server,
                    _tmp: dir,
                };
            }
            server.stop();
        }
        panic!("korean-shop runserver found no free port in 5 attempts");
    }

    /// `doctor --check IDS` with `loadtest/<locustfile>` and no doctor.toml beyond the
    /// interpreter and the locustfile.
    fn checks(&self, locustfile: &str, ids: &str) -> Value {
        self.checks_in(locustfile, ids, "en")
    }

    fn checks_in(&self, locustfile: &str, ids: &str, lang: &str) -> Value {
        let config = self.dir.join(format!("doctor-{locustfile}.toml"));
        std::fs::write(
            &config,
            format!(
                "[django]\npython = [{:?}]\n[locust]\nlocustfile = {:?}\n",
                python().display().to_string(),
                shop_dir()
                    .join("loadtest")
                    .join(locustfile)
                    .display()
                    .to_string()
            ),
        )
        .unwrap();
        let config = config.display().to_string();
        let (code, stdout, stderr) = run_doctor(
            &[
                "--config",
                &config,
                "--base-url",
                &self.base_url,
                "--format",
                "json",
                "--lang",
                lang,
                "--check",
                ids,
            ],
            &shop_dir(),
            &[("DATABASE_URL", self.database_url.as_str())],
        );
        let log = std::fs::read_to_string(&self.server.log).unwrap_or_default();
        parse_report(code, &stdout, &stderr, &log)
    }
}

fn detail(json: &Value, id: &str) -> String {
    check(json, id)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn summary(json: &Value, id: &str) -> String {
    check(json, id)["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_shop_is_executed_as_accounts_that_exist_and_read_as_it_answers() {
    let shop = Shop::start();

    // Item 4: 50 of 3,000 accounts exist. The locustfile is executed as one that exists and says
    // so; auth logs in as that account; users still names the gap.
    let json = shop.checks("partial_pool.py", "users,auth,locustfile");
    assert_check(&json, "users", "fail", Some("user_missing"));
    assert_eq!(evidence(&json, "users", "pool_size"), Some("3000"));
    assert_eq!(evidence(&json, "users", "pool_existing"), Some("50"));
    assert_check(&json, "auth", "pass", None);
    let login = evidence(&json, "auth", "login")
        .unwrap_or_default()
        .to_string();
    let who = login.rsplit("user=").next().unwrap_or_default().to_string();
    let n: u32 = who
        .strip_prefix("loadtester_")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("auth logs in as a load tester: {login}"));
    assert!((1..=50).contains(&n), "auth's account exists: {login}");
    let said = detail(&json, "locustfile");
    assert!(
        said.contains(&format!(
            "executed as {who}, one of the 50 of 3000 accounts that exist"
        )),
        "{said}"
    );
    assert_check(&json, "locustfile", "pass", None);
    // Item 16: a plain HttpUser with no 400 branch: no timeouts and no 400 handling claimed.
    let pass = summary(&json, "locustfile");
    assert!(pass.contains("headers per request"), "{pass}");
    assert!(
        !pass.contains("timeouts") && !pass.contains("400"),
        "{pass}"
    );

    // A pool handed out from a queue cannot be steered: auth still tests one that exists.
    let json = shop.checks("queue_accounts.py", "users,auth");
    assert_eq!(
        evidence(&json, "users", "pool_existing"),
        Some("2"),
        "{json:#}"
    );
    assert_check(&json, "auth", "pass", None);
    assert!(
        evidence(&json, "auth", "login")
            .unwrap_or_default()
            .ends_with("user=loadtester_9"),
        "{json:#}"
    );

    // Item 5: the login is made lazily from a TaskSet's task: the pool is learnt from every
    // login seen across the runs, not "all 1 accounts".
    let json = shop.checks("lazy_login.py", "users,locustfile");
    assert_eq!(evidence(&json, "users", "pool_size"), Some("3000"));
    assert_eq!(evidence(&json, "users", "pool_from"), Some("executed"));
    assert_eq!(evidence(&json, "users", "pool_existing"), Some("50"));

    // Item 6: the project's own login nests the token; the locustfile reads "access".
    let json = shop.checks("flat_token.py", "auth,locustfile");
    assert_check(&json, "auth", "pass", None);
    assert_check(&json, "locustfile", "fail", Some("token_not_read"));
    assert_eq!(check(&json, "locustfile")["location"]["line"], 15);
    let said = detail(&json, "locustfile");
    for want in [
        "reads \"access\"",
        "\"token.access\"",
        "Authorization: Bearer None",
        "answered 401",
        "- self.token = response.json().get(\"access\")",
        "+ self.token = response.json()[\"token\"][\"access\"]",
    ] {
        assert!(said.contains(want), "missing {want:?} in:\n{said}");
    }
    let all = json.to_string();
    assert!(
        !all.contains("TokenObtainPairView"),
        "no simplejwt advice for a project with its own login view: {all}"
    );

    // A login path copied from simplejwt's tutorial: the project's own login view is named.
    let json = shop.checks("old_login.py", "auth");
    assert_check(&json, "auth", "fail", Some("wrong_path"));
    let paths = evidence(&json, "auth", "django_login_paths").unwrap_or_default();
    assert!(paths.contains("api/v1/accounts/login/"), "{json:#}");
    assert!(
        !json.to_string().contains("TokenObtainPairView"),
        "{json:#}"
    );

    // Item 8: the order answer has no final_amount: the payment is never reached, and said so.
    let json = shop.checks("locustfile.py", "locustfile");
    assert_check(&json, "locustfile", "fail", Some("not_reached"));
    let said = detail(&json, "locustfile");
    assert!(
        said.contains("Not reached: POST /api/v1/payments/confirm/ (line 24)"),
        "{said}"
    );
    assert!(
        said.contains("the answer of POST /api/v1/orders/ (line 22) has no \"final_amount\" (amount, order_id)"),
        "{said}"
    );
    // Item 8: the payment confirmation calls an outside payment API from the view: named, and
    // kept from being sent (the view then fails on doctor's refusal, not on the network).
    let json = shop.checks("checkout.py", "requests");
    assert_check(&json, "requests", "warn", Some("outside_service"));
    let said = summary(&json, "requests");
    assert!(
        said.contains("POST /api/v1/payments/confirm/")
            && said.contains("api.tosspayments.com:443"),
        "{said}"
    );
    assert!(
        said.contains("kept the connection from being made"),
        "{said}"
    );
    // A 400 of the login for an account that does not exist is not an invalid body.
    let json = shop.checks("guest_login.py", "requests");
    assert_check(&json, "requests", "fail", Some("login_refused"));
    assert!(
        summary(&json, "requests").contains("the login refuses the account"),
        "{json:#}"
    );

    let json = shop.checks_in("locustfile.py", "locustfile", "ko");
    let said = detail(&json, "locustfile");
    assert!(said.contains("도달하지 못함"), "{said}");
    assert!(!said.contains("Not reached"), "{said}");
    assert!(
        said.contains("POST /api/v1/payments/confirm/ (24행)"),
        "{said}"
    );
    assert!(!said.contains("(line "), "{said}");
    let summary_ko = summary(&json, "locustfile");
    assert!(!summary_ko.contains("(line "), "{summary_ko}");
}

/// Item 7: when Django cannot answer in-process, doctor's stand-in answers; an error it causes
/// is "could not test", never a FAIL of the user's locustfile.
#[test]
fn the_stand_in_is_never_blamed_on_the_locustfile() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = format!("sqlite:///{}", tmp.path().join("absent.sqlite3").display());
    let config = tmp.path().join("doctor.toml");
    std::fs::write(
        &config,
        format!(
            "[django]\npython = [{:?}]\n[locust]\nlocustfile = {:?}\n",
            python().display().to_string(),
            shop_dir()
                .join("loadtest/locustfile.py")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let port = free_port();
    let json = check_json(
        &[
            "--config",
            config.to_str().unwrap(),
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--check",
            "locustfile",
        ],
        &shop_dir(),
        &[("DATABASE_URL", missing.as_str())],
    );
    // The file's own text findings (a POST without catch_response) may still warn; the errors
    // the stand-in caused are neither a FAIL nor a task_error.
    let found = check(&json, "locustfile");
    assert_ne!(status(&json, "locustfile"), "fail", "{found:#}");
    assert!(!found.to_string().contains("task_error"), "{found:#}");
    let why = detail(&json, "locustfile");
    assert!(
        why.contains("Could not test Buyer.on_start, Buyer.checkout"),
        "{why}"
    );
    assert!(
        why.contains(
            "SQLite database file does not exist here, so Django could not answer in-process"
        ),
        "{why}"
    );
    assert!(!std::path::Path::new(&tmp.path().join("absent.sqlite3")).exists());
}

/// Item 8: SECURE_SSL_REDIRECT on (from the environment, as production sets it): every request
/// answers 301, and that is not a pass.
#[test]
fn every_request_redirected_is_not_a_pass() {
    let db = FixtureDb::migrated(&shop_dir(), "doctor-korean-shop-301-");
    let config = db.dir.path().join("doctor-301.toml");
    std::fs::write(
        &config,
        format!(
            "[django]\npython = [{:?}]\n[locust]\nlocustfile = {:?}\n",
            python().display().to_string(),
            shop_dir()
                .join("loadtest/checkout.py")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let port = free_port();
    let json = check_json(
        &[
            "--config",
            config.to_str().unwrap(),
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--check",
            "requests",
        ],
        &shop_dir(),
        &[
            ("DATABASE_URL", db.database_url.as_str()),
            ("SHOP_SECURE", "1"),
        ],
    );
    assert_check(&json, "requests", "fail", Some("redirected"));
    let said = summary(&json, "requests");
    assert!(said.contains("answered by a redirect (301/302)"), "{said}");
}

/// Item 14: the shop keeps its stock as `Product.stock` (an integer, reserved with
/// select_for_update): found by asking Django's models, and counted from the database.
#[test]
fn a_stock_field_named_otherwise_is_found_by_asking_the_models() {
    let db = FixtureDb::migrated(&shop_dir(), "doctor-korean-shop-stock-");
    let env = [("DATABASE_URL", db.database_url.as_str())];
    manage_in(
        &shop_dir(),
        &["seed_products", "--count", "3", "--stock", "40"],
        &env,
    );
    let port = free_port();
    let json = check_json(
        &[
            "--config",
            &db.config,
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--check",
            "stock",
        ],
        &shop_dir(),
        &env,
    );
    assert_eq!(
        evidence(&json, "stock", "stock_field"),
        Some("store.Product.stock"),
        "{json:#}"
    );
    assert_eq!(
        evidence(&json, "stock", "available_units"),
        Some("120"),
        "{json:#}"
    );
    assert_eq!(
        evidence(&json, "stock", "reservable_products"),
        Some("3"),
        "{json:#}"
    );

    // The email-shop has no stock at all: what was looked for is said exactly.
    let email_shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email-shop");
    let other = FixtureDb::migrated(&email_shop, "doctor-email-shop-stock-");
    let json = check_json(
        &[
            "--config",
            &other.config,
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--check",
            "stock",
        ],
        &email_shop,
        &[("DATABASE_URL", other.database_url.as_str())],
    );
    assert_check(&json, "stock", "skip", None);
    let said = summary(&json, "stock");
    assert!(
        said.contains("looked for a field named available_stock, stock (integer)"),
        "{said}"
    );
}
