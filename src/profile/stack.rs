//! What the sampler hands over: distinct stacks with their counts, and per-process rounds.

use std::collections::{BTreeMap, HashMap};

/// One Python frame as py-spy read it. `function` is the qualified name on Python 3.11+
/// (`TokenViewBase.post`, py-spy reads `co_qualname`), the bare name before.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    pub function: String,
    /// Absolute path (relative paths are resolved against the server's working directory).
    pub file: String,
    pub line: u32,
}

impl Frame {
    pub fn new(function: &str, file: &str, line: u32) -> Frame {
        Frame {
            function: function.to_string(),
            file: file.to_string(),
            line,
        }
    }
}

/// One thread's stack, innermost frame first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stack {
    pub frames: Vec<Frame>,
    /// py-spy's "active": the thread was running, not sleeping in a system call.
    pub active: bool,
}

/// Counts of one server process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PidCounts {
    /// Times all its threads were read.
    pub rounds: u64,
    /// Rounds in which at least one of its threads was busy.
    pub busy_rounds: u64,
    /// Busy thread samples.
    pub busy_samples: u64,
    /// Idle thread samples kept because they waited on the database.
    pub wait_samples: u64,
    /// Reads that failed (a torn read while the server runs on; the round is skipped).
    pub errors: u64,
}

/// What was sampled between two drains.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Thread samples per distinct stack: busy stacks and idle database waits.
    pub stacks: HashMap<Stack, u64>,
    pub pids: BTreeMap<u32, PidCounts>,
}

impl Batch {
    /// Rounds of the whole server: the processes are read side by side, so the most any one
    /// of them made.
    pub fn rounds(&self) -> u64 {
        self.pids.values().map(|c| c.rounds).max().unwrap_or(0)
    }

    pub fn busy_samples(&self) -> u64 {
        self.pids.values().map(|c| c.busy_samples).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.pids.values().all(|c| c.rounds == 0) && self.stacks.is_empty()
    }

    pub fn merge(&mut self, other: &Batch) {
        for (stack, n) in &other.stacks {
            *self.stacks.entry(stack.clone()).or_default() += n;
        }
        for (pid, c) in &other.pids {
            let mine = self.pids.entry(*pid).or_default();
            mine.rounds += c.rounds;
            mine.busy_rounds += c.busy_rounds;
            mine.busy_samples += c.busy_samples;
            mine.wait_samples += c.wait_samples;
            mine.errors += c.errors;
        }
    }
}
