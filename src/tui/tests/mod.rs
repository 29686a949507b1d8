//! TUI tests without a terminal: `update` transitions, and snapshots of drawn screens built
//! from hand-made results.

mod fixtures;
mod forecast;
mod snapshots;
mod update;
