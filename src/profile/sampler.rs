//! py-spy as a library: one OS thread per server process (reading a process's stacks
//! blocks), each reading every thread's Python stack at a fixed rate.

use super::classify::{is_autoreloader, looks_idle, wait_driver};
use super::stack::{Batch, Frame, Stack};
use crate::i18n::Text;
use crate::t;
use py_spy::config::{Config, LineNo, LockingStrategy};
use py_spy::{PythonSpy, StackTrace};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why a server process could not be sampled, and how to allow it.
#[derive(Clone, Debug, PartialEq)]
pub enum AttachError {
    /// The kernel refused to let doctor read the process's memory.
    Ptrace {
        pid: u32,
        /// /proc/sys/kernel/yama/ptrace_scope, when Yama is in the kernel.
        scope: Option<u32>,
        /// The server's user, when it is not doctor's own (and doctor is not root).
        other_uid: Option<u32>,
    },
    NotPython {
        pid: u32,
        exe: String,
    },
    /// The process exited before it could be read.
    Gone {
        pid: u32,
    },
    NoProcess,
    /// The listening socket belongs to another user whose processes this one cannot see.
    Hidden {
        port: u16,
        uid: u32,
    },
    Other {
        pid: u32,
        message: String,
    },
}

impl AttachError {
    pub fn text(&self) -> Text {
        match self {
            AttachError::Ptrace {
                pid,
                scope,
                other_uid,
            } => {
                let mut text = t!(
                    "doctor may not read the server's memory (ptrace refused for pid {pid}): run doctor as root, or give it CAP_SYS_PTRACE (`sudo setcap cap_sys_ptrace+ep $(command -v doctor)`)";
                    "doctor가 서버 프로세스의 메모리를 읽을 수 없음 (pid {pid}에 대한 ptrace 거부): doctor를 root로 실행하거나 CAP_SYS_PTRACE 권한을 부여하세요 (`sudo setcap cap_sys_ptrace+ep $(command -v doctor)`)"
                );
                match (scope, other_uid) {
                    (Some(3), _) => add(
                        &mut text,
                        t!("; ptrace is switched off until the next reboot (`kernel.yama.ptrace_scope` is 3)";
                           "; 다음 재부팅 전까지 ptrace가 꺼져 있음 (`kernel.yama.ptrace_scope` 값 3)"),
                    ),
                    (_, Some(uid)) => add(
                        &mut text,
                        t!("; the server runs as another user (uid {uid}), so only root or CAP_SYS_PTRACE can read it";
                           "; 서버가 다른 사용자(uid {uid})로 실행 중이므로 root 또는 CAP_SYS_PTRACE 권한으로만 읽을 수 있음"),
                    ),
                    (Some(n), None) => add(
                        &mut text,
                        t!(", or allow it for your user with `sudo sysctl kernel.yama.ptrace_scope=0` (now {n})";
                           ", 또는 `sudo sysctl kernel.yama.ptrace_scope=0`으로 현재 사용자에게 허용하세요 (현재 값 {n})"),
                    ),
                    (None, None) => {}
                }
                text
            }
            AttachError::NotPython { pid, exe } => t!(
                "pid {pid} ({exe}) is not a Python process: doctor samples Python servers (runserver, gunicorn, uvicorn)";
                "pid {pid} ({exe})는 Python 프로세스가 아님: doctor는 Python 서버(runserver, gunicorn, uvicorn)만 샘플링함"
            ),
            AttachError::Gone { pid } => t!(
                "pid {pid} exited before it could be sampled";
                "pid {pid} 프로세스가 샘플링 전에 종료됨"
            ),
            AttachError::Hidden { port, uid } => t!(
                "the server on port {port} runs as another user (uid {uid}): this user can neither see its processes nor read their memory (ptrace): run doctor as root, or give it CAP_SYS_PTRACE (`sudo setcap cap_sys_ptrace+ep $(command -v doctor)`)";
                "{port}번 포트의 서버가 다른 사용자(uid {uid})로 실행 중: 현재 사용자는 그 프로세스를 볼 수도, 메모리를 읽을 수도(ptrace) 없음: doctor를 root로 실행하거나 CAP_SYS_PTRACE 권한을 부여하세요 (`sudo setcap cap_sys_ptrace+ep $(command -v doctor)`)"
            ),
            AttachError::NoProcess => t!(
                "no server process to sample";
                "샘플링할 서버 프로세스 없음"
            ),
            AttachError::Other { pid, message } => t!(
                "py-spy could not read pid {pid}: {message}";
                "py-spy가 pid {pid}를 읽지 못함: `{message}`"
            ),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        match self {
            AttachError::Ptrace { pid, .. }
            | AttachError::NotPython { pid, .. }
            | AttachError::Gone { pid }
            | AttachError::Other { pid, .. } => Some(*pid),
            AttachError::NoProcess | AttachError::Hidden { .. } => None,
        }
    }
}

fn add(text: &mut Text, more: Text) {
    text.en.push_str(&more.en);
    text.ko.push_str(&more.ko);
}

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for AttachError {}

/// Samples a set of server processes until stopped.
pub struct Sampler {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<f64>>>,
    pids: Mutex<BTreeSet<u32>>,
    hz: u32,
    lock: bool,
}

struct Shared {
    batch: Mutex<Batch>,
    stop: AtomicBool,
    /// Sampler threads now reading a process (they share the CPU budget).
    running: AtomicUsize,
}

/// The most CPU all sampler threads together may use, as a share of one core. A round reads
/// every thread of the server (runserver keeps one per open connection), so its cost grows
/// with the load; past this budget the rate drops instead of the server's throughput.
/// Measured (scripts/bench-run.sh, 50 users on runserver): 50 Hz without a budget cost 36 %
/// of a core and ~5 % of the server's requests/s.
pub const CPU_BUDGET: f64 = 0.08;

impl Sampler {
    /// Attaches to every pid (a pid that has already exited is skipped) and starts sampling
    /// at `hz` rounds a second. Fails when no pid could be attached: with the reason of the
    /// first refusal.
    pub fn start(pids: &[u32], hz: u32) -> Result<Sampler, AttachError> {
        Sampler::start_with(pids, hz, false)
    }

    /// `lock`: pause the server while its stacks are read (py-spy's default). doctor does
    /// not: pausing every thread of the server costs it more than a torn read costs us (a
    /// torn read fails and the round is skipped). Kept for measuring.
    pub fn start_with(pids: &[u32], hz: u32, lock: bool) -> Result<Sampler, AttachError> {
        let sampler = Sampler {
            shared: Arc::new(Shared {
                batch: Mutex::new(Batch::default()),
                stop: AtomicBool::new(false),
                running: AtomicUsize::new(0),
            }),
            threads: Mutex::new(Vec::new()),
            pids: Mutex::new(BTreeSet::new()),
            hz: hz.max(1),
            lock,
        };
        let mut first_error = None;
        for pid in pids {
            match sampler.add_pid(*pid) {
                Ok(()) => {}
                Err(AttachError::Gone { .. }) if first_error.is_some() => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if sampler.pids().is_empty() {
            return Err(first_error.unwrap_or(AttachError::NoProcess));
        }
        Ok(sampler)
    }

    /// Starts sampling one more process (a gunicorn worker that replaced a recycled one).
    pub fn add_pid(&self, pid: u32) -> Result<(), AttachError> {
        if self.pids.lock().unwrap().contains(&pid) {
            return Ok(());
        }
        precheck(pid)?;
        let (ready, attached) = mpsc::channel();
        let shared = self.shared.clone();
        let (hz, lock) = (self.hz, self.lock);
        let handle = std::thread::Builder::new()
            .name(format!("py-spy {pid}"))
            .spawn(move || {
                match PythonSpy::retry_new(pid as py_spy::Pid, &config(lock), 3) {
                    Ok(spy) => {
                        let _ = ready.send(Ok(()));
                        run(spy, pid, hz, &shared);
                    }
                    Err(e) => {
                        let _ = ready.send(Err(attach_error(pid, &e)));
                    }
                }
                thread_cpu_seconds()
            })
            .map_err(|e| AttachError::Other {
                pid,
                message: e.to_string(),
            })?;
        let outcome = attached.recv().unwrap_or(Err(AttachError::Gone { pid }));
        match outcome {
            Ok(()) => {
                self.threads.lock().unwrap().push(handle);
                self.pids.lock().unwrap().insert(pid);
                Ok(())
            }
            Err(e) => {
                let _ = handle.join();
                Err(e)
            }
        }
    }

    /// The processes attached so far (including ones that have since exited).
    pub fn pids(&self) -> Vec<u32> {
        self.pids.lock().unwrap().iter().copied().collect()
    }

    /// What was sampled since the last drain.
    pub fn drain(&self) -> Batch {
        std::mem::take(&mut *self.shared.batch.lock().unwrap())
    }

    /// Stops every thread; returns the CPU seconds (user + system) the sampler used.
    pub fn stop(self) -> f64 {
        self.shared.stop.store(true, Ordering::Relaxed);
        let threads = std::mem::take(&mut *self.threads.lock().unwrap());
        threads.into_iter().filter_map(|t| t.join().ok()).sum()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        // Threads end at their next round; `stop` also waits for them.
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

fn config(lock: bool) -> Config {
    Config {
        blocking: if lock {
            LockingStrategy::Lock
        } else {
            LockingStrategy::NonBlocking
        },
        native: false,
        dump_locals: 0,
        // Thread names cost a read of `threading._active` now and then; not needed.
        collect_thread_names: false,
        lineno: LineNo::LastInstruction,
        ..Config::default()
    }
}

/// Refusals the kernel gives before py-spy's own (vaguer) errors: /proc/<pid>/mem opens
/// under the same rule as the memory reads py-spy makes.
fn precheck(pid: u32) -> Result<(), AttachError> {
    let proc = PathBuf::from(format!("/proc/{pid}"));
    if !proc.exists() || is_zombie(pid) {
        return Err(AttachError::Gone { pid });
    }
    if let Err(e) = std::fs::File::open(proc.join("mem")) {
        return Err(match e.kind() {
            std::io::ErrorKind::NotFound => AttachError::Gone { pid },
            std::io::ErrorKind::PermissionDenied => ptrace_refused(pid),
            _ => AttachError::Other {
                pid,
                message: e.to_string(),
            },
        });
    }
    if let Ok(maps) = std::fs::read_to_string(proc.join("maps"))
        && !maps.contains("python")
    {
        let exe = std::fs::read_link(proc.join("exe"))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        return Err(AttachError::NotPython { pid, exe });
    }
    Ok(())
}

fn ptrace_refused(pid: u32) -> AttachError {
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|s| s.trim().parse().ok());
    let me = nix::unistd::geteuid().as_raw();
    let other_uid = process_uid(pid).filter(|uid| me != 0 && *uid != me);
    AttachError::Ptrace {
        pid,
        scope,
        other_uid,
    }
}

/// The real uid from /proc/<pid>/status (readable by everyone).
fn process_uid(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn attach_error(pid: u32, error: &anyhow::Error) -> AttachError {
    let message = format!("{error:#}");
    let lower = message.to_lowercase();
    if lower.contains("permission denied") || lower.contains("operation not permitted") {
        ptrace_refused(pid)
    } else if !Path::new(&format!("/proc/{pid}")).exists() {
        AttachError::Gone { pid }
    } else {
        AttachError::Other { pid, message }
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let after = &s[s.rfind(')')? + 1..];
            after.split_whitespace().next().map(|state| state == "Z")
        })
        .unwrap_or(true)
}

fn run(mut spy: PythonSpy, pid: u32, hz: u32, shared: &Shared) {
    let period = Duration::from_secs_f64(1.0 / f64::from(hz));
    // co_filename is relative when the server was started with a relative path.
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
    let mut next = Instant::now();
    shared.running.fetch_add(1, Ordering::Relaxed);
    while !shared.stop.load(Ordering::Relaxed) {
        let round_start = Instant::now();
        let cpu_before = thread_cpu_seconds();
        match spy.get_stack_traces() {
            Ok(traces) => {
                let (busy, waits) = keep(&traces, cwd.as_deref());
                let mut batch = shared.batch.lock().unwrap();
                let counts = batch.pids.entry(pid).or_default();
                counts.rounds += 1;
                counts.busy_rounds += u64::from(!busy.is_empty());
                counts.busy_samples += busy.len() as u64;
                counts.wait_samples += waits.len() as u64;
                for stack in busy.into_iter().chain(waits) {
                    *batch.stacks.entry(stack).or_default() += 1;
                }
            }
            Err(_) => {
                // A recycled gunicorn worker: end quietly.
                if is_zombie(pid) {
                    break;
                }
                shared
                    .batch
                    .lock()
                    .unwrap()
                    .pids
                    .entry(pid)
                    .or_default()
                    .errors += 1;
            }
        }
        // Hold the rate, and the budget: a round that cost c CPU seconds is followed by a
        // pause that keeps this thread's share of the budget.
        let share = CPU_BUDGET / shared.running.load(Ordering::Relaxed).max(1) as f64;
        let spent = (thread_cpu_seconds() - cpu_before).max(0.0);
        next = (next + period).max(round_start + Duration::from_secs_f64(spent / share));
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            // Behind (a slow read): start again from now rather than burst.
            next = now;
        }
    }
    shared.running.fetch_sub(1, Ordering::Relaxed);
}

/// Busy stacks, and idle ones waiting inside a database call; other idle threads (runserver
/// keeps one per open connection) are dropped before their frames are copied.
fn keep(traces: &[StackTrace], cwd: Option<&Path>) -> (Vec<Stack>, Vec<Stack>) {
    let mut busy = Vec::new();
    let mut waits = Vec::new();
    for trace in traces {
        if trace.frames.is_empty() {
            continue;
        }
        // runserver's autoreloader statting files serves no request: never busy time.
        if is_autoreloader(trace.frames.iter().map(|f| f.filename.as_str())) {
            continue;
        }
        let top = &trace.frames[0];
        let active = trace.active && !looks_idle(&top.name, &top.filename);
        let wanted =
            active || wait_driver(trace.frames.iter().map(|f| f.filename.as_str())).is_some();
        if !wanted {
            continue;
        }
        let stack = Stack {
            frames: trace
                .frames
                .iter()
                .map(|f| Frame {
                    function: f.name.clone(),
                    file: absolute(&f.filename, cwd),
                    line: f.line.max(0) as u32,
                })
                .collect(),
            active,
        };
        if active {
            busy.push(stack);
        } else {
            waits.push(stack);
        }
    }
    (busy, waits)
}

fn absolute(file: &str, cwd: Option<&Path>) -> String {
    match cwd {
        Some(cwd) if !file.starts_with('/') && !file.starts_with('<') => {
            cwd.join(file).to_string_lossy().into_owned()
        }
        _ => file.to_string(),
    }
}

/// This thread's CPU time, user + system (the memory reads are system time).
fn thread_cpu_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_THREAD)
        .map(|u| {
            let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
            secs(u.user_time()) + secs(u.system_time())
        })
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::english_fragments;

    #[test]
    fn refusals_are_worded_in_both_languages() {
        let cases = [
            AttachError::Ptrace {
                pid: 42,
                scope: Some(1),
                other_uid: None,
            },
            AttachError::Ptrace {
                pid: 42,
                scope: None,
                other_uid: Some(0),
            },
            AttachError::Ptrace {
                pid: 42,
                scope: Some(3),
                other_uid: None,
            },
            AttachError::NotPython {
                pid: 7,
                exe: "/usr/sbin/nginx".into(),
            },
            AttachError::Gone { pid: 7 },
            AttachError::NoProcess,
            AttachError::Other {
                pid: 7,
                message: "Failed to find python version from target process".into(),
            },
        ];
        for case in &cases {
            let text = case.text();
            assert!(!text.en.is_empty() && !text.ko.is_empty());
            assert_eq!(
                english_fragments(&text.ko),
                Vec::<String>::new(),
                "{}",
                text.ko
            );
        }
        let text = cases[0].text();
        assert!(text.en.contains("ptrace refused"));
        assert!(
            text.en
                .contains("sudo setcap cap_sys_ptrace+ep $(command -v doctor)")
        );
        assert!(
            text.en
                .contains("`sudo sysctl kernel.yama.ptrace_scope=0` (now 1)")
        );
        assert!(text.ko.contains("(현재 값 1)"));
        assert!(cases[1].text().en.contains("another user (uid 0)"));
    }

    #[test]
    fn a_missing_process_is_gone() {
        assert_eq!(
            Sampler::start(&[u32::MAX - 1], 50).err(),
            Some(AttachError::Gone { pid: u32::MAX - 1 })
        );
        assert_eq!(Sampler::start(&[], 50).err(), Some(AttachError::NoProcess));
    }

    #[test]
    fn relative_files_resolve_against_the_server_s_folder() {
        let cwd = Path::new("/srv/app");
        assert_eq!(absolute("manage.py", Some(cwd)), "/srv/app/manage.py");
        assert_eq!(absolute("/x/y.py", Some(cwd)), "/x/y.py");
        assert_eq!(absolute("<frozen runpy>", Some(cwd)), "<frozen runpy>");
    }
}
