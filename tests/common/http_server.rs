//! `python3 -m http.server PORT`: something that is not Django, holding a port.

#![allow(dead_code)]

use super::{Group, free_port, python, read_log, scrubbed};
use std::process::Command;
use tempfile::TempDir;

/// `python3 -m http.server PORT` — something that is not Django, holding a port.
pub struct HttpServer {
    pub port: u16,
    pub base_url: String,
    group: Group,
    _dir: TempDir,
}

impl HttpServer {
    pub fn start() -> HttpServer {
        let dir = tempfile::Builder::new()
            .prefix("doctor-httpserver-")
            .tempdir()
            .expect("tempdir");
        let log = dir.path().join("http.server.log");
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = scrubbed(Command::new(python()));
            cmd.args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir.path());
            let mut group = Group::spawn("http.server", cmd, &log);
            if group.wait_for_port(port) {
                return HttpServer {
                    port,
                    base_url: format!("http://127.0.0.1:{port}"),
                    group,
                    _dir: dir,
                };
            }
        }
        panic!("http.server found no free port; log:\n{}", read_log(&log));
    }

    pub fn pid(&self) -> Option<u32> {
        self.group.pid()
    }
}
