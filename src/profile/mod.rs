//! Where the server spends its time: py-spy samples the Python stacks of every server
//! process during a stage; the samples become a [`StageProfile`] (hot functions, the view
//! each ran under, database waits, the share of what skews a load test) and a flame graph.

pub mod accumulate;
pub mod classify;
pub mod flame;
pub mod sampler;
pub mod server_pids;
pub mod stack;
pub mod summary;
pub mod words;

pub use accumulate::{ProfileAccumulator, hot_spot};
pub use flame::write_flame_graph;
pub use sampler::{AttachError, Sampler};
pub use server_pids::{listener_uid, server_processes};
pub use stack::{Batch, Frame, PidCounts, Stack};
pub use summary::{FuncStat, PidStat, SkewFactor, SkewShare, StageProfile, WaitSite};
pub use words::{hot_spot_sentence, project_sentence, skew_sentences, wait_sentence};
