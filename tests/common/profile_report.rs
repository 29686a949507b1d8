//! What a `doctor run` report's stages said about their profile, waits and verdict: printed for
//! a test's output (`--nocapture`) and read as sentences (en, ko).

use super::korean::assert_korean;
use super::load::stages;
use serde_json::Value;

/// What a stage's profile and waits said, for the test's output (`--nocapture`).
pub fn show(json: &Value) {
    eprintln!(
        "outcome {} exit {} duration {:.1} s; profile_note {}; profiler_cpu {}; other_cpu_before {}; live_age_ms {}",
        json["outcome"],
        json["exit_code"],
        json["duration_s"].as_f64().unwrap_or(0.0),
        json["profile_note"],
        json["profiler_cpu"],
        json["other_cpu_before"],
        json["live_age_ms"],
    );
    for stage in json["stages"].as_array().into_iter().flatten() {
        eprintln!(
            "stage {}: {} users, {} requests, {} failures, {:.1} rps, p95 {}",
            stage["index"],
            stage["users_reached"],
            stage["requests"],
            stage["failures"],
            stage["rps"].as_f64().unwrap_or(0.0),
            stage["p95_max_window_ms"],
        );
        let profile = &stage["profile"];
        if !profile.is_null() {
            eprintln!(
                "  profile pids {} rounds {} busy_samples {} busy_share {:.2} flame {}",
                profile["pids"],
                profile["rounds"],
                profile["busy_samples"],
                profile["busy_share"].as_f64().unwrap_or(0.0),
                profile["flame_graph"],
            );
            for f in profile["top_self"].as_array().into_iter().flatten().take(5) {
                eprintln!(
                    "  self {:5.1} % {} ({}:{}) project={} view={}",
                    f["share"].as_f64().unwrap_or(0.0) * 100.0,
                    f["function"].as_str().unwrap_or(""),
                    f["file"].as_str().unwrap_or(""),
                    f["line"],
                    f["project"],
                    f["view"],
                );
            }
            for p in profile["per_pid"].as_array().into_iter().flatten() {
                eprintln!("  per_pid {p}");
            }
            for w in profile["waits"].as_array().into_iter().flatten() {
                eprintln!("  wait site {w}");
            }
            for s in profile["skew"].as_array().into_iter().flatten() {
                eprintln!(
                    "  skew {} {:.1} %",
                    s["factor"],
                    s["share"].as_f64().unwrap_or(0.0) * 100.0
                );
            }
        }
        let waits = &stage["waits"];
        if !waits.is_null() {
            eprintln!(
                "  waits: samples {} peak_waiting {} of {} sessions; connections_peak {}",
                waits["samples"],
                waits["peak_waiting"],
                waits["peak_sessions"],
                waits["connections_peak"]
            );
            for g in waits["groups"].as_array().into_iter().flatten().take(4) {
                eprintln!(
                    "  group {}/{} peak {} state {}: {} | held by {}",
                    g["wait_event_type"].as_str().unwrap_or(""),
                    g["wait_event"].as_str().unwrap_or(""),
                    g["peak"],
                    g["state"],
                    g["query"].as_str().unwrap_or(""),
                    g["blocking_query"]
                );
            }
        }
        for s in sentences(&stage["verdict"]["bottleneck"]) {
            eprintln!("  bottleneck: {}\n              {}", s.0, s.1);
        }
        for s in sentences(&stage["verdict"]["skews"]) {
            eprintln!("  skew: {}\n        {}", s.0, s.1);
        }
    }
}

/// (en, ko) of a list of sentences.
pub fn sentences(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["en"].as_str().unwrap_or("").to_string(),
                t["ko"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub fn first_stage(json: &Value) -> &Value {
    stages(json)
        .first()
        .unwrap_or_else(|| panic!("no stage ran: {json:#}"))
}

/// Every Korean sentence of the stage's verdict (bottleneck and skews) is Korean.
pub fn korean_verdict(stage: &Value) {
    for key in ["bottleneck", "skews"] {
        for (_, ko) in sentences(&stage["verdict"][key]) {
            assert_korean(key, &ko);
        }
    }
}

/// "61 % of …": a whole percentage first.
pub fn starts_with_percent(text: &str) -> bool {
    let digits = text.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && text[digits..].starts_with(" %")
}
