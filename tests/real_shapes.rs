//! doctor on locustfiles written the way real projects write them (tests/fixtures/locustfiles),
//! against the real sample service: what the executed locustfile teaches each check. The
//! helper's own answers are tested in tests/locust_exec.rs; here, what the user reads.

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/locustfiles")
        .join(name)
}

/// `doctor --check IDS` against `service` with `locustfile` (and extra doctor.toml lines).
fn checks_with(
    service: &SampleService,
    locustfile: &str,
    extra_toml: &str,
    ids: &str,
    env: &[(&str, &str)],
) -> Value {
    let config = service.dir().join(format!(
        "doctor-{}.toml",
        locustfile.rsplit('/').next().unwrap_or(locustfile)
    ));
    std::fs::write(
        &config,
        format!(
            "[locust]\nlocustfile = {:?}\n{extra_toml}",
            fixture(locustfile).display().to_string()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (code, stdout, stderr) = service.doctor_with(
        &["--format", "json", "--config", &config, "--check", ids],
        env,
    );
    parse_report(code, &stdout, &stderr, &service.log())
}

#[test]
fn real_shapes_teach_every_check() {
    // A server whose access token lives 60 s: the locustfile that renews after 240 s is wrong.
    let service = SampleService::start(ServiceOptions {
        env: vec![("SAMPLE_ACCESS_TOKEN_SECONDS".into(), "60".into())],
        ..ServiceOptions::default()
    });

    // A pool of 10,000 picked with randint(0, self.POOL - 1): 100 of them exist (user1..user100;
    // user0 does not).
    let json = checks_with(&service, "pool_constant.py", "", "users,auth", &[]);
    assert_check(&json, "users", "fail", Some("user_missing"));
    assert_eq!(evidence(&json, "users", "pool_size"), Some("10000"));
    assert_eq!(evidence(&json, "users", "pool_existing"), Some("100"));
    assert_eq!(evidence(&json, "users", "pool_from"), Some("executed"));
    let summary = check(&json, "users")["summary"].as_str().unwrap();
    assert!(summary.contains("about 99% of logins"), "{summary}");

    // [target] username only picks auth's account; the pool is still the locustfile's.
    let json = checks_with(
        &service,
        "pool_constant.py",
        "[target]\nusername = \"user5\"\n",
        "users,auth",
        &[],
    );
    assert_eq!(evidence(&json, "users", "pool_size"), Some("10000"));
    assert_check(&json, "auth", "pass", None);
    assert!(
        check(&json, "auth")["summary"]
            .as_str()
            .unwrap()
            .contains("user5")
    );

    // The password from os.environ.get(NAME, default): the shell's value, else the default.
    let json = checks_with(&service, "choice_names.py", "", "auth,users", &[]);
    assert_check(&json, "auth", "fail", Some("unauthorized"));
    assert_eq!(evidence(&json, "users", "pool_size"), Some("6"));
    let json = checks_with(
        &service,
        "choice_names.py",
        "",
        "auth",
        &[("LOADTEST_PASSWORD", "testpass123")],
    );
    assert_check(&json, "auth", "pass", None);
    let auth = check(&json, "auth").to_string();
    assert!(
        !auth.contains("testpass123"),
        "the password is never shown: {auth}"
    );

    // The refresh deadline set by arithmetic, against the server's 60 s token.
    let json = checks_with(&service, "token_refresh.py", "", "locustfile,auth", &[]);
    assert_check(&json, "locustfile", "fail", Some("refresh_after_expiry"));
    let summary = check(&json, "locustfile")["summary"].as_str().unwrap();
    assert!(summary.contains("240 s > 60 s"), "{summary}");

    // Guide §1 raised for real by the executed FastHttpUser, at the locustfile's line.
    let json = checks_with(&service, "fasthttp_headers.py", "", "locustfile", &[]);
    assert_check(&json, "locustfile", "fail", Some("session_headers"));
    assert_eq!(check(&json, "locustfile")["location"]["line"], 8);

    // A syntax error is a failure naming its line, not a timeout.
    let json = checks_with(&service, "syntax_error.py", "", "locustfile", &[]);
    assert_check(&json, "locustfile", "fail", Some("import_error"));
    assert_eq!(check(&json, "locustfile")["location"]["line"], 6);

    // A loop at import is stopped and located, not waited for.
    let json = checks_with(&service, "loop_at_import.py", "", "locustfile", &[]);
    assert_check(&json, "locustfile", "fail", Some("import_timeout"));
    let line = check(&json, "locustfile")["location"]["line"].as_u64();
    assert!(
        matches!(line, Some(6 | 7)),
        "the loop is at lines 6-7: {line:?}"
    );

    // A generated 2 MB locustfile: read and run within the check's own time, not an error.
    let big = service.dir().join("big_locustfile.py");
    let mut text = std::fs::read_to_string(fixture("choice_names.py")).unwrap();
    let mut i = 0;
    while text.len() < 2_000_000 {
        text.push_str(&format!(
            "DATA_{i} = {{'k': [1, 2, 3, 'abcdefghijklmnopqrstuvwxyz'], 'n': {i}}}\n"
        ));
        i += 1;
    }
    std::fs::write(&big, text).unwrap();
    let json = checks_with(&service, big.to_str().unwrap(), "", "locustfile,users", &[]);
    assert_ne!(
        status(&json, "locustfile"),
        "error",
        "{:#}",
        check(&json, "locustfile")
    );
    assert_eq!(evidence(&json, "users", "pool_from"), Some("executed"));

    // The locustfile's own reservations: the id-in-body URL does not exist here.
    let json = checks_with(&service, "reservations.py", "", "reserve,requests", &[]);
    assert_check(&json, "reserve", "fail", Some("would_404"));
    assert_check(&json, "requests", "fail", Some("would_404"));
    let requests = evidence(&json, "requests", "requests").unwrap();
    assert!(
        requests.contains("POST /api/products/1/reserve/ → 201"),
        "{requests}"
    );
}
