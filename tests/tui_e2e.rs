//! The interactive doctor end to end: the real binary in tmux against the real sample service
//! with users but no stock. The stock check fails, `f` + `y` seeds it, the row turns to pass,
//! `q` exits 0, and nothing doctor started is left running.

mod common;

use common::{SampleService, ServiceOptions, doctor_bin, sample_dir};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

/// A tmux server of its own (private socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        Tmux {
            socket: format!("doctor-test-{}-{n}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-u"])
            .args(args)
            .env("LANG", "C.UTF-8")
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `command` in a 120x40 window.
    fn start(&self, config: &Path, cwd: &Path, command: &[&str]) {
        let config = config.to_str().unwrap();
        let cwd = cwd.to_str().unwrap();
        let mut args = vec!["-f", config, "new-session", "-d", "-x", "120", "-y", "40"];
        args.extend(["-c", cwd]);
        args.extend_from_slice(command);
        self.run(&args);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn pane(&self, format: &str) -> String {
        self.run(&["display-message", "-p", format])
            .trim()
            .to_string()
    }

    /// Polls the screen until `done` holds; panics with the last screen after the deadline.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {WAIT:?} for {what}; screen:\n{screen}");
            }
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The checklist row (or detail title) of the stock check, with its mark.
fn stock_marked(screen: &str, mark: &str) -> bool {
    screen.contains(&format!("{mark} Reservable stock exists"))
}

/// Thread names and what they wait in, to tell why a process hangs.
fn threads(pid: i32) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .map(|t| {
            let read = |f: &str| std::fs::read_to_string(t.path().join(f)).unwrap_or_default();
            let state = read("status");
            let state = state.lines().find(|l| l.starts_with("State")).unwrap_or("");
            format!("{} {} {state}", read("comm").trim(), read("wchan"))
        })
        .collect()
}

/// Processes whose environment carries `needle` (our test's unique DATABASE_URL), with
/// their command lines, except those in `spared_group`.
fn processes_with_env(needle: &str, spared_group: Option<u32>) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !String::from_utf8_lossy(&environ).contains(needle) {
            continue;
        }
        let group = nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(pid as i32)))
            .ok()
            .map(|g| g.as_raw() as u32);
        if spared_group.is_some() && group == spared_group {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        found.push(format!(
            "{pid}: {}",
            String::from_utf8_lossy(&cmdline).replace('\0', " ")
        ));
    }
    found
}

/// doctor in a tmux pane against `svc`, in the sample dir, with a clean environment.
struct Session {
    tmux: Tmux,
    doctor_pid: i32,
    /// Where the wrapping shell writes doctor's exit status.
    status: std::path::PathBuf,
    /// `DATABASE_URL=...`: unique to the service, so it marks every process doctor starts.
    database: String,
    timing: std::path::PathBuf,
}

impl Session {
    fn start(svc: &SampleService) -> Session {
        Session::start_with(svc, &[])
    }

    fn start_with(svc: &SampleService, extra: &[&str]) -> Session {
        let scratch = svc.dir();
        let tmux_conf = scratch.join("tmux.conf");
        std::fs::write(&tmux_conf, "set -g status off\n").unwrap();
        let status = scratch.join("doctor.status");
        let timing = scratch.join("timing.log");
        let database = format!("DATABASE_URL={}", svc.database_url);
        let timing_env = format!("DOCTOR_TUI_TIMING={}", timing.display());
        let doctor = doctor_bin();
        let tmux = Tmux::new();
        // sh waits for doctor and writes its exit status (tmux's own pane status proved
        // unreliable); `env` replaces itself with doctor, so sh's only child is doctor.
        let status_arg = status.to_str().unwrap().to_string();
        let mut command = vec![
            "sh",
            "-c",
            r#"status="$1"; shift; "$@"; echo $? > "$status""#,
            "sh",
            &status_arg,
            "env",
        ];
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "DOCTOR_PASSWORD",
            "DJANGO_SETTINGS_MODULE",
        ] {
            command.extend(["-u", var]);
        }
        command.extend(["NO_PROXY=*", "LANG=C.UTF-8", &database, &timing_env]);
        command.extend([doctor.to_str().unwrap(), "--base-url", &svc.base_url]);
        command.extend(["--lang", "en"]);
        command.extend(extra);
        tmux.start(&tmux_conf, &sample_dir(), &command);
        let shell: u32 = tmux.pane("#{pane_pid}").parse().expect("pane pid");
        let children = format!("/proc/{shell}/task/{shell}/children");
        let deadline = Instant::now() + WAIT;
        let doctor_pid = loop {
            let listed = std::fs::read_to_string(&children).unwrap_or_default();
            if let Some(pid) = listed.split_whitespace().next() {
                break pid.parse().expect("child pid");
            }
            assert!(Instant::now() < deadline, "doctor never started");
            sleep(Duration::from_millis(20));
        };
        Session {
            tmux,
            doctor_pid,
            status,
            database,
            timing,
        }
    }

    /// `q`, then: the pane's process exited 0, is gone, and left nothing running behind it
    /// (the fix's `manage.py shell`, Django helpers); the runserver is the test's own.
    fn quit_cleanly(&self, svc: &SampleService) {
        let tmux = &self.tmux;
        tmux.keys(&["q"]);
        let deadline = Instant::now() + WAIT;
        let code = loop {
            if let Ok(code) = std::fs::read_to_string(&self.status)
                && !code.trim().is_empty()
            {
                break code.trim().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "doctor did not quit:\n{}\nthreads: {:?}\nleft: {:#?}",
                tmux.screen(),
                threads(self.doctor_pid),
                processes_with_env(&self.database, svc.pid())
            );
            sleep(Duration::from_millis(100));
        };
        assert_eq!(code, "0", "doctor exits 0; screen:\n{}", tmux.screen());
        assert!(
            !Path::new(&format!("/proc/{}", self.doctor_pid)).exists(),
            "doctor's process is gone"
        );
        let deadline = Instant::now() + WAIT;
        loop {
            let left = processes_with_env(&self.database, svc.pid());
            if left.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "left behind: {left:#?}");
            sleep(Duration::from_millis(100));
        }
        if let Ok(timing) = std::fs::read_to_string(&self.timing) {
            eprintln!("tui timing: {}", timing.trim());
        }
    }
}

#[test]
fn seeds_stock_from_the_tui_and_exits_cleanly() {
    let svc = SampleService::start(ServiceOptions::default().users(true).stock(false));
    let session = Session::start(&svc);
    let tmux = &session.tmux;

    tmux.wait_for("the stock check to fail", |s| stock_marked(s, "✗"));
    // Select the stock row, wherever it is in the list.
    let deadline = Instant::now() + WAIT;
    while !tmux.screen().contains("┌ ✗ Reservable stock exists") {
        assert!(
            Instant::now() < deadline,
            "stock never selected:\n{}",
            tmux.screen()
        );
        tmux.keys(&["j"]);
        sleep(Duration::from_millis(100));
    }
    tmux.wait_for("the offered fix", |s| {
        s.contains("[f] Seed the guide's test product")
    });

    tmux.keys(&["l"]);
    tmux.wait_for("Korean", |s| s.contains("점검 항목"));
    tmux.keys(&["l"]);
    tmux.wait_for("English again", |s| s.contains("Checks"));

    tmux.keys(&["f"]);
    tmux.wait_for("the confirmation", |s| {
        s.contains("Run this fix?") && s.contains("manage.py shell") && s.contains("SCRIPT")
    });
    tmux.keys(&["y"]);
    let done = tmux.wait_for("the fix and the re-check", |s| {
        s.contains("✓ Done") && s.contains("Checked again:") && !s.contains("Checking again")
    });
    eprintln!("after the fix:\n{done}");
    assert!(
        stock_marked(&done, "✓"),
        "stock passes after the fix:\n{done}"
    );

    tmux.keys(&["Escape"]);
    let list = tmux.wait_for("the checklist", |s| !s.contains("Checked again:"));
    eprintln!("checklist:\n{list}");
    assert!(
        stock_marked(&list, "✓"),
        "the stock row turned to pass:\n{list}"
    );
    assert!(!stock_marked(&list, "✗"), "{list}");

    session.quit_cleanly(&svc);
}

#[test]
fn quitting_while_checks_run_stops_them() {
    let svc = SampleService::start(ServiceOptions::default());
    let session = Session::start(&svc);
    // Quit as soon as anything is drawn, while probes (and Django helpers) are still at work.
    session
        .tmux
        .wait_for("the first frame", |s| s.contains("Checks"));
    session.quit_cleanly(&svc);
}

#[test]
fn staged_run_from_the_tui_stops_locust_when_quitting_mid_run() {
    let svc = SampleService::start(ServiceOptions::default());
    // Short stages, and targets this shared machine can meet; the default is for users, not CI.
    let config = svc.dir().join("run.toml");
    std::fs::write(
        &config,
        "[run]\nstages = [2, 4]\nspawn_rate = 2\nstage_time = \"30s\"\n[targets]\ncpu_percent = 101\nmemory_percent = 101\nrequests_per_min = 1\n",
    )
    .unwrap();
    let session = Session::start_with(&svc, &["--config", config.to_str().unwrap()]);
    let tmux = &session.tmux;
    tmux.wait_for("the checklist", |s| {
        s.contains("Checks") && !s.contains("RUN ")
    });
    tmux.keys(&["s"]);
    // The plan first (prefilled from run.toml), then Enter starts the load.
    tmux.wait_for("the plan", |s| {
        s.contains("Staged run: plan") && s.contains("2, 4")
    });
    tmux.keys(&["Enter"]);
    // The dashboard: Locust is running users against the sample.
    tmux.wait_for("users on the dashboard", |s| {
        s.contains("doctor run") && s.contains("users 2/2")
    });
    let runs_before = std::fs::read_dir(sample_dir().join(".doctor/runs"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(runs_before > 0, "the run has its folder");
    // q mid-run: Locust stops gracefully, its group is stopped, doctor exits 0, nothing is left.
    session.quit_cleanly(&svc);
}

#[test]
fn s_without_stock_shows_what_blocks_then_the_plan_after_the_fix() {
    let svc = SampleService::start(ServiceOptions::default().users(true).stock(false));
    let session = Session::start(&svc);
    let tmux = &session.tmux;
    tmux.wait_for("the stock check to fail", |s| stock_marked(s, "✗"));
    // Every check done: while some still run, the blocked screen says it is still checking.
    tmux.wait_for("every check to finish", |s| {
        !s.contains(" running") && !s.contains(" waiting")
    });
    tmux.keys(&["s"]);
    // Waited for whole: a capture taken mid-redraw may show only part of the dialog.
    let blocked = tmux.wait_for("the blocked screen", |s| {
        s.contains("Load cannot start") && s.contains("(stock)") && s.contains("start anyway")
    });
    assert!(
        blocked.contains("start anyway") && !blocked.contains("CouldNotStart"),
        "{blocked}"
    );
    assert!(!blocked.contains("doctor run"), "no dashboard:\n{blocked}");
    tmux.wait_for("the stock fix's key", |s| {
        s.contains("[f] Seed the guide's test product")
    });
    tmux.keys(&["f"]);
    tmux.wait_for("the confirmation", |s| s.contains("Run this fix?"));
    tmux.keys(&["y"]);
    tmux.wait_for("the fix and the re-check", |s| {
        s.contains("✓ Done") && s.contains("Checked again:") && !s.contains("Checking again")
    });
    tmux.keys(&["Enter"]);
    let plan = tmux.wait_for("the plan", |s| {
        s.contains("Staged run: plan") && s.contains("100, 500, 1000")
    });
    assert!(
        plan.contains("100, 500, 1000") && plan.contains(&svc.base_url),
        "{plan}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the checklist", |s| !s.contains("Staged run: plan"));
    session.quit_cleanly(&svc);
}
