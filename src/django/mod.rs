//! One call to the project's own Python per run: `assets/doctor_py/django_main.py` (with its
//! package, run from doctor's cache folder as real files) answers every Django-side question as
//! JSON. Starting Django costs ~0.5 s, so checks share this answer.

mod facts;
pub mod settings_choice;
pub mod throttles;

pub use facts::{
    Cause, DatabaseInfo, DjangoFacts, FileLine, Frame, SetupError, SqliteLocking, StockModel,
    UserModel,
};

use crate::config::Config;
use crate::python_helper::{self, HelperError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

const ENTRY: &str = "django_main.py";
const MARKER: &str = "DOCTOR_PROBE_JSON:";
const TIMEOUT: Duration = Duration::from_secs(60);
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

/// Run the probe with the project's Python. `password_to_hash` asks Django to hash it.
pub async fn ask(config: &Config, password_to_hash: Option<&str>) -> Result<DjangoFacts, String> {
    let Some(launch) = crate::server::project_launch(config).await else {
        return Err("no Django project found: run doctor in the folder with manage.py, or set [django] project_dir in doctor.toml".into());
    };
    // The reservation is tried in-process in a rolled-back transaction (see doctor_py/reserve.py).
    let reserve = serde_json::json!({ "username": config.username.value });
    let request = serde_json::json!({ "questions": QUESTIONS, "password_to_hash": password_to_hash, "reserve": reserve });
    let line = python_helper::run(&launch, ENTRY, &request, MARKER, TIMEOUT)
        .await
        .map_err(|e| helper_error(&e, &launch.argv.join(" ")))?;
    DjangoFacts::parse(&line)
        .map_err(|e| format!("the Django probe answered something unreadable: {e}"))
}

/// The helper's failure as the sentence a check shows, with what to do about it.
fn helper_error(error: &HelperError, python: &str) -> String {
    match error {
        HelperError::Spawn { .. } => {
            format!("{error}; set [django] python in doctor.toml or create the project's .venv")
        }
        HelperError::Timeout { .. } => {
            format!("{error} (is Django's setup waiting on something?)")
        }
        HelperError::NoAnswer { .. } => format!("`{python}`: {error}"),
    }
}
