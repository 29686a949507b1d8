//! A temporary PostgreSQL cluster on a free loopback port, started as the `postgres` user when
//! the tests run as root, and stopped on drop.

#![allow(dead_code)]

use super::{free_port, read_log};
use nix::sys::signal::Signal;
use nix::unistd::Pid;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use tempfile::TempDir;

pub(crate) fn running_as_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The newest `/usr/lib/postgresql/*/bin` with an initdb.
pub fn postgres_bindir() -> PathBuf {
    let mut dirs: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!("no /usr/lib/postgresql/*/bin/initdb: run scripts/setup-postgres.sh")
    })
}

/// A temporary PostgreSQL cluster on a free loopback port (trust auth, user `postgres`).
pub struct Postgres {
    pub port: u16,
    bindir: PathBuf,
    data: PathBuf,
    log: PathBuf,
    started: bool,
    dir: TempDir,
}

impl Postgres {
    /// Runs a server binary as the `postgres` user (PostgreSQL refuses root).
    fn as_postgres(&self, tool: &str) -> Command {
        let program = self.bindir.join(tool);
        let mut cmd = if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.env("LC_ALL", "C.UTF-8")
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .stdin(Stdio::null())
            .current_dir(self.dir.path());
        cmd
    }

    fn run(&self, what: &str, mut cmd: Command) {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        assert!(
            out.status.success(),
            "{what} failed ({}):\n{}{}\nserver log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            read_log(&self.log)
        );
    }

    pub fn start() -> Postgres {
        let bindir = postgres_bindir();
        let dir = tempfile::Builder::new()
            .prefix("doctor-pg-")
            .tempdir()
            .expect("tempdir");
        // The postgres user must be able to enter the directory.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        let mut pg = Postgres {
            port: 0,
            bindir,
            data,
            log,
            started: false,
            dir,
        };
        if running_as_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(pg.dir.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "chown postgres {}",
                pg.dir.path().display()
            );
        }

        let mut initdb = pg.as_postgres("initdb");
        initdb.arg("-D").arg(&pg.data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        pg.run("initdb", initdb);

        for _attempt in 0..5 {
            let port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={} -c fsync=off -c full_page_writes=off",
                pg.data.display()
            );
            let mut start = pg.as_postgres("pg_ctl");
            start
                .arg("-D")
                .arg(&pg.data)
                .arg("-o")
                .arg(options)
                .arg("-l")
                .arg(&pg.log)
                .args(["-w", "-t", "60", "start"]);
            // The postmaster must not share the test's process group or stdio.
            start.stdout(Stdio::piped()).stderr(Stdio::piped());
            pg.started = true; // pg_ctl may have started it even if it reports failure
            let out = start.output().expect("run pg_ctl start");
            if out.status.success() {
                pg.port = port;
                return pg;
            }
            let log = read_log(&pg.log);
            if log.contains("Address already in use") {
                continue;
            }
            panic!(
                "pg_ctl start failed ({}):\n{}{}\nserver log:\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        panic!("PostgreSQL found no free port; log:\n{}", read_log(&pg.log));
    }

    /// Creates database `name`; returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let mut cmd = Command::new(self.bindir.join("createdb"));
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
        ])
        .arg(name)
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null());
        self.run(&format!("createdb {name}"), cmd);
        self.url(name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The postmaster's pid, from postmaster.pid.
    fn postmaster_pid(&self) -> Option<i32> {
        fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    pub fn stop(&mut self) {
        if !self.started {
            return;
        }
        self.started = false;
        let pid = self.postmaster_pid();
        let mut stop = self.as_postgres("pg_ctl");
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "20", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let stopped = stop.status().map(|s| s.success()).unwrap_or(false);
        if !stopped && let Some(pid) = pid {
            // Last resort: the postmaster by its pid (its children exit with it).
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}
