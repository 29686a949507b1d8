//! doctor's private state folder (orphan pidfiles, logs of servers it starts): a folder only
//! this user can enter, so no other local user can plant a file that steers doctor.
//! `$XDG_RUNTIME_DIR/doctor`, else `$XDG_STATE_HOME/doctor` (`~/.local/state/doctor`);
//! never a shared folder like /tmp, whose names anyone can take first.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The folder, created mode 0700 when missing; refused when another user owns it, others may
/// enter it, or it is a symlink.
pub fn state_dir() -> Result<PathBuf, String> {
    state_dir_from(&|name| std::env::var_os(name).filter(|v| !v.is_empty()))
}

pub fn state_dir_from(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Result<PathBuf, String> {
    let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base = absolute("XDG_RUNTIME_DIR")
        .or_else(|| absolute("XDG_STATE_HOME"))
        .or_else(|| absolute("HOME").map(|home| home.join(".local").join("state")))
        .ok_or("neither XDG_RUNTIME_DIR, XDG_STATE_HOME nor HOME is set")?;
    private_subdir(&base, "doctor")
}

/// `parent/name`, created 0700 if missing (parents with the usual mode), then checked.
pub fn private_subdir(parent: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = parent.join(name);
    if std::fs::symlink_metadata(&dir).is_err() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        let made = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        if let Err(e) = made
            && e.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(format!("{}: {e}", dir.display()));
        }
    }
    check_private(&dir)?;
    Ok(dir)
}

/// Refuse a folder that is not a real directory owned by this user with no access for others.
pub fn check_private(dir: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let shown = dir.display();
    if !meta.file_type().is_dir() {
        return Err(format!(
            "{shown} is not a folder (a symlink or a file): not used"
        ));
    }
    let me = nix::unistd::getuid().as_raw();
    if meta.uid() != me {
        return Err(format!(
            "{shown} belongs to user id {}, not to you ({me}): not used",
            meta.uid()
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{shown} has mode {mode:o}: others may write there, so doctor does not use it (chmod 700 it, or remove it)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(runtime: &Path) -> impl Fn(&str) -> Option<std::ffi::OsString> + '_ {
        move |name| (name == "XDG_RUNTIME_DIR").then(|| runtime.as_os_str().to_owned())
    }

    #[test]
    fn created_private_and_reused() {
        let base = tempfile::tempdir().unwrap();
        let dir = state_dir_from(&env_with(base.path())).unwrap();
        assert_eq!(dir, base.path().join("doctor"));
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert_eq!(state_dir_from(&env_with(base.path())).unwrap(), dir);
    }

    #[test]
    fn a_folder_others_can_write_or_a_symlink_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let open = base.path().join("doctor");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = state_dir_from(&env_with(base.path())).unwrap_err();
        assert!(err.contains("mode 777"), "{err}");

        let other = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), other.path().join("doctor")).unwrap();
        let err = state_dir_from(&env_with(other.path())).unwrap_err();
        assert!(err.contains("symlink"), "{err}");
    }

    #[test]
    fn relative_or_missing_bases_fall_back_or_fail_plainly() {
        let home = tempfile::tempdir().unwrap();
        let env = |name: &str| match name {
            "XDG_RUNTIME_DIR" => Some("relative/dir".into()),
            "HOME" => Some(home.path().as_os_str().to_owned()),
            _ => None,
        };
        let dir = state_dir_from(&env).unwrap();
        assert_eq!(dir, home.path().join(".local/state/doctor"));
        assert!(state_dir_from(&|_| None).is_err());
    }
}
