//! `resources`: system CPU and memory against the guide's 80 %, two CPU samples apart, and the
//! server process's own CPU and memory when `port` found its pid.

use super::Input;
use crate::checks::result::{Outcome, Status};
use crate::t;
use sysinfo::{
    CpuRefreshKind, MemoryRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, RefreshKind,
    System,
};

#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    pub cpu_percent: f32,
    pub memory_percent: f32,
    pub memory_used_mb: u64,
    pub process_cpu_percent: Option<f32>,
    pub process_rss_mb: Option<u64>,
    /// doctor's own tree (helpers, Locust, py-spy) in % of all cores: left out of cpu_percent.
    pub doctor_cpu_percent: f32,
}

/// Two refreshes at least sysinfo's minimum interval apart: CPU use needs a difference.
pub fn sample(pid: Option<u32>) -> Result<Sample, String> {
    let kind = RefreshKind::nothing()
        .with_cpu(CpuRefreshKind::nothing().with_usage())
        .with_memory(MemoryRefreshKind::nothing().with_ram());
    let mut system = System::new_with_specifics(kind)
        .map_err(|e| format!("cannot read system statistics: {e}"))?;
    // Every process: doctor's own tree is measured to be left out.
    let process_kind = ProcessRefreshKind::nothing().with_cpu().with_memory();
    system.refresh_processes_specifics(ProcessesToUpdate::All, true, process_kind);
    std::thread::sleep(
        sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(std::time::Duration::from_millis(250)),
    );
    system.refresh_specifics(kind);
    system.refresh_processes_specifics(ProcessesToUpdate::All, true, process_kind);
    let total = system.total_memory().max(1);
    let used = total.saturating_sub(system.available_memory());
    let process = pid.and_then(|p| system.process(Pid::from_u32(p)));
    let parents: Vec<(u32, Option<u32>)> = system
        .processes()
        .iter()
        .map(|(pid, p)| (pid.as_u32(), p.parent().map(Pid::as_u32)))
        .collect();
    let tree = super::own_tree::tree_of(std::process::id(), &parents);
    let tree_cpu: f32 = tree
        .iter()
        .filter_map(|p| system.process(Pid::from_u32(*p)))
        .map(|p| p.cpu_usage())
        .sum();
    let cores = system.cpus().len().max(1);
    Ok(Sample {
        doctor_cpu_percent: tree_cpu / cores as f32,
        cpu_percent: super::own_tree::cpu_without_tree(system.global_cpu_usage(), tree_cpu, cores),
        memory_percent: used as f32 * 100.0 / total as f32,
        memory_used_mb: used / 1_048_576,
        process_cpu_percent: process.map(|p| p.cpu_usage()),
        process_rss_mb: process.map(|p| p.memory() / 1_048_576),
    })
}

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let pid = input
        .dep("port")
        .and_then(|r| r.facts.get("server_pid"))
        .and_then(|v| v.as_u64())
        .map(|p| p as u32);
    let config = input.ctx.config.clone();
    let remote = tokio::task::spawn_blocking(move || config.remote_host()).await?;
    let sample = tokio::task::spawn_blocking(move || sample(pid))
        .await?
        .map_err(anyhow::Error::msg)?;
    let cpu_max = input.threshold("cpu_percent_max", 80.0) as f32;
    let mem_max = input.threshold("memory_percent_max", 80.0) as f32;
    let (cpu, mem) = (sample.cpu_percent, sample.memory_percent);
    let mut outcome = if cpu >= cpu_max && mem >= mem_max {
        Outcome::new(Status::Warn, t!("CPU {cpu:.0}% and memory {mem:.0}% at or above {cpu_max:.0}%"; "CPU {cpu:.0}%, 메모리 {mem:.0}%: 기준 {cpu_max:.0}% 이상")).diagnosed("cpu_and_memory")
    } else if cpu >= cpu_max {
        Outcome::warn(
            "cpu",
            t!("CPU {cpu:.0}% is at or above {cpu_max:.0}% before any load"; "부하 전인데 CPU {cpu:.0}%: 기준 {cpu_max:.0}% 이상"),
        )
    } else if mem >= mem_max {
        Outcome::warn(
            "memory",
            t!("memory {mem:.0}% is at or above {mem_max:.0}%"; "메모리 {mem:.0}%: 기준 {mem_max:.0}% 이상"),
        )
    } else {
        Outcome::pass(
            t!("CPU {cpu:.0}%, memory {mem:.0}% (limit {cpu_max:.0}%)"; "CPU {cpu:.0}%, 메모리 {mem:.0}% (기준 {cpu_max:.0}%)"),
        )
    };
    outcome = outcome
        .with("cpu_percent", format!("{cpu:.1}"))
        .with("memory_percent", format!("{mem:.1}"))
        .with("memory_used_mb", sample.memory_used_mb)
        .with(
            "doctor_cpu_percent",
            format!("{:.1}", sample.doctor_cpu_percent),
        )
        .with(
            "cpus",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        );
    if let Some(host) = &remote {
        // This machine's figures are the load machine's; the server's are on its host.
        let why = crate::probes::remote::remote_reason(host);
        let (en, ko) = (&outcome.summary.en, &outcome.summary.ko);
        outcome.summary = t!(
            "this machine (the load machine): {en}; the server's own CPU and memory are not measured: {}", why.en;
            "이 컴퓨터(부하 발생기): {ko}; 서버 자체의 CPU·메모리는 측정하지 않음: {}", why.ko
        );
        return Ok(outcome
            .with("measured", "load_machine")
            .with("server_process", "skip")
            .with("server_at", host));
    }
    if let (Some(pid), Some(pcpu), Some(rss)) =
        (pid, sample.process_cpu_percent, sample.process_rss_mb)
    {
        outcome = outcome.with(
            "server_process",
            format!("pid {pid}: CPU {pcpu:.1}%, RSS {rss} MB"),
        );
    }
    Ok(outcome)
}
