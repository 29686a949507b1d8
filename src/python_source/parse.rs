//! Parsing Python with a time budget, once per text. tree-sitter-python's external scanner is
//! quadratic on long runs of comments after an indented block (10,000 lines: ~100 s), and the
//! same locustfile is read by several checks: a parse that runs out of time stops, says so,
//! and is remembered, so no later reader of the same text waits again.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

/// How long one text may take to parse. Below the locustfile check's timeout (30 s), so the
/// check always answers and the command always exits.
pub const BUDGET: Duration = Duration::from_secs(10);
/// Texts remembered (each with its tree, or that it ran out of time).
const REMEMBERED: usize = 8;

/// A parse that ran out of its budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutOfTime {
    pub budget: Duration,
}

type Key = (u64, usize);
static CACHE: Mutex<Vec<(Key, Result<Tree, OutOfTime>)>> = Mutex::new(Vec::new());

fn key(text: &str) -> Key {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    (hasher.finish(), text.len())
}

/// The tree of `text`, parsed at most once per process (within `budget`).
pub fn tree(text: &str, budget: Duration) -> Result<Tree, OutOfTime> {
    let key = key(text);
    if let Some((_, hit)) = CACHE
        .lock()
        .ok()
        .and_then(|c| c.iter().find(|(k, _)| *k == key).cloned())
    {
        return hit;
    }
    let parsed = parse_within(text, budget);
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= REMEMBERED {
            drop(cache.remove(0));
        }
        cache.push((key, parsed.clone()));
    }
    parsed
}

thread_local! {
    /// Parses run by this thread (tests count them).
    static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn parse_within(text: &str, budget: Duration) -> Result<Tree, OutOfTime> {
    PARSES.with(|n| n.set(n.get() + 1));
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled Python grammar matches tree-sitter");
    let deadline = Instant::now() + budget;
    // tree-sitter asks this now and then; `true` stops the parse.
    let mut out_of_time = |_: &ParseState| Instant::now() > deadline;
    let options = ParseOptions::new().progress_callback(&mut out_of_time);
    let bytes = text.as_bytes();
    let mut input = |at: usize, _| bytes.get(at..).unwrap_or_default();
    parser
        .parse_with_options(&mut input, None, Some(options))
        .ok_or(OutOfTime { budget })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_past_its_budget_stops_and_is_remembered() {
        // Comments after an indented block: the scanner's slow case.
        let mut text = String::from("class U:\n    def f(self):\n        pass\n");
        for i in 0..20_000 {
            text.push_str(&format!("    # comment {i}\n"));
        }
        let started = Instant::now();
        let first = tree(&text, Duration::from_millis(300));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(first.unwrap_err().budget, Duration::from_millis(300));
        // The second reader does not wait again.
        let started = Instant::now();
        assert!(tree(&text, Duration::from_secs(60)).is_err());
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[test]
    fn an_ordinary_file_parses_once() {
        let text = "x = 'parsed once'\n";
        let before = PARSES.with(|n| n.get());
        let a = tree(text, BUDGET).unwrap();
        let b = tree(text, BUDGET).unwrap();
        assert_eq!(PARSES.with(|n| n.get()) - before, 1, "a second parse");
        assert_eq!(a.root_node().to_sexp(), b.root_node().to_sexp());
    }
}
