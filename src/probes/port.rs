//! `port`: who listens on the port of base_url (netstat2 + sysinfo), whether it looks like
//! Django, and the TCP states on that port — the guide's `netstat -an | grep 8000` / `lsof -i`.

use super::Input;
use crate::checks::result::Outcome;
use crate::t;
use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, TcpState};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Listener {
    pub pid: u32,
    pub name: String,
    pub command: String,
}

/// TCP state counts on `port` (local or remote side) and the pids that listen on it.
#[derive(Debug, Default)]
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

/// A server on another host: its port's owner is not on this machine. What can be told from
/// here is whether HOST:PORT accepts a TCP connection (evidence, not a pass: the check is about
/// the process that owns the port).
async fn remote(host: &str, port: u16) -> Outcome {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let connect = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        tokio::net::TcpStream::connect(target.clone()),
    )
    .await;
    // A word, not prose: evidence reads the same in every language.
    let reachable = match connect {
        Ok(Ok(_)) => "open".to_string(),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => "refused".into(),
        Ok(Err(_)) => "unreachable".into(),
        Err(_) => "timeout".into(),
    };
    let why = crate::server::location::remote_reason(host);
    Outcome::skip(t!(
        "who owns port {port} is not known here: {}", why.en;
        "포트 {port}의 소유 프로세스를 여기서 알 수 없음: {}", why.ko
    ))
    .diagnosed(crate::server::location::REMOTE_SERVER)
    .with("port", port)
    .with("host", host)
    .with("address", &target)
    .with("tcp_from_here", reachable)
    .with_facts(serde_json::json!({ "port": port, "remote_host": host }))
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let base_url = input.ctx.config.base_url.value.clone();
    let port = super::url_port(&base_url)
        .ok_or_else(|| anyhow::anyhow!("base_url {base_url} has no port"))?;
    let config = input.ctx.config.clone();
    if let Some(host) = tokio::task::spawn_blocking(move || config.remote_host()).await? {
        return Ok(remote(&host, port).await);
    }
    let (scan, listeners) = tokio::task::spawn_blocking(move || {
        let scan = scan(port)?;
        let listeners = describe(&scan.listener_pids);
        Ok::<_, String>((scan, listeners))
    })
    .await?
    .map_err(anyhow::Error::msg)?;
    let states = scan
        .states
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if !scan.listening {
        return Ok(Outcome::fail(
            "not_listening",
            t!("nothing listens on port {port}"; "포트 {port}에서 대기 중인 프로세스 없음"),
        )
        .with("port", port)
        .with(
            "tcp_states",
            if states.is_empty() {
                "-".into()
            } else {
                states
            },
        ));
    }
    let django = listeners
        .iter()
        .find_map(|l| django_server_kind(&l.command).map(|kind| (l, kind)));
    let who = listeners
        .iter()
        .map(|l| format!("{} (pid {})", l.name, l.pid))
        .collect::<Vec<_>>()
        .join(", ");
    let outcome = match (django, listeners.is_empty()) {
        (Some((listener, kind)), _) => Outcome::pass(
            t!("{kind} (pid {}) listens on port {port}", listener.pid; "{kind} (pid {})가 포트 {port}에서 대기 중", listener.pid),
        ),
        (None, true) => Outcome::pass(
            t!("port {port} is open; its process is not visible to this user"; "포트 {port} 열림; 이 사용자 권한으로는 프로세스를 볼 수 없음"),
        ),
        (None, false) => Outcome::warn(
            "not_django",
            t!("port {port} is held by {who}, which does not look like a Django server"; "포트 {port}를 {who}가 사용 중: Django 서버로 보이지 않음"),
        ),
    };
    let mut outcome = outcome.with("port", port).with("tcp_states", states);
    for listener in &listeners {
        outcome = outcome.with(
            "listener",
            format!(
                "pid {} {}: {}",
                listener.pid,
                listener.name,
                shorten(&listener.command, 160)
            ),
        );
    }
    let server_pid = django
        .map(|(l, _)| l.pid)
        .or_else(|| listeners.first().map(|l| l.pid));
    Ok(outcome.with_facts(
        serde_json::json!({ "port": port, "server_pid": server_pid, "listeners": listeners }),
    ))
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
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
