//! Which processes are doctor's: every child doctor starts carries `DOCTOR_RUN_ID` in its
//! environment, naming the doctor that started it (pid and start time) plus a nonce. A pidfile
//! alone proves nothing (start times are world-readable); a group is stopped as an orphan only
//! when its leader's own environment carries the run id its pidfile names.

use std::sync::OnceLock;

/// The environment variable that marks doctor's children.
pub const RUN_ID_VAR: &str = "DOCTOR_RUN_ID";

/// This doctor's run id: `<pid>-<start time>-<nonce>`.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let pid = std::process::id();
        let start = super::start_time(pid as i32).unwrap_or_default();
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        format!("{pid}-{start}-{nonce:x}")
    })
}

/// Is the doctor named by `run_id` gone (its pid no longer has that start time)?
pub fn owner_is_gone(run_id: &str) -> bool {
    let mut parts = run_id.split('-');
    let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    super::start_time(pid).is_none_or(|now| now != start)
}

/// Does process `pid` look like one doctor starts (Locust, doctor's Python helper, a Django
/// server) and carry `run_id` in its own environment? Both are read from /proc, which only
/// shows another process's environment to its owner.
pub fn is_doctors(pid: i32, run_id: &str) -> bool {
    if run_id.is_empty() {
        return false;
    }
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let wanted = format!("{RUN_ID_VAR}={run_id}");
    let marked = environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes());
    marked && doctors_kind_of_command(pid)
}

fn doctors_kind_of_command(pid: i32) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    cmdline
        .split(|b| *b == 0)
        .map(String::from_utf8_lossy)
        .any(|arg| {
            let name = arg.rsplit('/').next().unwrap_or(&arg);
            matches!(name, "locust" | "manage.py") || arg.contains("/doctor_py/")
        })
}

/// Prepare `command` to be doctor's child: marked with the run id, and sent `signal` when
/// doctor dies (PR_SET_PDEATHSIG), so that no load outlives its controller, even after SIGKILL.
pub fn mark_child(command: &mut tokio::process::Command, signal: nix::sys::signal::Signal) {
    command.env(RUN_ID_VAR, run_id());
    let parent = std::process::id() as i32;
    // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(signal).map_err(std::io::Error::from)?;
            // doctor may have died between fork and prctl: then no signal will ever come.
            if nix::unistd::getppid().as_raw() != parent {
                return Err(std::io::Error::other(
                    "doctor exited while starting this child",
                ));
            }
            Ok(())
        });
    }
}
