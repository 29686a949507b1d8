//! Discovery and precedence on project trees made in temporary folders.

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

const MANAGE: &str = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.base')\n";
const LOCUST: &str = "from locust import FastHttpUser\nPASSWORD='pw1'\nclass U(FastHttpUser):\n    def on_start(self):\n        self.client.post('/auth/jwt/', data={'email': f'load{self.n}@x.io', 'password': PASSWORD})\n";

#[test]
fn discovers_from_manage_py_and_locustfile() {
    let dir = project(&[
        ("manage.py", MANAGE),
        ("locust_test/locustfile.py", LOCUST),
        ("sub/x.txt", ""),
    ]);
    let cfg =
        Config::load_with_env(&dir.path().join("sub"), &Overrides::default(), &|_| None).unwrap();
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

/// Facts are plain data: the configuration serializes without a process, secrets masked.
#[test]
fn config_is_plain_data_with_secrets_masked() {
    let dir = project(&[
        ("manage.py", MANAGE),
        ("doctor.toml", "[target]\npassword = \"file-pw\"\n"),
    ]);
    let cfg = Config::load_with_env(dir.path(), &Overrides::default(), &|_| None).unwrap();
    let json = serde_json::to_value(&cfg).unwrap();
    assert_eq!(json["base_url"]["value"], DEFAULT_BASE_URL);
    assert_eq!(json["password"]["value"], "********");
    assert!(!json.to_string().contains("file-pw"), "{json}");
}

/// `user:password@` in base_url is kept apart: no printed or saved URL carries the password,
/// and the URL given to Locust still has it.
#[test]
fn base_url_credentials_are_never_shown() {
    let dir = project(&[
        ("manage.py", MANAGE),
        (
            "doctor.toml",
            "[target]\nbase_url = \"http://ops:url-pw@127.0.0.1:8001/\"\n",
        ),
    ]);
    let cfg = Config::load_with_env(dir.path(), &Overrides::default(), &|_| None).unwrap();
    assert_eq!(cfg.base_url.value, "http://127.0.0.1:8001");
    assert_eq!(
        cfg.base_url_with_credentials(),
        "http://ops:url-pw@127.0.0.1:8001"
    );
    let shown = format!(
        "{} {:?} {}",
        serde_json::to_value(&cfg).unwrap(),
        cfg,
        cfg.describe()
            .iter()
            .map(|(k, v, o)| format!("{k} {v} {o}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!shown.contains("url-pw"), "{shown}");
    assert!(
        shown.contains("http://ops:********@127.0.0.1:8001"),
        "{shown}"
    );
}
