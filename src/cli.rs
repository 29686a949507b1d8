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
    /// Apply a fix (`CHECK.FIX`, e.g. `stock.seed`); without an id, list the fixes that apply now.
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
