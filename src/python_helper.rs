//! doctor's own Python helpers (`assets/doctor_py/`): embedded in the binary, written once to a
//! cache folder and run from there as real files, so that a traceback names a real file and
//! doctor can tell its own frames from the project's.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

include!(concat!(env!("OUT_DIR"), "/py_helpers.rs"));

/// The package's folder name; frames under it are doctor's, never the project's.
pub const PACKAGE: &str = "doctor_py";

/// The `application_name` of doctor's own PostgreSQL sessions: its helpers get it through
/// libpq's PGAPPNAME, its own pools directly. No figure counts these as the app's.
pub const PG_APP_NAME: &str = "doctor";
/// SQL over `pg_stat_activity` (alias-free) that leaves doctor's own sessions out.
pub const NOT_DOCTOR_SQL: &str =
    "coalesce(application_name, '') NOT IN ('doctor', 'doctor db_waits')";

/// How to start the project's Python: which interpreter, in which folder, with which
/// environment. Built from the running server's process when there is one (see `server`).
#[derive(Clone, Debug)]
pub struct Launch {
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    pub env: LaunchEnv,
    /// Where the interpreter and environment were taken from, for messages and `doctor config`.
    pub origin: String,
}

#[derive(Clone, Debug)]
pub enum LaunchEnv {
    /// doctor's own environment plus these variables.
    Inherit(Vec<(String, String)>),
    /// Exactly these variables (the server's environment): doctor's own never leaks in.
    Exact(Vec<(String, String)>),
}

/// Why a helper gave no answer.
#[derive(Clone, Debug, PartialEq)]
pub enum HelperError {
    /// The interpreter could not be started at all.
    Spawn { program: String, reason: String },
    /// No answer within the time given; the process was killed.
    Timeout { seconds: u64 },
    /// It exited without the answer line; the last lines it wrote to stderr.
    NoAnswer { status: String, stderr_tail: String },
}

impl std::fmt::Display for HelperError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HelperError::Spawn { program, reason } => {
                write!(
                    f,
                    "cannot start the project's Python `{program}` ({reason})"
                )
            }
            HelperError::Timeout { seconds } => {
                write!(f, "the project's Python did not answer within {seconds} s")
            }
            HelperError::NoAnswer {
                status,
                stderr_tail,
            } => write!(
                f,
                "the project's Python exited ({status}) before answering: {stderr_tail}"
            ),
        }
    }
}

/// The folder that holds `doctor_py/`, written on first use. Its name carries a hash of the
/// helpers' text, so a newer doctor never runs an older copy.
pub fn install_dir() -> std::io::Result<PathBuf> {
    let mut hasher = DefaultHasher::new();
    PY_HELPERS.hash(&mut hasher);
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let root = base
        .join("doctor")
        .join(format!("py-{:016x}", hasher.finish()));
    let package = root.join(PACKAGE);
    if !package.join(".complete").is_file() {
        write_package(&root)?;
    }
    Ok(root)
}

/// Write into a fresh sibling folder and rename it into place, so two doctors starting at
/// once never see a half-written package.
fn write_package(root: &Path) -> std::io::Result<()> {
    let parent = root.parent().unwrap_or(root);
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::Builder::new().prefix(".py-").tempdir_in(parent)?;
    let package = staging.path().join(PACKAGE);
    std::fs::create_dir_all(&package)?;
    for (name, text) in PY_HELPERS {
        std::fs::write(package.join(name), text)?;
    }
    std::fs::write(package.join(".complete"), "")?;
    let staged = staging.keep();
    if std::fs::rename(&staged, root).is_err() {
        // Another doctor won the race: its copy is identical.
        let _ = std::fs::remove_dir_all(&staged);
    }
    Ok(())
}

/// Run `doctor_py/<entry>` with `launch`, feed `request` on stdin and return the JSON text of
/// the last stdout line that starts with `marker`.
pub async fn run(
    launch: &Launch,
    entry: &str,
    request: &serde_json::Value,
    marker: &str,
    timeout: Duration,
) -> Result<String, HelperError> {
    let program = launch.argv.join(" ");
    let script = install_dir()
        .map_err(|e| HelperError::Spawn {
            program: program.clone(),
            reason: format!("cannot write doctor's helper scripts: {e}"),
        })?
        .join(PACKAGE)
        .join(entry);
    let mut command = tokio::process::Command::new(&launch.argv[0]);
    command
        .args(&launch.argv[1..])
        .arg(&script)
        .current_dir(&launch.cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match &launch.env {
        LaunchEnv::Inherit(extra) => {
            command.envs(extra.iter().map(|(k, v)| (k, v)));
        }
        LaunchEnv::Exact(vars) => {
            command.env_clear().envs(vars.iter().map(|(k, v)| (k, v)));
        }
    }
    // Marked as doctor's own, so a leftover is recognised (see `process::lineage`).
    command.env(crate::process::RUN_ID_VAR, crate::process::run_id());
    // Django's database sessions opened by a helper are doctor's, not the app's.
    command.env("PGAPPNAME", PG_APP_NAME);
    // A helper never outlives doctor, even a doctor killed with SIGKILL.
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                .map_err(std::io::Error::from)
        });
    }
    let mut child = command.spawn().map_err(|e| HelperError::Spawn {
        program: program.clone(),
        reason: e.to_string(),
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(request.to_string().as_bytes()).await;
    }
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| HelperError::Timeout {
            seconds: timeout.as_secs(),
        })?
        .map_err(|e| HelperError::Spawn {
            program: program.clone(),
            reason: e.to_string(),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if let Some(line) = stdout.lines().rev().find_map(|l| l.strip_prefix(marker)) {
        return Ok(line.trim().to_string());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
    Err(HelperError::NoAnswer {
        status: output
            .status
            .code()
            .map(|c| format!("exit code {c}"))
            .unwrap_or_else(|| "killed by a signal".into()),
        stderr_tail: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
    })
}

/// One traceback frame from the project's Python.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Frame {
    pub file: Option<String>,
    pub line: Option<usize>,
    #[serde(default)]
    pub function: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// Python's verdict (doctor_py/frames.py): under the project folder and not an installed
    /// package, the standard library or doctor's own helpers.
    #[serde(default)]
    pub project: Option<bool>,
    /// The dotted module of a project file (`orders.views`).
    #[serde(default)]
    pub module: Option<String>,
}

impl Frame {
    /// A frame in the project's own code: below its dir, not in a virtualenv, site-packages
    /// or doctor's helpers. Python's own verdict wins when it gave one.
    pub fn is_project_code(&self, project_dir: &std::path::Path) -> bool {
        let Some(file) = &self.file else { return false };
        if let Some(project) = self.project {
            return project;
        }
        file.starts_with(&*project_dir.to_string_lossy())
            && !file.contains("/site-packages/")
            && !file.contains("/dist-packages/")
            && !file.contains("/.venv/")
            && !file.contains("/venv/")
            && !file.contains(&format!("/{}/", PACKAGE))
    }

    /// `file:line`.
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file.as_deref().unwrap_or("?")),
            None => self.file.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_written_once_and_complete() {
        let root = install_dir().unwrap();
        for (name, text) in PY_HELPERS {
            assert_eq!(
                std::fs::read_to_string(root.join(PACKAGE).join(name)).unwrap(),
                *text
            );
        }
        assert_eq!(install_dir().unwrap(), root);
    }

    #[tokio::test]
    async fn an_exact_environment_leaves_doctors_own_out() {
        // A throwaway entry script is not needed: `python3 -c` stands in via argv.
        let dir = tempfile::tempdir().unwrap();
        let launch = Launch {
            argv: vec![
                "python3".into(),
                "-c".into(),
                "import os,sys; print('M:' + repr(sorted(k for k in os.environ if k.startswith('DOCTOR_T'))))"
                    .into(),
            ],
            cwd: dir.path().to_path_buf(),
            env: LaunchEnv::Exact(vec![
                ("DOCTOR_TEST_SERVER".into(), "1".into()),
                ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ]),
            origin: "test".into(),
        };
        // SAFETY: tests in this module do not read this variable concurrently.
        unsafe { std::env::set_var("DOCTOR_TEST_OWN", "1") };
        let answer = run(
            &launch,
            "__init__.py",
            &serde_json::json!({}),
            "M:",
            Duration::from_secs(20),
        )
        .await
        .unwrap();
        assert_eq!(answer, "['DOCTOR_TEST_SERVER']");
    }
}
