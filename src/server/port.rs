//! Who listens on a port (netstat2 + sysinfo) and the TCP states there — the guide's
//! `netstat -an | grep 8000` / `lsof -i`. Plain facts; the `port` check judges them.

use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, TcpState};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Listener {
    pub pid: u32,
    pub name: String,
    pub command: String,
}

/// TCP state counts on `port` (local or remote side) and the pids that listen on it.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PortScan {
    pub states: BTreeMap<String, usize>,
    pub listening: bool,
    pub listener_pids: BTreeSet<u32>,
}

pub fn scan(port: u16) -> Result<PortScan, String> {
    // netstat2 panics when /proc is unreadable; keep that from taking doctor down.
    let sockets = std::panic::catch_unwind(|| {
        netstat2::get_sockets_info(
            AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
            ProtocolFlags::TCP,
        )
    })
    .map_err(|_| "reading the socket table failed (is /proc readable?)".to_string())?
    .map_err(|e| format!("reading the socket table failed: {e}"))?;
    let mut scan = PortScan::default();
    for socket in sockets {
        let ProtocolSocketInfo::Tcp(tcp) = &socket.protocol_socket_info else {
            continue;
        };
        if tcp.local_port != port && tcp.remote_port != port {
            continue;
        }
        if tcp.state == TcpState::Listen && tcp.local_port == port {
            scan.listening = true;
            scan.listener_pids
                .extend(socket.associated_pids.iter().copied());
        }
        *scan.states.entry(state_name(&tcp.state)).or_default() += 1;
    }
    Ok(scan)
}

fn state_name(state: &TcpState) -> String {
    match state {
        TcpState::Listen => "LISTEN",
        TcpState::Established => "ESTABLISHED",
        TcpState::TimeWait => "TIME_WAIT",
        TcpState::CloseWait => "CLOSE_WAIT",
        TcpState::SynSent => "SYN_SENT",
        TcpState::SynReceived => "SYN_RECV",
        TcpState::FinWait1 => "FIN_WAIT1",
        TcpState::FinWait2 => "FIN_WAIT2",
        TcpState::LastAck => "LAST_ACK",
        TcpState::Closing => "CLOSING",
        _ => "OTHER",
    }
    .to_string()
}

/// Name and command line of each pid (deduplicated: sysinfo drops duplicates).
pub fn describe(pids: &BTreeSet<u32>) -> Vec<Listener> {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
    let Ok(mut system) = System::new() else {
        return Vec::new();
    };
    let wanted: Vec<Pid> = pids.iter().map(|p| Pid::from_u32(*p)).collect();
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&wanted),
        true,
        ProcessRefreshKind::nothing().with_cmd(UpdateKind::Always),
    );
    pids.iter()
        .map(|pid| {
            let process = system.process(Pid::from_u32(*pid));
            let name = process
                .map(|p| p.name().to_string_lossy().into_owned())
                .unwrap_or_else(|| "?".into());
            let command = process
                .map(|p| {
                    p.cmd()
                        .iter()
                        .map(|a| a.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            Listener {
                pid: *pid,
                name,
                command,
            }
        })
        .collect()
}

/// runserver, gunicorn, uvicorn, daphne, hypercorn: what serves Django.
pub fn django_server_kind(command: &str) -> Option<&'static str> {
    let c = command.to_lowercase();
    if c.contains("manage.py") && c.contains("runserver") {
        Some("runserver")
    } else if c.contains("gunicorn") {
        Some("gunicorn")
    } else if c.contains("uvicorn") {
        Some("uvicorn")
    } else if c.contains("daphne") {
        Some("daphne")
    } else if c.contains("hypercorn") {
        Some("hypercorn")
    } else if c.contains("uwsgi") {
        Some("uwsgi")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_django_servers() {
        assert_eq!(
            django_server_kind("/x/.venv/bin/python manage.py runserver 127.0.0.1:8000"),
            Some("runserver")
        );
        assert_eq!(
            django_server_kind("gunicorn config.wsgi -w 4"),
            Some("gunicorn")
        );
        assert_eq!(django_server_kind("python3 -m http.server 8000"), None);
    }

    #[test]
    fn finds_a_listener_we_own() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let scan = scan(port).unwrap();
        assert!(scan.listening);
        assert!(scan.listener_pids.contains(&std::process::id()));
        assert_eq!(scan.states.get("LISTEN"), Some(&1));
        let described = describe(&scan.listener_pids);
        assert!(!described.is_empty());
    }
}
