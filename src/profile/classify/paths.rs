//! Whose code a frame is: the project's or an installed package's, and how to name its file
//! and function for a person.

use std::path::Path;

/// Path components that mark installed code, never the project's own.
fn is_installed(file: &str) -> bool {
    file.split('/').any(|c| {
        c == "site-packages"
            || c == "dist-packages"
            || c == ".venv"
            || c == "venv"
            || c == ".tox"
            || (c.starts_with("python") && c[6..].starts_with(|ch: char| ch.is_ascii_digit()))
    })
}

/// Under the project folder and not in a virtualenv or Python's own library.
pub fn is_project(project_dir: &Path, file: &str) -> bool {
    Path::new(file).starts_with(project_dir) && !is_installed(relative(project_dir, file))
}

fn relative<'a>(project_dir: &Path, file: &'a str) -> &'a str {
    let dir = project_dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    match file.strip_prefix(dir) {
        Some(rest) if rest.starts_with('/') => &rest[1..],
        _ => file,
    }
}

/// The path as the user reads it: project-relative for project code, from the package root
/// for libraries (`.../site-packages/django/utils/crypto.py` → `django/utils/crypto.py`) and
/// for Python's own library (`/usr/lib/python3.11/logging/__init__.py` → `logging/__init__.py`).
pub fn display_path(project_dir: &Path, file: &str) -> String {
    for marker in ["/site-packages/", "/dist-packages/"] {
        if let Some(at) = file.rfind(marker) {
            return file[at + marker.len()..].to_string();
        }
    }
    if is_project(project_dir, file) {
        return relative(project_dir, file).to_string();
    }
    // `.../lib/python3.11/x.py`: from after the version folder.
    let parts: Vec<&str> = file.split('/').collect();
    if let Some(i) = parts.iter().rposition(|c| {
        c.starts_with("python") && c[6..].starts_with(|ch: char| ch.is_ascii_digit())
    }) && i + 1 < parts.len()
    {
        return parts[i + 1..].join("/");
    }
    file.to_string()
}

/// `View.as_view.<locals>.view` → `view`: the closure's own name reads better.
pub fn short_function(function: &str) -> &str {
    match function.rfind(".<locals>.") {
        Some(at) => &function[at + ".<locals>.".len()..],
        None => function,
    }
}

/// The last part of a qualified name (`TokenViewBase.post` → `post`).
pub fn bare_name(function: &str) -> &str {
    function.rsplit('.').next().unwrap_or(function)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use crate::profile::classify::fixtures::*;
    #[allow(unused_imports)]
    use crate::profile::classify::*;

    #[test]
    fn project_and_library_paths() {
        assert!(is_project(dir(), "/srv/app/apps/products/services.py"));
        assert!(!is_project(
            dir(),
            "/srv/app/.venv/lib/python3.11/site-packages/django/utils/crypto.py"
        ));
        assert!(!is_project(
            dir(),
            "/usr/lib/python3.11/logging/__init__.py"
        ));
        assert_eq!(
            display_path(dir(), &format!("{SP}/django/utils/crypto.py")),
            "django/utils/crypto.py"
        );
        assert_eq!(
            display_path(dir(), "/srv/app/apps/products/services.py"),
            "apps/products/services.py"
        );
        assert_eq!(
            display_path(dir(), "/usr/lib/python3.11/logging/__init__.py"),
            "logging/__init__.py"
        );
        assert_eq!(display_path(dir(), "/opt/x.py"), "/opt/x.py");
    }
}
