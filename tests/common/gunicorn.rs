//! The sample service under gunicorn with N workers (its database prepared by
//! `SampleService`, whose runserver is stopped first).

use super::{Group, SampleService, free_port, sample_dir, scrubbed};
use std::path::PathBuf;
use std::process::Command;

/// The sample venv's gunicorn (installed from the sample's requirements by the test command).
pub fn bin() -> PathBuf {
    let path = sample_dir().join(".venv/bin/gunicorn");
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-sample.sh",
        path.display()
    );
    path
}

/// gunicorn serving `config.wsgi` with `workers` workers on a free loopback port, with the
/// service's environment (its database). `service` must be stopped already.
pub fn serve(service: &SampleService, workers: u32) -> (Group, u16) {
    let gunicorn = bin();
    let log = service.dir().join("gunicorn.log");
    (0..5)
        .find_map(|_| {
            let port = free_port();
            let mut cmd = scrubbed(Command::new(&gunicorn));
            cmd.args(["config.wsgi", "--workers", &workers.to_string(), "--bind"])
                .arg(format!("127.0.0.1:{port}"))
                .current_dir(sample_dir());
            for (k, v) in &service.env {
                cmd.env(k, v);
            }
            let mut group = Group::spawn("gunicorn", cmd, &log);
            group.wait_for_port(port).then_some((group, port))
        })
        .expect("gunicorn found no free port")
}
