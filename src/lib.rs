//! doctor: diagnoses a Django REST Framework service load-tested with Locust, following the
//! team's troubleshooting guide. Six layers, each importing only those below it: ground, facts,
//! judgement, the run, outputs, faces. The order is `LAYERS` in tests/tidy.rs; the map is
//! docs/architecture.md.

pub mod checks;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod db_waits;
pub mod demo;
pub mod django;
pub mod encoding;
pub mod errors;
pub mod fixes;
pub mod forecast;
pub mod i18n;
pub mod load;
pub mod locustfile;
pub mod net;
pub mod probes;
pub mod process;
pub mod profile;
pub mod python_helper;
pub mod python_source;
pub mod report;
pub mod server;
pub mod tui;
