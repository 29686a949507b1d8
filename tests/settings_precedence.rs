//! Issue 22: `[django] settings` in doctor.toml beside a server that runs another module. The
//! server's module decides how doctor asks Django (checks test what it serves); `doctor config`
//! says so instead of replacing the configured value silently.

mod common;

use common::project_copy::{copy_sample, serve};
use common::*;

#[test]
fn configured_settings_the_server_does_not_run_are_named_by_config() {
    let dir = tempfile::Builder::new()
        .prefix("doctor-settings-precedence-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    copy_sample(root);
    std::fs::write(
        root.join("config/staging.py"),
        "from .base import *  # noqa\n",
    )
    .unwrap();
    std::fs::write(
        root.join("doctor.toml"),
        "[django]\nsettings = \"config.base\"\n",
    )
    .unwrap();
    let (_server, port) = serve(root, &[("DJANGO_SETTINGS_MODULE", "config.staging")]);
    let url = format!("http://127.0.0.1:{port}");
    for (lang, wanted) in [
        ("en", "not used: the server (pid"),
        ("ko", "사용 안 함: 서버(pid"),
    ] {
        let (code, stdout, stderr) =
            run_doctor(&["--base-url", &url, "--lang", lang, "config"], root, &[]);
        assert_eq!(code, 0, "{stderr}");
        let row = stdout
            .lines()
            .find(|l| l.contains("django.settings (configured)"))
            .unwrap_or_else(|| panic!("no row for the configured settings:\n{stdout}"));
        assert!(
            row.contains("config.base") && row.contains(wanted) && row.contains("config.staging"),
            "{row}"
        );
        let used = stdout
            .lines()
            .find(|l| l.trim_start().starts_with("django.settings ") && !l.contains("(configured)"))
            .unwrap_or_default();
        assert!(used.contains("config.staging"), "{stdout}");
    }
}
