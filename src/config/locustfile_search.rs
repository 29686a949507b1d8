//! Finding the locustfile wherever the repository keeps it (`shopping/tests/performance/
//! locustfile.py`): every `locustfile*.py` and every .py that imports locust in the project,
//! then, when the project has none, every `locustfile*.py` in the rest of its repository.

use std::path::{Path, PathBuf};

/// Folders never searched: environments, dependencies, caches, version control.
fn skipped_dir(dir: &Path, name: &str) -> bool {
    name.starts_with('.')
        || matches!(
            name,
            "venv"
                | "env"
                | "node_modules"
                | "site-packages"
                | "__pycache__"
                | "target"
                | "dist"
                | "build"
        )
        || dir.join("pyvenv.cfg").is_file()
}

/// Bounds on one search: a huge monorepo must not hold up every command.
const MAX_ENTRIES: usize = 20_000;
const MAX_DEPTH: usize = 8;
const MAX_READ: u64 = 256 * 1024;

/// What the search found: the file doctor uses, and all candidates (the chosen one first).
#[derive(Debug, PartialEq)]
pub struct Found {
    pub chosen: PathBuf,
    pub all: Vec<PathBuf>,
    /// The folder the paths are shown relative to.
    pub root: PathBuf,
}

impl Found {
    /// "found at locust/locustfile.py", or with several the others and the line that picks one.
    pub fn origin(&self) -> String {
        let shown = |p: &Path| {
            p.strip_prefix(&self.root)
                .unwrap_or(p)
                .display()
                .to_string()
        };
        let mut text = format!("found at {}", shown(&self.chosen));
        if self.all.len() > 1 {
            let others: Vec<String> = self.all[1..].iter().map(|p| shown(p)).collect();
            text.push_str(&format!(
                "; {} found, also {}; pick one in doctor.toml: [locust] locustfile = \"{}\"",
                self.all.len(),
                others.join(", "),
                self.chosen.display()
            ));
        }
        text
    }
}

/// The locustfile of `project`: searched in the project, then in the rest of its repository
/// (`repo_root`, the nearest parent with `.git`), skipping the folders of other Django projects.
pub fn search(project: &Path, repo_root: Option<&Path>) -> Option<Found> {
    let mut found = Vec::new();
    walk(project, project, 0, &mut 0, true, &mut found);
    let mut root = project.to_path_buf();
    if found.is_empty()
        && let Some(repo) = repo_root.filter(|r| *r != project)
    {
        walk(repo, project, 0, &mut 0, false, &mut found);
        root = repo.to_path_buf();
    }
    found.sort_by_key(|p| rank(p));
    let chosen = found.first()?.clone();
    Some(Found {
        chosen,
        all: found,
        root,
    })
}

/// locustfile.py first, then other locustfile*.py, then files that import locust; shallower
/// before deeper, then by name.
fn rank(path: &Path) -> (u8, usize, PathBuf) {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let kind = match name.as_deref() {
        Some("locustfile.py") => 0,
        Some(n) if is_locustfile_name(n) => 1,
        _ => 2,
    };
    (kind, path.components().count(), path.to_path_buf())
}

fn is_locustfile_name(name: &str) -> bool {
    name.starts_with("locustfile") && name.ends_with(".py")
}

/// Does this Python file import locust (`import locust`, `from locust import …`)?
fn imports_locust(path: &Path) -> bool {
    if std::fs::metadata(path).map_or(true, |m| m.len() > MAX_READ) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix("from locust")
            .or_else(|| line.strip_prefix("import locust"))
            .is_some_and(|rest| rest.starts_with([' ', '.', ',']) || rest.is_empty())
    })
}

/// Collects candidates below `dir`. In the project (`in_project`) a file that imports locust
/// counts; outside it only a `locustfile*.py` name does, and other Django projects (a folder
/// with its own manage.py) and the project itself are not entered.
fn walk(
    dir: &Path,
    project: &Path,
    depth: usize,
    seen: &mut usize,
    in_project: bool,
    found: &mut Vec<PathBuf>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        *seen += 1;
        if *seen > MAX_ENTRIES {
            return;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let other_project =
                !in_project && (path == project || path.join("manage.py").is_file());
            if !skipped_dir(&path, &name) && !other_project {
                walk(&path, project, depth + 1, seen, in_project, found);
            }
        } else if kind.is_file() && name.ends_with(".py") {
            let named = is_locustfile_name(&name);
            if named || (in_project && imports_locust(&path)) {
                found.push(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn deep_files_venvs_and_preference() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "manage.py", "");
        write(
            root,
            "shopping/tests/performance/locustfile.py",
            "from locust import HttpUser\n",
        );
        write(root, ".venv/lib/locustfile.py", "");
        write(root, "venv2/pyvenv.cfg", "");
        write(root, "venv2/lib/locust_stuff.py", "import locust\n");
        write(root, "node_modules/x/locustfile.py", "");
        write(root, "scripts/not_locust.py", "import locusts\n");
        let one = search(root, None).unwrap();
        assert_eq!(
            one.chosen,
            root.join("shopping/tests/performance/locustfile.py")
        );
        assert_eq!(
            one.origin(),
            "found at shopping/tests/performance/locustfile.py"
        );
        // Several: locustfile.py is preferred over an importer, and both are listed.
        write(root, "load/scenario.py", "import locust.exception\n");
        write(root, "load/locustfile_smoke.py", "");
        let several = search(root, None).unwrap();
        assert_eq!(several.all.len(), 3, "{several:?}");
        assert_eq!(several.all[1], root.join("load/locustfile_smoke.py"));
        let origin = several.origin();
        assert!(origin.contains("3 found"), "{origin}");
        assert!(origin.contains("load/scenario.py"), "{origin}");
        assert!(origin.contains("[locust] locustfile = \""), "{origin}");
    }

    #[test]
    fn the_repository_is_searched_when_the_project_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        write(repo, "backend/manage.py", "");
        write(repo, "other/manage.py", "");
        write(repo, "other/locustfile.py", "");
        write(repo, "tools/helper.py", "import locust\n");
        assert_eq!(search(&repo.join("backend"), Some(repo)), None);
        write(repo, "perf/locust/locustfile.py", "");
        let found = search(&repo.join("backend"), Some(repo)).unwrap();
        assert_eq!(found.all, vec![repo.join("perf/locust/locustfile.py")]);
        assert_eq!(found.origin(), "found at perf/locust/locustfile.py");
    }
}
