//! The server that runs: the process listening on base_url's port, read from /proc (its
//! interpreter, folder, command line, environment, start time). doctor's Python helpers run the
//! way that server runs, so doctor's own environment never decides an answer.

pub mod command_line;
pub mod concurrency;
pub mod interpreter;
pub mod machine;
pub mod port;
pub mod process;
pub mod procfs;
pub mod project;
#[cfg(test)]
mod test_tree;

use crate::config::{Config, Origin};
use crate::i18n::Lang;
use crate::python_helper::{Launch, LaunchEnv};
pub use process::{NoServer, ServerKind, ServerProcess};
use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime};

/// One reading per base_url, shared by the probes that run at once. A reading of a server holds
/// while that pid runs with the same start time; "no server" is read again after a moment.
type Cache = HashMap<String, (Instant, Result<ServerProcess, NoServer>)>;
static CACHE: LazyLock<tokio::sync::Mutex<Cache>> = LazyLock::new(Default::default);
const NO_SERVER_HOLDS: Duration = Duration::from_secs(2);

/// The local Django server listening on base_url's port and running this project, or why
/// doctor cannot use it (also when it runs another project: see `project`).
pub async fn running_server(config: &Config) -> Result<ServerProcess, NoServer> {
    let server = server_on_port(config).await?;
    match project::other_project(config, &server) {
        Some(theirs) => Err(NoServer::OtherProject {
            port: crate::net::url_port(&config.base_url.value).unwrap_or_default(),
            pid: server.pid,
            theirs,
            ours: config.project_dir.value.clone().unwrap_or_default(),
        }),
        None => Ok(server),
    }
}

/// The local Django server listening on base_url's port, whichever project it runs.
pub async fn server_on_port(config: &Config) -> Result<ServerProcess, NoServer> {
    let base_url = config.base_url.value.clone();
    let mut cache = CACHE.lock().await;
    if let Some((at, reading)) = cache.get(&base_url) {
        let holds = match reading {
            Ok(server) => {
                let pid = server.pid;
                let ticks = server.start_ticks;
                tokio::task::spawn_blocking(move || {
                    process::start_ticks(Path::new("/proc"), pid) == Some(ticks)
                })
                .await
                .unwrap_or(false)
            }
            Err(_) => at.elapsed() < NO_SERVER_HOLDS,
        };
        if holds {
            return reading.clone();
        }
    }
    let reading = read_now(config).await;
    cache.insert(base_url, (Instant::now(), reading.clone()));
    reading
}

/// Forget the reading of `base_url` (after doctor restarted or started a server).
pub async fn forget(base_url: &str) {
    CACHE.lock().await.remove(base_url);
}

async fn read_now(config: &Config) -> Result<ServerProcess, NoServer> {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self/environ").exists() {
        return Err(NoServer::NotLinux);
    }
    let base_url = config.base_url.value.clone();
    let url = base_url.clone();
    let here = tokio::task::spawn_blocking(move || crate::net::is_this_machine(&url))
        .await
        .unwrap_or(false);
    if !here {
        return Err(NoServer::NotLocal { base_url });
    }
    let port = crate::net::url_port(&base_url).ok_or(NoServer::NoPort { base_url })?;
    tokio::task::spawn_blocking(move || {
        let scan = port::scan(port).map_err(NoServer::ScanFailed)?;
        if !scan.listening {
            return Err(NoServer::NotListening { port });
        }
        process::read_server(Path::new("/proc"), port, &scan.listener_pids)
    })
    .await
    .unwrap_or_else(|e| Err(NoServer::ScanFailed(e.to_string())))
}

/// The settings module the server runs with, and where that was read: `--settings` on its
/// command line, its DJANGO_SETTINGS_MODULE, its folder's manage.py, or doctor's configuration
/// (never doctor's own environment).
pub fn server_settings(config: &Config, server: &ServerProcess) -> Option<(String, String)> {
    let at = format!("server pid {}", server.pid);
    if let Some(module) = &server.settings_option {
        return Some((module.clone(), format!("{at} (--settings)")));
    }
    if let Some(module) = server.env_var("DJANGO_SETTINGS_MODULE") {
        return Some((module.to_string(), format!("{at} (DJANGO_SETTINGS_MODULE)")));
    }
    if let Some(module) = std::fs::read_to_string(server.cwd.join("manage.py"))
        .ok()
        .and_then(|text| process::settings_in_manage_py(&text))
    {
        return Some((module, format!("{at} (its manage.py)")));
    }
    match &config.settings_module {
        s if matches!(s.origin, Origin::Env(_)) => None,
        s => s.value.clone().map(|m| (m, s.origin.to_string())),
    }
}

/// `[django] settings` the user configured that the running server does not run: said, not
/// silently replaced. The server's own wins because checks ask Django as the server runs it.
pub fn settings_not_used(
    config: &Config,
    server: &ServerProcess,
    lang: Lang,
) -> Option<(&'static str, String, String)> {
    let configured = config.settings_module.value.as_ref()?;
    if matches!(
        config.settings_module.origin,
        Origin::Default | Origin::Discovered(_) | Origin::Env(_)
    ) {
        return None;
    }
    let (running, _) = server_settings(config, server)?;
    if &running == configured {
        return None;
    }
    let pid = server.pid;
    let why = crate::t!(
        "not used: the server (pid {pid}) runs {running}, and checks ask Django as the server runs it; restart the server with {configured} to test that";
        "사용 안 함: 서버(pid {pid})가 {running}로 실행 중이고, 점검은 서버가 실행하는 그대로 Django에 물음; {configured}를 점검하려면 그 설정으로 서버를 다시 시작하세요"
    );
    Some((
        "django.settings (configured)",
        format!("{configured} ({})", config.settings_module.origin),
        why.get(lang).to_string(),
    ))
}

/// An interpreter the user named (doctor.toml, flag or env) rather than one doctor discovered.
fn python_is_explicit(config: &Config) -> bool {
    !matches!(
        config.python.origin,
        Origin::Discovered(_) | Origin::Default
    )
}

/// How the server's process says to start the project's Python: its interpreter (unless the
/// user named one), its folder, exactly its environment, and its settings module.
pub fn server_launch(config: &Config, server: &ServerProcess) -> Launch {
    let mut env: Vec<(String, String)> = server
        .env
        .iter()
        .filter(|(k, _)| k != "DJANGO_SETTINGS_MODULE")
        .cloned()
        .collect();
    if let Some((module, _)) = server_settings(config, server) {
        env.push(("DJANGO_SETTINGS_MODULE".into(), module));
    }
    let (argv, origin) = if python_is_explicit(config) {
        (
            config.python.value.clone(),
            format!(
                "{}; folder and environment of server pid {}",
                config.python.origin, server.pid
            ),
        )
    } else {
        (
            vec![server.interpreter.display().to_string()],
            format!("server pid {}", server.pid),
        )
    };
    Launch {
        argv,
        cwd: server.cwd.clone(),
        env: LaunchEnv::Exact(env),
        origin,
    }
}

/// How to start the project's Python for doctor's helpers: as the local server on base_url's
/// port runs (see [`server_launch`]); without one, the configured interpreter in the project
/// folder with doctor's environment (and the settings module doctor resolved).
pub async fn project_launch(config: &Config) -> Option<Launch> {
    if let Ok(server) = running_server(config).await {
        return Some(server_launch(config, &server));
    }
    let cwd = config.project_dir.value.clone()?;
    let mut extra = Vec::new();
    if let Some(module) = &config.settings_module.value {
        extra.push(("DJANGO_SETTINGS_MODULE".to_string(), module.clone()));
    }
    Some(Launch {
        argv: config.python.value.clone(),
        cwd,
        env: LaunchEnv::Inherit(extra),
        origin: config.python.origin.to_string(),
    })
}

/// `doctor config` rows the running server decides (same keys replace the configured ones).
/// A server of another project changes nothing and is said plainly, in `lang`.
pub async fn config_rows(config: &Config, lang: Lang) -> Vec<(&'static str, String, String)> {
    let server = match running_server(config).await {
        Ok(server) => server,
        Err(reason @ NoServer::OtherProject { .. }) => {
            return vec![("server", reason.text().get(lang).to_string(), String::new())];
        }
        Err(reason) => return vec![("server", format!("(none: {reason})"), String::new())],
    };
    let at = format!("server pid {}", server.pid);
    let launch = server_launch(config, &server);
    let mut rows = vec![
        (
            "django.project_dir",
            server.cwd.display().to_string(),
            at.clone(),
        ),
        (
            "django.python",
            launch.argv.join(" "),
            launch.origin.clone(),
        ),
    ];
    if let Some((module, origin)) = server_settings(config, &server) {
        rows.push(("django.settings", module, origin));
    }
    rows.extend(settings_not_used(config, &server, lang));
    rows.push(("server", server.label(), String::new()));
    rows.push((
        "server.started",
        format!(
            "{} ({} ago)",
            crate::clock::utc(server.started_at).1,
            age(server.started_at)
        ),
        at.clone(),
    ));
    rows.push((
        "server.command",
        shell_words(&server.command),
        format!("in {}", server.cwd.display()),
    ));
    rows.push((
        "server.reloads",
        if server.reloads {
            "yes (on .py changes)".into()
        } else {
            "no".into()
        },
        String::new(),
    ));
    rows.push((
        "server.interpreter",
        server.interpreter.display().to_string(),
        server.interpreter_how.clone(),
    ));
    rows
}

/// A command line as a person types it (quoting only for display).
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty()
                || a.contains(|c: char| c.is_whitespace() || "'\"$`\\;&|<>()*?".contains(c))
            {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn age(time: SystemTime) -> String {
    let secs = SystemTime::now()
        .duration_since(time)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    duration_en(secs)
}

/// "42 s", "7 min", "2 h 5 min".
pub fn duration_en(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// "42초", "7분", "2시간 5분".
pub fn duration_ko(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}초"),
        s if s < 3600 => format!("{}분", s / 60),
        s => format!("{}시간 {}분", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(cwd: &Path, env: &[(&str, &str)], settings: Option<&str>) -> ServerProcess {
        ServerProcess {
            pid: 77,
            worker_pids: vec![],
            reloader_pid: None,
            argv: vec!["python".into(), "manage.py".into(), "runserver".into()],
            exe: "/usr/bin/python3.11".into(),
            cwd: cwd.to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            started_at: SystemTime::now(),
            start_ticks: 1,
            kind: ServerKind::Runserver,
            reloads: true,
            settings_option: settings.map(str::to_string),
            interpreter: cwd.join(".venv/bin/python"),
            interpreter_how: "argv[0]".into(),
            venv: None,
            command: vec![],
        }
    }

    #[test]
    fn the_server_decides_environment_and_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manage.py"),
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.base')\n",
        )
        .unwrap();
        let discovered = Config::load_with_env(dir.path(), &Default::default(), &|_| None).unwrap();
        let launch = server_launch(&discovered, &server(dir.path(), &[("A", "1")], None));
        assert_eq!(
            launch.argv,
            vec![dir.path().join(".venv/bin/python").display().to_string()]
        );
        assert_eq!(launch.origin, "server pid 77");
        let LaunchEnv::Exact(env) = &launch.env else {
            panic!("{launch:?}")
        };
        assert!(env.contains(&("A".into(), "1".into())));
        assert!(env.contains(&("DJANGO_SETTINGS_MODULE".into(), "config.base".into())));
        // --settings beats the server's DJANGO_SETTINGS_MODULE, which beats manage.py.
        let s = server(
            dir.path(),
            &[("DJANGO_SETTINGS_MODULE", "config.env")],
            Some("config.load"),
        );
        assert_eq!(
            server_settings(&discovered, &s),
            Some(("config.load".into(), "server pid 77 (--settings)".into()))
        );
        let s = server(
            dir.path(),
            &[("DJANGO_SETTINGS_MODULE", "config.env")],
            None,
        );
        assert_eq!(server_settings(&discovered, &s).unwrap().0, "config.env");
        // doctor's own DJANGO_SETTINGS_MODULE never reaches a server's launch.
        std::fs::write(dir.path().join("manage.py"), "").unwrap();
        let from_env = Config::load_with_env(dir.path(), &Default::default(), &|k| {
            (k == "DJANGO_SETTINGS_MODULE").then(|| "doctors.own".to_string())
        })
        .unwrap();
        assert_eq!(
            server_settings(&from_env, &server(dir.path(), &[], None)),
            None
        );
        // An interpreter named in doctor.toml is kept, with the server's folder and environment.
        std::fs::write(
            dir.path().join("doctor.toml"),
            "[django]\npython = \"/opt/py/bin/python\"\n",
        )
        .unwrap();
        let explicit = Config::load_with_env(dir.path(), &Default::default(), &|_| None).unwrap();
        let launch = server_launch(&explicit, &server(dir.path(), &[("A", "1")], None));
        assert_eq!(launch.argv, vec!["/opt/py/bin/python".to_string()]);
        assert!(
            launch
                .origin
                .ends_with("folder and environment of server pid 77"),
            "{}",
            launch.origin
        );
        assert!(matches!(launch.env, LaunchEnv::Exact(_)));
        assert_eq!(launch.cwd, dir.path());
    }

    #[test]
    fn durations_read_in_both_languages() {
        assert_eq!(duration_en(42), "42 s");
        assert_eq!(duration_en(7 * 60 + 5), "7 min");
        assert_eq!(duration_ko(2 * 3600 + 5 * 60), "2시간 5분");
    }

    /// Issue 22: doctor.toml's `[django] settings` is not silently replaced by the server's.
    #[test]
    fn configured_settings_the_server_does_not_run_are_said() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manage.py"), "").unwrap();
        std::fs::write(
            dir.path().join("doctor.toml"),
            "[django]\nsettings = \"config.base\"\n",
        )
        .unwrap();
        let config = Config::load_with_env(dir.path(), &Default::default(), &|_| None).unwrap();
        let prod = server(
            dir.path(),
            &[("DJANGO_SETTINGS_MODULE", "config.prod")],
            None,
        );
        let (key, value, why) = settings_not_used(&config, &prod, Lang::En).unwrap();
        assert_eq!(key, "django.settings (configured)");
        assert!(value.starts_with("config.base ("), "{value}");
        assert!(why.contains("runs config.prod"), "{why}");
        let (_, _, ko) = settings_not_used(&config, &prod, Lang::Ko).unwrap();
        assert!(ko.contains("config.prod로 실행 중"), "{ko}");
        let same = server(
            dir.path(),
            &[("DJANGO_SETTINGS_MODULE", "config.base")],
            None,
        );
        assert!(settings_not_used(&config, &same, Lang::En).is_none());
    }
}
