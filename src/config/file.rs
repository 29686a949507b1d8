//! `doctor.toml`: the optional file a team keeps in its project. Every key is optional.

use crate::errors::{LoadError, line_of};
use serde::Deserialize;
use std::path::Path;

pub mod ranges;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub target: TargetFile,
    #[serde(default)]
    pub django: DjangoFile,
    #[serde(default)]
    pub database: DatabaseFile,
    #[serde(default)]
    pub locust: LocustFile,
    #[serde(default)]
    pub checks: ChecksFile,
    #[serde(default)]
    pub run: super::run::RunFile,
    #[serde(default)]
    pub targets: super::run::TargetsFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    pub base_url: Option<String>,
    pub login_path: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `json` or `form`.
    pub login_format: Option<String>,
    /// The body field that carries the user name (`username`, `email`).
    pub username_field: Option<String>,
    /// Allow load traffic to a non-loopback address.
    pub allow_remote: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DjangoFile {
    pub project_dir: Option<String>,
    /// A program and its arguments, e.g. `["poetry", "run", "python"]`, or one path.
    pub python: Option<PythonSpec>,
    pub settings: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum PythonSpec {
    One(String),
    Argv(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseFile {
    pub url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocustFile {
    pub locustfile: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksFile {
    /// Extra directories of check files (relative to the config file).
    pub dirs: Option<Vec<String>>,
}

pub fn read(path: &Path) -> Result<FileConfig, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError {
        file: path.display().to_string(),
        line: None,
        message: format!("cannot read the config file: {e}"),
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| ranges::not_utf8(&bytes, &e, path))?;
    parse(text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<FileConfig, LoadError> {
    let cfg = toml::from_str(text).map_err(|e| LoadError {
        file: path.display().to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: format!(
            "{} (see README.md, \"Configuration\", for the keys)",
            ranges::printable(e.message().trim())
        ),
    })?;
    ranges::validate(&cfg, text, path)?;
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_section() {
        let text = r#"
[target]
base_url = "http://127.0.0.1:9000"
login_path = "/auth/login/"
login_format = "form"
[django]
python = ["poetry", "run", "python"]
[database]
url = "sqlite:///tmp/x.sqlite3"
[locust]
locustfile = "load/locustfile.py"
"#;
        let cfg = parse(text, Path::new("doctor.toml")).unwrap();
        assert_eq!(
            cfg.target.base_url.as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert!(matches!(cfg.django.python, Some(PythonSpec::Argv(ref v)) if v.len() == 3));
        assert_eq!(cfg.locust.locustfile.as_deref(), Some("load/locustfile.py"));
    }

    #[test]
    fn a_typo_names_file_and_line() {
        let err = parse(
            "[target]\nbase_url = \"x\"\nlogin_pth = \"/x\"\n",
            Path::new("doctor.toml"),
        )
        .unwrap_err();
        assert_eq!(err.file, "doctor.toml");
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("login_pth"), "{}", err.message);
    }

    #[test]
    fn a_wrong_type_names_the_line() {
        let err = parse("[target]\nallow_remote = \"yes\"\n", Path::new("d.toml")).unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
