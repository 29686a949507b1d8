//! How much other work competes for this machine's cores right now: the mean number of
//! runnable threads (`procs_running` of /proc/stat) while the server is idle. Linux shares the
//! cores fairly among runnable threads, so a build running beside the server slows it.

use std::path::Path;
use std::time::Duration;

/// `procs_running` of /proc/stat: threads runnable at this instant (the reader included).
pub fn parse_procs_running(stat: &str) -> Option<f64> {
    let line = stat.lines().find(|l| l.starts_with("procs_running "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Mean runnable threads besides doctor over `window`, sampled ten times.
pub async fn runnable_others(proc_root: &Path, window: Duration) -> Option<f64> {
    let path = proc_root.join("stat");
    let mut seen = Vec::new();
    for _ in 0..10 {
        let text = tokio::fs::read_to_string(&path).await.ok()?;
        // The reading thread itself is running: not other work.
        seen.push((parse_procs_running(&text)? - 1.0).max(0.0));
        tokio::time::sleep(window / 10).await;
    }
    Some(seen.iter().sum::<f64>() / seen.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_runnable_threads() {
        let stat = "cpu  1 2 3 4\nprocs_running 3\nprocs_blocked 0\n";
        assert_eq!(parse_procs_running(stat), Some(3.0));
        assert_eq!(parse_procs_running("cpu  1 2 3 4\n"), None);
    }
}
