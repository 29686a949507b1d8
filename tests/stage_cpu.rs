//! Issue 21 item 11: other processes' CPU does not fail a stage. A process outside the server,
//! Locust and doctor keeps a core busy during a real run; the CPU target is judged on the
//! server's and Locust's share, and the busy process is named with its pid as a skew.

mod common;

use common::load::run_json;
use common::*;
use std::process::Command;

#[test]
fn a_busy_neighbour_is_a_skew_not_the_servers_miss() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = service.dir().join("doctor.toml");
    // A target the neighbour alone exceeds on this machine (one core of two or more).
    std::fs::write(
        &cfg,
        "[targets]\ncpu_percent = 45\nmemory_percent = 101\nrequests_per_min = 1\n",
    )
    .unwrap();
    let mut neighbour = Command::new(python())
        .args(["-c", "while True: pass"])
        .spawn()
        .expect("start a busy neighbour");
    let pid = neighbour.id();
    let (_code, json, stderr) = run_json(
        &service,
        &cfg,
        &["--stages", "2", "--stage-time", "6s", "--spawn-rate", "5"],
    );
    let _ = neighbour.kill();
    let _ = neighbour.wait();

    let stage = &json["stages"][0];
    let cpu = stage["verdict"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "cpu_percent")
        .unwrap_or_else(|| panic!("no cpu target: {stage:#}\n{stderr}"));
    assert_eq!(cpu["passed"], true, "{cpu:#}\n{stage:#}");
    assert!(
        cpu["text"]["en"]
            .as_str()
            .unwrap_or_default()
            .contains("the server and Locust used"),
        "{cpu:#}"
    );
    // The machine was busier than the target: the system figure alone would have missed it.
    let system = stage["cpu_avg"].as_f64().unwrap_or(0.0);
    assert!(
        system >= 45.0,
        "the neighbour did not load the machine: {stage:#}"
    );
    let skews = stage["verdict"]["skews"].to_string();
    assert!(skews.contains(&format!("pid {pid} ")), "{skews}");
}
