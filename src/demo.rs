//! `doctor demo`: the bundled sample service, set up and started for a newcomer — a fresh
//! SQLite database, test users and stock (unless a fault says otherwise), runserver on a free
//! loopback port as a child doctor stops on exit.

use crate::process::Group;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Faults a newcomer can switch on, and what each does to the sample.
pub const FAULTS: &[(&str, &str)] = &[
    (
        "no-users",
        "skip create_test_users (guide §4: 401 on login)",
    ),
    ("no-stock", "skip seed_stock (guide §5: reservations fail)"),
    ("serializer", "SAMPLE_FAULT_SERIALIZER=1 (guide §2)"),
    ("settings", "SAMPLE_FAULT_SETTINGS=1 (guide §3)"),
    ("login-500", "SAMPLE_FAULT_LOGIN_500=1"),
    ("silk", "SAMPLE_SILK=1"),
    ("debug", "SAMPLE_DEBUG=1"),
];

pub struct Demo {
    pub sample_dir: PathBuf,
    pub base_url: String,
    pub database_url: String,
    pub server: Group,
    pub log: PathBuf,
    _workdir: tempfile::TempDir,
}

/// Where the sample service lives: next to the sources this binary was built from, or below cwd.
pub fn sample_dir() -> Result<PathBuf, String> {
    let candidates = [
        std::env::var("DOCTOR_SAMPLE_DIR").ok().map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample-service")),
        std::env::current_dir()
            .ok()
            .map(|d| d.join("assets/sample-service")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.join("manage.py").is_file())
        .ok_or_else(|| "the sample service (assets/sample-service) was not found; run doctor demo from the doctor repository or set DOCTOR_SAMPLE_DIR".into())
}

/// Environment switches of the sample for the chosen faults.
pub fn fault_env(faults: &[String]) -> Result<Vec<(&'static str, &'static str)>, String> {
    let mut env = Vec::new();
    for fault in faults {
        let var = match fault.as_str() {
            "no-users" | "no-stock" => continue,
            "serializer" => "SAMPLE_FAULT_SERIALIZER",
            "settings" => "SAMPLE_FAULT_SETTINGS",
            "login-500" => "SAMPLE_FAULT_LOGIN_500",
            "silk" => "SAMPLE_SILK",
            "debug" => "SAMPLE_DEBUG",
            other => {
                let known: Vec<&str> = FAULTS.iter().map(|f| f.0).collect();
                return Err(format!(
                    "unknown fault '{other}'; use one of: {}",
                    known.join(", ")
                ));
            }
        };
        env.push((var, "1"));
    }
    Ok(env)
}

pub fn database_url(workdir: &Path) -> String {
    // dj-database-url style: four slashes for an absolute path.
    format!("sqlite:///{}", workdir.join("demo.sqlite3").display())
}

/// Set up and start the sample. `say` reports progress lines.
pub async fn start(
    faults: &[String],
    workdir: tempfile::TempDir,
    say: &(dyn Fn(String) + Sync),
) -> Result<Demo, String> {
    let sample = sample_dir()?;
    let python = sample.join(".venv/bin/python");
    if !python.is_file() {
        let script = sample.join("../../scripts/setup-sample.sh");
        say(format!(
            "setting up the sample's Python environment ({}) …",
            script.display()
        ));
        run_streaming(tokio::process::Command::new("bash").arg(&script), say).await?;
    }
    let database_url = database_url(workdir.path());
    let manage = |args: &[&str]| {
        let mut command = tokio::process::Command::new(&python);
        command
            .arg("manage.py")
            .args(args)
            .current_dir(&sample)
            .env("DATABASE_URL", &database_url);
        // The settings fault breaks every manage.py command; set-up runs without it.
        command.env_remove("SAMPLE_FAULT_SETTINGS");
        command
    };
    say("migrate: creating a fresh SQLite database …".into());
    run_streaming(&mut manage(&["migrate", "-v", "0"]), say).await?;
    if !faults.iter().any(|f| f == "no-users") {
        say("create_test_users …".into());
        run_streaming(&mut manage(&["create_test_users"]), say).await?;
    }
    if !faults.iter().any(|f| f == "no-stock") {
        say("seed_stock …".into());
        run_streaming(&mut manage(&["seed_stock"]), say).await?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let address = format!("127.0.0.1:{port}");
    let log = workdir.path().join("runserver.log");
    let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let mut command = tokio::process::Command::new(&python);
    command
        .args(["manage.py", "runserver", &address, "--noreload"])
        .current_dir(&sample)
        .env("DATABASE_URL", &database_url);
    command.envs(fault_env(faults)?);
    say(format!("runserver {address} …"));
    let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
    let mut server = Group::spawn(&mut command, Stdio::from(log_file), Stdio::from(err_file))
        .map_err(|e| format!("cannot start runserver: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::net::TcpStream::connect(&address).await.is_ok() {
            break;
        }
        if server.exited().is_some() || Instant::now() > deadline {
            // A server that cannot start is itself a finding (guide §3): diagnose it anyway.
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(4).collect();
            say(format!(
                "runserver did not start (the checks will say why):\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Demo {
        sample_dir: sample,
        base_url: format!("http://{address}"),
        database_url,
        server,
        log,
        _workdir: workdir,
    })
}

/// Run a set-up command, passing each output line on; fail with its last lines.
async fn run_streaming(
    command: &mut tokio::process::Command,
    say: &(dyn Fn(String) + Sync),
) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {}: {e}",
                command.as_std().get_program().to_string_lossy()
            )
        })?;
    let stderr = child.stderr.take().expect("piped");
    let errors = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut kept = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            kept.push(line);
        }
        kept
    });
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        say(format!("  {line}"));
    }
    let status = child.wait().await.map_err(|e| e.to_string())?;
    let errors = errors.await.unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        let tail: Vec<&String> = errors.iter().rev().take(8).collect();
        Err(format!(
            "{} failed ({status}):\n{}",
            command.as_std().get_program().to_string_lossy(),
            tail.into_iter()
                .rev()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_map_to_switches() {
        let env = fault_env(&["serializer".into(), "no-stock".into()]).unwrap();
        assert_eq!(env, vec![("SAMPLE_FAULT_SERIALIZER", "1")]);
        assert!(
            fault_env(&["bogus".into()])
                .unwrap_err()
                .contains("no-users")
        );
    }

    #[test]
    fn sqlite_url_is_absolute() {
        assert_eq!(
            database_url(Path::new("/tmp/x")),
            "sqlite:////tmp/x/demo.sqlite3"
        );
    }
}
