//! Finding what a Django project has without being told: manage.py, its Python, its settings
//! module, its locustfile, and the credentials the locustfile logs in with.

use crate::locustfile::{Locustfile, Value};
use std::path::{Path, PathBuf};

/// The nearest directory at or above `start` that holds manage.py.
pub fn find_project_dir(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("manage.py").is_file())
        .map(Path::to_path_buf)
}

pub fn find_locustfile(project: &Path) -> Option<PathBuf> {
    let usual = [
        "locust_test/locustfile.py",
        "locustfile.py",
        "locust/locustfile.py",
        "tests/locustfile.py",
    ];
    if let Some(found) = usual.iter().map(|p| project.join(p)).find(|p| p.is_file()) {
        return Some(found);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(project)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| d.join("locustfile.py"))
        .find(|p| p.is_file())
}

pub fn settings_from_manage_py(project: &Path) -> Option<String> {
    let text = std::fs::read_to_string(project.join("manage.py")).ok()?;
    crate::python_source::settings_module_default(&text)
}

/// The project's interpreter: poetry (when the project uses it and poetry is installed), the
/// active or the project's own virtualenv, then `python3`. Returns argv and how it was chosen.
pub fn find_python(
    project: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Vec<String>, String) {
    if let Some(project) = project {
        let pyproject = std::fs::read_to_string(project.join("pyproject.toml")).unwrap_or_default();
        if pyproject.contains("[tool.poetry") && on_path("poetry", env).is_some() {
            return (
                vec!["poetry".into(), "run".into(), "python".into()],
                "poetry project".into(),
            );
        }
        for venv in [".venv", "venv", "env"] {
            let python = project.join(venv).join("bin").join("python");
            if python.is_file() {
                return (
                    vec![python.display().to_string()],
                    format!("{venv}/ in project"),
                );
            }
        }
    }
    if let Some(venv) = env("VIRTUAL_ENV") {
        let python = Path::new(&venv).join("bin").join("python");
        if python.is_file() {
            return (vec![python.display().to_string()], "VIRTUAL_ENV".into());
        }
    }
    (vec!["python3".to_string()], "PATH".to_string())
}

pub fn on_path(program: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let path = env("PATH").or_else(|| std::env::var("PATH").ok())?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[derive(Debug, Default)]
pub struct Credentials {
    pub username_field: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// The account the locustfile logs in with: a literal, or the first of a `f"user{n}"` pool.
pub fn credentials_from_locustfile(file: &Locustfile) -> Credentials {
    let mut found = Credentials::default();
    if let Some((field, value)) = file.login_field(&["username", "email", "login", "user", "phone"])
    {
        found.username_field = Some(field.to_string());
        found.username = match value {
            Value::Literal(name) => Some(name.clone()),
            Value::Pattern { prefix, suffix, .. } => Some(format!("{prefix}1{suffix}")),
            Value::Unknown(_) => None,
        };
    }
    if let Some((_, Value::Literal(password))) = file.login_field(&["password", "passwd", "pw"]) {
        found.password = Some(password.clone());
    }
    found
}

pub fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.split("://").nth(1) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(stripped) = authority.strip_prefix('[') {
        stripped.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        for url in [
            "http://127.0.0.1:8000",
            "http://localhost",
            "http://[::1]:8000/x",
            "http://127.3.4.5",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://10.0.0.1:8000",
            "http://example.com",
            "http://127.0.0.1.evil.io",
            "nonsense",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn venv_is_found_in_the_project() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".venv/bin")).unwrap();
        std::fs::write(dir.path().join(".venv/bin/python"), "").unwrap();
        let (argv, how) = find_python(Some(dir.path()), &|_| None);
        assert!(argv[0].ends_with(".venv/bin/python"));
        assert!(how.contains(".venv"));
    }

    #[test]
    fn poetry_project_without_poetry_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.poetry]\nname='x'\n",
        )
        .unwrap();
        let (argv, _) = find_python(Some(dir.path()), &|name| {
            (name == "PATH").then(|| "/nonexistent".to_string())
        });
        assert_eq!(argv, vec!["python3".to_string()]);
    }
}
