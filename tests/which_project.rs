//! Issue 21 item 1: two projects on two ports. doctor runs in project B while base_url's port
//! belongs to project A: the working directory's project wins (unless --project-dir names A),
//! `config` and the `port` check say plainly that the server runs A, and `doctor run` refuses.

mod common;

use common::project_copy::{copy_sample, serve};
use common::*;
use serde_json::Value;

#[test]
fn a_server_of_another_project_is_named_and_blocks_the_run() {
    // Project A: a copy of the sample in its own folder, on its own port.
    let a = tempfile::Builder::new()
        .prefix("doctor-project-a-")
        .tempdir()
        .unwrap();
    copy_sample(a.path());
    let (_server_a, port_a) = serve(a.path(), &[]);
    // Project B: the sample itself, on another port.
    let b = SampleService::start(ServiceOptions::default().stock(false));
    let url_a = format!("http://127.0.0.1:{port_a}");
    let a_shown = a.path().display().to_string();
    let env: Vec<(&str, &str)> = vec![("DATABASE_URL", b.database_url.as_str())];

    // `doctor config` in B against A's port: B's project stays, and A is named.
    let (code, stdout, stderr) = run_doctor(
        &["--base-url", &url_a, "config", "--format", "json"],
        &sample_dir(),
        &env,
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let config: Value = serde_json::from_str(&stdout).unwrap();
    let server = config["server"]["value"].as_str().unwrap_or_default();
    assert!(
        server.contains(&format!("on :{port_a}"))
            && server.contains(&a_shown)
            && server.contains("not this project"),
        "{config:#}"
    );
    assert_eq!(
        config["django.project_dir"]["value"].as_str(),
        Some(sample_dir().display().to_string().as_str()),
        "{config:#}"
    );
    let (_, ko, _) = run_doctor(
        &["--lang", "ko", "--base-url", &url_a, "config"],
        &sample_dir(),
        &env,
    );
    assert!(ko.contains("이 프로젝트") && ko.contains(&a_shown), "{ko}");

    // The port check fails with its diagnosis; the server's checks are not run against A.
    let json = check_json(
        &["--base-url", &url_a, "--check", "port,server,server_fresh"],
        &sample_dir(),
        &env,
    );
    assert_check(&json, "port", "fail", Some("other_project"));
    assert_eq!(
        evidence(&json, "port", "server_project"),
        Some(a_shown.as_str())
    );
    let summary = check(&json, "port")["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("not this project"), "{summary}");
    assert_eq!(status(&json, "server"), "skip", "{json:#}");
    let fresh = check(&json, "server_fresh")["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(fresh.contains(&a_shown), "{fresh}");

    // B's own server on B's port is B's: the port check passes.
    let json = check_json(
        &["--base-url", &b.base_url, "--check", "port"],
        &sample_dir(),
        &env,
    );
    assert_check(&json, "port", "pass", None);

    // --project-dir A: A is the project asked for, and its server is A's.
    let json = check_json(
        &[
            "--base-url",
            &url_a,
            "--project-dir",
            &a_shown,
            "--check",
            "port",
        ],
        &sample_dir(),
        &env,
    );
    assert_check(&json, "port", "pass", None);

    // `doctor run` refuses to send load to A's server.
    let toml = b.dir().join("doctor.toml");
    std::fs::write(&toml, "[run]\nstages = [1]\nstage_time = \"3s\"\n").unwrap();
    let (code, stdout, stderr) = run_doctor(
        &[
            "--base-url",
            &url_a,
            "--config",
            toml.to_str().unwrap(),
            "--format",
            "json",
            "run",
        ],
        &sample_dir(),
        &env,
    );
    let run = common::load::parse_report(code, &stdout, &stderr);
    assert_eq!(run["outcome"], "could_not_start", "{run:#}");
    let message = run["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("port") && message.contains(&a_shown),
        "{message}"
    );
    assert!(
        std::fs::read_to_string(a.path().join("runserver.log"))
            .unwrap_or_default()
            .lines()
            .all(|l| !l.contains("POST")),
        "no request reached A's server"
    );
}
