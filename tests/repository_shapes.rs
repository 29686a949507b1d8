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

/// The shape of many real projects: `config/settings/` is a package whose `__init__.py` picks
/// `local` or `production` by DJANGO_ENV, and manage.py names the package.
fn settings_package(root: &Path) {
    let pkg = root.join("config/settings");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("__init__.py"),
        "import os\n\nENVIRONMENT = os.environ.get(\"DJANGO_ENV\", \"local\")\n\nif ENVIRONMENT == \"production\":\n    from .production import *  # noqa\nelse:\n    from .local import *  # noqa\n",
    )
    .unwrap();
    std::fs::write(
        pkg.join("local.py"),
        "from config.base import *  # noqa\n\nDEBUG = True\n",
    )
    .unwrap();
    std::fs::write(
        pkg.join("production.py"),
        "from config.base import *  # noqa\n\nDEBUG = False\n",
    )
    .unwrap();
    let manage = root.join("manage.py");
    let text = std::fs::read_to_string(&manage).unwrap();
    std::fs::write(
        &manage,
        text.replace("\"config.base\"", "\"config.settings\""),
    )
    .unwrap();
}

#[test]
fn a_settings_package_is_named_by_the_module_the_server_runs() {
    let dir = tempfile::Builder::new()
        .prefix("doctor-settings-pkg-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    copy_sample(root);
    settings_package(root);
    // The server runs production; doctor's own environment has no DJANGO_ENV (local).
    let (_server, port) = serve(root, &[("DJANGO_ENV", "production")]);
    let url = format!("http://127.0.0.1:{port}");

    let config = config_json(root, &url);
    assert_eq!(
        config["django.settings"]["value"].as_str(),
        Some("config.settings"),
        "{config:#}"
    );
    let runs = &config["django.settings_runs"];
    assert_eq!(
        runs["value"].as_str(),
        Some("config.settings.production ← DJANGO_ENV=production (config/settings/__init__.py:3)"),
        "{config:#}"
    );
    assert!(
        runs["origin"]
            .as_str()
            .unwrap_or_default()
            .contains("server pid"),
        "{config:#}"
    );

    // The settings check names it too, from the server's environment.
    let json = check_json(&["--base-url", &url, "--check", "settings"], root, &[]);
    assert_eq!(
        evidence(&json, "settings", "settings_runs"),
        Some("config.settings.production ← DJANGO_ENV=production (config/settings/__init__.py:3)"),
        "{json:#}"
    );

    // Without a server, doctor's own environment decides, and says so: local.
    drop(_server);
    let config = config_json(root, &url);
    let runs = config["django.settings_runs"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        runs.starts_with("config.settings.local ← DJANGO_ENV=—"),
        "{config:#}"
    );
}
