//! Issue 21 item 12: a runserver with its autoreloader (StatReloader statting every file in a
//! thread of the serving process) under a light real run. The reloader's thread is never busy
//! time, and a server that is mostly idle gets no hot spot called the bottleneck.

mod common;

use common::project_copy::copy_sample;
use common::*;
use std::process::Command;

#[test]
fn the_autoreloader_is_not_busy_time_and_an_idle_server_is_no_bottleneck() {
    let dir = tempfile::Builder::new()
        .prefix("doctor-reloader-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    copy_sample(root);
    // A project the size of a real one: thousands of modules for StatReloader to stat every
    // second (its thread then shows in every profile of a quiet server).
    let bulk = root.join("bulk");
    std::fs::create_dir_all(&bulk).unwrap();
    for i in 0..4000 {
        std::fs::write(bulk.join(format!("m{i}.py")), "X = 1\n").unwrap();
    }
    std::fs::write(
        bulk.join("__init__.py"),
        "import importlib\n\nfor _i in range(4000):\n    importlib.import_module(f\"{__name__}.m{_i}\")\n",
    )
    .unwrap();
    let urls = root.join("config/urls.py");
    let text = std::fs::read_to_string(&urls).unwrap();
    std::fs::write(&urls, format!("import bulk  # noqa: F401\n{text}")).unwrap();
    let database_url = format!("sqlite:///{}", root.join("db.sqlite3").display());
    let env = [("DATABASE_URL", database_url.as_str())];
    manage_in(root, &["migrate", "--noinput", "-v", "0"], &env);
    manage_in(root, &["create_test_users"], &env);
    manage_in(root, &["seed_stock"], &env);
    let log = root.join("runserver.log");
    let (mut server, mut port) = (None, 0);
    for _attempt in 0..5 {
        port = free_port();
        // runserver as people start it: with its autoreloader.
        let mut cmd = scrubbed(Command::new(python()));
        cmd.args(["manage.py", "runserver", &format!("127.0.0.1:{port}")])
            .current_dir(root)
            .env("DATABASE_URL", &database_url)
            .env("PYTHONUNBUFFERED", "1");
        let mut group = Group::spawn("runserver", cmd, &log);
        if group.wait_for_port(port) {
            server = Some(group);
            break;
        }
    }
    let _server = server.expect("runserver on a free port");
    let toml = root.join("doctor.toml");
    std::fs::write(
        &toml,
        "[targets]\ncpu_percent = 101\nmemory_percent = 101\nrequests_per_min = 1\n",
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = run_doctor(
        &[
            "--base-url",
            &url,
            "--config",
            toml.to_str().unwrap(),
            "--format",
            "json",
            "run",
            "--stages",
            "1",
            "--stage-time",
            "8s",
            "--spawn-rate",
            "1",
        ],
        root,
        &env,
    );
    let json = common::load::parse_report(code, &stdout, &stderr);
    let stage = &json["stages"][0];
    let profile = &stage["profile"];
    assert!(!profile.is_null(), "no profile: {stage:#}\n{stderr}");
    // Not one frame of the autoreloader in the busy time.
    for list in ["top_self", "top_total"] {
        for f in profile[list].as_array().unwrap() {
            let file = f["file"].as_str().unwrap_or_default();
            assert!(
                !file.ends_with("django/utils/autoreload.py"),
                "{list}: {f:#}"
            );
        }
    }
    let busy = profile["busy_share"].as_f64().unwrap();
    let threads = profile["busy_samples"].as_f64().unwrap() / profile["rounds"].as_f64().unwrap();
    assert!(
        busy < 0.2 && threads < 0.2,
        "one user is not a busy server: {profile:#}"
    );
    // Mostly idle: no hot spot in the bottleneck, and the skews say why.
    let bottleneck = stage["verdict"]["bottleneck"].to_string();
    assert!(!bottleneck.contains("busy time in"), "{bottleneck}");
    let skews = stage["verdict"]["skews"].to_string();
    assert!(skews.contains("the server was busy in only"), "{skews}");
}
