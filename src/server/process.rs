//! Reading the listening server's process from /proc: its command line, interpreter, folder,
//! environment and start time. Every reader takes the /proc root as a path, so the parsing is
//! tested on synthetic trees.

use crate::i18n::Text;
use crate::t;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// What serves Django on the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
#[derive(Clone, Debug, PartialEq)]
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
        }
    }
}

impl std::fmt::Display for NoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

/// One process as /proc shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProcInfo {
    pub pid: u32,
    pub ppid: u32,
    pub argv: Vec<String>,
    pub start_ticks: u64,
}

/// `/proc/PID/cmdline` or `environ`: NUL-separated, with a trailing NUL.
pub fn split_nul(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|b| *b == 0)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

pub fn parse_environ(bytes: &[u8]) -> Vec<(String, String)> {
    split_nul(bytes)
        .into_iter()
        .filter_map(|entry| {
            let (k, v) = entry.split_once('=')?;
            (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// (ppid, start time in clock ticks since boot) from `/proc/PID/stat`. The command name
/// (field 2) may hold spaces and parentheses: the fields after the last `)` are counted.
pub fn parse_stat(text: &str) -> Option<(u32, u64)> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): ppid is field 4, starttime field 22.
    let ppid = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((ppid, start))
}

/// `btime` of `/proc/stat`: boot time in seconds since the epoch.
pub fn parse_btime(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// AT_CLKTCK (17) from `/proc/self/auxv` (pairs of native words); Linux's USER_HZ otherwise.
pub fn parse_auxv_clk_tck(bytes: &[u8]) -> Option<u64> {
    const WORD: usize = std::mem::size_of::<usize>();
    let words: Vec<u64> = bytes
        .chunks_exact(WORD)
        .map(|c| {
            let mut buf = [0u8; WORD];
            buf.copy_from_slice(c);
            usize::from_ne_bytes(buf) as u64
        })
        .collect();
    words
        .chunks_exact(2)
        .find(|pair| pair[0] == 17)
        .map(|pair| pair[1])
        .filter(|v| *v > 0)
}

/// Converts start ticks into wall-clock time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub boot: SystemTime,
    pub ticks_per_second: u64,
}

impl Clock {
    /// Boot time from `now - /proc/uptime` (10 ms precision) when it agrees with `btime` (whole
    /// seconds); `btime` alone when they disagree (a container that virtualises uptime).
    pub fn read(proc_root: &Path) -> Result<Clock, String> {
        let stat = std::fs::read_to_string(proc_root.join("stat"))
            .map_err(|e| format!("{}/stat: {e}", proc_root.display()))?;
        let btime = parse_btime(&stat).ok_or("no btime in /proc/stat")?;
        let btime = SystemTime::UNIX_EPOCH + Duration::from_secs(btime);
        let uptime = std::fs::read_to_string(proc_root.join("uptime"))
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok());
        let boot =
            match uptime.and_then(|u| SystemTime::now().checked_sub(Duration::from_secs_f64(u))) {
                Some(precise) if distance(precise, btime) < Duration::from_secs(2) => precise,
                _ => btime,
            };
        let ticks_per_second = std::fs::read(proc_root.join("self/auxv"))
            .ok()
            .and_then(|b| parse_auxv_clk_tck(&b))
            .unwrap_or(100);
        Ok(Clock {
            boot,
            ticks_per_second,
        })
    }

    pub fn time_of(&self, ticks: u64) -> SystemTime {
        self.boot + Duration::from_secs_f64(ticks as f64 / self.ticks_per_second as f64)
    }
}

fn distance(a: SystemTime, b: SystemTime) -> Duration {
    a.duration_since(b)
        .or_else(|_| b.duration_since(a))
        .unwrap_or_default()
}

fn unreadable(pid: u32, what: &str, e: std::io::Error) -> NoServer {
    NoServer::Unreadable {
        pid,
        what: what.to_string(),
        error: e.to_string(),
    }
}

pub fn read_info(proc_root: &Path, pid: u32) -> Result<ProcInfo, NoServer> {
    let dir = proc_root.join(pid.to_string());
    let stat = std::fs::read_to_string(dir.join("stat")).map_err(|e| unreadable(pid, "stat", e))?;
    let (ppid, start_ticks) = parse_stat(&stat).ok_or_else(|| NoServer::Unreadable {
        pid,
        what: "stat".into(),
        error: "unexpected format".into(),
    })?;
    let cmdline = std::fs::read(dir.join("cmdline")).map_err(|e| unreadable(pid, "cmdline", e))?;
    Ok(ProcInfo {
        pid,
        ppid,
        argv: split_nul(&cmdline),
        start_ticks,
    })
}

/// The start ticks of `pid` now, to see whether a cached reading still holds.
pub fn start_ticks(proc_root: &Path, pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(proc_root.join(pid.to_string()).join("stat")).ok()?;
    parse_stat(&stat).map(|(_, t)| t)
}

fn base_name(arg: &str) -> &str {
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

fn looks_like_python(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version = |rest: &str| rest.chars().all(|c| c.is_ascii_digit() || c == '.');
    ["python", "pypy"]
        .iter()
        .any(|p| name.strip_prefix(p).is_some_and(version))
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// `name` looked up in a PATH value (relative entries count from `cwd`).
fn which(name: &str, path_var: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    path_var?
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| cwd.join(d).join(name))
        .find(|p| is_executable_file(p))
}

/// A program named in a command line: a path (absolute or from `cwd`) or a PATH lookup.
fn locate(program: &str, path_var: Option<&str>, cwd: &Path) -> Option<(PathBuf, &'static str)> {
    if program.contains('/') {
        let path = cwd.join(program);
        path.exists().then_some((path, "argv[0]"))
    } else {
        which(program, path_var, cwd).map(|p| (p, "PATH"))
    }
}

/// The interpreter in a script's `#!` line (`#!/usr/bin/env python3` looked up in PATH).
fn shebang(script: &Path, path_var: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    let text = std::fs::read(script).ok()?;
    let first = text.split(|b| *b == b'\n').next()?;
    let line = String::from_utf8_lossy(first.strip_prefix(b"#!")?).into_owned();
    let mut words = line.split_whitespace();
    let program = words.next()?;
    if base_name(program) == "env" {
        let name = words.find(|w| !w.starts_with('-'))?;
        which(name, path_var, cwd)
    } else {
        Some(PathBuf::from(program))
    }
}

/// The venv a `…/bin/python` belongs to: the folder above `bin/` holding `pyvenv.cfg`.
pub fn venv_of(interpreter: &Path) -> Option<PathBuf> {
    let root = interpreter.parent()?.parent()?;
    root.join("pyvenv.cfg")
        .is_file()
        .then(|| root.to_path_buf())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The Python that runs a process, keeping the venv path: `/proc/PID/exe` resolves a venv's
/// `bin/python` symlink to the system Python and so loses the venv.
///
/// In order: argv[0] when it is a Python (a path, or looked up in the process's own PATH);
/// a script in argv[0] or argv[1] (`.venv/bin/gunicorn`, `./manage.py`): its shebang, or the
/// `bin/python` beside it in a venv; `$VIRTUAL_ENV/bin/python`; `exe`. A candidate must be the
/// same binary as `exe` when that is known.
pub fn resolve_interpreter(
    argv: &[String],
    cwd: &Path,
    env: &[(String, String)],
    exe: Option<&Path>,
) -> (PathBuf, String) {
    let var = |k: &str| {
        env.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let path_var = var("PATH");
    let matches_exe = |p: &Path| exe.is_none_or(|exe| same_file(p, exe));
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    for (i, arg) in argv.iter().take(2).enumerate() {
        if i == 1 && arg.starts_with('-') {
            break;
        }
        let Some((path, how)) = locate(arg, path_var, cwd) else {
            continue;
        };
        if looks_like_python(&path) {
            if i == 0 {
                candidates.push((path, how.to_string()));
            }
            continue;
        }
        // A script: its shebang, or the venv's python beside it.
        if let Some(python) = shebang(&path, path_var, cwd) {
            candidates.push((python, format!("shebang of {arg}")));
        }
        if let Some(bin) = path.parent() {
            let python = bin.join("python");
            if venv_of(&python).is_some() {
                candidates.push((python, format!("venv of {arg}")));
            }
        }
    }
    if let Some(venv) = var("VIRTUAL_ENV") {
        candidates.push((Path::new(venv).join("bin/python"), "VIRTUAL_ENV".into()));
    }
    if let Some(found) = candidates
        .iter()
        .find(|(p, _)| p.exists() && matches_exe(p))
    {
        return found.clone();
    }
    match exe {
        Some(exe) => (exe.to_path_buf(), "/proc exe".into()),
        None => candidates
            .into_iter()
            .find(|(p, _)| p.exists())
            .unwrap_or_else(|| (PathBuf::from("python3"), "default".into())),
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
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn nul_separated_lists() {
        assert_eq!(
            split_nul(b"python\0manage.py\0runserver\0"),
            s(&["python", "manage.py", "runserver"])
        );
        assert!(split_nul(b"").is_empty());
        assert_eq!(
            parse_environ(b"A=1\0B=x=y\0NOEQ\0C=\0"),
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "x=y".into()),
                ("C".into(), String::new())
            ]
        );
    }

    #[test]
    fn stat_fields_after_a_name_with_parentheses() {
        let line = "1234 (py (x) thon) S 1200 1234 1200 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000 50 18446744073709551615";
        assert_eq!(parse_stat(line), Some((1200, 987654)));
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(
            parse_btime("cpu 1 2 3\nbtime 1764650000\nprocesses 9\n"),
            Some(1764650000)
        );
    }

    #[test]
    fn clock_ticks_from_auxv_and_the_real_one() {
        let mut bytes = Vec::new();
        for w in [6usize, 4096, 17, 250, 0, 0] {
            bytes.extend_from_slice(&w.to_ne_bytes());
        }
        assert_eq!(parse_auxv_clk_tck(&bytes), Some(250));
        let clock = Clock::read(Path::new("/proc")).unwrap();
        let (_, ticks) = parse_stat(&std::fs::read_to_string("/proc/self/stat").unwrap()).unwrap();
        let started = clock.time_of(ticks);
        let age = SystemTime::now().duration_since(started).unwrap();
        assert!(
            age < Duration::from_secs(3600),
            "this test began {age:?} ago?"
        );
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

    /// A venv whose bin/python is a symlink to a "system" python, like `python -m venv` makes.
    struct Tree {
        dir: tempfile::TempDir,
    }

    impl Tree {
        fn new() -> Tree {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            std::fs::create_dir_all(root.join("usr/bin")).unwrap();
            std::fs::create_dir_all(root.join("repo/.venv/bin")).unwrap();
            let system = root.join("usr/bin/python3.11");
            std::fs::write(&system, "").unwrap();
            std::fs::set_permissions(&system, std::fs::Permissions::from_mode(0o755)).unwrap();
            symlink(&system, root.join("usr/bin/python3")).unwrap();
            symlink(&system, root.join("repo/.venv/bin/python")).unwrap();
            symlink("python", root.join("repo/.venv/bin/python3")).unwrap();
            std::fs::write(root.join("repo/.venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
            let gunicorn = root.join("repo/.venv/bin/gunicorn");
            std::fs::write(
                &gunicorn,
                format!(
                    "#!{}/repo/.venv/bin/python3\nimport gunicorn\n",
                    root.display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&gunicorn, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::write(root.join("repo/manage.py"), "#!/usr/bin/env python\n").unwrap();
            Tree { dir }
        }
        fn p(&self, rel: &str) -> PathBuf {
            self.dir.path().join(rel)
        }
        fn path_env(&self, first: &str) -> Vec<(String, String)> {
            vec![(
                "PATH".into(),
                format!(
                    "{}:{}",
                    self.p(first).display(),
                    self.p("usr/bin").display()
                ),
            )]
        }
    }

    #[test]
    fn interpreter_keeps_the_venv_path() {
        let t = Tree::new();
        let exe = t.p("usr/bin/python3.11");
        let repo = t.p("repo");
        // `.venv/bin/python manage.py runserver` (relative to the process cwd).
        let (python, how) = resolve_interpreter(
            &s(&[".venv/bin/python", "manage.py", "runserver"]),
            &repo,
            &[],
            Some(&exe),
        );
        assert_eq!(python, repo.join(".venv/bin/python"));
        assert_eq!(how, "argv[0]");
        assert_eq!(venv_of(&python), Some(repo.join(".venv")));
        // `python manage.py runserver` in an activated venv: the process's own PATH.
        let (python, how) = resolve_interpreter(
            &s(&["python", "manage.py", "runserver"]),
            &repo,
            &t.path_env("repo/.venv/bin"),
            Some(&exe),
        );
        assert_eq!(
            (python, how.as_str()),
            (t.p("repo/.venv/bin/python"), "PATH")
        );
        // The same without the venv on PATH: the system python.
        let (python, _) = resolve_interpreter(
            &s(&["python3", "manage.py", "runserver"]),
            &repo,
            &t.path_env("nowhere"),
            Some(&exe),
        );
        assert_eq!(python, t.p("usr/bin/python3"));
        // gunicorn's master as setproctitle shows it: the script's venv via VIRTUAL_ENV.
        let env = vec![(
            "VIRTUAL_ENV".to_string(),
            t.p("repo/.venv").display().to_string(),
        )];
        let (python, how) = resolve_interpreter(
            &s(&["gunicorn: master [config.wsgi]"]),
            &repo,
            &env,
            Some(&exe),
        );
        assert_eq!(
            (python, how.as_str()),
            (t.p("repo/.venv/bin/python"), "VIRTUAL_ENV")
        );
        // A script as argv[0] (no interpreter in the command line): its shebang.
        let (python, how) = resolve_interpreter(
            &s(&[".venv/bin/gunicorn", "config.wsgi"]),
            &repo,
            &[],
            Some(&exe),
        );
        assert_eq!(python, t.p("repo/.venv/bin/python3"));
        assert!(how.starts_with("shebang of"), "{how}");
        // Nothing better known: exe.
        let (python, how) = resolve_interpreter(&s(&["weird"]), &repo, &[], Some(&exe));
        assert_eq!((python, how.as_str()), (exe, "/proc exe"));
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
