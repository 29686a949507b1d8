use clap::Parser;
use doctor::checks::registry::Registry;
use doctor::cli::{Cli, Command};
use doctor::commands;
use doctor::config::{Config, Overrides};
use doctor::i18n::Lang;
use std::process::ExitCode;
use std::sync::Arc;

/// Exit codes: 0 all passed, 1 a check failed, 2 usage or configuration error.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A doctor killed with SIGKILL could not stop its children: stop them now.
    let reaped = doctor::process::reap_orphans();
    if !reaped.is_empty() {
        eprintln!(
            "doctor: stopped {} process group(s) left behind by a doctor that was killed: {}",
            reaped.len(),
            doctor::process::pid_list(&reaped)
        );
    }
    let demo_workdir = match &cli.command {
        Some(Command::Demo { faults }) => match commands::demo::prepare_demo_env(faults) {
            Ok(dir) => Some(dir),
            Err(message) => {
                eprintln!("doctor: {message}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = match demo_workdir {
        Some(workdir) => runtime.block_on(commands::demo::demo(cli, workdir)),
        None => runtime.block_on(run(cli)),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("doctor: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run(cli: Cli) -> Result<u8, String> {
    let lang = match &cli.lang {
        Some(name) => Lang::parse(name).ok_or_else(|| format!("--lang '{name}': use ko or en"))?,
        None => Lang::from_env(),
    };
    // The guide needs no project and no configuration.
    if let Some(Command::Explain { section }) = &cli.command {
        return commands::explain::explain_command(section.as_deref(), lang);
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let overrides = Overrides {
        config: cli.config.clone(),
        checks_dir: cli.checks.clone(),
        base_url: cli.base_url.clone(),
        project_dir: cli.project_dir.clone(),
    };
    let config = Config::load(&cwd, &overrides).map_err(|e| e.to_string())?;
    let registry = Arc::new(Registry::load(&config.checks_dirs).map_err(|e| e.to_string())?);

    match cli.command {
        Some(Command::Config) => {
            commands::check::print_config(&config, cli.format, lang).await;
            return Ok(0);
        }
        Some(Command::Fix { id, yes }) => {
            return commands::fix::fix_command(registry, config, id, yes, lang, cli.format).await;
        }
        Some(Command::Demo { .. }) => unreachable!("demo runs from main"),
        Some(Command::Run(args)) => {
            return commands::run::run_command(config, registry, &args, &cwd, lang, cli.format)
                .await;
        }
        Some(Command::History) => {
            return commands::run::history_command(&config, &cwd, lang, cli.format).await;
        }
        Some(Command::Explain { .. }) => unreachable!("explain runs before the configuration"),
        None => {}
    }
    if cli.list {
        commands::check::print_list(&registry, lang, cli.format);
        return Ok(0);
    }
    commands::check::diagnose(registry, config, &cli, lang).await
}
