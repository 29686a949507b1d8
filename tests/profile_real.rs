//! The profiler against real servers: the sample under runserver and under gunicorn with two
//! workers, driven by concurrent logins from this test; and an attach that the kernel refuses.
//! Every process started here is stopped by its process group at the end, also on failure.

mod common;

use common::*;
use doctor::profile::{
    AttachError, Batch, ProfileAccumulator, Sampler, StageProfile, hot_spot, hot_spot_sentence,
    server_processes, skew_sentences, write_flame_graph,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const LOGIN_PATH: &str = "/api/token/";

/// One login over a fresh connection; true on 200.
fn login(port: u16, user: usize) -> bool {
    let body = format!("{{\"username\": \"user{user}\", \"password\": \"{PASSWORD}\"}}");
    let request = format!(
        "POST {LOGIN_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response.starts_with(b"HTTP/1.1 200") || response.starts_with(b"HTTP/1.0 200")
}

/// `users` threads logging in back to back until `stop`; returns the count of good logins.
struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(port: u16, users: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicU64::new(0));
        let threads = (0..users)
            .map(|i| {
                let (stop, ok) = (stop.clone(), ok.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        if login(port, i % 100 + 1) {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        Load { stop, ok, threads }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
        self.ok.load(Ordering::Relaxed)
    }
}

/// Samples `pids` for `seconds` under `users` concurrent logins, draining once a second.
/// Returns the batches, the sampler's CPU seconds and the good logins.
fn sample_under_load(
    port: u16,
    pids: &[u32],
    hz: u32,
    users: usize,
    seconds: u64,
) -> (Vec<Batch>, f64, u64) {
    let sampler = Sampler::start(pids, hz).unwrap_or_else(|e| panic!("attach: {e}"));
    let load = Load::start(port, users);
    let mut batches = Vec::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(1));
        batches.push(sampler.drain());
    }
    let ok = load.finish();
    batches.push(sampler.drain());
    let cpu = sampler.stop();
    (batches, cpu, ok)
}

fn summarize(batches: &[Batch]) -> StageProfile {
    let mut acc = ProfileAccumulator::new();
    for b in batches {
        acc.add(b);
    }
    acc.summary(&sample_dir())
}

fn show(profile: &StageProfile) {
    eprintln!(
        "pids {:?} rounds {} busy samples {} busy share {:.2}",
        profile.pids, profile.rounds, profile.busy_samples, profile.busy_share
    );
    for s in profile.top_self.iter().take(6) {
        eprintln!(
            "  self {:5.1} % {} ({}:{}) project={} view={:?}",
            s.share * 100.0,
            s.function,
            s.file,
            s.line,
            s.project,
            s.view
        );
    }
    for p in &profile.per_pid {
        eprintln!("  {p:?}");
    }
    for s in &profile.skew {
        eprintln!("  skew {:?} {:.1} %", s.factor, s.share * 100.0);
    }
}

#[test]
fn runserver_logins_are_pbkdf2_under_the_simplejwt_view() {
    let service = SampleService::start(ServiceOptions::default());
    let pids = server_processes(service.port);
    assert_eq!(
        pids,
        vec![service.pid().unwrap()],
        "runserver --noreload serves itself"
    );
    let (batches, cpu, ok) = sample_under_load(service.port, &pids, 67, 6, 8);
    assert!(ok > 0, "no login succeeded; server log:\n{}", service.log());
    let profile = summarize(&batches);
    show(&profile);
    eprintln!("sampler CPU {cpu:.2} s for ~8 s; {ok} logins");
    let hot = &profile.top_self[0];
    assert_eq!(hot.function, "pbkdf2");
    assert_eq!(hot.file, "django/utils/crypto.py");
    assert!(
        hot.share >= 0.5,
        "pbkdf2 has {:.2} of busy samples",
        hot.share
    );
    let view = hot.view.as_deref().unwrap_or("");
    assert!(
        view.starts_with("TokenViewBase.") || view.starts_with("TokenObtainPairView."),
        "view {view:?}"
    );
    let sentence = hot_spot_sentence(&profile, LOGIN_PATH).unwrap();
    eprintln!("{}\n{}", sentence.en, sentence.ko);
    assert!(sentence.en.ends_with("— logins"), "{}", sentence.en);
    for s in skew_sentences(&profile) {
        eprintln!("{}", s.en);
    }
    let recent = hot_spot(&batches[batches.len().saturating_sub(5)..], &sample_dir()).unwrap();
    assert_eq!(recent.function, "pbkdf2");

    let mut acc = ProfileAccumulator::new();
    batches.iter().for_each(|b| acc.add(b));
    let dir = tempfile::tempdir().unwrap();
    let folded = acc.collapsed(&sample_dir());
    let (c, s) = write_flame_graph(dir.path(), "stage-1", "Logins", &folded).unwrap();
    let svg = std::fs::read_to_string(dir.path().join(&s)).unwrap();
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
    assert!(svg.contains("pbkdf2"));
    assert!(
        std::fs::read_to_string(dir.path().join(c))
            .unwrap()
            .contains("pbkdf2 (django/utils/crypto.py:77)")
    );
}

#[test]
fn gunicorn_workers_are_both_sampled() {
    // The sample's database with users, then its runserver stopped: gunicorn serves it.
    let mut service = SampleService::start(ServiceOptions::default().stock(false));
    service.stop();
    let (mut group, port) = common::gunicorn::serve(&service, 2);
    let log = service.dir().join("gunicorn.log");
    // Both workers booted (each answers a login) before they are looked for.
    for i in 0..4 {
        assert!(
            login(port, i + 1),
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    let pids = server_processes(port);
    let master = group.pid().unwrap();
    assert_eq!(pids.len(), 2, "{pids:?} (master {master})");
    assert!(!pids.contains(&master));
    let (batches, cpu, ok) = sample_under_load(port, &pids, 67, 6, 8);
    let profile = summarize(&batches);
    show(&profile);
    eprintln!("sampler CPU {cpu:.2} s; {ok} logins");
    assert_eq!(profile.per_pid.len(), 2);
    for p in &profile.per_pid {
        assert!(p.rounds > 0 && p.busy_samples > 0, "{p:?}");
    }
    assert_eq!(profile.top_self[0].function, "pbkdf2");
    group.stop();
}

#[test]
fn an_unprivileged_attach_is_refused_with_advice() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIPPED: needs root (a root server attached from a user that is not)");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("python3");
    cmd.args(["-c", "import time; time.sleep(60)"]);
    let mut server = Group::spawn("python3", cmd, &scratch.path().join("sleep.log"));
    let pid = server.pid().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let (mut reader, mut writer) = std::io::pipe().unwrap();
    // SAFETY: the child only changes its user, makes one attach attempt (which fails before
    // any thread starts), writes to the pipe and exits; it never returns to the harness.
    match unsafe { nix::unistd::fork() }.expect("fork") {
        nix::unistd::ForkResult::Child => {
            drop(reader);
            let outcome = std::panic::catch_unwind(move || {
                nix::unistd::setgid(nix::unistd::Gid::from_raw(65534)).expect("setgid");
                nix::unistd::setuid(nix::unistd::Uid::from_raw(65534)).expect("setuid");
                let text = match Sampler::start(&[pid], 50) {
                    Ok(_) => "attached".to_string(),
                    Err(e) => {
                        let t = e.text();
                        format!("{:?}\n{}\n{}", e, t.en, t.ko)
                    }
                };
                let _ = writer.write_all(text.as_bytes());
            });
            std::process::exit(if outcome.is_ok() { 0 } else { 1 });
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(writer);
            let mut text = String::new();
            reader.read_to_string(&mut text).unwrap();
            let status = nix::sys::wait::waitpid(child, None).unwrap();
            server.stop();
            eprintln!("{text}");
            assert!(
                matches!(status, nix::sys::wait::WaitStatus::Exited(_, 0)),
                "{status:?}"
            );
            assert!(text.starts_with("Ptrace"), "{text}");
            assert!(text.contains("ptrace refused"), "{text}");
            assert!(
                text.contains("sudo setcap cap_sys_ptrace+ep $(command -v doctor)"),
                "{text}"
            );
            assert!(text.contains("ptrace 거부"), "{text}");
            let _ = AttachError::NoProcess;
        }
    }
}

/// Cost of sampling, measured, not asserted: `cargo test --test profile_real -- --ignored
/// --nocapture measure_sampler_cost`. Logins/s without the sampler, then with it at 50, 67
/// and 100 Hz (and 67 Hz pausing the server, py-spy's default), and the sampler's CPU.
#[test]
#[ignore]
fn measure_sampler_cost() {
    let service = SampleService::start(ServiceOptions::default());
    let pids = server_processes(service.port);
    let seconds = 10;
    let users = 6;
    let warm = Load::start(service.port, users);
    std::thread::sleep(Duration::from_secs(2));
    warm.finish();
    let baseline = |label: &str| {
        let load = Load::start(service.port, users);
        std::thread::sleep(Duration::from_secs(seconds));
        let ok = load.finish();
        eprintln!("{label:<24} logins/s {:6.2}", ok as f64 / seconds as f64);
    };
    baseline("no sampler");
    for (hz, lock) in [(50, false), (67, false), (100, false), (67, true)] {
        let sampler = Sampler::start_with(&pids, hz, lock).expect("attach");
        let load = Load::start(service.port, users);
        let mut batches = Vec::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(seconds) {
            std::thread::sleep(Duration::from_secs(1));
            batches.push(sampler.drain());
        }
        let ok = load.finish();
        let elapsed = start.elapsed().as_secs_f64();
        batches.push(sampler.drain());
        let cpu = sampler.stop();
        let profile = summarize(&batches);
        let errors: u64 = batches
            .iter()
            .flat_map(|b| b.pids.values())
            .map(|c| c.errors)
            .sum();
        eprintln!(
            "{:<24} logins/s {:6.2}  sampler CPU {:5.3} s/s ({:4.1} % of a core)  rounds/s {:5.1}  failed reads {}  pbkdf2 {:4.1} %",
            format!("{hz} Hz{}", if lock { " (pausing)" } else { "" }),
            ok as f64 / elapsed,
            cpu / elapsed,
            cpu / elapsed * 100.0,
            profile.rounds as f64 / elapsed,
            errors,
            profile
                .top_self
                .first()
                .map(|s| s.share * 100.0)
                .unwrap_or(0.0),
        );
    }
    baseline("no sampler (again)");
}
