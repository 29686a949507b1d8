//! What the machine does under load: system CPU/memory, the server process (found by its
//! port), Locust's own processes, TCP states on the server port, PostgreSQL connections.
//! One sysinfo `System` lives for the whole run, so each sample is the CPU use since the
//! previous one (no extra sleep per sample).

use crate::probes::Context;
use crate::probes::database::{self, Vendor};
use crate::server::port;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use sysinfo::{
    CpuRefreshKind, MemoryRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, RefreshKind,
    System,
};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Resources {
    pub cpu_percent: f32,
    pub memory_percent: f32,
    pub server_pid: Option<u32>,
    /// Every process serving on the port (CPU above: the busiest; RSS: their sum).
    pub server_pids: Vec<u32>,
    pub server_cpu_percent: Option<f32>,
    pub server_rss_mb: Option<u64>,
    /// The busiest Locust process (master or a worker): one Python process uses one core.
    pub locust_cpu_percent: Option<f32>,
    pub locust_processes: usize,
    pub listening: bool,
    pub tcp_states: BTreeMap<String, usize>,
    /// All of Locust's processes together (% of one core).
    pub locust_cpu_total: Option<f32>,
    /// doctor itself (% of one core) and its resident memory.
    pub doctor_cpu_percent: Option<f32>,
    pub doctor_rss_mb: Option<u64>,
    /// The machine's CPU (% of all cores) used by anything but the server, Locust and doctor:
    /// before the first stage, what other processes already hold.
    pub other_cpu_percent: Option<f32>,
    /// PostgreSQL connections in use and max_connections (read every few samples).
    pub db_connections: Option<(i64, i64)>,
    /// The server's processes and Locust's together, in % of all cores: what a stage's CPU
    /// target is judged on (other processes' CPU is a skew, not the server's).
    pub server_locust_percent: Option<f32>,
    /// The busiest processes that are neither the server, Locust nor doctor's own tree.
    pub other_processes: Vec<OtherProcess>,
}

/// A process besides the server, Locust and doctor, with its CPU in % of all cores.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct OtherProcess {
    pub pid: u32,
    pub command: String,
    pub cpu_percent: f32,
}

/// Other processes named per sample: the busiest few above a trace.
const OTHERS_NAMED: usize = 5;
const OTHER_TRACE_PERCENT: f32 = 1.0;

/// Other processes over a stage's samples: each one's average CPU (a sample without it counts
/// as 0), busiest first, those above a trace.
pub fn others_on_average(samples: &[Resources]) -> Vec<OtherProcess> {
    let mut by_pid: BTreeMap<u32, OtherProcess> = BTreeMap::new();
    for sample in samples {
        for other in &sample.other_processes {
            let entry = by_pid.entry(other.pid).or_insert_with(|| OtherProcess {
                pid: other.pid,
                command: other.command.clone(),
                cpu_percent: 0.0,
            });
            entry.cpu_percent += other.cpu_percent;
        }
    }
    let n = samples.len().max(1) as f32;
    let mut others: Vec<OtherProcess> = by_pid
        .into_values()
        .map(|o| OtherProcess {
            cpu_percent: o.cpu_percent / n,
            ..o
        })
        .filter(|o| o.cpu_percent >= OTHER_TRACE_PERCENT)
        .collect();
    others.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent));
    others.truncate(OTHERS_NAMED);
    others
}

/// The command line of a process as shown in a sentence: at most 80 characters.
fn command_of(process: &sysinfo::Process) -> String {
    let cmd: Vec<String> = process
        .cmd()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let text = if cmd.is_empty() {
        process.name().to_string_lossy().into_owned()
    } else {
        cmd.join(" ")
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

pub struct Monitor {
    system: Arc<Mutex<Option<System>>>,
    port: Option<u16>,
    /// The socket's holders last seen, and the serving processes found from them (the same
    /// ones the profiler samples: runserver's child, each gunicorn/uvicorn worker).
    server: Arc<Mutex<(BTreeSet<u32>, Vec<u32>)>>,
}

fn kind() -> RefreshKind {
    RefreshKind::nothing()
        .with_cpu(CpuRefreshKind::nothing().with_usage())
        .with_memory(MemoryRefreshKind::nothing().with_ram())
}

impl Monitor {
    pub fn new(port: Option<u16>) -> Monitor {
        Monitor {
            system: Arc::new(Mutex::new(None)),
            port,
            server: Arc::new(Mutex::new((BTreeSet::new(), Vec::new()))),
        }
    }

    /// One sample; blocking work runs on tokio's blocking pool.
    pub async fn sample(&mut self, locust_pgids: Vec<i32>) -> Resources {
        let system = self.system.clone();
        let port = self.port;
        let server = self.server.clone();
        tokio::task::spawn_blocking(move || {
            let mut out = Resources::default();
            if let Some(port) = port
                && let Ok(scan) = port::scan(port)
            {
                out.listening = scan.listening;
                out.tcp_states = scan.states;
                let mut known = server.lock().unwrap_or_else(|p| p.into_inner());
                if known.0 != scan.listener_pids {
                    // Read /proc for the workers only when the socket's holders change.
                    let serving =
                        crate::profile::server_pids::serving_processes(&scan.listener_pids);
                    *known = (scan.listener_pids.clone(), serving);
                }
                out.server_pids = known.1.clone();
                out.server_pid = known.1.first().copied();
            }
            let mut guard = system.lock().unwrap_or_else(|p| p.into_inner());
            let system = guard.get_or_insert_with(|| {
                System::new_with_specifics(kind()).unwrap_or_else(|_| {
                    System::new_with_specifics(RefreshKind::nothing()).expect("sysinfo")
                })
            });
            system.refresh_specifics(kind());
            let locust: Vec<u32> = crate::process::group_members(&locust_pgids);
            let me = std::process::id();
            // Every process: the others are named, doctor's own tree is left out.
            system.refresh_processes_specifics(
                ProcessesToUpdate::All,
                true,
                ProcessRefreshKind::nothing()
                    .with_cpu()
                    .with_memory()
                    .with_cmd(sysinfo::UpdateKind::OnlyIfNotSet),
            );
            out.cpu_percent = system.global_cpu_usage();
            let total = system.total_memory().max(1);
            let used = total.saturating_sub(system.available_memory());
            out.memory_percent = used as f32 * 100.0 / total as f32;
            // The busiest serving process (a Python process works on one core: at 90 % it is
            // CPU-bound), and the memory of them all.
            let serving: Vec<_> = out
                .server_pids
                .iter()
                .filter_map(|p| system.process(Pid::from_u32(*p)))
                .collect();
            if !serving.is_empty() {
                out.server_cpu_percent = serving.iter().map(|p| p.cpu_usage()).reduce(f32::max);
                out.server_rss_mb =
                    Some(serving.iter().map(|p| p.memory()).sum::<u64>() / 1_048_576);
            }
            out.locust_processes = locust.len();
            out.locust_cpu_percent = locust
                .iter()
                .filter_map(|p| system.process(Pid::from_u32(*p)).map(|p| p.cpu_usage()))
                .reduce(f32::max);
            out.locust_cpu_total = (!locust.is_empty()).then(|| {
                locust
                    .iter()
                    .filter_map(|p| system.process(Pid::from_u32(*p)).map(|p| p.cpu_usage()))
                    .sum()
            });
            // doctor and what it started besides Locust (its helpers, py-spy).
            let parents: Vec<(u32, Option<u32>)> = system
                .processes()
                .iter()
                .map(|(pid, p)| (pid.as_u32(), p.parent().map(Pid::as_u32)))
                .collect();
            let mut doctor = crate::probes::own_tree::tree_of(me, &parents);
            for pid in locust.iter().chain(out.server_pids.iter()) {
                doctor.remove(pid);
            }
            if let Some(process) = system.process(Pid::from_u32(me)) {
                out.doctor_cpu_percent = Some(
                    doctor
                        .iter()
                        .filter_map(|p| system.process(Pid::from_u32(*p)))
                        .map(|p| p.cpu_usage())
                        .sum(),
                );
                out.doctor_rss_mb = Some(process.memory() / 1_048_576);
            }
            let cores = system.cpus().len().max(1) as f32;
            let server_total: f32 = out
                .server_pids
                .iter()
                .filter_map(|p| system.process(Pid::from_u32(*p)).map(|p| p.cpu_usage()))
                .sum();
            if !out.server_pids.is_empty() || !locust.is_empty() {
                out.server_locust_percent =
                    Some((server_total + out.locust_cpu_total.unwrap_or(0.0)) / cores);
            }
            let known = server_total
                + out.locust_cpu_total.unwrap_or(0.0)
                + out.doctor_cpu_percent.unwrap_or(0.0);
            out.other_cpu_percent = Some((out.cpu_percent - known / cores).max(0.0));
            let mine: BTreeSet<u32> = doctor
                .iter()
                .chain(locust.iter())
                .chain(out.server_pids.iter())
                .copied()
                .collect();
            let mut others: Vec<OtherProcess> = system
                .processes()
                .iter()
                .filter(|(pid, p)| !mine.contains(&pid.as_u32()) && p.thread_kind().is_none())
                .map(|(pid, p)| OtherProcess {
                    pid: pid.as_u32(),
                    command: command_of(p),
                    cpu_percent: p.cpu_usage() / cores,
                })
                .filter(|o| o.cpu_percent >= OTHER_TRACE_PERCENT)
                .collect();
            others.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent));
            others.truncate(OTHERS_NAMED);
            out.other_processes = others;
            out
        })
        .await
        .unwrap_or_default()
    }
}

/// Connections to PostgreSQL against max_connections (None: not PostgreSQL or unreadable).
pub async fn db_connections(ctx: &Context) -> Option<(i64, i64)> {
    let url = database::url(ctx).await.ok()?;
    if database::vendor_of(&url) != Some(Vendor::Postgres) {
        return None;
    }
    let db = database::shared(ctx).await.ok()?;
    let all = db
        .scalar(
            format!(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND {}",
                crate::python_helper::NOT_DOCTOR_SQL
            ),
            &[],
        )
        .await
        .ok()?;
    let max = db
        .scalar(
            "SELECT CAST(setting AS BIGINT) FROM pg_settings WHERE name = 'max_connections'".into(),
            &[],
        )
        .await
        .ok()?;
    Some((all, max))
}

/// The database vendor, when known without asking anything slow.
pub async fn vendor(ctx: &Context) -> Option<Vendor> {
    database::url(ctx)
        .await
        .ok()
        .and_then(|u| database::vendor_of(&u))
}
