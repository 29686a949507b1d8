//! The command line.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "doctor",
    version,
    about = "Troubleshooting assistant for Django REST Framework services load-tested with Locust"
)]
pub struct Cli {
    /// Run these checks without the TUI: ids separated by commas, or `all`.
    #[arg(long, value_name = "IDS")]
    pub check: Option<String>,
    /// List every check: id, title, guide section, where it was defined.
    #[arg(long)]
    pub list: bool,
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,
    /// ko or en (default: from LANG).
    #[arg(long, value_name = "LANG", global = true)]
    pub lang: Option<String>,
    /// Treat warnings as failures for the exit code.
    #[arg(long)]
    pub strict: bool,
    /// doctor.toml to use (default: ./doctor.toml, then the project dir's).
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,
    /// A directory of your own check files (default: ./doctor.d).
    #[arg(long, value_name = "DIR", global = true)]
    pub checks: Option<PathBuf>,
    /// The service to diagnose (default http://127.0.0.1:8000).
    #[arg(long, value_name = "URL", global = true)]
    pub base_url: Option<String>,
    /// The Django project (the folder with manage.py).
    #[arg(long, value_name = "DIR", global = true)]
    pub project_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the resolved configuration and where each value came from.
    Config,
    /// Apply a fix (`CHECK.FIX`, e.g. `stock.seed`) or the fixes a check offers now (`users`);
    /// without an id, list the fixes that apply now.
    Fix {
        id: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Start the bundled sample service and diagnose it (everything working, for newcomers).
    Demo {
        /// Turn on a fault of the sample service, e.g. `no-stock`, `no-users` (repeatable).
        #[arg(long = "fault", value_name = "FAULT")]
        faults: Vec<String>,
    },
    /// Load-test in stages (default 100 → 500 → 1000 users) with the project's own Locust and
    /// locustfile; a verdict per stage against the guide's targets; a report in .doctor/runs/.
    /// Exit 0 all stages met the targets, 1 a stage missed, 2 usage, 3 not started or aborted.
    Run(RunArgs),
    /// Predict each stage of a run before any load: offered and forecast requests/min, p95,
    /// failures and what limits them, with the cost of each request. Takes `doctor run`'s
    /// stage flags; sends no load. Exit 0, 2 usage, 3 could not forecast.
    Forecast(ForecastArgs),
    /// List earlier `doctor run`s of this project (.doctor/history.sqlite3).
    History,
    /// Explain a section of the troubleshooting guide (`4`, `tip2`, `debug3`, `load1`): what
    /// goes wrong, which check finds it, how to fix it. Without a section, list them.
    Explain { section: Option<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `doctor forecast` flags: `doctor run`'s stage flags (unset ones from doctor.toml `[run]`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ForecastArgs {
    /// User counts of the stages, e.g. 100,500,1000.
    #[arg(long, value_name = "USERS")]
    pub stages: Option<String>,
    /// Users started per second.
    #[arg(long, value_name = "N")]
    pub spawn_rate: Option<f64>,
    /// How long each stage lasts, e.g. 60s, 2m.
    #[arg(long, value_name = "TIME")]
    pub stage_time: Option<String>,
    /// Locust runs as a master with N local worker processes (N processes' CPU for Locust).
    #[arg(long, value_name = "N")]
    pub workers: Option<u32>,
    /// The locustfile (default: [locust] locustfile or the one found in the project).
    #[arg(long, value_name = "PATH")]
    pub locustfile: Option<PathBuf>,
}

/// `doctor run` flags; unset ones come from doctor.toml `[run]` or the guide's defaults.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// User counts of the stages, e.g. 100,500,1000.
    #[arg(long, value_name = "USERS")]
    pub stages: Option<String>,
    /// Users started per second.
    #[arg(long, value_name = "N")]
    pub spawn_rate: Option<f64>,
    /// How long each stage lasts, e.g. 60s, 2m.
    #[arg(long, value_name = "TIME")]
    pub stage_time: Option<String>,
    /// Run Locust as a master with N local worker processes.
    #[arg(long, value_name = "N")]
    pub workers: Option<u32>,
    /// Wait for N remote workers to join doctor's Locust master before the first stage.
    #[arg(long, value_name = "N")]
    pub expect_workers: Option<u32>,
    /// The address Locust's master listens on for workers (default 127.0.0.1; a LAN address
    /// of this machine lets workers on other hosts join; 0.0.0.0 listens on all interfaces).
    #[arg(long, value_name = "ADDR")]
    pub master_bind: Option<String>,
    /// Raise the load after a stage that missed its targets.
    #[arg(long)]
    pub keep_going: bool,
    /// Start even when a blocking check (port, server, auth, stock, locustfile) fails.
    #[arg(long)]
    pub force: bool,
    /// Allow load on a non-loopback base URL.
    #[arg(long)]
    pub allow_remote: bool,
    /// The locustfile (default: [locust] locustfile or the one found in the project).
    #[arg(long, value_name = "PATH")]
    pub locustfile: Option<PathBuf>,
    /// How often per second py-spy samples the server's stacks (0: no profile).
    #[arg(long, value_name = "HZ")]
    pub profile_hz: Option<u32>,
}
