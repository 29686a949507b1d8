//! `doctor demo`: the bundled sample service started, diagnosed, stopped.

use crate::checks::registry::Registry;
use crate::cli::{Cli, Command};
use crate::config::{Config, Overrides};
use crate::i18n::Lang;
use std::sync::Arc;

/// The demo's database and faults must reach every Python doctor starts (the Django probe,
/// fixes): they go into doctor's own environment before any thread exists.
pub fn prepare_demo_env(faults: &[String]) -> Result<tempfile::TempDir, String> {
    let switches = crate::demo::fault_env(faults)?;
    let workdir = tempfile::Builder::new()
        .prefix("doctor-demo-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    // SAFETY: called at the top of main, before the tokio runtime or any other thread starts.
    unsafe {
        std::env::set_var("DATABASE_URL", crate::demo::database_url(workdir.path()));
        for (var, value) in switches {
            std::env::set_var(var, value);
        }
    }
    Ok(workdir)
}

/// `doctor demo`: start the sample, diagnose it, stop it — also on Ctrl-C or SIGTERM.
pub async fn demo(cli: Cli, workdir: tempfile::TempDir) -> Result<u8, String> {
    let Some(Command::Demo { faults }) = &cli.command else {
        unreachable!()
    };
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env);
    let say = |line: String| eprintln!("demo: {line}");
    let mut sample = crate::demo::start(faults, workdir, &say).await?;
    say(format!(
        "sample service at {} (log: {})",
        sample.base_url,
        sample.log.display()
    ));
    let overrides = Overrides {
        config: cli.config.clone(),
        checks_dir: cli.checks.clone(),
        base_url: Some(sample.base_url.clone()),
        project_dir: Some(sample.sample_dir.clone()),
    };
    let result = match Config::load(&sample.sample_dir, &overrides) {
        Ok(config) => match Registry::load(&config.checks_dirs) {
            Ok(registry) => super::check::diagnose(Arc::new(registry), config, &cli, lang).await,
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    sample.server.stop(std::time::Duration::from_secs(3)).await;
    say("sample service stopped".into());
    result
}
