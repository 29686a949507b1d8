//! TUI tests without a terminal: `update` transitions, and snapshots of drawn screens built
//! from hand-made results.

mod fixtures;
mod snapshots;
mod update;
