//! Issue 21 items 2 and 3: projects laid out unlike the sample. A locustfile three folders
//! down (`shopping/tests/performance/locustfile.py`), several locustfiles, and a settings
//! package that picks its module by DJANGO_ENV, each checked against a real server.

mod common;

use common::project_copy::{copy_sample, serve};
use common::*;
use serde_json::Value;
use std::path::Path;

fn config_json(dir: &Path, url: &str) -> Value {
    let (code, stdout, stderr) =
        run_doctor(&["--base-url", url, "config", "--format", "json"], dir, &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn a_locustfile_three_folders_down_is_found_and_executed() {
    let dir = tempfile::Builder::new()
        .prefix("doctor-deep-locust-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    copy_sample(root);
    // The shop's shape: no locust_test/, the load test deep in an app's tests.
    let deep = root.join("shopping/tests/performance");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::rename(
        root.join("locust_test/locustfile.py"),
        deep.join("locustfile.py"),
    )
    .unwrap();
    std::fs::remove_dir_all(root.join("locust_test")).unwrap();
    let (_server, port) = serve(root, &[]);
    let url = format!("http://127.0.0.1:{port}");

    let config = config_json(root, &url);
    let locustfile = &config["locust.locustfile"];
    assert_eq!(
        locustfile["value"].as_str(),
        Some(deep.join("locustfile.py").display().to_string().as_str()),
        "{config:#}"
    );
    assert_eq!(
        locustfile["origin"].as_str(),
        Some("discovered (found at shopping/tests/performance/locustfile.py)"),
        "{config:#}"
    );
    // Its login was read from the file found: the credentials come from there.
    assert!(
        config["target.username"]["origin"]
            .as_str()
            .unwrap_or_default()
            .contains("locustfile.py"),
        "{config:#}"
    );
    // The locustfile check executes the file found.
    let json = check_json(&["--base-url", &url, "--check", "locustfile"], root, &[]);
    let file = evidence(&json, "locustfile", "file").unwrap_or_default();
    assert!(
        file.contains("shopping/tests/performance/locustfile.py"),
        "{json:#}"
    );
    assert_ne!(status(&json, "locustfile"), "skip", "{json:#}");

    // Several: a smoke test beside it and a scenario that imports locust. locustfile.py is
    // used, and the others are listed with the line that picks one.
    std::fs::write(
        root.join("shopping/tests/performance/locustfile_smoke.py"),
        "from locust import HttpUser, task\n\n\nclass Smoke(HttpUser):\n    @task\n    def home(self):\n        self.client.get('/')\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("loadtests")).unwrap();
    std::fs::write(
        root.join("loadtests/checkout.py"),
        "import locust\n\n\nclass Checkout(locust.HttpUser):\n    pass\n",
    )
    .unwrap();
    let config = config_json(root, &url);
    let locustfile = &config["locust.locustfile"];
    assert_eq!(
        locustfile["value"].as_str(),
        Some(deep.join("locustfile.py").display().to_string().as_str()),
        "{config:#}"
    );
    let origin = locustfile["origin"].as_str().unwrap_or_default();
    assert!(origin.contains("3 found"), "{origin}");
    assert!(origin.contains("loadtests/checkout.py"), "{origin}");
    assert!(
        origin.contains("shopping/tests/performance/locustfile_smoke.py"),
        "{origin}"
    );
    assert!(origin.contains("[locust] locustfile = \""), "{origin}");
}
