//! The commands of the `doctor` binary, one file each: what main.rs dispatches to. They read
//! configuration, run checks, fixes or load runs, and print; the layers below never print.

pub mod check;
mod config_words;
pub mod demo;
pub mod explain;
pub mod fix;
pub mod forecast;
mod forecast_text;
pub mod run;

/// Print to stdout, ignoring a closed pipe (`doctor --list | head` must not panic).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout();
        let _ = write!(stdout, $($arg)*);
        let _ = stdout.flush();
    }};
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
