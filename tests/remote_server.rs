//! A server that is not on this machine: the sample service in its own network namespace (root
//! only). Checks that read this machine (port owner, server process, its CPU and memory) skip
//! with the reason; HTTP and database checks still run; checks of the project's files say they
//! read this machine's copy; a load run needs --allow-remote. Every TCP connection doctor and
//! its Locust open goes to the namespace or to loopback.

mod common;

use common::korean::assert_korean;
use common::netns::{self, Netns};
use common::*;
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PORT: u16 = 8000;

/// Pids of `root` and every process below it, from /proc.
fn tree(root: u32) -> BTreeSet<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The fields after the command name (which may hold spaces and parentheses).
        let Some(after) = stat.rsplit_once(')').map(|(_, rest)| rest.to_string()) else {
            continue;
        };
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.push((pid, ppid));
        }
    }
    let mut found = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for (pid, ppid) in &parents {
            if found.contains(ppid) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Watches `ss -tnp` while `root` runs: the peer of every TCP connection a process of its tree
/// holds ("peer (program)").
struct Watch {
    peers: Arc<Mutex<BTreeSet<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watch {
    fn start(root: u32) -> Watch {
        let peers = Arc::new(Mutex::new(BTreeSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peers, stop) = (peers.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let pids = tree(root);
                    let out = Command::new("ss")
                        .args(["-tnpH", "state", "all"])
                        .output()
                        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                        .unwrap_or_default();
                    for line in out.lines() {
                        let fields: Vec<&str> = line.split_whitespace().collect();
                        // State Recv-Q Send-Q Local Peer Process
                        if fields.len() < 6 || fields[0] == "LISTEN" {
                            continue;
                        }
                        let process = fields[5..].join(" ");
                        let ours = process.split("pid=").skip(1).any(|rest| {
                            rest.split(|c: char| !c.is_ascii_digit())
                                .next()
                                .and_then(|p| p.parse::<u32>().ok())
                                .is_some_and(|p| pids.contains(&p))
                        });
                        if ours {
                            let program = process.split('"').nth(1).unwrap_or("?").to_string();
                            peers
                                .lock()
                                .unwrap()
                                .insert(format!("{} ({program})", fields[4]));
                        }
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Watch {
            peers,
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> BTreeSet<String> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.peers.lock().unwrap().clone()
    }
}

/// The address part of `ss`'s "10.1.2.3:8000" / "[::1]:5557" / "[::ffff:127.0.0.1]:80".
fn peer_ip(peer: &str) -> String {
    let addr = peer.split(' ').next().unwrap_or("");
    let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_start_matches("::ffff:")
        .to_string()
}

/// Runs doctor to its end while watching its connections.
fn doctor_watched(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String, BTreeSet<String>) {
    let child = spawn_doctor(args, &sample_dir(), env);
    let watch = Watch::start(child.id());
    let out = child.wait_with_output().expect("wait for doctor");
    let peers = watch.finish();
    (
        out.status.code().expect("doctor exited by itself"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        peers,
    )
}

/// Every connection went to the namespace or to loopback, and some went to the namespace.
#[track_caller]
fn only_namespace(what: &str, peers: &BTreeSet<String>, ns_ip: &str) {
    let elsewhere: Vec<&String> = peers
        .iter()
        .filter(|p| {
            let ip = peer_ip(p);
            ip != ns_ip && ip != "127.0.0.1" && ip != "::1"
        })
        .collect();
    assert!(
        elsewhere.is_empty(),
        "{what}: connections outside the namespace: {elsewhere:?} (all: {peers:?})"
    );
    assert!(
        peers.iter().any(|p| peer_ip(p) == ns_ip),
        "{what}: no connection to {ns_ip} was seen: {peers:?}"
    );
}

#[test]
fn a_server_on_another_host_is_checked_from_here() {
    if !netns::available() {
        eprintln!("skipped: network namespaces need root and iproute2");
        return;
    }
    let ns = Netns::new("remote", 1);
    let ns_ip = ns.ip.clone();
    let base_url = format!("http://{ns_ip}:{PORT}");
    assert!(!doctor::net::is_this_machine(&base_url));
    assert!(doctor::net::is_this_machine(&format!(
        "http://{}:{PORT}",
        ns.host_ip
    )));

    // The database: a file both sides read (namespaces share the filesystem).
    let dir = tempfile::Builder::new()
        .prefix("doctor-remote-")
        .tempdir()
        .expect("tempdir");
    let database_url = format!("sqlite:///{}", dir.path().join("db.sqlite3").display());
    let env = vec![("DATABASE_URL".to_string(), database_url.clone())];
    manage(&["migrate", "--noinput", "-v", "0"], &env);
    manage(&["create_test_users"], &env);
    manage(&["seed_stock"], &env);

    // The "staging" server runs other settings than the copy here: its ALLOWED_HOSTS lets the
    // namespace's address in (the sample's own list is loopback only).
    std::fs::write(
        dir.path().join("staging_settings.py"),
        "from config.base import *  # noqa\nALLOWED_HOSTS = [\"*\"]\n",
    )
    .unwrap();
    let log = dir.path().join("runserver.log");
    let mut cmd = scrubbed(ns.cmd(python().to_str().unwrap()));
    cmd.args([
        "manage.py",
        "runserver",
        &format!("{ns_ip}:{PORT}"),
        "--noreload",
    ])
    .current_dir(sample_dir())
    .env("DATABASE_URL", &database_url)
    .env("DJANGO_SETTINGS_MODULE", "staging_settings")
    .env("PYTHONPATH", dir.path())
    .env("PYTHONUNBUFFERED", "1");
    let mut server = Group::spawn("runserver in the namespace", cmd, &log);
    let addr: SocketAddr = format!("{ns_ip}:{PORT}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(status) = server.exited() {
            panic!("runserver exited ({status}):\n{}", log_text());
        }
        assert!(
            Instant::now() < deadline,
            "runserver did not answer on {addr}:\n{}",
            log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let server_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let env_refs = [("DATABASE_URL", database_url.as_str())];

    // --check all, in English, watching every connection doctor and its helpers open.
    let (code, stdout, stderr, peers) = doctor_watched(
        &[
            "--base-url",
            &base_url,
            "--check",
            "all",
            "--format",
            "json",
        ],
        &env_refs,
    );
    let json = parse_report(code, &stdout, &stderr, &server_log());
    let reason = format!("runs on {ns_ip}, not on this machine");
    let summary = |id: &str| {
        check(&json, id)["summary"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    for id in ["port", "server_fresh"] {
        assert_eq!(status(&json, id), "skip", "{id}: {:#}", check(&json, id));
        assert!(summary(id).contains(&reason), "{id}: {}", summary(id));
    }
    // port: what was seen from here is evidence, not a pass.
    assert_eq!(evidence(&json, "port", "tcp_from_here"), Some("open"));
    // resources: this machine's figures are the load machine's; the server's are not measured.
    assert!(
        summary("resources").contains(&reason),
        "{}",
        summary("resources")
    );
    assert_eq!(evidence(&json, "resources", "server_process"), Some("skip"));
    assert_eq!(
        evidence(&json, "resources", "server_at"),
        Some(ns_ip.as_str())
    );
    // devserver: runserver's Server header, asked from here.
    assert_eq!(
        status(&json, "devserver"),
        "warn",
        "{:#}",
        check(&json, "devserver")
    );
    assert!(
        evidence(&json, "devserver", "server_header").is_some_and(|h| h.starts_with("WSGIServer")),
        "{:#}",
        check(&json, "devserver")
    );
    // HTTP from here, and the database reachable from here.
    for id in ["server", "auth", "users", "stock"] {
        assert_eq!(status(&json, id), "pass", "{id}: {:#}", check(&json, id));
    }
    // The project's files are this machine's copy.
    for id in ["settings", "users", "stock", "debug"] {
        assert!(
            summary(id).contains(&format!(
                "read from the project here; the server at {ns_ip} may run other code"
            )),
            "{id}: {}",
            summary(id)
        );
        assert_eq!(
            evidence(&json, id, "server_at"),
            Some(ns_ip.as_str()),
            "{id}"
        );
        assert!(evidence(&json, id, "read_from").is_some(), "{id}");
    }
    assert!(
        server_log().contains("/api/"),
        "the server in the namespace was asked: {}",
        server_log()
    );
    eprintln!("doctor --check all connected to: {peers:?}");
    only_namespace("doctor --check all", &peers, &ns_ip);

    // In Korean, without English prose.
    let (code, stdout, stderr) = run_doctor(
        &[
            "--base-url",
            &base_url,
            "--lang",
            "ko",
            "--check",
            "port,server_fresh,resources,devserver,settings,debug",
        ],
        &sample_dir(),
        &env_refs,
    );
    assert!(code <= 1, "exit {code}:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("이 컴퓨터가 아닌 {ns_ip}에서 실행 중")),
        "{stdout}"
    );
    assert!(stdout.contains("이 컴퓨터의 프로젝트에서 읽음"), "{stdout}");
    assert_korean("doctor --check … --lang ko (remote)", &stdout);

    // Load: refused without --allow-remote, runs with it.
    let run_args = |allow: bool| {
        let mut args = vec![
            "--base-url",
            base_url.as_str(),
            "run",
            "--stages",
            "3",
            "--stage-time",
            "8s",
            "--spawn-rate",
            "3",
            "--format",
            "json",
        ];
        if allow {
            args.push("--allow-remote");
        }
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let refused: Vec<String> = run_args(false);
    let refused: Vec<&str> = refused.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run_doctor(&refused, &sample_dir(), &env_refs);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stderr.contains("--allow-remote"), "{stderr}");

    let allowed: Vec<String> = run_args(true);
    let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let (code, stdout, stderr, peers) = doctor_watched(&allowed, &env_refs);
    assert!(
        code == 0 || code == 1,
        "exit {code}:\n{stdout}\n{stderr}\nserver log:\n{}",
        server_log()
    );
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}):\n{stdout}\n{stderr}"));
    assert!(
        report.to_string().contains(&base_url),
        "the report names {base_url}: {report:#}"
    );
    eprintln!("doctor run exit {code}, connected to: {peers:?}");
    let first = report["stages"][0].to_string();
    eprintln!(
        "first stage: {}",
        first.chars().take(2500).collect::<String>()
    );
    only_namespace("doctor run --allow-remote", &peers, &ns_ip);

    server.stop();
    let name = ns.name.clone();
    drop(ns);
    assert!(
        !Path::new("/run/netns").join(&name).exists(),
        "{name} is left"
    );
}
