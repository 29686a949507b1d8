//! doctor against the sample service on a throw-away PostgreSQL cluster.

mod common;

use common::*;

#[test]
fn postgres_users_stock_and_connections() {
    let pg = Postgres::start();

    // A migrated, seeded database with the service running on it.
    let url = pg.create_database("doctor_sample");
    let svc = SampleService::start(ServiceOptions::default().database_url(&url));
    let json = svc.check_json(&["--check", "all"]);
    for id in ["port", "server", "users", "auth", "stock", "db"] {
        assert_check(&json, id, "pass", None);
    }
    assert_eq!(evidence(&json, "users", "users"), Some("100"));
    assert_eq!(evidence(&json, "stock", "available_units"), Some("10000"));
    let connections: i64 = evidence(&json, "db", "connections_to_database")
        .expect("connections_to_database evidence")
        .parse()
        .expect("a number of connections");
    // doctor's own sessions are not counted (tests/doctor_footprint.rs): an idle runserver
    // may hold none.
    assert!(connections >= 0, "{json:#}");
    let max: i64 = evidence(&json, "db", "max_connections")
        .expect("max_connections evidence")
        .parse()
        .expect("max_connections is a number");
    assert!(max >= connections, "{json:#}");
    assert_eq!(json["exit_code"], 0, "{json:#}");
    drop(svc);

    // A second database, migrated but without users.
    let empty = pg.create_database("doctor_empty");
    manage(
        &["migrate", "--noinput", "-v", "0"],
        &[("DATABASE_URL".to_string(), empty.clone())],
    );
    let json = check_json(
        &[
            "--base-url",
            &format!("http://127.0.0.1:{}", free_port()),
            "--check",
            "users,db",
        ],
        &sample_dir(),
        &[("DATABASE_URL", empty.as_str())],
    );
    assert_check(&json, "users", "fail", Some("no_users"));
    assert_eq!(evidence(&json, "users", "users"), Some("0"));
    assert_check(&json, "db", "pass", None);
    assert_eq!(json["exit_code"], 1);
    drop(pg);
}
