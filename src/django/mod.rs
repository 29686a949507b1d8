//! One call to the project's own Python per run: `assets/django_probe.py` answers every
//! Django-side question as JSON. Starting Django costs ~0.5 s, so checks share this answer.

mod facts;

pub use facts::{DatabaseInfo, DjangoFacts, Frame, SetupError, StockModel, UserModel};

use crate::config::Config;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::OnceCell;

const PROBE_SCRIPT: &str = include_str!("../../assets/django_probe.py");
const MARKER: &str = "DOCTOR_PROBE_JSON:";
const QUESTIONS: &[&str] = &[
    "env",
    "settings",
    "database",
    "user_model",
    "urls",
    "simplejwt",
    "stock",
    "static_settings",
    "system_check",
];

/// Shared, lazily started: the first check that needs Django starts the probe, the others wait.
#[derive(Clone, Default)]
pub struct DjangoHandle {
    cell: Arc<OnceCell<Result<Arc<DjangoFacts>, String>>>,
}

impl DjangoHandle {
    pub async fn facts(&self, config: &Config) -> Result<Arc<DjangoFacts>, String> {
        self.cell
            .get_or_init(|| async { ask(config, None).await.map(Arc::new) })
            .await
            .clone()
    }

    /// The answer if the probe already ran successfully; never starts it.
    pub fn peek(&self) -> Option<Arc<DjangoFacts>> {
        self.cell.get().and_then(|r| r.as_ref().ok().cloned())
    }
}

/// Run the probe script with the project's Python. `password_to_hash` asks Django to hash it.
pub async fn ask(config: &Config, password_to_hash: Option<&str>) -> Result<DjangoFacts, String> {
    let Some(project_dir) = config.project_dir.value.clone() else {
        return Err("no Django project found: run doctor in the folder with manage.py, or set [django] project_dir in doctor.toml".into());
    };
    let argv = &config.python.value;
    let mut command = tokio::process::Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .arg("-c")
        .arg(PROBE_SCRIPT)
        .current_dir(&project_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(module) = &config.settings_module.value {
        command.env("DJANGO_SETTINGS_MODULE", module);
    }
    let mut child = command.spawn().map_err(|e| {
        format!(
            "cannot start the project's Python `{}` ({e}); set [django] python in doctor.toml or create the project's .venv",
            argv.join(" ")
        )
    })?;
    // The reservation is tried in-process in a rolled-back transaction (see django_probe.py).
    let reserve = serde_json::json!({ "username": config.username.value });
    let request = serde_json::json!({ "questions": QUESTIONS, "password_to_hash": password_to_hash, "reserve": reserve });
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(request.to_string().as_bytes()).await;
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .map_err(|_| "the project's Python did not answer within 60 s (is Django's setup waiting on something?)".to_string())?
        .map_err(|e| format!("the project's Python failed: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().rev().find_map(|l| l.strip_prefix(MARKER)) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        return Err(format!(
            "`{}` exited with {} before answering: {}",
            argv.join(" "),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ));
    };
    DjangoFacts::parse(line.trim())
        .map_err(|e| format!("the Django probe answered something unreadable: {e}"))
}
