//! Files people write: doctor.toml (parsed alone, and loaded as a project's file with the
//! cross-key checks) and check definitions. Errors must name the line.

use crate::fuzz::engine::{TOML_NESTING, Target, Verdict, campaign, line_is_named, text};
use doctor::checks::model::Origin;
use doctor::checks::registry::parse_check;
use doctor::config::{Config, Overrides};
use std::path::Path;

const TOML: Target = Target {
    name: "doctor_toml",
    corpus: "doctor_toml",
    max_len: 64 * 1024,
    share: 1.0,
    nesting: TOML_NESTING,
};

#[test]
fn doctor_toml() {
    campaign(&TOML, |input| {
        let text = text(input);
        match doctor::config::file::parse(&text, Path::new("doctor.toml")) {
            Ok(_) => Ok(()),
            Err(e) => line_is_named(&text, e.line, &e.to_string()),
        }
    });
}

/// Whole loads touch the disk (a project folder with manage.py): fewer cases.
const TOML_LOAD: Target = Target {
    name: "doctor_toml_load",
    corpus: "doctor_toml",
    max_len: 16 * 1024,
    share: 0.1,
    nesting: TOML_NESTING,
};

#[test]
fn doctor_toml_loaded_in_a_project() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("manage.py"), "import os\n").unwrap();
    std::fs::create_dir(project.path().join("core")).unwrap();
    campaign(&TOML_LOAD, |input| loaded(project.path(), input));
}

/// The file as doctor finds it: bytes (so not-UTF-8 is the loader's to name), then every key
/// resolved against the project folder.
fn loaded(project: &Path, input: &[u8]) -> Verdict {
    std::fs::write(project.join("doctor.toml"), input).unwrap();
    match Config::load_with_env(project, &Overrides::default(), &|_| None) {
        Ok(_) => Ok(()),
        Err(e) => line_is_named(&text(input), e.line, &e.to_string()),
    }
}

const CHECK: Target = Target {
    name: "check_file",
    corpus: "check_file",
    max_len: 64 * 1024,
    share: 1.0,
    nesting: TOML_NESTING,
};

#[test]
fn check_file() {
    campaign(&CHECK, |input| {
        let text = text(input);
        let origin = Origin::File("doctor.d/fuzz.toml".into());
        match parse_check(&text, origin) {
            Ok(_) => Ok(()),
            Err(e) => line_is_named(&text, e.line, &e.to_string()),
        }
    });
}
