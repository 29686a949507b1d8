//! PostgreSQL's `pg_stat_activity` once a second: who waits, on what, behind whom.

use super::{Sample, Spawner};
use crate::db_waits::WaitSampler;
use crate::probes::Context;
use crate::probes::database::{self, Vendor};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// None when the app's database is not PostgreSQL or cannot be reached from here.
pub async fn spawn(spawner: &Spawner, probes: &Context) -> Option<JoinHandle<()>> {
    let url = database::url(probes).await.ok()?;
    if database::vendor_of(&url) != Some(Vendor::Postgres) {
        return None;
    }
    let name = WaitSampler::db_name_of(&url)?;
    let sampler = Arc::new(WaitSampler::connect(&url, &name).await.ok()?);
    Some(spawner.every(Duration::from_secs(1), move |tx| {
        let sampler = sampler.clone();
        async move {
            match sampler.sample().await {
                Ok(sample) => tx.send(Sample::DbWaits(Box::new(sample))).is_ok(),
                Err(_) => true,
            }
        }
    }))
}
