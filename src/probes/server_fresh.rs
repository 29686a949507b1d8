//! `server_fresh`: the running server runs the project's current code and `.env`. A server that
//! does not reload (runserver --noreload, gunicorn/uvicorn without --reload) and started before
//! the newest .py change still runs the old code; a `.env` changed after the start is not read
//! by any running server (runserver's autoreloader does not watch it).

use super::Input;
use crate::checks::result::Outcome;
use crate::server::{self, ServerProcess, duration_en, duration_ko};
use crate::t;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Folders that are not the project's code.
const SKIP_DIRS: &[&str] = &[
    ".venv",
    "venv",
    "site-packages",
    "node_modules",
    ".git",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hg",
    "dist",
    "build",
];
/// `.env.example` and friends document settings; no server reads them.
const TEMPLATE_SUFFIXES: &[&str] = &["example", "sample", "template", "dist", "tmpl"];
const MAX_ENTRIES: usize = 50_000;
const MAX_DEPTH: usize = 12;
/// The start time is exact to about 10 ms; a change this close to it is not called later.
const MARGIN: Duration = Duration::from_secs(1);

/// The newest `.py` file and every `.env` file under a project folder.
#[derive(Debug, Default)]
pub struct ProjectFiles {
    pub newest_py: Option<(PathBuf, SystemTime)>,
    pub env_files: Vec<(PathBuf, SystemTime)>,
    /// The walk stopped at MAX_ENTRIES.
    pub truncated: bool,
}

fn is_env_file(name: &str) -> bool {
    name == ".env"
        || name
            .strip_prefix(".env.")
            .is_some_and(|rest| !TEMPLATE_SUFFIXES.contains(&rest))
}

pub fn scan_project(root: &Path) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                files.truncated = true;
                return files;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            // file_type does not follow symlinks: a symlinked venv is never walked.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                // A venv under another name (`env/`, `.env/`) has a pyvenv.cfg.
                if depth < MAX_DEPTH
                    && !SKIP_DIRS.contains(&name.as_str())
                    && !path.join("pyvenv.cfg").exists()
                {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let Some(modified) = entry.metadata().ok().and_then(|m| m.modified().ok()) else {
                continue;
            };
            if name.ends_with(".py") {
                if files.newest_py.as_ref().is_none_or(|(_, t)| modified > *t) {
                    files.newest_py = Some((path, modified));
                }
            } else if is_env_file(&name) {
                files.env_files.push((path, modified));
            }
        }
    }
    files.env_files.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
    files
}

fn later_than(time: SystemTime, start: SystemTime) -> Option<u64> {
    let after = time.duration_since(start).ok()?;
    (after > MARGIN).then_some(after.as_secs())
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The command that restarts the server, as a person types it in its folder.
pub fn restart_command(server: &ServerProcess) -> String {
    format!(
        "cd {} && {}",
        server::shell_words(&[server.cwd.display().to_string()]),
        server::shell_words(&server.command)
    )
}

/// Judge a server against the files of its folder.
pub fn judge(server: &ServerProcess, root: &Path, files: &ProjectFiles) -> Outcome {
    let pid = server.pid;
    let kind = server.kind.name();
    let started = crate::clock::utc(server.started_at).1;
    let stale_py = (!server.reloads)
        .then_some(files.newest_py.as_ref())
        .flatten()
        .and_then(|(path, t)| Some((relative(path, root), later_than(*t, server.started_at)?)));
    let stale_env = files
        .env_files
        .iter()
        .find_map(|(path, t)| Some((relative(path, root), later_than(*t, server.started_at)?)));
    let restart = restart_command(server);
    let stop = match server.reloader_pid {
        Some(reloader) => reloader,
        None => pid,
    };
    let mut outcome = match (&stale_py, &stale_env) {
        (None, None) => {
            let why = if server.reloads {
                t!("{kind} (pid {pid}) reloads on .py changes and no .env changed since it started ({started})";
                   "{kind}(pid {pid})는 .py 변경 시 다시 읽고, 시작({started}) 후 바뀐 .env 없음")
            } else {
                t!("{kind} (pid {pid}) started {started}, after the last change of the project's .py and .env files";
                   "{kind}(pid {pid})가 {started}에 시작됨: 프로젝트의 .py·.env 파일 마지막 변경 이후")
            };
            return Outcome::pass(why)
                .with("server", server.label())
                .with("started", started)
                .with("reloads", server.reloads)
                .with("project", root.display());
        }
        (Some((file, secs)), None) => Outcome::warn(
            "stale_code",
            t!("{file} changed {} after {kind} (pid {pid}) started, and it does not reload: it still runs the old code", duration_en(*secs);
               "{kind}(pid {pid}) 시작 {} 후 {file}이(가) 바뀜: 자동으로 다시 읽지 않으므로 이전 코드로 실행 중", duration_ko(*secs)),
        )
        .at(file.clone(), None),
        (None, Some((file, secs))) => Outcome::warn(
            "stale_env",
            t!("{file} changed {} after {kind} (pid {pid}) started: the server still has the old values (no server re-reads .env by itself)", duration_en(*secs);
               "{kind}(pid {pid}) 시작 {} 후 {file}이(가) 바뀜: 서버는 여전히 이전 값 사용 (.env는 자동으로 다시 읽지 않음)", duration_ko(*secs)),
        )
        .at(file.clone(), None),
        (Some((file, secs)), Some((env_file, env_secs))) => Outcome::warn(
            "stale_code_env",
            t!("{file} changed {} and {env_file} {} after {kind} (pid {pid}) started: it runs the old code and the old .env", duration_en(*secs), duration_en(*env_secs);
               "{kind}(pid {pid}) 시작 후 {file}은(는) {}, {env_file}은(는) {} 뒤에 바뀜: 이전 코드와 이전 .env로 실행 중", duration_ko(*secs), duration_ko(*env_secs)),
        )
        .at(file.clone(), None),
    };
    if let Some((file, secs)) = &stale_py {
        outcome = outcome.with("changed", format!("{file} (+{})", duration_en(*secs)));
    }
    if let Some((file, secs)) = &stale_env {
        outcome = outcome.with("changed", format!("{file} (+{})", duration_en(*secs)));
    }
    outcome = outcome
        .with("server", server.label())
        .with("started", &started)
        .with("reloads", server.reloads)
        .with("restart", &restart)
        .with_detail(t!(
            "Restart it: stop pid {stop} (Ctrl-C in its terminal, or `kill {stop}`), then start it again as it was started:\n  {restart}";
            "다시 시작: pid {stop}을(를) 종료(해당 터미널에서 Ctrl-C 또는 `kill {stop}`)한 뒤 같은 명령으로 다시 실행:\n  {restart}"
        ));
    outcome.with_facts(serde_json::json!({
        "pid": pid,
        "stop_pid": stop,
        "command": server.command,
        "cwd": server.cwd,
    }))
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let server = match server::running_server(&input.ctx.config).await {
        Ok(server) => server,
        Err(server::NoServer::NotLocal { base_url }) => {
            let why = crate::probes::remote::remote_reason_for(&base_url);
            return Ok(Outcome::skip(t!(
                "could not test the server's start time against the code: {}", why.en;
                "서버 시작 시각과 코드를 비교할 수 없음: {}", why.ko
            ))
            .diagnosed(crate::checks::diagnosis::REMOTE_SERVER));
        }
        Err(reason) => {
            let why = reason.text();
            return Ok(Outcome::skip(
                t!("could not test, because {}", why.en; "점검할 수 없음: {}", why.ko),
            ));
        }
    };
    // The server's folder when it is a Django project; else the configured project.
    let root = if server.cwd.join("manage.py").is_file() {
        server.cwd.clone()
    } else {
        input
            .ctx
            .config
            .project_dir
            .value
            .clone()
            .unwrap_or_else(|| server.cwd.clone())
    };
    let walk_root = root.clone();
    let files = tokio::task::spawn_blocking(move || scan_project(&walk_root)).await?;
    let mut outcome = judge(&server, &root, &files);
    if files.truncated {
        outcome = outcome.with("note", format!("stopped after {MAX_ENTRIES} files"));
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ServerKind;

    fn server(reloads: bool, started_at: SystemTime) -> ServerProcess {
        ServerProcess {
            pid: 42,
            worker_pids: vec![],
            reloader_pid: None,
            argv: vec!["python".into(), "manage.py".into(), "runserver".into()],
            exe: "/usr/bin/python3".into(),
            cwd: "/p".into(),
            env: vec![],
            started_at,
            start_ticks: 1,
            kind: ServerKind::Runserver,
            reloads,
            settings_option: None,
            interpreter: "/p/.venv/bin/python".into(),
            interpreter_how: "argv[0]".into(),
            venv: None,
            command: vec![
                "python".into(),
                "manage.py".into(),
                "runserver".into(),
                "--noreload".into(),
            ],
        }
    }

    fn touch(path: &Path, at: SystemTime) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(at)
            .unwrap();
    }

    #[test]
    fn newest_py_skips_venvs_and_env_templates() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let base = SystemTime::now() - Duration::from_secs(3600);
        touch(&root.join("apps/views.py"), base);
        touch(
            &root.join("apps/migrations/0001_initial.py"),
            base + Duration::from_secs(60),
        );
        touch(
            &root.join(".venv/lib/x.py"),
            base + Duration::from_secs(900),
        );
        touch(&root.join("env/lib/y.py"), base + Duration::from_secs(900));
        touch(&root.join("env/pyvenv.cfg"), base);
        touch(
            &root.join("apps/__pycache__/z.py"),
            base + Duration::from_secs(900),
        );
        touch(&root.join(".env"), base + Duration::from_secs(30));
        touch(&root.join(".env.example"), base + Duration::from_secs(900));
        touch(&root.join(".env.local"), base + Duration::from_secs(40));
        let files = scan_project(root);
        let (newest, _) = files.newest_py.unwrap();
        assert_eq!(newest, root.join("apps/migrations/0001_initial.py"));
        let envs: Vec<_> = files.env_files.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(envs, vec![root.join(".env.local"), root.join(".env")]);
    }

    #[test]
    fn judges_code_and_env_against_the_start() {
        let start = SystemTime::now() - Duration::from_secs(600);
        let root = Path::new("/p");
        let files = ProjectFiles {
            newest_py: Some((root.join("apps/views.py"), start + Duration::from_secs(420))),
            env_files: vec![],
            truncated: false,
        };
        let stale = judge(&server(false, start), root, &files);
        assert_eq!(stale.diagnosis.as_deref(), Some("stale_code"));
        assert!(
            stale
                .summary
                .en
                .contains("apps/views.py changed 7 min after"),
            "{}",
            stale.summary.en
        );
        assert!(stale.summary.ko.contains("7분"));
        assert!(
            stale
                .detail
                .unwrap()
                .en
                .contains("cd /p && python manage.py runserver --noreload")
        );
        // A reloading runserver picked that change up.
        let fresh = judge(&server(true, start), root, &files);
        assert_eq!(fresh.status, Some(crate::checks::result::Status::Pass));
        // .env is read once by every server.
        let files = ProjectFiles {
            newest_py: None,
            env_files: vec![(root.join(".env"), start + Duration::from_secs(90))],
            truncated: false,
        };
        let env = judge(&server(true, start), root, &files);
        assert_eq!(env.diagnosis.as_deref(), Some("stale_env"));
        // Within the start time's precision: not later.
        let files = ProjectFiles {
            newest_py: Some((root.join("a.py"), start + Duration::from_millis(300))),
            env_files: vec![],
            truncated: false,
        };
        assert_eq!(
            judge(&server(false, start), root, &files).status,
            Some(crate::checks::result::Status::Pass)
        );
    }
}
