//! The resolved configuration: every value with where it came from
//! (flag > env > doctor.toml > discovered > default).

mod discovery;
pub use discovery::projects_below;
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

#[derive(Clone, Debug)]
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

#[derive(Clone, Debug)]
pub struct Config {
    pub config_file: Option<PathBuf>,
    pub base_url: Setting<String>,
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
        let base_url = Setting::new(
            base_url.value.trim_end_matches('/').to_string(),
            base_url.origin,
        );

        let locustfile = if let Some(path) = &file.locust.locustfile {
            Setting::new(Some(relative_to_config(path)), file_origin())
        } else if let Some(found) = project.as_deref().and_then(discovery::find_locustfile) {
            Setting::new(Some(found), Origin::Discovered("project dir".into()))
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
                self.base_url.value.clone(),
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

    /// The host of base_url is loopback (127.0.0.0/8, ::1, localhost).
    pub fn target_is_loopback(&self) -> bool {
        discovery::is_loopback_url(&self.base_url.value)
    }

    /// The server of base_url runs on this machine: loopback, or (after a host name resolves)
    /// an address of one of this machine's interfaces. See `server::location`.
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
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const MANAGE: &str =
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.base')\n";
    const LOCUST: &str = "from locust import FastHttpUser\nPASSWORD='pw1'\nclass U(FastHttpUser):\n    def on_start(self):\n        self.client.post('/auth/jwt/', data={'email': f'load{self.n}@x.io', 'password': PASSWORD})\n";

    #[test]
    fn discovers_from_manage_py_and_locustfile() {
        let dir = project(&[
            ("manage.py", MANAGE),
            ("locust_test/locustfile.py", LOCUST),
            ("sub/x.txt", ""),
        ]);
        let cfg = Config::load_with_env(&dir.path().join("sub"), &Overrides::default(), &|_| None)
            .unwrap();
        assert_eq!(cfg.project_dir.value.as_deref(), Some(dir.path()));
        assert_eq!(cfg.settings_module.value.as_deref(), Some("config.base"));
        assert_eq!(cfg.login_path.value, "/auth/jwt/");
        assert!(
            matches!(cfg.login_path.origin, Origin::Discovered(ref how) if how.contains("locustfile.py:5"))
        );
        assert_eq!(cfg.login_format.value, BodyKind::Form);
        assert_eq!(cfg.username_field.value, "email");
        assert_eq!(cfg.username.value.as_deref(), Some("load1@x.io"));
        assert_eq!(
            cfg.password
                .value
                .as_ref()
                .map(|s| s.expose().to_string())
                .as_deref(),
            Some("pw1")
        );
        assert_eq!(cfg.base_url.value, DEFAULT_BASE_URL);
        assert_eq!(cfg.base_url.origin, Origin::Default);
    }

    #[test]
    fn precedence_is_flag_env_file() {
        let dir = project(&[
            ("manage.py", MANAGE),
            (
                "doctor.toml",
                "[target]\nbase_url = \"http://127.0.0.1:9001/\"\npassword = \"file-pw\"\n",
            ),
        ]);
        let env = |name: &str| (name == "DOCTOR_PASSWORD").then(|| "env-pw".to_string());
        let cfg = Config::load_with_env(dir.path(), &Overrides::default(), &env).unwrap();
        assert_eq!(cfg.base_url.value, "http://127.0.0.1:9001");
        assert!(matches!(cfg.base_url.origin, Origin::File(_)));
        assert_eq!(cfg.password.value.as_ref().unwrap().expose(), "env-pw");
        let flags = Overrides {
            base_url: Some("http://[::1]:8001".into()),
            ..Overrides::default()
        };
        let cfg = Config::load_with_env(dir.path(), &flags, &env).unwrap();
        assert_eq!(cfg.base_url.value, "http://[::1]:8001");
        assert!(cfg.target_is_loopback());
        let described = format!("{:?}", cfg.describe());
        assert!(!described.contains("env-pw") && !described.contains("file-pw"));
    }

    /// A repository with the venv at its root, the Django project in `core/` with its own
    /// doctor.toml, and the load test beside `core/`.
    fn repository_with_core() -> tempfile::TempDir {
        project(&[
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".venv/bin/python", ""),
            ("core/manage.py", MANAGE),
            (
                "core/doctor.toml",
                "[target]\nbase_url = \"http://127.0.0.1:8200\"\n",
            ),
            ("loadtest/locustfile.py", LOCUST),
        ])
    }

    #[test]
    fn a_project_one_level_down_is_found_with_its_venv_config_and_locustfile() {
        let repo = repository_with_core();
        let root = repo.path();
        for cfg in [
            Config::load_with_env(root, &Overrides::default(), &|_| None).unwrap(),
            Config::load_with_env(
                root,
                &Overrides {
                    project_dir: Some("core".into()),
                    ..Overrides::default()
                },
                &|_| None,
            )
            .unwrap(),
        ] {
            assert_eq!(
                cfg.project_dir.value.as_deref(),
                Some(root.join("core").as_path())
            );
            assert_eq!(
                cfg.base_url.value, "http://127.0.0.1:8200",
                "core/doctor.toml is read"
            );
            assert_eq!(
                cfg.python.value,
                vec![root.join(".venv/bin/python").display().to_string()]
            );
            assert_eq!(
                cfg.locustfile.value.as_deref(),
                Some(root.join("loadtest/locustfile.py").as_path())
            );
        }
        let cfg = Config::load_with_env(root, &Overrides::default(), &|_| None).unwrap();
        assert!(
            matches!(cfg.project_dir.origin, Origin::Discovered(ref how) if how.contains("core/")),
            "{}",
            cfg.project_dir.origin
        );
    }

    #[test]
    fn a_poetry_project_without_poetry_uses_poetrys_environment() {
        let dir = project(&[
            ("manage.py", MANAGE),
            (
                "pyproject.toml",
                "[tool.poetry]\nname = \"Stock_Service\"\n",
            ),
            (
                "cache/pypoetry/virtualenvs/stock-service-AbC123-py3.11/bin/python",
                "",
            ),
        ]);
        let cache = dir.path().join("cache").display().to_string();
        let env = |name: &str| match name {
            "XDG_CACHE_HOME" => Some(cache.clone()),
            "PATH" => Some("/nonexistent".to_string()),
            _ => None,
        };
        let cfg = Config::load_with_env(dir.path(), &Overrides::default(), &env).unwrap();
        assert!(
            cfg.python.value[0].ends_with("stock-service-AbC123-py3.11/bin/python"),
            "{:?}",
            cfg.python.value
        );
    }

    #[test]
    fn without_a_project_defaults_hold() {
        let dir = project(&[]);
        let cfg = Config::load_with_env(dir.path(), &Overrides::default(), &|_| None).unwrap();
        assert_eq!(cfg.project_dir.value, None);
        assert_eq!(cfg.login_path.value, DEFAULT_LOGIN_PATH);
        assert_eq!(cfg.python.value, vec!["python3".to_string()]);
    }

    #[test]
    fn malformed_file_is_an_error_with_line() {
        let dir = project(&[("doctor.toml", "[target]\nbase_url = http://x\n")]);
        let err = Config::load_with_env(dir.path(), &Overrides::default(), &|_| None).unwrap_err();
        assert!(err.file.ends_with("doctor.toml"));
        assert_eq!(err.line, Some(2));
    }
}
