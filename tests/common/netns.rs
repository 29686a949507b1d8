//! Network namespaces for tests of other hosts (root only; iproute2 from Debian's packages).
//! Each `Netns` is a namespace joined to this one by a veth pair on its own /24:
//! this side `10.<net>.<n>.1`, the namespace `10.<net>.<n>.2`. Dropping it stops what runs
//! inside (processes started with `cmd` are in their own process groups) and deletes the pair
//! and the namespace: addresses exist only inside the test.

use std::process::Command;

pub struct Netns {
    pub name: String,
    /// This side's address (the "load machine" as the namespace sees it).
    pub host_ip: String,
    /// The namespace's own address.
    pub ip: String,
    veth: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2)");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// True when this process may create namespaces (root with iproute2).
pub fn available() -> bool {
    nix::unistd::geteuid().is_root()
        && Command::new("ip")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
}

impl Netns {
    /// `tag`: a short unique name for this test (≤ 8 characters); `n`: 1..=250, distinct per
    /// namespace of one test. The /24 is picked from the pid so parallel tests never clash.
    pub fn new(tag: &str, n: u8) -> Netns {
        // Tests of one binary share a pid and may run side by side: the tag picks the /16 too.
        let tag_sum: u32 = tag.bytes().map(u32::from).sum();
        let net = 100 + ((std::process::id() + tag_sum * 7) % 150) as u8;
        let name = format!("dr-{tag}-{n}");
        let veth = format!(
            "v{}{}{n}",
            &tag[..tag.len().min(6)],
            std::process::id() % 1000
        );
        let host_ip = format!("10.{net}.{n}.1");
        let ns_ip = format!("10.{net}.{n}.2");
        // Leftovers of an interrupted run of the same test.
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let _ = Command::new("ip").args(["link", "del", &veth]).output();
        ip(&["netns", "add", &name]);
        let peer = format!("{veth}p");
        ip(&["link", "add", &veth, "type", "veth", "peer", "name", &peer]);
        ip(&["link", "set", &peer, "netns", &name]);
        ip(&["addr", "add", &format!("{host_ip}/24"), "dev", &veth]);
        ip(&["link", "set", &veth, "up"]);
        let inside = |args: &[&str]| {
            let mut all = vec!["netns", "exec", &name, "ip"];
            all.extend_from_slice(args);
            ip(&all);
        };
        inside(&["addr", "add", &format!("{ns_ip}/24"), "dev", &peer]);
        inside(&["link", "set", &peer, "up"]);
        inside(&["link", "set", "lo", "up"]);
        Netns {
            name,
            host_ip,
            ip: ns_ip,
            veth,
        }
    }

    /// A command that runs inside the namespace (`ip netns exec NAME program args…`).
    pub fn cmd(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }

    /// Pids of every process inside the namespace.
    pub fn pids(&self) -> Vec<u32> {
        let out = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        out.split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for pid in self.pids() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.veth])
            .output();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}
