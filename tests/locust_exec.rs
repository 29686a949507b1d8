//! The locustfile runner (`assets/doctor_py/locust_main.py`): it executes real locustfiles
//! (tests/fixtures/locustfiles) against the sample Django service in-process and reports what
//! they do as JSON. Every test copies one prepared SQLite database (migrated, user1..user100,
//! the guide's product) and runs the helper with the sample venv's Python.

mod common;
#[path = "common/locust_helper.rs"]
mod locust_helper;

use locust_helper::*;
use serde_json::json;
use std::time::Duration;

#[test]
fn pool_size_from_a_class_constant_through_variables() {
    let db = Db::fresh();
    let a = run_helper("pool_constant.py", json!({}), &db.url(), &[]);
    let json = &a.json;
    assert_eq!(json["mode"], "django", "{json:#}");
    assert!(json["mode_reason"].is_null());
    assert_eq!(json["django"]["settings_module"], "config.base");
    assert_eq!(json["django"]["token_lifetime_s"], 300.0);
    let u = user(json, "ApiUser");
    assert_eq!(u["client"], "HttpSession");
    assert_eq!(u["line"], 7);
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "randint", "{pool:#}");
    assert_eq!(pool["template"], "user{}");
    assert_eq!(pool["low"], 0);
    assert_eq!(pool["high"], 9999);
    assert_eq!(pool["runs"], 30);
    assert_eq!(pool["line"], 15);
    assert_eq!(u["credentials"]["passwords"], json!(["testpass123"]));
    let login = &u["login"];
    assert_eq!(login["path"], "/api/token/");
    assert_eq!(login["body_kind"], "json");
    assert_eq!(login["username_field"], "username");
    assert_eq!(login["password_field"], "password");
    assert_eq!(login["line"], 17);
    let first = request(u, "on_start", None);
    assert_eq!(first["name"], "login");
    assert_eq!(first["body"]["password"], "***");
    assert!(
        a.wall < Duration::from_secs(15),
        "one helper run took {:?}",
        a.wall
    );
}

#[test]
fn choice_over_a_module_list_and_a_password_from_the_environment() {
    let db = Db::fresh();
    let without = run_helper("choice_names.py", json!({}), &db.url(), &[]);
    let u = user(&without.json, "Shopper");
    assert_eq!(u["credentials"]["passwords"], json!(["default-pass"]));
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "choice", "{pool:#}");
    assert_eq!(
        names(pool),
        ["user1", "user2", "user3", "user5", "user8", "user13"]
    );
    assert_eq!(pool["line"], 15);
    // An existing account logs in whatever the password (hashing is skipped in-process).
    assert_eq!(u["login"]["status"], 200);

    let with = run_helper(
        "choice_names.py",
        json!({}),
        &db.url(),
        &[("LOADTEST_PASSWORD", "testpass123")],
    );
    let u = user(&with.json, "Shopper");
    assert_eq!(u["credentials"]["passwords"], json!(["testpass123"]));
    assert_eq!(request(u, "task", Some("browse"))["status"], 200);
    assert_eq!(request(u, "task", Some("health"))["status"], 200);
}

#[test]
fn csv_accounts_chosen_at_random_and_taken_from_a_queue() {
    let db = Db::fresh();
    let rows: Vec<String> = (1..=40).map(|i| format!("user{i}")).collect();

    let chosen = run_helper("csv_choice.py", json!({}), &db.url(), &[]);
    let u = user(&chosen.json, "CsvUser");
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "choice", "{pool:#}");
    assert_eq!(pool["field"], "username");
    assert_eq!(names(pool), rows);
    let login = request(u, "on_start", None);
    assert_eq!(login["status"], 200);
    assert_eq!(login["catch"], "success");

    // The queue is filled by a test_start listener, as Locust fires it before users start.
    let queued = run_helper("csv_queue.py", json!({}), &db.url(), &[]);
    assert!(
        queued.json["events"]["test_start"]["error"].is_null(),
        "{:#}",
        queued.json
    );
    let u = user(&queued.json, "QueueUser");
    assert_eq!(u["client"], "FastHttpSession");
    let pool = &u["credentials"]["pool"];
    assert_eq!(pool["kind"], "distinct", "{pool:#}");
    assert_eq!(names(pool), rows[..30]);
    assert_eq!(pool["distinct_seen"], 30);
    assert!(task(u, "Journey")["error"].is_null(), "{u:#}");
    let reserve = request(u, "task", Some("Journey.reserve"));
    assert_eq!(reserve["status"], 201, "{reserve:#}");
    assert_eq!(reserve["line"], 29);
}

#[test]
fn form_login_with_an_email_field() {
    let db = Db::fresh();
    let a = run_helper("form_email_login.py", json!({}), &db.url(), &[]);
    let u = user(&a.json, "FormUser");
    let login = &u["login"];
    assert_eq!(login["body_kind"], "form", "{u:#}");
    assert_eq!(login["username_field"], "email");
    assert_eq!(login["password_field"], "pwd");
    assert_eq!(login["line"], 7);
    // The sample logs in by username: the form post is a real 400.
    assert_eq!(login["status"], 400);
    assert_eq!(u["credentials"]["passwords"], json!(["s3cret-form"]));
    assert_eq!(u["credentials"]["pool"]["kind"], "single");
    assert_eq!(request(u, "on_start", None)["body"]["pwd"], "***");
}

#[test]
fn token_deadline_and_relogin_after_expiry() {
    let db = Db::fresh();
    let short = run_helper(
        "token_refresh.py",
        json!({"token_lifetime_s": 60}),
        &db.url(),
        &[],
    );
    let refreshing = user(&short.json, "RefreshingUser");
    let refresh = &refreshing["token_refresh"];
    assert_eq!(refresh["attribute"], "expires", "{refreshing:#}");
    assert_eq!(refresh["seconds"], 240.0);
    // It refreshes after 240 s, the token died after 60 s: no new login in time.
    assert_eq!(refreshing["relogin_after_expiry"], false);
    let naive = user(&short.json, "NaiveUser");
    assert!(naive["token_refresh"].is_null(), "{naive:#}");
    assert_eq!(naive["relogin_after_expiry"], false);

    let long = run_helper(
        "token_refresh.py",
        json!({"token_lifetime_s": 300}),
        &db.url(),
        &[],
    );
    assert_eq!(
        user(&long.json, "RefreshingUser")["relogin_after_expiry"],
        true
    );
    // A datetime deadline, on the same frozen clock.
    let dated = user(&long.json, "DatetimeUser");
    assert_eq!(
        dated["token_refresh"]["attribute"], "valid_until",
        "{dated:#}"
    );
    assert_eq!(dated["token_refresh"]["seconds"], 200.0);
    assert_eq!(dated["token_refresh"]["clock"], "datetime");
    assert_eq!(dated["relogin_after_expiry"], true);
    assert_eq!(user(&long.json, "NaiveUser")["relogin_after_expiry"], false);
}

#[test]
fn reservations_are_real_answers_and_rolled_back() {
    let db = Db::fresh();
    let before = db.stock();
    assert_eq!(before, (0, 10000, 0));
    let a = run_helper("reservations.py", json!({}), &db.url(), &[]);
    let u = user(&a.json, "Reserver");
    assert!(u["on_start"]["error"].is_null(), "{u:#}");

    let by_body = request(u, "task", Some("reserve_by_body"));
    assert_eq!(by_body["status"], 404);
    assert_eq!(by_body["url_match"]["code"], "no_url_pattern");
    assert_eq!(by_body["body"], json!({"product_id": 1, "quantity": 1}));
    assert_eq!(by_body["line"], 13);

    let in_path = request(u, "task", Some("reserve_in_path"));
    assert_eq!(in_path["status"], 201, "{in_path:#}");
    assert_eq!(
        in_path["url_match"]["route"],
        "api/products/<int:pk>/reserve/"
    );
    assert_eq!(
        in_path["url_match"]["view"],
        "apps.products.views.ProductStockReserveView"
    );
    assert!(
        in_path["json_excerpt"]
            .as_str()
            .unwrap()
            .contains("\"success\":true")
    );

    let too_many = request(u, "task", Some("reserve_too_many"));
    assert_eq!(too_many["status"], 400);
    assert_eq!(too_many["catch"], "success");

    let no_slash = request(u, "task", Some("products_without_slash"));
    assert_eq!(no_slash["status"], 200, "{no_slash:#}");
    assert_eq!(
        no_slash["redirects"],
        json!([{"status": 301, "method": "GET", "path": "/api/products/"}])
    );

    let orders = request(u, "task", Some("orders"));
    assert_eq!(orders["path"], "/api/orders/?page=2");
    assert_eq!(orders["line"], 32);
    assert_eq!(orders["url_match"]["code"], "no_url_pattern");
    let problems: Vec<&str> = u["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(problems, ["/api/reservations/", "/api/orders/?page=2"]);

    assert_eq!(db.stock(), before, "the run left rows behind");

    // The guide's section 2 bug: the view raises after reserving; a 500 for the locustfile,
    // the exception with the project's frame for doctor, and still nothing left behind.
    let faulty = run_helper(
        "reservations.py",
        json!({}),
        &db.url(),
        &[("SAMPLE_FAULT_SERIALIZER", "1")],
    );
    let u = user(&faulty.json, "Reserver");
    let in_path = request(u, "task", Some("reserve_in_path"));
    assert_eq!(in_path["status"], 500, "{in_path:#}");
    let exc = &in_path["exception"];
    assert_eq!(exc["type"], "AttributeError");
    assert!(
        exc["message"]
            .as_str()
            .unwrap()
            .contains("'ReservationResult' object has no attribute 'product_id'")
    );
    let frames = exc["frames"].as_array().unwrap();
    assert!(
        frames.iter().all(|f| f["file"]
            .as_str()
            .unwrap()
            .ends_with("apps/products/views.py")),
        "{frames:#?}"
    );
    assert_eq!(db.stock(), before, "the faulty run left rows behind");
}
