//! The processes that serve requests on a port: the ones to sample.

use std::collections::{BTreeMap, BTreeSet};

/// Every Python process that serves requests on `port`: the holders of the listening socket
/// and, for a gunicorn/uvicorn master, its workers — without the master itself, which only
/// watches them. runserver's autoreloader parent never holds the socket, so its serving
/// child is what remains. Non-Python holders are left out.
pub fn server_processes(port: u16) -> Vec<u32> {
    let Ok(scan) = crate::server::port::scan(port) else {
        return Vec::new();
    };
    serving_processes(&scan.listener_pids)
}

/// The serving processes among (and under) the holders of a listening socket.
pub fn serving_processes(listeners: &BTreeSet<u32>) -> Vec<u32> {
    serving(listeners, &parent_map(), &|pid| is_python(pid), &|pid| {
        is_master(pid)
    })
}

/// The user owning the socket that listens on `port` (from /proc/net/tcp and tcp6, readable
/// by everyone even when the owner's processes are not).
pub fn listener_uid(port: u16) -> Option<u32> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find_map(|table| listening_uid_in(&table, port))
}

/// One /proc/net/tcp table: `sl local_address rem_address st tx:rx tr:when retrnsmt uid …`,
/// ports in hex, state 0A = LISTEN.
fn listening_uid_in(table: &str, port: u16) -> Option<u32> {
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let local_port = cols.get(1)?.rsplit(':').next()?;
        let listening = cols.get(3) == Some(&"0A");
        (listening && u16::from_str_radix(local_port, 16).ok() == Some(port))
            .then(|| cols.get(7)?.parse().ok())
            .flatten()
    })
}

/// The decision, apart from /proc: `parents` maps each pid to its parent.
fn serving(
    listeners: &BTreeSet<u32>,
    parents: &BTreeMap<u32, u32>,
    is_python: &dyn Fn(u32) -> bool,
    is_master: &dyn Fn(u32) -> bool,
) -> Vec<u32> {
    let mut set: BTreeSet<u32> = listeners
        .iter()
        .copied()
        .filter(|p| is_python(*p))
        .collect();
    // Workers of a master that holds the socket (uvicorn's may not hold it themselves).
    for (child, parent) in parents {
        if listeners.contains(parent) && is_master(*parent) && is_python(*child) {
            set.insert(*child);
        }
    }
    // A parent whose children serve is a master, not a server.
    let masters: BTreeSet<u32> = set
        .iter()
        .filter_map(|child| parents.get(child))
        .filter(|parent| set.contains(parent))
        .filter(|parent| {
            is_master(**parent)
                || parents
                    .iter()
                    .any(|(c, p)| p == *parent && listeners.contains(c))
        })
        .copied()
        .collect();
    set.difference(&masters).copied().collect()
}

/// pid → parent pid of every process, from /proc/<pid>/stat.
fn parent_map() -> BTreeMap<u32, u32> {
    let mut map = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return map;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if let Some(ppid) = ppid_of(&stat) {
            map.insert(pid, ppid);
        }
    }
    map
}

/// The parent from a stat line; the command name in parentheses may hold spaces.
fn ppid_of(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn is_master(pid: u32) -> bool {
    let command = cmdline(pid).to_lowercase();
    ["gunicorn", "uvicorn", "hypercorn", "uwsgi", "daphne"]
        .iter()
        .any(|name| command.contains(name))
}

/// A Python interpreter, or a program with libpython loaded (uwsgi). A process whose maps
/// this user may not read is kept: attaching will say why it cannot be sampled.
fn is_python(pid: u32) -> bool {
    if let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe"))
        && exe
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("python"))
    {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/maps")) {
        Ok(maps) => maps.contains("libpython") || maps.contains("/python"),
        Err(_) => std::path::Path::new(&format!("/proc/{pid}")).exists(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_listeners_user_is_read_from_the_tcp_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123 1
   1: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 456 1
";
        assert_eq!(listening_uid_in(table, 8000), Some(0));
        assert_eq!(listening_uid_in(table, 8001), None);
    }

    use super::*;

    fn set(pids: &[u32]) -> BTreeSet<u32> {
        pids.iter().copied().collect()
    }

    #[test]
    fn gunicorn_workers_not_the_master() {
        // 10 master, 11 and 12 workers (all hold the socket), 13 a non-Python helper.
        let parents = BTreeMap::from([(10, 1), (11, 10), (12, 10), (13, 10)]);
        let got = serving(&set(&[10, 11, 12]), &parents, &|p| p != 13, &|p| p == 10);
        assert_eq!(got, vec![11, 12]);
    }

    #[test]
    fn runserver_child_and_single_processes() {
        // The autoreloader (20) does not hold the socket; its child 21 does.
        let parents = BTreeMap::from([(20, 1), (21, 20)]);
        assert_eq!(
            serving(&set(&[21]), &parents, &|_| true, &|_| false),
            vec![21]
        );
        // A process that is not Python holding the port is left out.
        assert!(serving(&set(&[30]), &BTreeMap::new(), &|_| false, &|_| false).is_empty());
        // uvicorn workers that do not hold the socket are still found.
        let parents = BTreeMap::from([(40, 1), (41, 40), (42, 40)]);
        assert_eq!(
            serving(&set(&[40]), &parents, &|_| true, &|p| p == 40),
            vec![41, 42]
        );
    }

    #[test]
    fn parent_from_stat() {
        assert_eq!(ppid_of("123 (python3 manage.py) S 77 123 1 0"), Some(77));
        assert_eq!(ppid_of("garbage"), None);
    }
}
