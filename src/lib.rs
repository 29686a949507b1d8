//! doctor: diagnoses a Django REST Framework service load-tested with Locust, following the
//! team's troubleshooting guide. Layers: `config` → `checks` (data) run `probes` (Rust);
//! `report` shows results. Nothing below `report` knows about output.

pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db_waits;
pub mod demo;
pub mod django;
pub mod fixes;
pub mod forecast;
pub mod i18n;
pub mod load;
pub mod locustfile;
pub mod probes;
pub mod process;
pub mod profile;
pub mod python_helper;
pub mod python_source;
pub mod report;
pub mod server;
pub mod tui;
