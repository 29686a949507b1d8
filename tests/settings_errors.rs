//! Projects that Django cannot import or start, run through the doctor binary with the sample
//! venv's real Python and Django: the `settings` check names the project's own file and line
//! (never doctor's helpers), the cause and the fix. Fixtures: `tests/fixtures/broken-projects/`.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A throw-away copy of a broken project, with a doctor.toml pointing at the sample venv's
/// Python and an SQLite file in the same temp dir.
struct Project {
    dir: TempDir,
}

impl Project {
    fn copy(name: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("doctor-broken-")
            .tempdir()
            .expect("tempdir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/broken-projects")
            .join(name);
        copy_tree(&from, &dir.path().join("project"));
        fs::write(
            dir.path().join("doctor.toml"),
            format!(
                "[django]\npython = [{:?}]\n",
                python().display().to_string()
            ),
        )
        .unwrap();
        Project { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn write(&self, file: &str, text: &str) {
        fs::write(self.root().join(file), text).unwrap();
    }

    fn doctor(&self, extra: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let config = self.dir.path().join("doctor.toml").display().to_string();
        let db = self.dir.path().join("db.sqlite3").display().to_string();
        let closed = format!("http://127.0.0.1:{}", free_port());
        let mut args = vec![
            "--config",
            &config,
            "--base-url",
            &closed,
            "--check",
            "settings",
        ];
        args.extend_from_slice(extra);
        let mut all_env = vec![("FIXTURE_DB", db.as_str())];
        all_env.extend_from_slice(env);
        run_doctor(&args, &self.root(), &all_env)
    }

    fn settings(&self, env: &[(&str, &str)]) -> Value {
        let (code, stdout, stderr) = self.doctor(&["--format", "json"], env);
        parse_report(code, &stdout, &stderr, "")
    }

    fn text(&self, lang: &str, env: &[(&str, &str)]) -> String {
        self.doctor(&["--lang", lang], env).1
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn location(json: &Value) -> (String, Option<u64>) {
    let at = &check(json, "settings")["location"];
    (
        at["file"].as_str().unwrap_or("").to_string(),
        at["line"].as_u64(),
    )
}

/// Every place doctor names is the project's: never doctor's helpers, never `<string>`.
fn assert_no_doctor_frames(json: &Value) {
    let text = check(json, "settings").to_string();
    assert!(!text.contains("doctor_py/"), "{text}");
    assert!(!text.contains("<string>"), "{text}");
}

/// Korean lines of the report: words outside backticks and paths are Korean, not English.
/// Evidence (`측정값:`) quotes Python's own error text and is left out.
fn assert_korean_without_english(report: &str) {
    let text: String = report
        .lines()
        .filter(|l| !l.trim_start().starts_with("측정값:"))
        .collect::<Vec<_>>()
        .join("\n");
    for forbidden in [
        " import ", "imports", " is ", " the ", "Fix:", "Cause:", " not ",
    ] {
        assert!(
            !text.contains(forbidden),
            "Korean report contains {forbidden:?}:\n{text}"
        );
    }
}

#[test]
fn silk_imported_through_six_modules_while_only_installed_under_debug() {
    let project = Project::copy("silk-debug-only");
    let json = project.settings(&[]);
    assert_check(&json, "settings", "fail", Some("app_only_under_debug"));
    let (file, line) = location(&json);
    assert!(file.ends_with("orders/profiling.py"), "{file}");
    assert_eq!(line, Some(2));
    assert_eq!(evidence(&json, "settings", "package"), Some("silk"));
    assert_eq!(evidence(&json, "settings", "debug"), Some("false"));
    assert_eq!(evidence(&json, "settings", "debug_env"), Some("SHOP_DEBUG"));
    assert_eq!(evidence(&json, "settings", "installed"), Some("true"));
    assert_eq!(
        evidence(&json, "settings", "in_installed_apps"),
        Some("false")
    );
    assert_eq!(evidence(&json, "settings", "chain_modules"), Some("6"));
    assert_eq!(
        evidence(&json, "settings", "chain"),
        Some(
            "shopcfg/urls.py:3 -> orders/views.py:3 -> orders/services.py:1 -> orders/pricing.py:1 \
             -> orders/instrumentation.py:1 -> orders/profiling.py:2"
        )
    );
    assert_eq!(evidence(&json, "settings", "stage"), Some("checks"));
    let detail = check(&json, "settings")["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("`if DEBUG:` shopcfg/settings.py:20"),
        "{detail}"
    );
    assert!(detail.contains("SHOP_DEBUG=1"), "{detail}");
    assert_no_doctor_frames(&json);

    let en = project.text("en", &[]);
    assert!(en.contains("@ "), "{en}");
    assert!(en.contains("orders/profiling.py:2"), "{en}");
    let ko = project.text("ko", &[]);
    assert!(ko.contains("임포트"), "{ko}");
    assert_korean_without_english(&ko);

    // With DEBUG on the app is installed and the same project starts.
    let json = project.settings(&[("SHOP_DEBUG", "1")]);
    assert_check(&json, "settings", "pass", None);
}

#[test]
fn the_same_import_in_models_stops_django_setup_with_the_same_diagnosis() {
    let project = Project::copy("silk-debug-only");
    project.write(
        "orders/models.py",
        "from orders.pricing import total  # noqa: F401\n",
    );
    let json = project.settings(&[]);
    assert_check(&json, "settings", "fail", Some("app_only_under_debug"));
    assert_eq!(evidence(&json, "settings", "stage"), Some("setup"));
    let (file, line) = location(&json);
    assert!(file.ends_with("orders/profiling.py"), "{file}");
    assert_eq!(line, Some(2));
    assert_eq!(evidence(&json, "settings", "chain_modules"), Some("4"));
    assert_no_doctor_frames(&json);
}

#[test]
fn a_module_the_installed_drf_does_not_have_names_the_version_and_the_line() {
    let project = Project::copy("removed-module");
    let json = project.settings(&[]);
    assert_check(&json, "settings", "fail", Some("module_removed_in_version"));
    let (file, line) = location(&json);
    assert!(file.ends_with("legacycfg/urls.py"), "{file}");
    assert_eq!(line, Some(5));
    assert_eq!(
        evidence(&json, "settings", "module"),
        Some("rest_framework.authtoken.south_migrations")
    );
    assert_eq!(
        evidence(&json, "settings", "distribution"),
        Some("djangorestframework")
    );
    assert_eq!(evidence(&json, "settings", "version"), Some("3.16.1"));
    let summary = check(&json, "settings")["summary"].as_str().unwrap_or("");
    assert!(summary.contains("djangorestframework 3.16.1"), "{summary}");
    assert!(summary.contains("legacycfg/urls.py:5"), "{summary}");
    assert_no_doctor_frames(&json);
    assert_korean_without_english(&project.text("ko", &[]));
}

#[test]
fn a_module_not_installed_at_all_names_the_interpreter() {
    let project = Project::copy("removed-module");
    project.write(
        "legacycfg/urls.py",
        "from django.urls import path\n\nimport doctor_fixture_absent_pkg  # noqa: F401\n\nurlpatterns = []\n",
    );
    let json = project.settings(&[]);
    assert_check(&json, "settings", "fail", Some("missing_module"));
    let (file, line) = location(&json);
    assert!(file.ends_with("legacycfg/urls.py"), "{file}");
    assert_eq!(line, Some(3));
    assert_eq!(
        evidence(&json, "settings", "python"),
        Some(python().display().to_string().as_str())
    );
    assert_no_doctor_frames(&json);
}

#[test]
fn any_other_startup_error_is_located_in_the_project() {
    let project = Project::copy("removed-module");
    project.write(
        "legacycfg/urls.py",
        "from django.urls import path\n\nTIMEOUT = int(\"sixty\")\n\nurlpatterns = []\n",
    );
    let json = project.settings(&[]);
    assert_check(&json, "settings", "fail", Some("setup_failed"));
    let (file, line) = location(&json);
    assert!(file.ends_with("legacycfg/urls.py"), "{file}");
    assert_eq!(line, Some(3));
    assert!(
        evidence(&json, "settings", "error")
            .unwrap_or("")
            .starts_with("ValueError"),
        "{json:#}"
    );
    assert_no_doctor_frames(&json);
}
