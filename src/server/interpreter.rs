//! The Python that runs a process, keeping the venv path (`/proc/PID/exe` resolves a venv's
//! `bin/python` symlink to the system Python and so loses the venv).

use super::command_line::base_name;
use std::path::{Path, PathBuf};

fn looks_like_python(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version = |rest: &str| rest.chars().all(|c| c.is_ascii_digit() || c == '.');
    ["python", "pypy"]
        .iter()
        .any(|p| name.strip_prefix(p).is_some_and(version))
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// `name` looked up in a PATH value (relative entries count from `cwd`).
fn which(name: &str, path_var: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    path_var?
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| cwd.join(d).join(name))
        .find(|p| is_executable_file(p))
}

/// A program named in a command line: a path (absolute or from `cwd`) or a PATH lookup.
fn locate(program: &str, path_var: Option<&str>, cwd: &Path) -> Option<(PathBuf, &'static str)> {
    if program.contains('/') {
        let path = cwd.join(program);
        path.exists().then_some((path, "argv[0]"))
    } else {
        which(program, path_var, cwd).map(|p| (p, "PATH"))
    }
}

/// The interpreter in a script's `#!` line (`#!/usr/bin/env python3` looked up in PATH).
fn shebang(script: &Path, path_var: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    let text = std::fs::read(script).ok()?;
    let first = text.split(|b| *b == b'\n').next()?;
    let line = String::from_utf8_lossy(first.strip_prefix(b"#!")?).into_owned();
    let mut words = line.split_whitespace();
    let program = words.next()?;
    if base_name(program) == "env" {
        let name = words.find(|w| !w.starts_with('-'))?;
        which(name, path_var, cwd)
    } else {
        Some(PathBuf::from(program))
    }
}

/// The venv a `…/bin/python` belongs to: the folder above `bin/` holding `pyvenv.cfg`.
pub fn venv_of(interpreter: &Path) -> Option<PathBuf> {
    let root = interpreter.parent()?.parent()?;
    root.join("pyvenv.cfg")
        .is_file()
        .then(|| root.to_path_buf())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The Python that runs a process, keeping the venv path: `/proc/PID/exe` resolves a venv's
/// `bin/python` symlink to the system Python and so loses the venv.
///
/// In order: argv[0] when it is a Python (a path, or looked up in the process's own PATH);
/// a script in argv[0] or argv[1] (`.venv/bin/gunicorn`, `./manage.py`): its shebang, or the
/// `bin/python` beside it in a venv; `$VIRTUAL_ENV/bin/python`; `exe`. A candidate must be the
/// same binary as `exe` when that is known.
pub fn resolve_interpreter(
    argv: &[String],
    cwd: &Path,
    env: &[(String, String)],
    exe: Option<&Path>,
) -> (PathBuf, String) {
    let var = |k: &str| {
        env.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let path_var = var("PATH");
    let matches_exe = |p: &Path| exe.is_none_or(|exe| same_file(p, exe));
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    for (i, arg) in argv.iter().take(2).enumerate() {
        if i == 1 && arg.starts_with('-') {
            break;
        }
        let Some((path, how)) = locate(arg, path_var, cwd) else {
            continue;
        };
        if looks_like_python(&path) {
            if i == 0 {
                candidates.push((path, how.to_string()));
            }
            continue;
        }
        // A script: its shebang, or the venv's python beside it.
        if let Some(python) = shebang(&path, path_var, cwd) {
            candidates.push((python, format!("shebang of {arg}")));
        }
        if let Some(bin) = path.parent() {
            let python = bin.join("python");
            if venv_of(&python).is_some() {
                candidates.push((python, format!("venv of {arg}")));
            }
        }
    }
    if let Some(venv) = var("VIRTUAL_ENV") {
        candidates.push((Path::new(venv).join("bin/python"), "VIRTUAL_ENV".into()));
    }
    if let Some(found) = candidates
        .iter()
        .find(|(p, _)| p.exists() && matches_exe(p))
    {
        return found.clone();
    }
    match exe {
        Some(exe) => (exe.to_path_buf(), "/proc exe".into()),
        None => candidates
            .into_iter()
            .find(|(p, _)| p.exists())
            .unwrap_or_else(|| (PathBuf::from("python3"), "default".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::test_tree::Tree;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn interpreter_keeps_the_venv_path() {
        let t = Tree::new();
        let exe = t.p("usr/bin/python3.11");
        let repo = t.p("repo");
        // `.venv/bin/python manage.py runserver` (relative to the process cwd).
        let (python, how) = resolve_interpreter(
            &s(&[".venv/bin/python", "manage.py", "runserver"]),
            &repo,
            &[],
            Some(&exe),
        );
        assert_eq!(python, repo.join(".venv/bin/python"));
        assert_eq!(how, "argv[0]");
        assert_eq!(venv_of(&python), Some(repo.join(".venv")));
        // `python manage.py runserver` in an activated venv: the process's own PATH.
        let (python, how) = resolve_interpreter(
            &s(&["python", "manage.py", "runserver"]),
            &repo,
            &t.path_env("repo/.venv/bin"),
            Some(&exe),
        );
        assert_eq!(
            (python, how.as_str()),
            (t.p("repo/.venv/bin/python"), "PATH")
        );
        // The same without the venv on PATH: the system python.
        let (python, _) = resolve_interpreter(
            &s(&["python3", "manage.py", "runserver"]),
            &repo,
            &t.path_env("nowhere"),
            Some(&exe),
        );
        assert_eq!(python, t.p("usr/bin/python3"));
        // gunicorn's master as setproctitle shows it: the script's venv via VIRTUAL_ENV.
        let env = vec![(
            "VIRTUAL_ENV".to_string(),
            t.p("repo/.venv").display().to_string(),
        )];
        let (python, how) = resolve_interpreter(
            &s(&["gunicorn: master [config.wsgi]"]),
            &repo,
            &env,
            Some(&exe),
        );
        assert_eq!(
            (python, how.as_str()),
            (t.p("repo/.venv/bin/python"), "VIRTUAL_ENV")
        );
        // A script as argv[0] (no interpreter in the command line): its shebang.
        let (python, how) = resolve_interpreter(
            &s(&[".venv/bin/gunicorn", "config.wsgi"]),
            &repo,
            &[],
            Some(&exe),
        );
        assert_eq!(python, t.p("repo/.venv/bin/python3"));
        assert!(how.starts_with("shebang of"), "{how}");
        // Nothing better known: exe.
        let (python, how) = resolve_interpreter(&s(&["weird"]), &repo, &[], Some(&exe));
        assert_eq!((python, how.as_str()), (exe, "/proc exe"));
    }
}
