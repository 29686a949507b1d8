//! Locust's own tables every 2 s (its cache): state, users, errors by message, workers, and
//! the task exceptions the locustfile raised.

use super::{Sample, Spawner};
use crate::load::locust::Api;
use std::time::Duration;
use tokio::task::JoinHandle;

pub fn spawn(spawner: &Spawner, api: Api) -> JoinHandle<()> {
    spawner.every(Duration::from_secs(2), move |tx| {
        let api = api.clone();
        async move {
            let Ok(stats) = api.stats().await else {
                return true;
            };
            let exceptions = api.exceptions().await.ok();
            tx.send(Sample::Locust {
                stats: Box::new(stats),
                exceptions,
            })
            .is_ok()
        }
    })
}
