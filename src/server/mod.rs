//! The server that runs: the process listening on base_url's port, read from /proc (its
//! interpreter, folder, command line, environment, start time). doctor's Python helpers run the
//! way that server runs, so doctor's own environment never decides an answer.

use crate::config::Config;
use crate::python_helper::{Launch, LaunchEnv};

/// How to start the project's Python for doctor's helpers.
///
/// Today: the configured interpreter in the project folder with doctor's environment (and the
/// settings module doctor resolved). To do: prefer the listening server's process.
pub async fn project_launch(config: &Config) -> Option<Launch> {
    let cwd = config.project_dir.value.clone()?;
    let mut extra = Vec::new();
    if let Some(module) = &config.settings_module.value {
        extra.push(("DJANGO_SETTINGS_MODULE".to_string(), module.clone()));
    }
    Some(Launch {
        argv: config.python.value.clone(),
        cwd,
        env: LaunchEnv::Inherit(extra),
        origin: config.python.origin.to_string(),
    })
}
