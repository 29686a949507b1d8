//! Issue 21 item 9: a `.env` edited after the server started. The project reads DEBUG and Silk
//! from .env; the server started with both on, then .env turned them off. The checks judge
//! what the server runs (its 404 page, /silk/), never "DEBUG is off" beside server_fresh's
//! warning.

mod common;

use common::project_copy::{copy_sample, serve};
use common::*;
use std::path::Path;

/// The sample's switches read from .env as well as from the environment (many projects use
/// django-environ or python-dotenv this way).
fn switches_from_dotenv(root: &Path) {
    let base = root.join("config/base.py");
    let text = std::fs::read_to_string(&base).unwrap();
    let patched = text.replace(
        "return os.environ.get(name, \"\").strip().lower() in",
        "return (os.environ.get(name) or DOTENV.get(name, \"\")).strip().lower() in",
    );
    assert_ne!(
        text, patched,
        "the sample's _flag changed: update this fixture"
    );
    std::fs::write(&base, patched).unwrap();
}

#[test]
fn a_dotenv_changed_after_the_start_is_judged_by_what_the_server_runs() {
    let dir = tempfile::Builder::new()
        .prefix("doctor-stale-env-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    copy_sample(root);
    switches_from_dotenv(root);
    std::fs::write(root.join(".env"), "SAMPLE_DEBUG=1\nSAMPLE_SILK=1\n").unwrap();
    let (_server, port) = serve(root, &[]);
    let url = format!("http://127.0.0.1:{port}");
    // More than the start time's precision later, .env turns both off.
    std::thread::sleep(std::time::Duration::from_millis(1600));
    std::fs::write(root.join(".env"), "SAMPLE_DEBUG=0\nSAMPLE_SILK=0\n").unwrap();

    let json = check_json(
        &["--base-url", &url, "--check", "server_fresh,debug,silk"],
        root,
        &[],
    );
    assert_check(&json, "server_fresh", "warn", Some("stale_env"));
    // The server answers with DEBUG's technical 404 and Silk's pages: both are on.
    assert_check(&json, "debug", "warn", Some("debug_on"));
    let debug = check(&json, "debug")["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(
        debug.contains("running server has DEBUG on") && debug.contains(".env changed"),
        "{debug}"
    );
    assert!(
        evidence(&json, "debug", "server_answer")
            .unwrap_or_default()
            .contains("technical 404"),
        "{json:#}"
    );
    assert_check(&json, "silk", "warn", Some("silk_on"));
    assert!(
        evidence(&json, "silk", "server_answer")
            .unwrap_or_default()
            .starts_with("GET /silk/ → "),
        "{json:#}"
    );
    // No pass beside server_fresh's warning.
    for id in ["debug", "silk"] {
        assert_ne!(status(&json, id), "pass", "{json:#}");
    }

    // A server started with the .env as it is now: off, confirmed by the server, passes.
    drop(_server);
    let (_fresh, port) = serve(root, &[]);
    let url = format!("http://127.0.0.1:{port}");
    let json = check_json(&["--base-url", &url, "--check", "debug,silk"], root, &[]);
    assert_check(&json, "debug", "pass", None);
    assert_check(&json, "silk", "pass", None);
    assert!(
        evidence(&json, "debug", "server_answer")
            .unwrap_or_default()
            .contains("plain 404"),
        "{json:#}"
    );
}
