//! Issue 22: load dies with its controller. Locust's master, started with doctor's listener and
//! a lifeline pipe, stops its users and exits by itself once the other end of the pipe closes,
//! which is what the kernel does when doctor dies, however it died. The test process stays
//! alive here, so the parent-death signal plays no part: only the listener's watch is tested.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// One plain HTTP request to Locust's web UI; the status line and body.
fn http(port: u16, request: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn locust_stops_its_load_when_doctors_lifeline_closes() {
    let service = SampleService::start(ServiceOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let listener = doctor::load::listener::write(dir.path()).unwrap();
    let locustfile = sample_dir().join("locust_test/locustfile.py");
    let web_port = free_port();
    let (reader, writer) = std::io::pipe().unwrap();
    let fd = reader.as_raw_fd();
    let mut cmd = scrubbed(Command::new(python()));
    cmd.args(["-m", "locust", "-f"])
        .arg(format!("{},{}", locustfile.display(), listener.display()))
        .args(["--host", &service.base_url, "--web-host", "127.0.0.1"])
        .args(["--web-port", &web_port.to_string()])
        .current_dir(sample_dir())
        .env("DOCTOR_LIFELINE_FD", fd.to_string());
    for (k, v) in service.env_refs() {
        cmd.env(k, v);
    }
    // SAFETY: fcntl is async-signal-safe; the fd is open in the forked child.
    unsafe {
        cmd.pre_exec(move || {
            use nix::fcntl::{F_SETFD, FdFlag, fcntl};
            fcntl(BorrowedFd::borrow_raw(fd), F_SETFD(FdFlag::empty()))
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    let log = dir.path().join("locust.log");
    let mut locust = Group::spawn("locust", cmd, &log);
    drop(reader);

    let deadline = Instant::now() + Duration::from_secs(60);
    while http(web_port, "GET / HTTP/1.0\r\n\r\n").is_none() {
        assert!(Instant::now() < deadline, "{}", read_log(&log));
        std::thread::sleep(Duration::from_millis(200));
    }
    let form = "user_count=2&spawn_rate=2";
    let swarm = format!(
        "POST /swarm HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let answer = http(web_port, &swarm).unwrap_or_default();
    assert!(answer.contains("200"), "{answer}\n{}", read_log(&log));
    // Load is running: requests are answered by the service.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !service.log().contains("/api/") {
        assert!(Instant::now() < deadline, "no load reached the service");
        std::thread::sleep(Duration::from_millis(200));
    }

    let closed = Instant::now();
    drop(writer);
    while locust.exited().is_none() {
        assert!(
            closed.elapsed() < Duration::from_secs(10),
            "Locust still running 10 s after the lifeline closed:\n{}",
            read_log(&log)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "Locust exited {:?} after the lifeline closed",
        closed.elapsed()
    );
    assert!(
        read_log(&log).contains("doctor is gone"),
        "{}",
        read_log(&log)
    );
}
