//! Reading the listening server's process from /proc: its command line, interpreter, folder,
//! environment and start time. Every reader takes the /proc root as a path, so the parsing is
//! tested on synthetic trees.

use super::procfs::unreadable;
use crate::i18n::Text;
use crate::t;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use super::command_line::{classify, reloads, settings_in_manage_py, settings_option};
pub use super::interpreter::{resolve_interpreter, venv_of};
pub use super::procfs::{
    Clock, ProcInfo, parse_auxv_clk_tck, parse_btime, parse_environ, parse_stat, read_info,
    split_nul, start_ticks,
};

/// What serves Django on the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    Runserver,
    Gunicorn,
    Uvicorn,
    Daphne,
    /// hypercorn, uwsgi, …: a Python server doctor does not know the options of.
    Other,
}

impl ServerKind {
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Runserver => "runserver",
            ServerKind::Gunicorn => "gunicorn",
            ServerKind::Uvicorn => "uvicorn",
            ServerKind::Daphne => "daphne",
            ServerKind::Other => "server",
        }
    }
}

/// The server that listens on base_url's port, as its own process sees itself.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServerProcess {
    /// The server: the socket owner for runserver (the autoreloader's child when it reloads),
    /// the master for gunicorn/uvicorn.
    pub pid: u32,
    /// Other processes that hold the listening socket (gunicorn/uvicorn workers).
    pub worker_pids: Vec<u32>,
    /// runserver's autoreloader: the parent that restarts `pid` on .py changes.
    pub reloader_pid: Option<u32>,
    /// The command line of `pid`.
    pub argv: Vec<String>,
    /// `/proc/PID/exe`: the resolved binary (a venv's `bin/python` resolves to the system one).
    pub exe: PathBuf,
    pub cwd: PathBuf,
    /// The environment the server was started with (of the reloader or master when there is
    /// one; runserver's own `RUN_MAIN` marker is left out).
    pub env: Vec<(String, String)>,
    /// When `pid` started: for a reloading runserver its last reload.
    pub started_at: SystemTime,
    /// `/proc/PID/stat` field 22, to tell a restarted process under the same pid.
    pub start_ticks: u64,
    pub kind: ServerKind,
    /// It restarts itself when a .py file changes.
    pub reloads: bool,
    /// `--settings X` on runserver's command line (overrides DJANGO_SETTINGS_MODULE).
    pub settings_option: Option<String>,
    /// The Python that runs it, with the venv path kept (never the resolved symlink).
    pub interpreter: PathBuf,
    /// How `interpreter` was found, e.g. "argv[0]", "PATH", "shebang of .venv/bin/gunicorn".
    pub interpreter_how: String,
    /// The venv of `interpreter` (the folder with `pyvenv.cfg`).
    pub venv: Option<PathBuf>,
    /// The command line that started the server (the reloader's or master's), to restart it.
    pub command: Vec<String>,
}

impl ServerProcess {
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// "runserver pid 1234 (reloader 1233)", "gunicorn pid 10 (workers 11, 12)".
    pub fn label(&self) -> String {
        let mut out = format!("{} pid {}", self.kind.name(), self.pid);
        if let Some(reloader) = self.reloader_pid {
            out.push_str(&format!(" (reloader {reloader})"));
        }
        if !self.worker_pids.is_empty() {
            let workers: Vec<String> = self.worker_pids.iter().map(u32::to_string).collect();
            out.push_str(&format!(" (workers {})", workers.join(", ")));
        }
        out
    }
}

/// Why doctor could not read the server's process; callers fall back to the files.
#[derive(Clone, Debug, PartialEq)]
pub enum NoServer {
    NotLinux,
    NotLocal {
        base_url: String,
    },
    NoPort {
        base_url: String,
    },
    NotListening {
        port: u16,
    },
    /// Something listens, but its pid is not visible to this user.
    Hidden {
        port: u16,
    },
    ScanFailed(String),
    Unreadable {
        pid: u32,
        what: String,
        error: String,
    },
    NotDjango {
        pid: u32,
        command: String,
    },
    /// The server runs another Django project than the one doctor checks (see `project`).
    OtherProject {
        port: u16,
        pid: u32,
        theirs: std::path::PathBuf,
        ours: std::path::PathBuf,
    },
}

impl NoServer {
    pub fn text(&self) -> Text {
        match self {
            NoServer::NotLinux => t!(
                "reading a process's environment needs Linux's /proc";
                "프로세스 환경을 읽으려면 리눅스의 /proc가 필요함"
            ),
            NoServer::NotLocal { base_url } => t!(
                "{base_url} is not on this machine";
                "{base_url}은(는) 이 컴퓨터가 아님"
            ),
            NoServer::NoPort { base_url } => t!(
                "{base_url} has no port";
                "{base_url}에 포트가 없음"
            ),
            NoServer::NotListening { port } => t!(
                "nothing listens on port {port}";
                "포트 {port}에서 대기 중인 프로세스 없음"
            ),
            NoServer::Hidden { port } => t!(
                "the process on port {port} belongs to another user (run doctor as that user)";
                "포트 {port}의 프로세스가 다른 사용자 소유 (그 사용자로 doctor 실행)"
            ),
            NoServer::ScanFailed(e) => t!(
                "reading the socket table failed: {e}";
                "소켓 표 읽기 실패: {e}"
            ),
            NoServer::Unreadable { pid, what, error } => t!(
                "/proc/{pid}/{what} is not readable ({error})";
                "/proc/{pid}/{what}을(를) 읽을 수 없음 ({error})"
            ),
            NoServer::NotDjango { pid, command } => t!(
                "the process on the port (pid {pid}: {command}) is not a Django server";
                "포트의 프로세스(pid {pid}: {command})는 Django 서버가 아님"
            ),
            NoServer::OtherProject {
                port,
                pid,
                theirs,
                ours,
            } => {
                let (theirs, ours) = (theirs.display(), ours.display());
                t!(
                    "the server on :{port} (pid {pid}) runs {theirs}, not this project ({ours})";
                    "포트 :{port}의 서버(pid {pid})는 이 프로젝트({ours})가 아닌 {theirs}을(를) 실행 중"
                )
            }
        }
    }
}

impl std::fmt::Display for NoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

/// The server among the processes holding the listening socket: the one whose parent does not
/// hold it (gunicorn's master, not its workers); the others are workers.
pub fn pick_server(infos: &[ProcInfo]) -> Option<(&ProcInfo, Vec<u32>)> {
    let pids: BTreeSet<u32> = infos.iter().map(|i| i.pid).collect();
    let root = infos
        .iter()
        .filter(|i| !pids.contains(&i.ppid))
        .min_by_key(|i| i.pid)
        .or_else(|| infos.iter().min_by_key(|i| i.pid))?;
    let workers = infos
        .iter()
        .filter(|i| i.pid != root.pid)
        .map(|i| i.pid)
        .collect();
    Some((root, workers))
}

/// Reads the server among `listener_pids` (pids holding the listening socket) from `proc_root`.
pub fn read_server(
    proc_root: &Path,
    port: u16,
    listener_pids: &BTreeSet<u32>,
) -> Result<ServerProcess, NoServer> {
    if listener_pids.is_empty() {
        return Err(NoServer::Hidden { port });
    }
    let infos: Vec<ProcInfo> = listener_pids
        .iter()
        .map(|pid| read_info(proc_root, *pid))
        .collect::<Result<_, _>>()?;
    let (root, worker_pids) = pick_server(&infos).ok_or(NoServer::NotListening { port })?;
    let Some(kind) = classify(&root.argv) else {
        return Err(NoServer::NotDjango {
            pid: root.pid,
            command: root.argv.join(" "),
        });
    };
    let dir = proc_root.join(root.pid.to_string());
    let cwd = std::fs::read_link(dir.join("cwd")).map_err(|e| unreadable(root.pid, "cwd", e))?;
    let exe = std::fs::read_link(dir.join("exe")).map_err(|e| unreadable(root.pid, "exe", e))?;
    let environ =
        std::fs::read(dir.join("environ")).map_err(|e| unreadable(root.pid, "environ", e))?;
    let mut env = parse_environ(&environ);
    let mut command = root.argv.clone();
    // runserver's autoreloader: the parent runs the same command and restarts this child.
    let mut reloader_pid = None;
    if kind == ServerKind::Runserver
        && let Ok(parent) = read_info(proc_root, root.ppid)
        && classify(&parent.argv) == Some(ServerKind::Runserver)
    {
        reloader_pid = Some(parent.pid);
        command = parent.argv.clone();
        if let Ok(bytes) = std::fs::read(proc_root.join(parent.pid.to_string()).join("environ")) {
            env = parse_environ(&bytes);
        }
    }
    env.retain(|(k, _)| k != "RUN_MAIN");
    let (interpreter, interpreter_how) = resolve_interpreter(&command, &cwd, &env, Some(&exe));
    let clock = Clock::read(proc_root).map_err(|error| NoServer::Unreadable {
        pid: root.pid,
        what: "../stat".into(),
        error,
    })?;
    Ok(ServerProcess {
        pid: root.pid,
        worker_pids,
        reloader_pid,
        reloads: reloads(kind, &command, &env),
        settings_option: (kind == ServerKind::Runserver)
            .then(|| settings_option(&root.argv))
            .flatten(),
        argv: root.argv.clone(),
        venv: venv_of(&interpreter),
        exe,
        cwd,
        env,
        started_at: clock.time_of(root.start_ticks),
        start_ticks: root.start_ticks,
        kind,
        interpreter,
        interpreter_how,
        command,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts are plain data: a server process is built and round-trips without /proc.
    #[test]
    fn a_server_process_is_plain_data() {
        let server = ServerProcess {
            pid: 41,
            worker_pids: vec![42, 43],
            reloader_pid: None,
            argv: vec![
                "gunicorn".into(),
                "config.wsgi".into(),
                "-w".into(),
                "2".into(),
            ],
            exe: "/usr/bin/python3.11".into(),
            cwd: "/srv/app".into(),
            env: vec![("DJANGO_ENV".into(), "production".into())],
            started_at: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_500_000),
            start_ticks: 123,
            kind: ServerKind::Gunicorn,
            reloads: false,
            settings_option: None,
            interpreter: "/srv/app/.venv/bin/python".into(),
            interpreter_how: "shebang".into(),
            venv: Some("/srv/app/.venv".into()),
            command: vec!["gunicorn".into()],
        };
        let json = serde_json::to_string(&server).unwrap();
        let back: ServerProcess = serde_json::from_str(&json).unwrap();
        assert_eq!(back, server);
        assert_eq!(back.env_var("DJANGO_ENV"), Some("production"));
        assert_eq!(back.label(), "gunicorn pid 41 (workers 42, 43)");
    }
    use crate::server::test_tree::Tree;
    use std::os::unix::fs::symlink;

    #[test]
    fn the_master_is_the_one_whose_parent_holds_no_socket() {
        let p = |pid, ppid| ProcInfo {
            pid,
            ppid,
            argv: vec![],
            start_ticks: 0,
        };
        let infos = vec![p(12, 10), p(10, 1), p(11, 10)];
        let (root, workers) = pick_server(&infos).unwrap();
        assert_eq!(root.pid, 10);
        assert_eq!(workers, vec![12, 11]);
    }

    #[test]
    fn a_synthetic_proc_tree_with_a_reloader() {
        let t = Tree::new();
        let proc_root = t.p("proc");
        let repo = t.p("repo");
        let write_proc = |pid: u32, ppid: u32, argv: &[&str], env: &[&str], ticks: u64| {
            let dir = proc_root.join(pid.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("stat"),
                format!("{pid} (python) S {ppid} 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 {ticks} 0 0"),
            )
            .unwrap();
            std::fs::write(dir.join("cmdline"), argv.join("\0") + "\0").unwrap();
            std::fs::write(dir.join("environ"), env.join("\0") + "\0").unwrap();
            symlink(&repo, dir.join("cwd")).unwrap();
            symlink(t.p("usr/bin/python3.11"), dir.join("exe")).unwrap();
        };
        std::fs::create_dir_all(&proc_root).unwrap();
        std::fs::write(proc_root.join("stat"), "cpu 0\nbtime 1000000000\n").unwrap();
        let venv_python = t.p("repo/.venv/bin/python").display().to_string();
        write_proc(
            50,
            1,
            &[
                &venv_python,
                "manage.py",
                "runserver",
                "--settings",
                "config.load",
            ],
            &["SAMPLE_DEBUG=1", "HOME=/root"],
            1000,
        );
        write_proc(
            51,
            50,
            &[
                &venv_python,
                "manage.py",
                "runserver",
                "--settings",
                "config.load",
            ],
            &["SAMPLE_DEBUG=1", "HOME=/root", "RUN_MAIN=true"],
            1500,
        );
        let server = read_server(&proc_root, 8000, &BTreeSet::from([51])).unwrap();
        assert_eq!(server.pid, 51);
        assert_eq!(server.reloader_pid, Some(50));
        assert_eq!(server.kind, ServerKind::Runserver);
        assert!(server.reloads);
        assert_eq!(server.settings_option.as_deref(), Some("config.load"));
        assert_eq!(server.env_var("SAMPLE_DEBUG"), Some("1"));
        assert_eq!(server.env_var("RUN_MAIN"), None);
        assert_eq!(server.interpreter, t.p("repo/.venv/bin/python"));
        assert_eq!(server.cwd, repo);
        // btime 1e9 + 1500 ticks at 100 Hz (or this machine's rate).
        let clock = Clock::read(&proc_root).unwrap();
        assert_eq!(server.started_at, clock.time_of(1500));
        assert_eq!(server.label(), "runserver pid 51 (reloader 50)".to_string());
        // Not a Django server.
        write_proc(60, 1, &["python3", "-m", "http.server"], &[], 10);
        assert!(matches!(
            read_server(&proc_root, 8000, &BTreeSet::from([60])),
            Err(NoServer::NotDjango { pid: 60, .. })
        ));
        // Gone.
        assert!(matches!(
            read_server(&proc_root, 8000, &BTreeSet::from([99])),
            Err(NoServer::Unreadable { pid: 99, .. })
        ));
        assert_eq!(
            read_server(&proc_root, 8000, &BTreeSet::new()),
            Err(NoServer::Hidden { port: 8000 })
        );
    }
}
