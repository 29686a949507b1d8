//! doctor's listener inside Locust, asked twice a second: the counts are at most half a
//! second old when the coordinator reads them (Locust's own /stats/requests is cached 2 s).

use super::{Sample, Spawner};
use crate::load::locust::Api;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;

pub const PERIOD: Duration = Duration::from_millis(500);
/// Seconds asked again each time: late answers, and workers report every 3 s.
const OVERLAP: i64 = 8;

pub fn spawn(spawner: &Spawner, api: Api) -> JoinHandle<()> {
    let newest = Arc::new(AtomicI64::new(0));
    spawner.every(PERIOD, move |tx| {
        let api = api.clone();
        let newest = newest.clone();
        async move {
            let after = newest.load(Ordering::Relaxed) - OVERLAP;
            if let Ok(answer) = api.live(after.max(0)).await {
                if let Some(last) = answer.seconds.last() {
                    newest.fetch_max(last.t, Ordering::Relaxed);
                }
                let sample = Sample::Counters {
                    answer: Box::new(answer),
                    received: SystemTime::now(),
                };
                return tx.send(sample).is_ok();
            }
            true
        }
    })
}
