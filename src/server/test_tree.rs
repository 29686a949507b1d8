//! A synthetic file tree for the server readers' tests: a venv whose bin/python is a symlink
//! to a "system" python, like `python -m venv` makes, a gunicorn script and a manage.py.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;

pub struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        std::fs::create_dir_all(root.join("repo/.venv/bin")).unwrap();
        let system = root.join("usr/bin/python3.11");
        std::fs::write(&system, "").unwrap();
        std::fs::set_permissions(&system, std::fs::Permissions::from_mode(0o755)).unwrap();
        symlink(&system, root.join("usr/bin/python3")).unwrap();
        symlink(&system, root.join("repo/.venv/bin/python")).unwrap();
        symlink("python", root.join("repo/.venv/bin/python3")).unwrap();
        std::fs::write(root.join("repo/.venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let gunicorn = root.join("repo/.venv/bin/gunicorn");
        std::fs::write(
            &gunicorn,
            format!(
                "#!{}/repo/.venv/bin/python3\nimport gunicorn\n",
                root.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&gunicorn, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(root.join("repo/manage.py"), "#!/usr/bin/env python\n").unwrap();
        Tree { dir }
    }
    pub fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn path_env(&self, first: &str) -> Vec<(String, String)> {
        vec![(
            "PATH".into(),
            format!(
                "{}:{}",
                self.p(first).display(),
                self.p("usr/bin").display()
            ),
        )]
    }
}
