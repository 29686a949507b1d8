//! What a server's command line says: which Django server it is, whether it reloads itself,
//! and the settings module it names (`--settings`, or manage.py's default).

use super::process::ServerKind;

pub(super) fn base_name(arg: &str) -> &str {
    arg.rsplit('/').next().unwrap_or(arg)
}

/// What kind of Django server a command line is, if any.
pub fn classify(argv: &[String]) -> Option<ServerKind> {
    let names: Vec<&str> = argv.iter().map(|a| base_name(a)).collect();
    let has = |name: &str| names.contains(&name);
    let joined = argv.join(" ").to_lowercase();
    let django_cli = has("manage.py")
        || has("django-admin")
        || argv.windows(2).any(|w| w[0] == "-m" && w[1] == "django");
    if django_cli && argv.iter().any(|a| a == "runserver") {
        Some(ServerKind::Runserver)
    } else if names.iter().any(|n| n.starts_with("gunicorn")) || joined.starts_with("gunicorn:") {
        Some(ServerKind::Gunicorn)
    } else if names.iter().any(|n| n.starts_with("uvicorn")) {
        Some(ServerKind::Uvicorn)
    } else if names.iter().any(|n| n.starts_with("daphne")) {
        Some(ServerKind::Daphne)
    } else if names
        .iter()
        .any(|n| n.starts_with("hypercorn") || n.starts_with("uwsgi"))
    {
        Some(ServerKind::Other)
    } else {
        None
    }
}

/// Does this server restart itself on .py changes? (runserver unless `--noreload`; the others
/// only with `--reload`, also given through GUNICORN_CMD_ARGS.)
pub fn reloads(kind: ServerKind, argv: &[String], env: &[(String, String)]) -> bool {
    let flag = |f: &str| argv.iter().any(|a| a == f);
    match kind {
        // argparse accepts unambiguous prefixes: --noreload, --norel, …
        ServerKind::Runserver => !argv
            .iter()
            .any(|a| a.len() >= 5 && "--noreload".starts_with(a.as_str())),
        ServerKind::Gunicorn => {
            flag("--reload")
                || env.iter().any(|(k, v)| {
                    k == "GUNICORN_CMD_ARGS" && v.split_whitespace().any(|a| a == "--reload")
                })
        }
        ServerKind::Uvicorn | ServerKind::Other => flag("--reload") || flag("--py-autoreload"),
        ServerKind::Daphne => false,
    }
}

/// `--settings X` / `--settings=X` on a manage.py command line.
pub fn settings_option(argv: &[String]) -> Option<String> {
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        if arg == "--settings" {
            return it.next().cloned();
        }
        if let Some(value) = arg.strip_prefix("--settings=") {
            return Some(value.to_string());
        }
    }
    None
}

/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.base")` in a manage.py text.
pub fn settings_in_manage_py(text: &str) -> Option<String> {
    let at = text.find("DJANGO_SETTINGS_MODULE")?;
    let rest = &text[at + "DJANGO_SETTINGS_MODULE".len()..];
    let rest = rest.trim_start_matches(['"', '\'']).trim_start();
    let rest = rest.strip_prefix(',')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let end = value.find(quote)?;
    Some(value[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn kinds_reloading_and_settings() {
        let rs = s(&[
            "/p/.venv/bin/python",
            "manage.py",
            "runserver",
            "127.0.0.1:8000",
        ]);
        assert_eq!(classify(&rs), Some(ServerKind::Runserver));
        assert!(reloads(ServerKind::Runserver, &rs, &[]));
        let nr = s(&[
            "python",
            "./manage.py",
            "runserver",
            "--noreload",
            "--settings=config.load",
        ]);
        assert!(!reloads(ServerKind::Runserver, &nr, &[]));
        assert_eq!(settings_option(&nr).as_deref(), Some("config.load"));
        assert_eq!(
            settings_option(&s(&["manage.py", "runserver", "--settings", "a.b"])).as_deref(),
            Some("a.b")
        );
        let g = s(&[
            "/v/bin/python3",
            "/v/bin/gunicorn",
            "config.wsgi",
            "-w",
            "2",
        ]);
        assert_eq!(classify(&g), Some(ServerKind::Gunicorn));
        assert!(!reloads(ServerKind::Gunicorn, &g, &[]));
        assert!(reloads(
            ServerKind::Gunicorn,
            &g,
            &[("GUNICORN_CMD_ARGS".into(), "--reload --workers 3".into())]
        ));
        assert_eq!(
            classify(&s(&["gunicorn: master [config.wsgi:application]"])),
            Some(ServerKind::Gunicorn)
        );
        assert_eq!(
            classify(&s(&[
                "python3",
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--reload"
            ])),
            Some(ServerKind::Uvicorn)
        );
        assert_eq!(
            classify(&s(&[
                "/v/bin/python",
                "/v/bin/uvicorn",
                "config.asgi:application"
            ])),
            Some(ServerKind::Uvicorn)
        );
        assert_eq!(
            classify(&s(&["python3", "-m", "http.server", "8000"])),
            None
        );
        assert_eq!(
            settings_in_manage_py(
                "import os\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", 'config.base')\n"
            )
            .as_deref(),
            Some("config.base")
        );
    }
}
