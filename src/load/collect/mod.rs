//! Collectors: each source of live facts is its own task that sends samples to the stage
//! coordinator over one channel, the shape of `bottom`'s collection threads. A collector
//! never judges or draws; it stops when the coordinator says so.

pub mod counters;
pub mod db_waits;
pub mod locust_state;
pub mod profile;
pub mod resources;

use super::listener::LiveAnswer;
use super::monitor::Resources;
use super::stats::{ExceptionRow, StatsResponse};
use crate::i18n::Text;
use std::future::Future;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// One fact from one collector.
#[derive(Debug)]
pub enum Sample {
    /// doctor's listener: requests per second and endpoint, in flight, last answer.
    Counters {
        answer: Box<LiveAnswer>,
        received: SystemTime,
    },
    /// Locust's own tables: state, users, errors by message, workers, task exceptions.
    Locust {
        stats: Box<StatsResponse>,
        exceptions: Option<Vec<ExceptionRow>>,
    },
    Resources(Box<Resources>),
    Profile(Box<crate::profile::Batch>),
    DbWaits(Box<crate::db_waits::WaitSample>),
    /// The profiler's own cost when it stopped (CPU seconds, seconds sampled).
    ProfilerCost {
        cpu_s: f64,
        wall_s: f64,
    },
    /// Something the user should read once (why a collector could not run).
    Note(Text),
    /// A worker whose locustfile differs from the project's (what its verdicts will say).
    OddWorker {
        id: String,
        text: Text,
    },
}

/// The running collectors and the channel they send on.
pub struct Collectors {
    pub samples: mpsc::UnboundedReceiver<Sample>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Collectors {
    pub fn new() -> (Collectors, Spawner) {
        let (tx, samples) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        (
            Collectors {
                samples,
                stop,
                tasks: Vec::new(),
            },
            Spawner { tx, stop: stop_rx },
        )
    }

    pub fn add(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Ask every collector to stop and wait for them (each gets a few seconds to say
    /// its last word, e.g. the profiler's cost); the samples sent meanwhile stay readable.
    pub async fn stop(&mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// What a collector task needs: where to send, and when to stop.
#[derive(Clone)]
pub struct Spawner {
    pub tx: mpsc::UnboundedSender<Sample>,
    pub stop: watch::Receiver<bool>,
}

impl Spawner {
    /// Run `step` every `period` until stopped (or until `step` says it is done).
    pub fn every<F, Fut>(&self, period: Duration, mut step: F) -> JoinHandle<()>
    where
        F: FnMut(mpsc::UnboundedSender<Sample>) -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let tx = self.tx.clone();
        let mut stop = self.stop.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = stopped(&mut stop) => break,
                }
                if !step(tx.clone()).await {
                    break;
                }
            }
        })
    }
}

pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}
