//! Settings failures whose fix is not at the import line (tests/fixtures/broken-projects/):
//! `schema-coreapi`, where DEFAULT_SCHEMA_CLASS needs coreapi, which is not installed, and DRF
//! fails inside rest_framework/authtoken/views.py; `settings-value`, where the project's own
//! settings raise ValueError about DATABASE_URL. Run through doctor with the sample's real Python.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn settings(fixture: &str, lang: &str) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/broken-projects")
        .join(fixture);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("doctor.toml");
    std::fs::write(
        &config,
        format!(
            "[django]\npython = [{:?}]\n",
            python().display().to_string()
        ),
    )
    .unwrap();
    let db = dir.path().join("db.sqlite3").display().to_string();
    let closed = format!("http://127.0.0.1:{}", free_port());
    check_json(
        &[
            "--config",
            config.to_str().unwrap(),
            "--base-url",
            &closed,
            "--lang",
            lang,
            "--check",
            "settings",
        ],
        &root,
        &[("API_DB", db.as_str())],
    )
}

fn text(json: &Value, key: &str) -> String {
    check(json, "settings")[key]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_setting_that_needs_a_missing_package_names_module_setting_versions_and_pip() {
    let json = settings("schema-coreapi", "en");
    assert_check(&json, "settings", "fail", Some("optional_package_missing"));
    let summary = text(&json, "summary");
    for want in [
        "`coreapi` is not installed",
        "DEFAULT_SCHEMA_CLASS = \"rest_framework.schemas.coreapi.AutoSchema\" (apicfg/settings.py:22)",
        "rest_framework/authtoken/views.py:21",
    ] {
        assert!(summary.contains(want), "missing {want:?} in {summary}");
    }
    let detail = text(&json, "detail");
    assert!(
        detail.contains("Installed: djangorestframework 3."),
        "{detail}"
    );
    assert!(detail.contains("-m pip install coreapi`"), "{detail}");
    assert!(detail.contains("is not the mistake"), "{detail}");
    // The import line is still where the project meets it.
    let line = check(&json, "settings")["location"]["line"].as_u64();
    assert_eq!(line, Some(7), "{json:#}");

    let korean = settings("schema-coreapi", "ko");
    let summary = text(&korean, "summary");
    assert!(summary.contains("설치되어 있지 않은데"), "{summary}");
    assert!(!summary.contains(" is not "), "{summary}");
}

#[test]
fn a_value_error_of_the_projects_settings_gets_its_line_and_what_it_wants() {
    let json = settings("settings-value", "en");
    assert_check(&json, "settings", "fail", Some("settings_value"));
    let summary = text(&json, "summary");
    assert!(
        summary.contains("envcfg/settings.py:11") || summary.contains("settings.py:11"),
        "{summary}"
    );
    assert!(
        summary.contains("DATABASE_URL must be a postgres:// URL"),
        "{summary}"
    );
    assert!(
        text(&json, "detail").contains("the setting wants"),
        "{json:#}"
    );
}
