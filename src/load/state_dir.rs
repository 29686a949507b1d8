//! `.doctor/` in the project: run reports and the history. It ignores itself in git (a
//! `.gitignore` with `*`), so reports never end up in a commit by accident.

use std::path::{Path, PathBuf};

/// `.doctor/` of the project, created with its `.gitignore` when missing.
pub fn ensure(project_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = project_dir.join(".doctor");
    not_a_folder(&dir)?;
    std::fs::create_dir_all(&dir)?;
    let ignore = dir.join(".gitignore");
    // A user's own .gitignore there (e.g. to keep history.sqlite3) is left alone.
    if !ignore.exists() {
        std::fs::write(
            &ignore,
            "# doctor's run reports and history: not for commits.\n*\n",
        )?;
    }
    Ok(dir)
}

/// `.doctor` that exists but is a file (or anything else): said plainly, not "File exists".
pub fn not_a_folder(dir: &Path) -> std::io::Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(std::io::Error::other(format!(
            "{} is a file, not a folder: doctor keeps its run reports and history there; rename or remove that file",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dot_doctor_file_is_named_not_file_exists() {
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join(".doctor"), "notes").unwrap();
        let err = ensure(project.path()).unwrap_err().to_string();
        assert!(err.contains("is a file, not a folder"), "{err}");
    }

    #[test]
    fn the_folder_ignores_itself_and_keeps_a_users_own_gitignore() {
        let project = tempfile::tempdir().unwrap();
        let dir = ensure(project.path()).unwrap();
        let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
        assert!(ignore.lines().any(|l| l == "*"), "{ignore}");

        // git sees nothing to commit in a project whose only new files are doctor's.
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(project.path())
                .output()
        };
        if git(&["init", "-q"]).is_ok_and(|o| o.status.success()) {
            std::fs::create_dir_all(dir.join("runs/20250101T000000Z")).unwrap();
            std::fs::write(dir.join("runs/20250101T000000Z/report.json"), "{}").unwrap();
            let status = git(&["status", "--porcelain", "--untracked-files=all"]).unwrap();
            assert_eq!(String::from_utf8_lossy(&status.stdout), "");
        }

        std::fs::write(dir.join(".gitignore"), "runs/\n").unwrap();
        ensure(project.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            "runs/\n"
        );
    }
}
