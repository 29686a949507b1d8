//! What the server waits on in the database during a stage: PostgreSQL's
//! `pg_stat_activity` sampled once a second (who waits, on what, behind whom), and the
//! connections against their limit.

pub mod summary;

pub use summary::{StageWaits, WaitGroup};
