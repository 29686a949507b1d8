//! Which project the server on base_url runs, and whether it is this one. A user in project B
//! whose port belongs to project A must get B checked (or be told plainly), never A.

use super::process::ServerProcess;
use crate::config::{Config, find_project_dir, projects_below};
use std::path::{Path, PathBuf};

/// The Django project a server runs: the folder of the manage.py on its command line, else the
/// project at or above its working directory, else the only one just below it, else its folder.
pub fn project_of(server: &ServerProcess) -> PathBuf {
    let manage_py = server
        .command
        .iter()
        .chain(server.argv.iter())
        .find(|a| super::command_line::base_name(a) == "manage.py")
        .map(|a| server.cwd.join(a));
    if let Some(dir) = manage_py
        .as_deref()
        .filter(|p| p.is_file())
        .and_then(Path::parent)
    {
        return dir.to_path_buf();
    }
    if let Some(dir) = find_project_dir(&server.cwd) {
        return dir;
    }
    match projects_below(&server.cwd).as_slice() {
        [only] => only.clone(),
        _ => server.cwd.clone(),
    }
}

/// The server's project when it is not the configured one (working directory, doctor.toml or
/// `--project-dir`); None when they are the same or doctor has no project of its own.
pub fn other_project(config: &Config, server: &ServerProcess) -> Option<PathBuf> {
    let this = config.project_dir.value.as_deref()?;
    let theirs = project_of(server);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    (!same(this, &theirs)).then_some(theirs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ServerKind;
    use std::time::SystemTime;

    fn server(cwd: &Path, argv: &[&str]) -> ServerProcess {
        ServerProcess {
            pid: 9,
            worker_pids: vec![],
            reloader_pid: None,
            argv: argv.iter().map(|s| s.to_string()).collect(),
            exe: "/usr/bin/python3".into(),
            cwd: cwd.to_path_buf(),
            env: vec![],
            started_at: SystemTime::now(),
            start_ticks: 1,
            kind: ServerKind::Runserver,
            reloads: false,
            settings_option: None,
            interpreter: "/usr/bin/python3".into(),
            interpreter_how: "argv[0]".into(),
            venv: None,
            command: argv.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_working_directorys_project_is_compared_with_the_servers() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        for dir in [&a, &b] {
            std::fs::create_dir_all(dir.join("apps")).unwrap();
            std::fs::write(dir.join("manage.py"), "").unwrap();
        }
        let in_b = Config::load_with_env(&b, &Default::default(), &|_| None).unwrap();
        // Started in A's folder, or from anywhere with A's manage.py on its command line.
        let from_a = server(&a, &["python", "manage.py", "runserver"]);
        assert_eq!(other_project(&in_b, &from_a), Some(a.clone()));
        let by_path = server(
            root.path(),
            &[
                "python",
                &a.join("manage.py").display().to_string(),
                "runserver",
            ],
        );
        assert_eq!(project_of(&by_path), a);
        // A server started in a subfolder of B runs B.
        let from_b = server(&b.join("apps"), &["gunicorn", "config.wsgi"]);
        assert_eq!(other_project(&in_b, &from_b), None);
        // No project here: the server's is taken, nothing to compare.
        let nowhere = tempfile::tempdir().unwrap();
        let none = Config::load_with_env(nowhere.path(), &Default::default(), &|_| None).unwrap();
        assert_eq!(other_project(&none, &from_a), None);
    }
}
