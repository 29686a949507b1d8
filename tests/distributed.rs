//! `doctor run` with Locust workers on other hosts: each worker in its own network namespace
//! (root only), joining doctor's master over a veth pair. The sample service stays on
//! loopback; a small forwarder on the first pair's host-side address makes it reachable from
//! the namespaces (Locust's workers send load to the master's `--host`).

mod common;

use common::load::*;
use common::netns::{self, Netns};
use common::{SampleService, ServiceOptions, python, sample_dir};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn skip() -> bool {
    if !netns::available() {
        println!("skipped: network namespaces need root and iproute2 (ip)");
        return true;
    }
    false
}

/// Forward `bind_ip:port` to `127.0.0.1:to` (one thread pair per connection).
fn forward(bind_ip: &str, to: u16) -> u16 {
    let listener = TcpListener::bind((bind_ip, 0)).expect("bind the forwarder");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut c1, mut s1) = (client, server);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut s1);
                let _ = s1.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

/// Namespaces with a default route back to this side (so every namespace reaches the first
/// pair's address, where the master and the forwarder listen).
fn namespaces(tag: &str, n: u8) -> Vec<Netns> {
    (1..=n)
        .map(|i| {
            let ns = Netns::new(tag, i);
            let out = Command::new("ip")
                .args([
                    "netns", "exec", &ns.name, "ip", "route", "add", "default", "via",
                ])
                .arg(&ns.host_ip)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            ns
        })
        .collect()
}

/// The master port doctor's Locust master listens on (from its command line).
fn master_port(bind: &str, within: Duration, doctor: &mut Child) -> Option<u16> {
    let deadline = Instant::now() + within;
    let needle = format!("--master-bind-host\0{bind}\0--master-bind-port\0");
    loop {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let text = String::from_utf8_lossy(&cmdline);
            if let Some(at) = text.find(&needle) {
                let rest = &text[at + needle.len()..];
                if let Some(port) = rest.split('\0').next().and_then(|p| p.parse().ok()) {
                    return Some(port);
                }
            }
        }
        if Instant::now() > deadline || doctor.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn start_worker(ns: &Netns, locustfile: &Path, master: &str, port: u16, log: &Path) -> Child {
    let out = std::fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    let mut cmd = ns.cmd(python().to_str().unwrap());
    cmd.args(["-m", "locust", "-f"])
        .arg(locustfile)
        .args(["--worker", "--master-host", master, "--master-port"])
        .arg(port.to_string())
        .current_dir(sample_dir())
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn().expect("start a worker in its namespace")
}

struct Setup {
    service: SampleService,
    nss: Vec<Netns>,
    /// Killed with their namespaces (Netns's Drop); kept here so they are reaped.
    _forwarders: Vec<Child>,
    base_url: String,
    cfg: PathBuf,
}

/// Inside a namespace, 127.0.0.1:`port` forwarded to `to_ip:to_port` (so the workers send
/// load to the same URL as doctor, Host header included: the sample allows loopback only).
const NS_FORWARDER: &str = r#"
import asyncio, sys
port, to_ip, to_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    finally:
        w.close()
async def handle(r, w):
    r2, w2 = await asyncio.open_connection(to_ip, to_port)
    await asyncio.gather(pipe(r, w2), pipe(r2, w), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"#;

fn setup(tag: &str) -> Setup {
    let service = SampleService::start(ServiceOptions::default());
    let nss = namespaces(tag, 2);
    let port = forward(&nss[0].host_ip, service.port);
    let mut forwarders = Vec::new();
    for ns in &nss {
        let mut cmd = ns.cmd(python().to_str().unwrap());
        cmd.args([
            "-c",
            NS_FORWARDER,
            &service.port.to_string(),
            &nss[0].host_ip,
        ])
        .arg(port.to_string())
        .stdin(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        forwarders.push(cmd.spawn().expect("forwarder in the namespace"));
    }
    let base_url = service.base_url.clone();
    // The subject is the workers, not the figures: two namespaces' users on the sample's
    // SQLite can honestly meet `database is locked`, and a shared CI core can slow the p95.
    let cfg = config(&service, &format!("p95_ms = 60000\n{ANY_FAILURES}"));
    Setup {
        service,
        nss,
        _forwarders: forwarders,
        base_url,
        cfg,
    }
}

fn spawn_doctor(s: &Setup, stages: &str, stage_time: &str, extra: &[&str]) -> Child {
    let bind = s.nss[0].host_ip.clone();
    let mut args = vec![
        "--base-url",
        s.base_url.as_str(),
        "--config",
        s.cfg.to_str().unwrap(),
        "--format",
        "json",
        "run",
        "--stages",
        stages,
        "--stage-time",
        stage_time,
        "--spawn-rate",
        "4",
        "--expect-workers",
        "2",
        "--master-bind",
        &bind,
    ];
    args.push("--profile-hz");
    args.push("0");
    args.extend_from_slice(extra);
    let env: Vec<(&str, &str)> = s
        .service
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    common::spawn_doctor(&args, &sample_dir(), &env)
}

fn per_worker(stage: &Value) -> Vec<(String, u64)> {
    stage["workers"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|w| {
                    (
                        w["id"].as_str().unwrap_or("").to_string(),
                        w["user_count"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// doctor run started with the master bound to the first namespace's host-side address;
/// returns once the master listens there (with its port), or fails the test with doctor's
/// output.
fn doctor_waiting_for_workers(
    s: &Setup,
    stages: &str,
    time: &str,
    extra: &[&str],
) -> (Child, Stderr, String, u16) {
    let mut child = spawn_doctor(s, stages, time, extra);
    let stderr = Stderr::follow(&mut child);
    let bind = s.nss[0].host_ip.clone();
    let Some(port) = master_port(&bind, Duration::from_secs(60), &mut child) else {
        let _ = child.kill();
        let (code, json, stderr) = finish_followed(child, stderr);
        panic!("no Locust master bound to {bind}: exit {code}\n{json:#}\n{stderr}");
    };
    (child, stderr, bind, port)
}

#[test]
fn two_workers_in_other_namespaces_join_and_their_requests_are_locusts_own() {
    if skip() {
        return;
    }
    let s = setup("join");
    // --keep-going: every stage runs whatever its verdict, since the subject is the
    // workers and Locust's own counts.
    let (child, stderr, bind, port) =
        doctor_waiting_for_workers(&s, "4,6", "12s", &["--keep-going"]);
    let locustfile = sample_dir().join("locust_test/locustfile.py");
    let dir = tempfile::tempdir().unwrap();
    let _workers: Vec<Child> = s
        .nss
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            start_worker(
                ns,
                &locustfile,
                &bind,
                port,
                &dir.path().join(format!("w{i}.log")),
            )
        })
        .collect();
    let (code, json, stderr) = finish_followed(child, stderr);
    let logs: String = (0..2)
        .map(|i| std::fs::read_to_string(dir.path().join(format!("w{i}.log"))).unwrap_or_default())
        .collect();
    assert!(
        stderr.contains(&format!("--master-host {bind} --master-port {port}")),
        "{stderr}"
    );
    assert!(stderr.contains("sha256"), "{stderr}");
    assert!(stderr.contains("2 worker(s) connected"), "{stderr}\n{logs}");
    assert_eq!(stderr.matches(" joined from ").count(), 2, "{stderr}");
    assert_eq!(
        stages(&json).len(),
        2,
        "exit {code}: {json:#}\n{stderr}\n{logs}"
    );
    // Each stage's requests plus those after the stages: Locust's own totals.
    let run_dir = PathBuf::from(json["run_dir"].as_str().unwrap());
    let locust: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("locust.json")).unwrap())
            .unwrap();
    let want: u64 = locust
        .iter()
        .map(|e| e["num_requests"].as_u64().unwrap())
        .sum();
    let got: u64 = stages(&json)
        .iter()
        .map(|st| st["requests"].as_u64().unwrap())
        .sum::<u64>()
        + json["outside_stages"][0].as_u64().unwrap();
    assert!(want > 0, "{json:#}");
    assert_eq!(got, want, "{json:#}");
    assert_eq!(json["totals"]["requests"].as_u64(), Some(want));
    for stage in stages(&json) {
        let rows = per_worker(stage);
        assert_eq!(rows.len(), 2, "{stage:#}");
        let users: u64 = rows.iter().map(|(_, u)| u).sum();
        assert_eq!(users, stage["users"].as_u64().unwrap(), "{stage:#}");
        println!(
            "stage {} ({} users): {} requests; master CPU max {:?} %",
            stage["index"].as_u64().unwrap() + 1,
            users,
            stage["requests"],
            stage["locust_cpu_max"]
        );
        // Each worker's requests, as the master added up their reports: every worker sent
        // load, and together they account for the stage (reports straddle the stage's edges
        // by up to one 3-s report, so the sum is close, not exact).
        let by_worker = stage["worker_requests"]
            .as_object()
            .expect("worker_requests");
        for (id, users) in &rows {
            let requests = by_worker.get(id).and_then(|n| n.as_u64()).unwrap_or(0);
            println!("  worker {id}: {users} users, {requests} requests");
            assert!(requests > 0, "worker {id} sent no request: {stage:#}");
        }
    }
    // Requests per worker: what the master's watcher kept from the workers' own reports.
    for line in stderr.lines().filter(|l| l.contains("joined from")) {
        println!("{line}");
    }
}

#[test]
fn a_worker_killed_mid_stage_is_reported_missing_with_its_load() {
    if skip() {
        return;
    }
    let s = setup("kill");
    let (child, stderr, bind, port) = doctor_waiting_for_workers(&s, "6", "30s", &[]);
    let locustfile = sample_dir().join("locust_test/locustfile.py");
    let dir = tempfile::tempdir().unwrap();
    let mut workers: Vec<Child> = s
        .nss
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            start_worker(
                ns,
                &locustfile,
                &bind,
                port,
                &dir.path().join(format!("w{i}.log")),
            )
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    while !stderr.contains("stage 1") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(8));
    // SIGKILL the second worker's whole group (ip netns exec and Locust).
    let pid = workers[1].id() as i32;
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
    let _ = workers[1].wait();
    let (_code, json, stderr) = finish_followed(child, stderr);
    let stage = &stages(&json)[0];
    let problems = problems(stage);
    println!("{problems}");
    assert!(
        stage["lost_workers"]
            .as_array()
            .is_some_and(|l| l.len() == 1),
        "{stage:#}\n{stderr}"
    );
    assert!(problems.contains("of the stage's 6 users"), "{problems}");
    assert!(problems.contains("were lost with worker"), "{problems}");
    assert_eq!(stage["verdict"]["passed"], false);
}

#[test]
fn a_worker_with_another_locustfile_is_named() {
    if skip() {
        return;
    }
    let s = setup("odd");
    let dir = tempfile::tempdir().unwrap();
    let original = sample_dir().join("locust_test/locustfile.py");
    let text = std::fs::read_to_string(&original).unwrap();
    let edited = text.replacen(
        r#"self.client.get("/api/products/", headers=self.auth_headers(), name="/api/products/")"#,
        r#"self.client.get("/api/products/?page=1", headers=self.auth_headers(), name="/api/products/?edited")"#,
        1,
    );
    assert_ne!(
        edited, text,
        "the sample locustfile changed: edit another task"
    );
    let odd = dir.path().join("locustfile.py");
    std::fs::write(&odd, edited).unwrap();
    let (child, stderr, bind, port) = doctor_waiting_for_workers(&s, "4", "15s", &[]);
    let _workers = [
        start_worker(
            &s.nss[0],
            &original,
            &bind,
            port,
            &dir.path().join("w0.log"),
        ),
        start_worker(&s.nss[1], &odd, &bind, port, &dir.path().join("w1.log")),
    ];
    let (_code, json, stderr) = finish_followed(child, stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("its locustfile differs"))
        .unwrap_or_else(|| panic!("no worker named:\n{stderr}"));
    println!("{line}");
    assert!(line.contains("GET /api/products/?edited"), "{line}");
    let stage = &stages(&json)[0];
    assert!(
        problems(stage).contains("its locustfile differs"),
        "{stage:#}"
    );
}
