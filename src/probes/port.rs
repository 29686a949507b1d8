//! `port`: who listens on the port of base_url (netstat2 + sysinfo), whether it looks like
//! Django, and the TCP states on that port — the guide's `netstat -an | grep 8000` / `lsof -i`.

use super::Input;
use crate::checks::result::Outcome;
use crate::server::port::{describe, django_server_kind, scan};
use crate::t;

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
    let why = crate::probes::remote::remote_reason(host);
    Outcome::skip(t!(
        "who owns port {port} is not known here: {}", why.en;
        "포트 {port}의 소유 프로세스를 여기서 알 수 없음: {}", why.ko
    ))
    .diagnosed(crate::checks::diagnosis::REMOTE_SERVER)
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
    // A Django server of another project: checks and load would reach the wrong project.
    if django.is_some()
        && let Err(other @ crate::server::NoServer::OtherProject { .. }) =
            crate::server::running_server(&input.ctx.config).await
    {
        return Ok(other_project(other, port));
    }
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

fn other_project(other: crate::server::NoServer, port: u16) -> Outcome {
    let crate::server::NoServer::OtherProject {
        pid, theirs, ours, ..
    } = &other
    else {
        unreachable!("called with OtherProject only")
    };
    Outcome::fail("other_project", other.text())
        .with("port", port)
        .with("server_pid", pid)
        .with("server_project", theirs.display().to_string())
        .with("this_project", ours.display().to_string())
        .with_facts(
            serde_json::json!({ "port": port, "server_pid": pid, "server_project": theirs }),
        )
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}
