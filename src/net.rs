//! Addresses: the host and port of a URL, and whether a host is this machine (a loopback
//! address, or an address of one of this machine's interfaces, after a host name resolves).
//! Checks that read this machine (the port's owner, the server's process, its CPU and memory)
//! describe the wrong machine when the server is elsewhere.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// How long a host name may take to resolve before doctor calls it "not this machine".
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// The host of a URL (`http://user@[::1]:8000/x` → `::1`), without brackets; None without one.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split("://").nth(1)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(stripped) = authority.strip_prefix('[') {
        stripped.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then(|| host.to_string())
}

/// The addresses of this machine's interfaces (loopback included), read with getifaddrs.
pub fn local_addresses() -> BTreeSet<IpAddr> {
    let mut out = BTreeSet::new();
    if let Ok(addrs) = nix::ifaddrs::getifaddrs() {
        for ifaddr in addrs {
            let Some(address) = ifaddr.address else {
                continue;
            };
            if let Some(v4) = address.as_sockaddr_in() {
                out.insert(IpAddr::V4(v4.ip()));
            } else if let Some(v6) = address.as_sockaddr_in6() {
                out.insert(IpAddr::V6(v6.ip()));
            }
        }
    }
    out
}

/// True when `ip` is loopback, unspecified (0.0.0.0 reaches this machine) or an address of one
/// of this machine's interfaces.
pub fn ip_is_this_machine(ip: IpAddr, local: &BTreeSet<IpAddr>) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    ip.is_loopback() || ip.is_unspecified() || local.contains(&ip)
}

/// The addresses a host name resolves to (an IP literal is itself), within RESOLVE_TIMEOUT.
fn resolve(host: &str) -> Vec<IpAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![ip];
    }
    static CACHE: LazyLock<Mutex<HashMap<String, Vec<IpAddr>>>> = LazyLock::new(Default::default);
    if let Some(known) = CACHE.lock().ok().and_then(|c| c.get(host).cloned()) {
        return known;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let found: Vec<IpAddr> = (name.as_str(), 0)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .unwrap_or_default();
        let _ = tx.send(found);
    });
    let found = rx.recv_timeout(RESOLVE_TIMEOUT).unwrap_or_default();
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(host.to_string(), found.clone());
    }
    found
}

/// True when `host` (a name or an address) is this machine: `localhost`, a loopback address, or
/// a name or address of one of this machine's interfaces. A name that does not resolve is not.
pub fn host_is_this_machine(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    let ips = resolve(host);
    if ips.is_empty() {
        return false;
    }
    let local = local_addresses();
    // Every address the name stands for is here: a name that also points elsewhere may reach
    // another machine.
    ips.iter().all(|ip| ip_is_this_machine(*ip, &local))
}

/// The port of a URL, or its scheme's default (80, 443).
pub fn url_port(url: &str) -> Option<u16> {
    let parsed = reqwest::Url::parse(url).ok()?;
    parsed.port_or_known_default()
}

/// True when the server of `url` runs on this machine (see [`host_is_this_machine`]); a URL
/// without a host is not.
pub fn is_this_machine(url: &str) -> bool {
    url_host(url).is_some_and(|host| host_is_this_machine(&host))
}

/// A URL's `user:password@` taken out: (`http://host:8000`, Some("user:password")).
/// doctor keeps the credentials apart so that no printed URL can carry them.
pub fn split_credentials(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_string(), None);
    };
    let bare = format!("{}{}", &url[..scheme_end + 3], &rest[at + 1..]);
    (bare, Some(rest[..at].to_string()))
}

/// The URL with `user:password@` put back, for the one place that sends it (Locust's --host).
pub fn with_credentials(url: &str, credentials: Option<&str>) -> String {
    match (credentials, url.find("://")) {
        (Some(userinfo), Some(scheme_end)) => format!(
            "{}{userinfo}@{}",
            &url[..scheme_end + 3],
            &url[scheme_end + 3..]
        ),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_this_machine() {
        for url in [
            "http://127.0.0.1:8000",
            "http://127.9.9.9:8000/x",
            "http://localhost:8000",
            "http://LOCALHOST",
            "http://[::1]:8000/",
            "http://0.0.0.0:8000",
            "http://user:pw@127.0.0.1:8000",
        ] {
            assert!(is_this_machine(url), "{url}");
        }
    }

    #[test]
    fn an_interface_address_is_this_machine() {
        let local = local_addresses();
        assert!(local.iter().any(|ip| ip.is_loopback()), "{local:?}");
        // Every address of this machine's interfaces, not only loopback.
        for ip in &local {
            let url = match ip {
                IpAddr::V4(v4) => format!("http://{v4}:8000"),
                IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80 => continue,
                IpAddr::V6(v6) => format!("http://[{v6}]:8000"),
            };
            assert!(is_this_machine(&url), "{url} ({local:?})");
        }
    }

    #[test]
    fn a_foreign_address_is_not() {
        let local = local_addresses();
        // TEST-NET-3 and documentation v6 addresses belong to no machine.
        for ip in ["203.0.113.77", "2001:db8::77"] {
            let parsed: IpAddr = ip.parse().unwrap();
            assert!(!local.contains(&parsed));
            assert!(!ip_is_this_machine(parsed, &local), "{ip}");
        }
        assert!(!is_this_machine("http://203.0.113.77:8000"));
        assert!(!is_this_machine("http://[2001:db8::77]:8000/"));
        assert!(!is_this_machine("not a url"));
        // An IPv4-mapped loopback is loopback.
        assert!(ip_is_this_machine(
            "::ffff:127.0.0.1".parse().unwrap(),
            &BTreeSet::new()
        ));
    }

    #[test]
    fn a_host_name_resolves_first() {
        // /etc/hosts names this machine; a name under .invalid never resolves (RFC 6761).
        assert!(host_is_this_machine("localhost"));
        assert!(host_is_this_machine("api.localhost"));
        assert!(!is_this_machine("http://staging.doctor-test.invalid:8000"));
        // The machine's own host name, when it resolves, is this machine.
        if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            let name = name.trim();
            if !name.is_empty() && !resolve(name).is_empty() {
                assert!(host_is_this_machine(name), "{name}");
            }
        }
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(url_host("http://u@[::1]:8000/x").as_deref(), Some("::1"));
        assert_eq!(
            url_host("https://staging.example.com/api").as_deref(),
            Some("staging.example.com")
        );
        assert_eq!(url_host("http://:8000"), None);
        assert_eq!(url_port("http://127.0.0.1:8000/x"), Some(8000));
        assert_eq!(url_port("https://example.com/"), Some(443));
    }

    #[test]
    fn credentials_come_out_of_a_url_and_go_back() {
        let (bare, creds) = split_credentials("http://ops:s3cret@127.0.0.1:8000/api?x=a@b");
        assert_eq!(bare, "http://127.0.0.1:8000/api?x=a@b");
        assert_eq!(creds.as_deref(), Some("ops:s3cret"));
        assert_eq!(
            with_credentials(&bare, creds.as_deref()),
            "http://ops:s3cret@127.0.0.1:8000/api?x=a@b"
        );
        assert_eq!(split_credentials("http://127.0.0.1:8000/a@b").1, None);
        assert_eq!(split_credentials("not a url").0, "not a url");
    }
}
