//! `doctor run` with the profiler and PostgreSQL's wait sampler, against real servers and the
//! real Locust: a hot stock row on PostgreSQL, gunicorn's two workers, an attach the kernel
//! refuses (doctor as `nobody` against a root server), Silk's share and logins' pbkdf2.
//! Short stages on loopback; every process is stopped by its process group, also on failure.

mod common;

use common::korean::assert_korean;
use common::load::*;
use common::profile_report::*;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/locustfiles")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_hot_row_on_postgresql_is_named_with_its_lock_and_line() {
    let pg = Postgres::start();
    let url = pg.create_database("doctor_load_hot_row");
    let service = SampleService::start(
        ServiceOptions::default()
            .database_url(&url)
            .env("SAMPLE_RESERVE_HOLD_MS", "50"),
    );
    let cfg = config(&service, "");
    let locustfile = fixture("hot_row.py");
    let (_code, json, stderr) = run_json(
        &service,
        &cfg,
        &[
            "--stages",
            "24",
            "--stage-time",
            "15s",
            "--spawn-rate",
            "24",
            "--locustfile",
            &locustfile,
        ],
    );
    show(&json);
    let stage = first_stage(&json);
    let waits = &stage["waits"];
    assert!(
        !waits.is_null(),
        "no waits on PostgreSQL: {stage:#}\n{stderr}"
    );
    let row_lock = waits["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["wait_event_type"] == "Lock"
                && matches!(g["wait_event"].as_str(), Some("tuple" | "transactionid"))
        })
        .unwrap_or_else(|| panic!("no row-lock group: {waits:#}"));
    let query = row_lock["query"].as_str().unwrap();
    assert!(
        query.contains("products_productstock") && query.contains("FOR UPDATE"),
        "{row_lock:#}"
    );
    let peak = waits["peak_waiting"].as_u64().unwrap();
    assert!(peak >= 5, "peak_waiting {peak}: {waits:#}");

    // The locking statement of reserve_stock, `select_for_update()` (line 24) to its `.get(…)`
    // (line 26): Python 3.11+ reports a chained call at the line of its method name, so the
    // profile's wait site is `.get(`'s line.
    let (lock_line, get_line) = select_for_update_lines();
    let bottleneck = sentences(&stage["verdict"]["bottleneck"]);
    let named = bottleneck.iter().find(|(en, _)| {
        en.contains("row lock")
            && (lock_line..=get_line)
                .any(|n| en.contains(&format!("apps/products/services.py:{n})")))
    });
    assert!(
        named.is_some(),
        "no sentence names the row lock and services.py:{lock_line}-{get_line}; bottleneck {bottleneck:#?}\nprofile waits {:#}\nwait groups {:#}",
        stage["profile"]["waits"],
        waits["groups"]
    );
    eprintln!("the row lock's sentence: {}", named.unwrap().0);
    korean_verdict(stage);
}

/// Lines of `select_for_update()` and of the `.get(` that runs it in the sample's services.py.
fn select_for_update_lines() -> (usize, usize) {
    let source = std::fs::read_to_string(sample_dir().join("apps/products/services.py")).unwrap();
    let line_of = |needle: &str| {
        source
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("no {needle:?} in services.py"))
    };
    let lock = line_of("select_for_update()");
    let get = source
        .lines()
        .enumerate()
        .skip(lock - 1)
        .find(|(_, l)| l.trim_start().starts_with(".get("))
        .map(|(i, _)| i + 1)
        .expect(".get( after select_for_update()");
    (lock, get)
}

/// gunicorn's workers: the master's children (booted ones carry the same command line).
fn workers_of(master: u32, want: usize) -> BTreeSet<u32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let workers: BTreeSet<u32> = children_with(master, "config.wsgi").into_iter().collect();
        if workers.len() == want || Instant::now() > deadline {
            return workers;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn gunicorn_s_two_workers_are_both_profiled() {
    // The sample's migrated database with users and stock; gunicorn serves it instead of
    // runserver.
    let mut service = SampleService::start(ServiceOptions::default());
    service.stop();
    let (group, port) = common::gunicorn::serve(&service, 2);
    let log = service.dir().join("gunicorn.log");
    let master = group.pid().unwrap();
    let workers = workers_of(master, 2);
    assert_eq!(
        workers.len(),
        2,
        "{workers:?}; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    let cfg = config(&service, "");
    let base_url = format!("http://127.0.0.1:{port}");
    let env: Vec<(&str, &str)> = service
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (code, stdout, stderr) = run_doctor(
        &[
            "--base-url",
            &base_url,
            "--config",
            cfg.to_str().unwrap(),
            "--format",
            "json",
            "run",
            "--stages",
            "10",
            "--stage-time",
            "10s",
            "--spawn-rate",
            "10",
        ],
        &sample_dir(),
        &env,
    );
    let json = common::load::parse_report(code, &stdout, &stderr);
    show(&json);
    let profile = &first_stage(&json)["profile"];
    assert!(!profile.is_null(), "no profile: {json:#}\n{stderr}");
    let pids: BTreeSet<u32> = profile["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(pids, workers, "master {master}: {profile:#}");
    let per_pid = profile["per_pid"].as_array().unwrap();
    assert_eq!(per_pid.len(), 2, "{profile:#}");
    for p in per_pid {
        assert!(
            workers.contains(&(p["pid"].as_u64().unwrap() as u32)),
            "{p}"
        );
        assert!(
            p["rounds"].as_u64().unwrap() > 0 && p["busy_samples"].as_u64().unwrap() > 0,
            "a worker without samples: {p}"
        );
    }
    drop(group);
}

/// `cp -a` of the sample project into `to`, without its venv, run history and databases.
fn copy_project(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(sample_dir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches!(name.as_str(), ".venv" | ".doctor" | "__pycache__")
            || name.ends_with(".sqlite3")
        {
            continue;
        }
        let status = Command::new("cp")
            .arg("-a")
            .arg(entry.path())
            .arg(to)
            .status()
            .expect("cp");
        assert!(status.success(), "cp -a {name}");
    }
}

/// Does `program -c ''` run as nobody (every folder on its path traversable)?
fn nobody_runs(program: &Path) -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .args(["/bin/sh", "-c", "exec \"$0\" -c ''"])
        .arg(program)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Prints what `python -c CODE` prints (the sample venv's Python, as root).
fn venv_says(code: &str) -> String {
    let out = scrubbed(Command::new(python()))
        .args(["-c", code])
        .output()
        .expect("run the venv's python");
    assert!(out.status.success(), "{code}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The sample venv's Python for nobody: itself when nobody may run it; otherwise (its
/// interpreter under a root-only home, e.g. pyenv in /root) a venv in `scratch` on the
/// system's interpreter of the same minor version that sees the sample venv's packages.
fn python_for_nobody(scratch: &Path) -> PathBuf {
    if nobody_runs(&python()) {
        return python();
    }
    let version = venv_says("import sys; print('%d.%d' % sys.version_info[:2])");
    let site = venv_says("import sysconfig; print(sysconfig.get_paths()['purelib'])");
    let system = ["/usr/bin", "/usr/local/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(format!("python{version}")))
        .find(|p| p.exists() && nobody_runs(p))
        .unwrap_or_else(|| {
            panic!(
                "nobody cannot run {} (its interpreter is in a folder only root may enter) and there is no system python{version} to stand in",
                python().display()
            )
        });
    let venv = scratch.join("nobody-venv");
    let status = Command::new(&system)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("python -m venv");
    assert!(
        status.success(),
        "{} -m venv {}",
        system.display(),
        venv.display()
    );
    let ours = venv_in(&venv, &version);
    std::fs::write(ours.join("sample-venv.pth"), format!("{site}\n")).unwrap();
    let python = venv.join("bin/python");
    assert!(nobody_runs(&python), "{}", python.display());
    eprintln!(
        "nobody cannot run {}; using {} ({}) with the sample venv's packages",
        self::python().display(),
        python.display(),
        system.display()
    );
    python
}

/// The site-packages folder of a fresh venv.
fn venv_in(venv: &Path, version: &str) -> PathBuf {
    let dir = venv.join(format!("lib/python{version}/site-packages"));
    assert!(dir.is_dir(), "{}", dir.display());
    dir
}

fn chown_nobody(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success(), "chown -R nobody {}", path.display());
}

/// A run by doctor as nobody against a root server (runserver from a copy of the sample that
/// nobody owns): exit code, report and stderr; None when this test does not run as root.
fn run_as_nobody() -> Option<(i32, Value, String)> {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIPPED: needs root (a root server, doctor as nobody)");
        return None;
    }
    let scratch = tempfile::Builder::new()
        .prefix("doctor-nobody-")
        .tempdir()
        .unwrap();
    // nobody traverses the scratch folder and owns the project copy and its home.
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let project = scratch.path().join("project");
    let home = scratch.path().join("home");
    std::fs::create_dir_all(home.join(".cache")).unwrap();
    copy_project(&project);
    let database_url = format!("sqlite:///{}", project.join("db.sqlite3").display());
    let db_env = [("DATABASE_URL", database_url.as_str())];
    manage_in(&project, &["migrate", "--noinput", "-v", "0"], &db_env);
    manage_in(&project, &["create_test_users"], &db_env);
    manage_in(&project, &["seed_stock"], &db_env);
    let cfg = project.join("doctor.toml");
    std::fs::write(
        &cfg,
        format!(
            "[targets]\ncpu_percent = 101\nmemory_percent = 101\nrequests_per_min = 1\n\n[django]\npython = [{:?}]\n",
            python_for_nobody(scratch.path()).display().to_string()
        ),
    )
    .unwrap();
    chown_nobody(&project);
    chown_nobody(&home);

    // The server: root, from the copy.
    let log = scratch.path().join("runserver.log");
    let (_server, port) = (0..5)
        .find_map(|_| {
            let port = free_port();
            let mut cmd = scrubbed(Command::new(python()));
            cmd.args([
                "manage.py",
                "runserver",
                &format!("127.0.0.1:{port}"),
                "--noreload",
            ])
            .current_dir(&project)
            .env("PYTHONUNBUFFERED", "1")
            .env("DATABASE_URL", &database_url);
            let mut server = Group::spawn("runserver", cmd, &log);
            server.wait_for_port(port).then_some((server, port))
        })
        .expect("runserver found no free port");

    // doctor: nobody.
    let mut cmd = scrubbed(Command::new("setpriv"));
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(doctor_bin())
        .args([
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--config",
            cfg.to_str().unwrap(),
            "--format",
            "json",
            "run",
            "--stages",
            "4",
            "--stage-time",
            "8s",
            "--spawn-rate",
            "4",
        ])
        .current_dir(&project)
        .stdin(Stdio::null())
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("DATABASE_URL", &database_url)
        .env("CI", "true")
        .env("NO_COLOR", "1");
    let out = cmd.output().expect("run doctor as nobody");
    let code = out.status.code().expect("doctor exited by itself");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = common::load::parse_report(code, &stdout, &stderr);
    show(&json);
    eprintln!("stderr:\n{stderr}");
    assert!(
        matches!(code, 0 | 1) && matches!(json["outcome"].as_str(), Some("passed" | "missed")),
        "not a complete run: exit {code}\n{json:#}\n{stderr}\nserver log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    Some((code, json, stderr))
}

/// doctor as nobody may not read a root server: the run completes without a profile, and
/// the report and the console say why, once, and how to allow it.
#[test]
fn a_run_as_nobody_completes_without_a_profile_and_says_why_once() {
    let Some((_code, json, stderr)) = run_as_nobody() else {
        return;
    };
    assert!(!stages(&json).is_empty(), "{json:#}");
    for stage in stages(&json) {
        assert!(stage["profile"].is_null(), "{:#}", stage["profile"]);
        assert!(
            stage["verdict"]["bottleneck"]
                .as_array()
                .is_none_or(|b| b.is_empty()),
            "{stage:#}"
        );
    }
    let note = &json["profile_note"];
    let (en, ko) = (
        note["en"]
            .as_str()
            .unwrap_or_else(|| panic!("no profile_note: {json:#}")),
        note["ko"].as_str().unwrap(),
    );
    assert_korean("profile_note.ko", ko);
    assert_eq!(
        stderr.matches(en).count() + stderr.matches(ko).count(),
        1,
        "the note once on the console: {stderr}"
    );
    // Why, and how to allow it: ptrace, CAP_SYS_PTRACE / setcap / root.
    assert!(en.contains("ptrace"), "{en}");
    assert!(
        en.contains("CAP_SYS_PTRACE") && en.contains("setcap") && en.contains("as root"),
        "{en}"
    );
}

#[test]
fn silk_shows_with_its_share_of_the_busy_time() {
    let service = SampleService::start(ServiceOptions::default().env("SAMPLE_SILK", "1"));
    let cfg = config(&service, "");
    let locustfile = fixture("browse_catalog.py");
    let (_code, json, stderr) = run_json(
        &service,
        &cfg,
        &[
            "--stages",
            "8",
            "--stage-time",
            "10s",
            "--spawn-rate",
            "8",
            "--locustfile",
            &locustfile,
        ],
    );
    show(&json);
    let silk_check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "silk")
        .unwrap_or_else(|| panic!("no silk check: {:#}", json["checks"]));
    assert_eq!(silk_check["status"], "warn", "{silk_check:#}");
    let stage = first_stage(&json);
    let profile = &stage["profile"];
    assert!(!profile.is_null(), "no profile: {stage:#}\n{stderr}");
    let silk = profile["skew"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["factor"] == "silk")
        .unwrap_or_else(|| panic!("no silk in skew: {profile:#}"));
    let share = silk["share"].as_f64().unwrap();
    assert!(share > 0.0, "{silk:#}");
    let skews = sentences(&stage["verdict"]["skews"]);
    let sentence = skews
        .iter()
        .find(|(en, _)| en.contains("Silk"))
        .unwrap_or_else(|| panic!("no Silk sentence (share {share:.3}): {skews:#?}"));
    assert!(
        starts_with_percent(&sentence.0) && share >= 0.05,
        "Silk at {:.1} %: {sentence:?}",
        share * 100.0
    );
    let shown = format!("{:.0} %", share * 100.0);
    assert!(sentence.0.starts_with(&shown), "{shown}: {sentence:?}");
    korean_verdict(stage);
}

#[test]
fn a_login_heavy_stage_names_pbkdf2_and_draws_it() {
    let service = SampleService::start(ServiceOptions::default());
    let cfg = config(&service, "");
    let (_code, json, stderr) = run_json(
        &service,
        &cfg,
        &[
            "--stages",
            "20",
            "--spawn-rate",
            "20",
            "--stage-time",
            "12s",
        ],
    );
    show(&json);
    let stage = first_stage(&json);
    let profile = &stage["profile"];
    assert!(!profile.is_null(), "no profile: {stage:#}\n{stderr}");
    let hot = &profile["top_self"][0];
    assert_eq!(hot["function"], "pbkdf2", "{profile:#}");
    assert_eq!(hot["file"], "django/utils/crypto.py", "{hot:#}");
    let share = hot["share"].as_f64().unwrap();
    assert!(share >= 0.5, "pbkdf2 at {share:.2}: {hot:#}");
    let view = hot["view"].as_str().unwrap_or("");
    assert!(
        view.starts_with("TokenViewBase.") || view.starts_with("TokenObtainPairView."),
        "view {view:?}"
    );
    let bottleneck = sentences(&stage["verdict"]["bottleneck"]);
    let (en, _) = bottleneck
        .first()
        .unwrap_or_else(|| panic!("no bottleneck: {:#}", stage["verdict"]));
    assert!(starts_with_percent(en), "{en}");
    assert!(en.contains("pbkdf2") && en.contains("logins"), "{en}");
    korean_verdict(stage);

    let run_dir = PathBuf::from(json["run_dir"].as_str().unwrap());
    let flame = profile["flame_graph"]
        .as_str()
        .unwrap_or_else(|| panic!("no flame graph: {profile:#}"));
    let svg = std::fs::read_to_string(run_dir.join(flame))
        .unwrap_or_else(|e| panic!("{}: {e}", run_dir.join(flame).display()));
    assert!(svg.contains("<svg"), "{flame} is not an SVG");
    assert!(svg.contains("pbkdf2"), "{flame} has no pbkdf2");
}
