//! The machine once a second: system CPU and memory, the server process, Locust's
//! processes, TCP states on the server port; PostgreSQL connections every 5 s.

use super::{Sample, Spawner};
use crate::load::monitor::{self, Monitor};
use crate::probes::Context;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

pub fn spawn(
    spawner: &Spawner,
    port: Option<u16>,
    locust_pgids: Vec<i32>,
    probes: Context,
) -> JoinHandle<()> {
    let monitor = Arc::new(Mutex::new((Monitor::new(port), 0u64)));
    spawner.every(Duration::from_secs(1), move |tx| {
        let monitor = monitor.clone();
        let pgids = locust_pgids.clone();
        let probes = probes.clone();
        async move {
            let mut guard = monitor.lock().await;
            let (monitor, count) = &mut *guard;
            let mut resources = monitor.sample(pgids).await;
            if *count % 5 == 0 {
                resources.db_connections = monitor::db_connections(&probes).await;
            }
            *count += 1;
            tx.send(Sample::Resources(Box::new(resources))).is_ok()
        }
    })
}
