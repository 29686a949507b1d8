//! The profiler as a collector: py-spy samples the server's processes on its own threads;
//! once a second this task hands what was sampled to the coordinator. When attaching is
//! refused it says why, once, and the run goes on without a profile.

use super::{Sample, Spawner, stopped};
use crate::profile::{AttachError, Sampler, listener_uid, server_processes};
use crate::t;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub fn spawn(spawner: &Spawner, port: u16, hz: u32) -> JoinHandle<()> {
    let tx = spawner.tx.clone();
    let mut stop = spawner.stop.clone();
    tokio::spawn(async move {
        let pids = tokio::task::spawn_blocking(move || server_processes(port))
            .await
            .unwrap_or_default();
        let own_uid = nix::unistd::geteuid().as_raw();
        let hidden = listener_uid(port).filter(|uid| *uid != own_uid && own_uid != 0);
        if let (true, Some(uid)) = (pids.is_empty(), hidden) {
            let _ = tx.send(Sample::Note(AttachError::Hidden { port, uid }.text()));
            return;
        }
        if pids.is_empty() {
            let _ = tx.send(Sample::Note(t!(
                "the server's processes on port {port} were not found on this machine: no profile of where it spends its time";
                "{port}번 포트의 서버 프로세스를 이 머신에서 찾지 못함: 서버가 시간을 쓰는 곳은 측정하지 않음"
            )));
            return;
        }
        let started = tokio::task::spawn_blocking(move || Sampler::start(&pids, hz)).await;
        let sampler = match started {
            Ok(Ok(sampler)) => sampler,
            Ok(Err(refused)) => {
                let _ = tx.send(Sample::Note(refused.text()));
                return;
            }
            Err(_) => return,
        };
        let since = Instant::now();
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped(&mut stop) => break,
            }
            let batch = sampler.drain();
            if !batch.is_empty() && tx.send(Sample::Profile(Box::new(batch))).is_err() {
                break;
            }
        }
        let wall_s = since.elapsed().as_secs_f64();
        if let Ok(cpu_s) = tokio::task::spawn_blocking(move || sampler.stop()).await {
            let _ = tx.send(Sample::ProfilerCost { cpu_s, wall_s });
        }
    })
}
