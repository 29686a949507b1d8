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

/// Folders never searched for a project: environments, dependencies, caches.
fn skipped(name: &str) -> bool {
    name.starts_with('.')
        || matches!(
            name,
            "venv" | "env" | "node_modules" | "site-packages" | "__pycache__" | "target" | "dist"
        )
}

/// Folders one or two levels below `start` that hold manage.py (a repository whose Django
/// project lives in `core/` or `backend/`), sorted.
pub fn projects_below(start: &Path) -> Vec<PathBuf> {
    let children = |dir: &Path| -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !skipped(&e.file_name().to_string_lossy()))
            .map(|e| e.path())
            .collect()
    };
    let mut found: Vec<PathBuf> = Vec::new();
    for child in children(start) {
        if child.join("manage.py").is_file() {
            found.push(child);
            continue;
        }
        found.extend(
            children(&child)
                .into_iter()
                .filter(|g| g.join("manage.py").is_file()),
        );
    }
    found.sort();
    found
}

/// The folders from the project up to its repository's root (the first with `.git`), at most
/// three levels: where a venv or pyproject.toml of a project in a subfolder lives.
pub fn project_and_parents(project: &Path) -> Vec<&Path> {
    let mut dirs = Vec::new();
    for dir in project.ancestors().take(4) {
        dirs.push(dir);
        if dir.join(".git").exists() {
            break;
        }
    }
    dirs
}

/// The locustfile anywhere in the project, else in its repository (see `locustfile_search`);
/// outside a repository, beside the project in a parent up to three levels up.
pub fn find_locustfile(project: &Path) -> Option<super::locustfile_search::Found> {
    let parents = project_and_parents(project);
    let repo = parents.last().filter(|d| d.join(".git").exists()).copied();
    if let Some(found) = super::locustfile_search::search(project, repo) {
        return Some(found);
    }
    let chosen = parents.into_iter().skip(1).find_map(find_locustfile_in)?;
    Some(super::locustfile_search::Found {
        all: vec![chosen.clone()],
        root: project.to_path_buf(),
        chosen,
    })
}

fn find_locustfile_in(project: &Path) -> Option<PathBuf> {
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
        for dir in project_and_parents(project) {
            let shown = if dir == project {
                "project".to_string()
            } else {
                dir.display().to_string()
            };
            let pyproject = std::fs::read_to_string(dir.join("pyproject.toml")).unwrap_or_default();
            let poetry = pyproject.contains("[tool.poetry");
            if poetry && on_path("poetry", env).is_some() {
                return (
                    vec!["poetry".into(), "run".into(), "python".into()],
                    format!("poetry project ({shown})"),
                );
            }
            for venv in [".venv", "venv", "env"] {
                let python = dir.join(venv).join("bin").join("python");
                if python.is_file() {
                    return (
                        vec![python.display().to_string()],
                        format!("{venv}/ in {shown}"),
                    );
                }
            }
            // A poetry project on a machine without poetry: its environment is still there.
            if poetry && let Some(python) = poetry_cache_python(&pyproject, env) {
                return (
                    vec![python.display().to_string()],
                    "poetry's environment (poetry itself not installed)".into(),
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

/// Poetry keeps environments in `~/.cache/pypoetry/virtualenvs/<name>-<hash>-py3.X`.
fn poetry_cache_python(pyproject: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let table: toml::Table = pyproject.parse().ok()?;
    let name = table
        .get("tool")?
        .get("poetry")?
        .get("name")
        .or_else(|| table.get("project")?.get("name"))?
        .as_str()?
        .to_lowercase()
        .replace(['_', '.'], "-");
    let cache = env("POETRY_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("pypoetry")))
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".cache/pypoetry")))?;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(cache.join("virtualenvs"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{name}-")))
        })
        .map(|p| p.join("bin").join("python"))
        .filter(|p| p.is_file())
        .collect();
    candidates.sort();
    candidates.pop()
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
    crate::net::url_host(url).is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
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
