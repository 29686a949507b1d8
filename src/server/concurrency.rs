//! How many requests the server can work on at once, read from its process: runserver serves
//! each connection on a thread of one process; gunicorn runs `-w` worker processes (sync: one
//! request each; gthread: `--threads` each); uvicorn runs `--workers` processes.

use super::process::{ServerKind, ServerProcess};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Concurrency {
    pub kind: ServerKind,
    /// Python processes serving requests (each has its own GIL).
    pub processes: u32,
    /// Requests one process works on at once (None: a thread per connection, no cap).
    pub per_process: Option<u32>,
}

impl Concurrency {
    /// Requests served at once across processes (None: no cap but the connections).
    pub fn slots(&self) -> Option<u32> {
        self.per_process.map(|p| p * self.processes)
    }
}

/// The value of `-w 4`, `--workers 4` or `--workers=4` in argv.
fn option(argv: &[String], short: Option<&str>, long: &str) -> Option<String> {
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        if Some(arg.as_str()) == short || arg == long {
            return it.next().cloned();
        }
        if let Some(v) = arg.strip_prefix(&format!("{long}=")) {
            return Some(v.to_string());
        }
        if let Some(s) = short
            && let Some(v) = arg.strip_prefix(s)
            && !v.is_empty()
            && v.chars().all(|c| c.is_ascii_digit())
        {
            return Some(v.to_string());
        }
    }
    None
}

/// From the server's command line and environment (GUNICORN_CMD_ARGS, WEB_CONCURRENCY).
pub fn read(
    kind: ServerKind,
    argv: &[String],
    env: &[(String, String)],
    workers_seen: usize,
) -> Concurrency {
    let env_var = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut args = argv.to_vec();
    if let Some(extra) = env_var("GUNICORN_CMD_ARGS") {
        args.extend(extra.split_whitespace().map(str::to_string));
    }
    let number = |v: Option<String>| v.and_then(|s| s.trim().parse::<u32>().ok());
    let seen = u32::try_from(workers_seen).unwrap_or(u32::MAX);
    match kind {
        ServerKind::Runserver => Concurrency {
            kind,
            processes: 1,
            per_process: args.iter().any(|a| a == "--nothreading").then_some(1),
        },
        ServerKind::Gunicorn => {
            let workers = number(option(&args, Some("-w"), "--workers"))
                .or_else(|| number(env_var("WEB_CONCURRENCY")))
                .or((seen > 0).then_some(seen))
                .unwrap_or(1);
            let threads = number(option(&args, None, "--threads")).unwrap_or(1);
            let class = option(&args, Some("-k"), "--worker-class").unwrap_or_default();
            // gunicorn switches sync to gthread when --threads > 1.
            let per = if class.contains("gevent") || class.contains("eventlet") {
                None
            } else {
                Some(threads.max(1))
            };
            Concurrency {
                kind,
                processes: workers.max(1),
                per_process: per,
            }
        }
        ServerKind::Uvicorn => Concurrency {
            kind,
            processes: number(option(&args, None, "--workers"))
                .or((seen > 0).then_some(seen))
                .unwrap_or(1),
            // Django's sync views run one at a time per process under ASGI (thread_sensitive).
            per_process: Some(1),
        },
        _ => Concurrency {
            kind,
            processes: seen.max(1),
            per_process: None,
        },
    }
}

pub fn of(server: &ServerProcess) -> Concurrency {
    let argv = if server.command.is_empty() {
        &server.argv
    } else {
        &server.command
    };
    read(server.kind, argv, &server.env, server.worker_pids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_workers_and_threads() {
        let c = read(
            ServerKind::Gunicorn,
            &words("gunicorn -w 2 config.wsgi"),
            &[],
            0,
        );
        assert_eq!((c.processes, c.slots()), (2, Some(2)));
        let c = read(
            ServerKind::Gunicorn,
            &words("gunicorn --workers=3 --threads 4 x.wsgi"),
            &[],
            0,
        );
        assert_eq!((c.processes, c.slots()), (3, Some(12)));
        let env = vec![("GUNICORN_CMD_ARGS".to_string(), "-w4".to_string())];
        assert_eq!(
            read(ServerKind::Gunicorn, &words("gunicorn x.wsgi"), &env, 0).processes,
            4
        );
        assert_eq!(
            read(ServerKind::Gunicorn, &words("gunicorn x.wsgi"), &[], 5).processes,
            5
        );
        let r = read(
            ServerKind::Runserver,
            &words("python manage.py runserver"),
            &[],
            0,
        );
        assert_eq!((r.processes, r.slots()), (1, None));
        let u = read(
            ServerKind::Uvicorn,
            &words("uvicorn x.asgi:app --workers 2"),
            &[],
            0,
        );
        assert_eq!(u.slots(), Some(2));
    }
}
