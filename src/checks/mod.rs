//! Checks: the definitions (data), their registry, the runner, and the results.

pub mod diagnosis;
pub mod kinds;
pub mod model;
pub mod ranges;
pub mod registry;
pub mod result;
pub mod runner;
