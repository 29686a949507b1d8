//! Diagnosis codes that more than the probe which sets them reads: the runner lets a check run
//! after a dependency skipped for `REMOTE_SERVER`, and the report folds `NO_PROJECT` skips.

/// A check skipped because the server runs on another host. A check that `needs` one skipped
/// so still runs: what it tests (HTTP) does not read this machine.
pub const REMOTE_SERVER: &str = "remote_server";

/// A check skipped because there is no Django project to ask.
pub const NO_PROJECT: &str = "no_project";
