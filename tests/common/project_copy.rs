//! A copy of the sample project in a temporary folder (another project, in a real shape), with
//! its own SQLite database, served by runserver on a free loopback port.

use super::{Group, free_port, manage_in, python, sample_dir, scrubbed};
use std::path::Path;
use std::process::Command;

/// Copies the sample's code (never its .venv, caches or databases) to `to`; the .venv is linked.
pub fn copy_sample(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let name = entry.file_name();
            let text = name.to_string_lossy();
            if text == ".venv" || text == "__pycache__" || text.ends_with(".sqlite3") {
                continue;
            }
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                copy(&path, &to.join(&name));
            } else {
                std::fs::copy(&path, to.join(&name)).unwrap();
            }
        }
    }
    copy(&sample_dir(), to);
    std::os::unix::fs::symlink(sample_dir().join(".venv"), to.join(".venv")).unwrap();
}

/// The project in `dir` migrated with its test users, served by `runserver --noreload` from its
/// folder with `env` (plus DATABASE_URL in `dir`): the group and its port.
pub fn serve(dir: &Path, env: &[(&str, &str)]) -> (Group, u16) {
    let database_url = format!("sqlite:///{}", dir.join("db.sqlite3").display());
    let mut all: Vec<(&str, &str)> = vec![("DATABASE_URL", database_url.as_str())];
    all.extend_from_slice(env);
    manage_in(dir, &["migrate", "--noinput", "-v", "0"], &all);
    manage_in(dir, &["create_test_users"], &all);
    let log = dir.join("runserver.log");
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = scrubbed(Command::new(python()));
        cmd.args(["manage.py", "runserver", &format!("127.0.0.1:{port}")])
            .arg("--noreload")
            .current_dir(dir)
            .env("PYTHONUNBUFFERED", "1");
        for (k, v) in &all {
            cmd.env(k, v);
        }
        let mut group = Group::spawn("runserver", cmd, &log);
        if group.wait_for_port(port) {
            return (group, port);
        }
        group.stop();
    }
    panic!("runserver found no free port in 5 attempts");
}
