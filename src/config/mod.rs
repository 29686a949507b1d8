//! The resolved configuration: every value with where it came from
//! (flag > env > doctor.toml > discovered > default).

mod describe;
mod discovery;
mod locustfile_search;
pub use discovery::{find_project_dir, projects_below};
pub mod file;
pub mod run;
pub mod secret;

use crate::errors::LoadError;
use crate::locustfile::{BodyKind, Locustfile};
use file::{FileConfig, PythonSpec};
pub use secret::Secret;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "from", content = "detail", rename_all = "lowercase")]
pub enum Origin {
    Default,
    Discovered(String),
    File(String),
    Env(String),
    Flag(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::Discovered(how) => write!(f, "discovered ({how})"),
            Origin::File(path) => write!(f, "file ({path})"),
            Origin::Env(var) => write!(f, "env ({var})"),
            Origin::Flag(flag) => write!(f, "flag ({flag})"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    fn new(value: T, origin: Origin) -> Setting<T> {
        Setting { value, origin }
    }
}

/// What the command line says that overrides everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub checks_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub project_dir: Option<PathBuf>,
}

/// Plain data: `Serialize` shows it as JSON with every secret masked.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub config_file: Option<PathBuf>,
    /// Without `user:password@`: those are in `base_url_credentials`, never printed.
    pub base_url: Setting<String>,
    pub base_url_credentials: Option<Secret>,
    pub login_path: Setting<String>,
    pub login_format: Setting<BodyKind>,
    pub username_field: Setting<String>,
    pub username: Setting<Option<String>>,
    pub password: Setting<Option<Secret>>,
    pub allow_remote: Setting<bool>,
    pub project_dir: Setting<Option<PathBuf>>,
    pub python: Setting<Vec<String>>,
    pub settings_module: Setting<Option<String>>,
    /// None: ask Django (through the project's Python) at run time.
    pub database_url: Setting<Option<Secret>>,
    pub locustfile: Setting<Option<PathBuf>>,
    pub checks_dirs: Vec<PathBuf>,
    /// `[run]` and `[targets]`: the stages and targets of `doctor run`.
    pub run: run::RunConfig,
}

pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000";
pub const DEFAULT_LOGIN_PATH: &str = "/api/token/";
/// Larger locustfiles are not read while the configuration loads (see `Config::load`).
const READ_AT_START_LIMIT: u64 = 512 * 1024;

impl Config {
    /// Resolve the configuration as seen from `cwd` with the process environment.
    pub fn load(cwd: &Path, overrides: &Overrides) -> Result<Config, LoadError> {
        Config::load_with_env(cwd, overrides, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    pub fn load_with_env(
        cwd: &Path,
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, LoadError> {
        // Project dir first: doctor.toml may live there when doctor runs from a subfolder, or
        // one level down when doctor runs from the root of a repository with `core/manage.py`.
        let flag_dir = overrides
            .project_dir
            .as_ref()
            .map(|dir| absolutize(cwd, &dir.display().to_string()));
        let (upward, below) = match discovery::find_project_dir(cwd) {
            Some(dir) => (Some(dir), false),
            None => match discovery::projects_below(cwd).as_slice() {
                [only] => (Some(only.clone()), true),
                _ => (None, false),
            },
        };
        let config_path = match &overrides.config {
            Some(path) => {
                if !path.exists() {
                    return Err(LoadError {
                        file: path.display().to_string(),
                        line: None,
                        message: "config file not found (given with --config)".into(),
                    });
                }
                Some(path.clone())
            }
            None => [Some(cwd.to_path_buf()), flag_dir.clone(), upward.clone()]
                .into_iter()
                .flatten()
                .map(|dir| dir.join("doctor.toml"))
                .find(|p| p.is_file()),
        };
        let file = match &config_path {
            Some(path) => file::read(path)?,
            None => FileConfig::default(),
        };
        let file_origin = || {
            Origin::File(
                config_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            )
        };
        let config_dir = config_path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.to_path_buf());
        let relative_to_config = |p: &str| absolutize(&config_dir, p);

        let project_dir = if let Some(dir) = &flag_dir {
            Setting::new(Some(dir.clone()), Origin::Flag("--project-dir".into()))
        } else if let Some(dir) = &file.django.project_dir {
            Setting::new(Some(relative_to_config(dir)), file_origin())
        } else if let Some(dir) = upward {
            let how = if below {
                let shown = dir.strip_prefix(cwd).unwrap_or(&dir).display().to_string();
                format!("manage.py in {shown}/ below the working directory")
            } else {
                "manage.py found".into()
            };
            Setting::new(Some(dir), Origin::Discovered(how))
        } else {
            Setting::new(None, Origin::Default)
        };
        let project = project_dir.value.clone();

        let base_url = if let Some(url) = &overrides.base_url {
            Setting::new(url.clone(), Origin::Flag("--base-url".into()))
        } else if let Some(url) = env("DOCTOR_BASE_URL") {
            Setting::new(url, Origin::Env("DOCTOR_BASE_URL".into()))
        } else if let Some(url) = &file.target.base_url {
            Setting::new(url.clone(), file_origin())
        } else {
            Setting::new(DEFAULT_BASE_URL.to_string(), Origin::Default)
        };
        let (bare_url, base_url_credentials) =
            crate::net::split_credentials(base_url.value.trim_end_matches('/'));
        let base_url = Setting::new(bare_url, base_url.origin);
        let base_url_credentials = base_url_credentials.map(Secret::new);

        let locustfile = if let Some(path) = &file.locust.locustfile {
            Setting::new(Some(relative_to_config(path)), file_origin())
        } else if let Some(found) = project.as_deref().and_then(discovery::find_locustfile) {
            Setting::new(
                Some(found.chosen.clone()),
                Origin::Discovered(found.origin()),
            )
        } else {
            Setting::new(None, Origin::Default)
        };
        // Read at start only when small: the executed locustfile is the real source of these
        // values, and a generated multi-megabyte file must not hold up every command.
        let parsed = locustfile
            .value
            .as_deref()
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= READ_AT_START_LIMIT))
            .and_then(|p| Locustfile::read(p).ok());
        let from_locustfile = |what: &str| {
            let at = parsed
                .as_ref()
                .and_then(|f| f.login.as_ref())
                .map(|l| l.line)
                .unwrap_or(0);
            let name = locustfile
                .value
                .as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Origin::Discovered(format!("{what} in {name}:{at}"))
        };
        let login = parsed.as_ref().and_then(|f| f.login.as_ref());

        let login_path = if let Some(path) = &file.target.login_path {
            Setting::new(path.clone(), file_origin())
        } else if let Some(login) = login {
            Setting::new(login.path.clone(), from_locustfile("login request"))
        } else {
            Setting::new(DEFAULT_LOGIN_PATH.to_string(), Origin::Default)
        };
        let login_format = match file.target.login_format.as_deref() {
            Some("form") => Setting::new(BodyKind::Form, file_origin()),
            Some("json") => Setting::new(BodyKind::Json, file_origin()),
            Some(other) => {
                return Err(LoadError {
                    file: config_path
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    line: None,
                    message: format!(
                        "[target] login_format = \"{other}\": use \"json\" or \"form\""
                    ),
                });
            }
            None => match login {
                Some(l) => Setting::new(l.body, from_locustfile("login body")),
                None => Setting::new(BodyKind::Json, Origin::Default),
            },
        };
        let credentials = parsed
            .as_ref()
            .map(discovery::credentials_from_locustfile)
            .unwrap_or_default();
        let username_field = match (&file.target.username_field, &credentials.username_field) {
            (Some(field), _) => Setting::new(field.clone(), file_origin()),
            (None, Some(field)) => Setting::new(field.clone(), from_locustfile("login body")),
            (None, None) => Setting::new("username".to_string(), Origin::Default),
        };
        let username = match (
            env("DOCTOR_USERNAME"),
            &file.target.username,
            &credentials.username,
        ) {
            (Some(name), _, _) => Setting::new(Some(name), Origin::Env("DOCTOR_USERNAME".into())),
            (None, Some(name), _) => Setting::new(Some(name.clone()), file_origin()),
            (None, None, Some(name)) => {
                Setting::new(Some(name.clone()), from_locustfile("login body"))
            }
            (None, None, None) => Setting::new(None, Origin::Default),
        };
        let password = match (
            env("DOCTOR_PASSWORD"),
            &file.target.password,
            &credentials.password,
        ) {
            (Some(pw), _, _) => {
                Setting::new(Some(Secret::new(pw)), Origin::Env("DOCTOR_PASSWORD".into()))
            }
            (None, Some(pw), _) => Setting::new(Some(Secret::new(pw.clone())), file_origin()),
            (None, None, Some(pw)) => {
                Setting::new(Some(Secret::new(pw.clone())), from_locustfile("login body"))
            }
            (None, None, None) => Setting::new(None, Origin::Default),
        };
        let allow_remote = match file.target.allow_remote {
            Some(v) => Setting::new(v, file_origin()),
            None => Setting::new(false, Origin::Default),
        };

        let python = match &file.django.python {
            Some(PythonSpec::One(p)) => Setting::new(vec![p.clone()], file_origin()),
            Some(PythonSpec::Argv(argv)) if !argv.is_empty() => {
                Setting::new(argv.clone(), file_origin())
            }
            _ => {
                let (argv, how) = discovery::find_python(project.as_deref(), env);
                Setting::new(argv, Origin::Discovered(how))
            }
        };
        let settings_module = if let Some(module) = env("DJANGO_SETTINGS_MODULE") {
            Setting::new(Some(module), Origin::Env("DJANGO_SETTINGS_MODULE".into()))
        } else if let Some(module) = &file.django.settings {
            Setting::new(Some(module.clone()), file_origin())
        } else if let Some(module) = project
            .as_deref()
            .and_then(discovery::settings_from_manage_py)
        {
            Setting::new(Some(module), Origin::Discovered("manage.py".into()))
        } else {
            Setting::new(None, Origin::Default)
        };
        let database_url = if let Some(url) = env("DOCTOR_DATABASE_URL") {
            Setting::new(
                Some(Secret::new(url)),
                Origin::Env("DOCTOR_DATABASE_URL".into()),
            )
        } else if let Some(url) = &file.database.url {
            Setting::new(Some(Secret::new(url.clone())), file_origin())
        } else {
            Setting::new(None, Origin::Default)
        };

        let mut checks_dirs = Vec::new();
        for dir in file.checks.dirs.iter().flatten() {
            checks_dirs.push(relative_to_config(dir));
        }
        if let Some(dir) = &overrides.checks_dir {
            checks_dirs.push(dir.clone());
        } else if let Some(dir) = [Some(cwd.to_path_buf()), project.clone()]
            .into_iter()
            .flatten()
            .map(|d| d.join("doctor.d"))
            .find(|d| d.is_dir())
        {
            checks_dirs.push(dir);
        }
        checks_dirs.dedup();
        let run =
            run::RunConfig::resolve(&file.run, &file.targets, &file_origin).map_err(|message| {
                LoadError {
                    file: config_path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    line: None,
                    message,
                }
            })?;

        Ok(Config {
            config_file: config_path,
            base_url,
            base_url_credentials,
            login_path,
            login_format,
            username_field,
            username,
            password,
            allow_remote,
            project_dir,
            python,
            settings_module,
            database_url,
            locustfile,
            checks_dirs,
            run,
        })
    }

    /// base_url with its `user:password@` back, for what sends requests (Locust's --host).
    pub fn base_url_with_credentials(&self) -> String {
        crate::net::with_credentials(
            &self.base_url.value,
            self.base_url_credentials.as_ref().map(Secret::expose),
        )
    }

    /// The host of base_url is loopback (127.0.0.0/8, ::1, localhost).
    pub fn target_is_loopback(&self) -> bool {
        discovery::is_loopback_url(&self.base_url.value)
    }

    /// The server of base_url runs on this machine: loopback, or (after a host name resolves)
    /// an address of one of this machine's interfaces. See `net`.
    pub fn target_is_this_machine(&self) -> bool {
        crate::net::is_this_machine(&self.base_url.value)
    }

    /// The host base_url names when it is not this machine; None when the server runs here.
    pub fn remote_host(&self) -> Option<String> {
        if self.target_is_this_machine() {
            return None;
        }
        Some(
            crate::net::url_host(&self.base_url.value)
                .unwrap_or_else(|| self.base_url.value.clone()),
        )
    }
}

fn absolutize(base: &Path, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() { p } else { base.join(p) }
}

#[cfg(test)]
mod tests;
