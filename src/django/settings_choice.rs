//! Which module a settings *package* runs (`config/settings/__init__.py` importing `local` or
//! `production` by DJANGO_ENV), as the project's Python answers it with the server's
//! environment (`doctor_py/settings_choice.py`).

use crate::config::Config;
use crate::python_helper;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// The helper's answer for a settings package.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct SettingsChoice {
    /// The package, e.g. `config.settings`.
    pub package: String,
    /// Its `__init__.py`.
    pub file: String,
    /// The submodules the package imported, e.g. `config.settings.production`.
    #[serde(default)]
    pub chosen: Vec<String>,
    /// The environment variables the package reads, with their values where it ran.
    #[serde(default)]
    pub reads: Vec<EnvRead>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct EnvRead {
    pub var: String,
    pub line: u32,
    pub value: Option<String>,
}

impl SettingsChoice {
    /// "config.settings.production ← DJANGO_ENV=production (config/settings/__init__.py:4)";
    /// an unset variable reads "DJANGO_ENV=—". Symbols, no prose: it reads in both languages.
    pub fn describe(&self, project: Option<&Path>) -> String {
        let chosen = if self.chosen.is_empty() {
            self.package.clone()
        } else {
            self.chosen.join(" + ")
        };
        let file = project
            .and_then(|p| Path::new(&self.file).strip_prefix(p).ok())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| self.file.clone());
        let Some(read) = self.reads.first() else {
            return format!("{chosen} ← {file}");
        };
        let value = match &read.value {
            Some(v) => format!("{}={v}", read.var),
            None => format!("{}=—", read.var),
        };
        format!("{chosen} ← {value} ({file}:{})", read.line)
    }
}

#[derive(Deserialize)]
struct Answer {
    choice: Option<SettingsChoice>,
}

/// The helper's answer line: the choice, or None when it names none or is not its JSON.
pub fn parse_answer(line: &str) -> Option<SettingsChoice> {
    serde_json::from_str::<Answer>(line).ok()?.choice
}

/// Ask the project's Python (launched as the server runs, see `server::project_launch`) which
/// module its settings package runs: Some((text, where the environment came from)).
pub async fn ask(config: &Config) -> Option<(String, String)> {
    let launch = crate::server::project_launch(config).await?;
    let line = python_helper::run(
        &launch,
        "settings_choice_main.py",
        &serde_json::json!({}),
        "DOCTOR_PROBE_JSON:",
        Duration::from_secs(20),
    )
    .await
    .ok()?;
    let choice = parse_answer(&line)?;
    let text = choice.describe(Some(&launch.cwd));
    Some((text, format!("environment of {}", launch.origin)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chosen_module_and_its_variable_are_named() {
        let choice = SettingsChoice {
            package: "config.settings".into(),
            file: "/p/config/settings/__init__.py".into(),
            chosen: vec!["config.settings.production".into()],
            reads: vec![EnvRead {
                var: "DJANGO_ENV".into(),
                line: 4,
                value: Some("production".into()),
            }],
        };
        assert_eq!(
            choice.describe(Some(Path::new("/p"))),
            "config.settings.production ← DJANGO_ENV=production (config/settings/__init__.py:4)"
        );
        let unset = SettingsChoice {
            reads: vec![EnvRead {
                value: None,
                ..choice.reads[0].clone()
            }],
            chosen: vec!["config.settings.local".into()],
            ..choice
        };
        assert!(unset.describe(None).contains("DJANGO_ENV=—"));
    }
}
