//! Where the server spends its time: py-spy samples the Python stacks of every server
//! process during a stage; the samples become a [`StageProfile`] (hot functions, the view
//! each ran under, database waits, the share of what skews a load test) and a flame graph.

pub mod summary;

pub use summary::{FuncStat, SkewFactor, SkewShare, StageProfile, WaitSite};
