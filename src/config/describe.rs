//! `doctor config`: every value with where it came from, secrets masked.

use super::{Config, secret};
use crate::locustfile::BodyKind;
use std::path::PathBuf;

impl Config {
    /// `doctor config`: every value with its origin; secrets masked.
    pub fn describe(&self) -> Vec<(&'static str, String, String)> {
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(none)".into())
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        let mut rows = vec![
            ("config file", path(&self.config_file), String::new()),
            (
                "target.base_url",
                // The user shown, the password masked: the URL as the user wrote it, safe.
                secret::redact_url(&crate::net::with_credentials(
                    &self.base_url.value,
                    self.base_url_credentials.as_ref().map(|c| c.expose()),
                )),
                self.base_url.origin.to_string(),
            ),
            (
                "target.login_path",
                self.login_path.value.clone(),
                self.login_path.origin.to_string(),
            ),
            (
                "target.login_format",
                match self.login_format.value {
                    BodyKind::Json => "json".to_string(),
                    BodyKind::Form => "form".to_string(),
                },
                self.login_format.origin.to_string(),
            ),
            (
                "target.username_field",
                self.username_field.value.clone(),
                self.username_field.origin.to_string(),
            ),
            (
                "target.username",
                opt(&self.username.value),
                self.username.origin.to_string(),
            ),
            (
                "target.password",
                self.password
                    .value
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "(none)".into()),
                self.password.origin.to_string(),
            ),
            (
                "target.allow_remote",
                self.allow_remote.value.to_string(),
                self.allow_remote.origin.to_string(),
            ),
            (
                "django.project_dir",
                path(&self.project_dir.value),
                self.project_dir.origin.to_string(),
            ),
            (
                "django.python",
                self.python.value.join(" "),
                self.python.origin.to_string(),
            ),
            (
                "django.settings",
                opt(&self.settings_module.value),
                self.settings_module.origin.to_string(),
            ),
            (
                "database.url",
                self.database_url
                    .value
                    .as_ref()
                    .map(|u| secret::redact_url(u.expose()))
                    .unwrap_or_else(|| "(ask Django)".into()),
                self.database_url.origin.to_string(),
            ),
            (
                "locust.locustfile",
                path(&self.locustfile.value),
                self.locustfile.origin.to_string(),
            ),
            (
                "checks.dirs",
                self.checks_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                String::new(),
            ),
        ];
        rows.extend(self.run.describe());
        rows
    }
}
