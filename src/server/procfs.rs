//! /proc as text and bytes: NUL-separated lists, `stat` fields, boot time and clock ticks, and
//! one process's command line, environment, folder and start. Every reader takes the /proc root
//! as a path, so the parsing is tested on synthetic trees.

use super::process::NoServer;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// One process as /proc shows it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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

pub(super) fn unreadable(pid: u32, what: &str, e: std::io::Error) -> NoServer {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
