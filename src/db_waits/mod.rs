//! What the server waits on in the database during a stage: PostgreSQL's
//! `pg_stat_activity` sampled once a second (who waits, on what, behind whom), and the
//! connections against their limit.
//!
//! [`sample::WaitSampler`] takes the samples, [`summarize::summarize`] folds a stage's samples
//! into [`StageWaits`], [`words`] says it in English and Korean.
//!
//! The app's pool size (`DATABASES["default"]["OPTIONS"]["pool"]["max_size"]`, Django 5.1+) is
//! not among doctor's Django facts yet: callers pass it to `summarize` when they know it.

pub mod sample;
pub mod summarize;
pub mod summary;
pub mod words;

pub use sample::{Session, WaitSample, WaitSampler};
pub use summarize::summarize;
pub use summary::{StageWaits, WaitGroup};
