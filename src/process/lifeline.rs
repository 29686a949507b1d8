//! A pipe whose write end only doctor holds. Its child (Locust's master) reads end-of-file the
//! moment doctor is gone, however it died, even by SIGKILL: the kernel closes a dead process's
//! files. doctor's listener in Locust stops the load then (assets/locust_listener). This is the
//! child's own watch, beside the parent-death signal and Locust's `--run-time`.

use std::io::{PipeReader, PipeWriter};
use std::os::fd::{AsRawFd, BorrowedFd};

/// The variable that tells the child which file descriptor is its end.
pub const LIFELINE_VAR: &str = "DOCTOR_LIFELINE_FD";

/// Held by doctor for as long as the child may run; dropping it is what doctor's death does.
pub struct Lifeline {
    // The read end stays open here too: it must outlive the fork, and an open read end in
    // doctor keeps nothing alive (only write ends do).
    _reader: PipeReader,
    _writer: PipeWriter,
}

/// Hand `command` the read end of a new lifeline (inherited across exec; std opens pipes
/// close-on-exec, so the flag is cleared in the child only).
pub fn attach(command: &mut tokio::process::Command) -> std::io::Result<Lifeline> {
    let (reader, writer) = std::io::pipe()?;
    let fd = reader.as_raw_fd();
    command.env(LIFELINE_VAR, fd.to_string());
    // SAFETY: fcntl is async-signal-safe; the fd is open in the child (forked from us).
    unsafe {
        command.pre_exec(move || {
            use nix::fcntl::{F_SETFD, FdFlag, fcntl};
            fcntl(BorrowedFd::borrow_raw(fd), F_SETFD(FdFlag::empty()))
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    Ok(Lifeline {
        _reader: reader,
        _writer: writer,
    })
}
