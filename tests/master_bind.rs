//! Issue 21 item 17: `doctor run --expect-workers N` without `--master-bind` says at once that
//! the master would listen on loopback, lists this machine's addresses, and asks for
//! --master-bind, instead of printing a worker command for 127.0.0.1 and waiting 120 s.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// This machine's non-loopback addresses as `hostname -I` sees them (not doctor's own reader).
fn addresses() -> Vec<String> {
    let out = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .expect("hostname -I");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|a| !a.starts_with("127.") && *a != "::1" && !a.starts_with("fe80"))
        .map(str::to_string)
        .collect()
}

#[test]
fn remote_workers_without_master_bind_are_refused_at_once() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    for (lang, loopback_words) in [("en", "127.0.0.1 (loopback)"), ("ko", "127.0.0.1(루프백)")] {
        let started = Instant::now();
        let (code, stdout, stderr) = run_doctor(
            &[
                "--lang",
                lang,
                "--base-url",
                &url,
                "run",
                "--expect-workers",
                "2",
                "--stages",
                "1",
            ],
            &sample_dir(),
            &[],
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(code, 2, "{stdout}\n{stderr}");
        assert!(stderr.contains(loopback_words), "{stderr}");
        assert!(stderr.contains("--master-bind"), "{stderr}");
        assert!(
            !stdout.contains("--master-host"),
            "no worker command: {stdout}"
        );
        for address in addresses() {
            assert!(stderr.contains(&address), "{address} not listed: {stderr}");
        }
        if lang == "ko" {
            korean::assert_korean("master_bind", stderr.trim_start_matches("doctor: "));
        }
    }
}
