//! One target's campaign: every seed of `tests/fuzz-corpus/<target>/` as is, then
//! `DOCTOR_FUZZ_CASES` generated inputs (mutated seeds, spliced seeds, random strings). Each
//! call runs under `catch_unwind`; an input that panics or breaks a property is written to the
//! corpus as `crash-<hash>` and the test fails naming it. Runs are deterministic per run seed
//! (`DOCTOR_FUZZ_SEED` replays one). A stack overflow aborts the process before any unwind:
//! the input being tried is always in `target/tmp/fuzz-<target>.last`.

use super::{mutate, random};
use proptest::prelude::Rng;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::cell::{Cell, RefCell};
use std::os::unix::fs::FileExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Once, OnceLock};

/// Cases per target when `DOCTOR_FUZZ_CASES` is unset: the whole fuzz binary then finishes
/// within a minute in a debug build on two shared cores.
const DEFAULT_CASES: u64 = 20_000;

/// Broken inputs listed in a failure (all are saved).
const LISTED: usize = 10;

/// A parser under test and the shape of its input.
pub struct Target {
    /// The name printed and the test's.
    pub name: &'static str,
    /// The folder of seeds under `tests/fuzz-corpus/`, where crashes are saved too.
    pub corpus: &'static str,
    /// Longest input tried, in bytes: longer ones are cut (huge files have their own tests).
    pub max_len: usize,
    /// Share of `DOCTOR_FUZZ_CASES` this target runs: below 1 when one call is slow.
    pub share: f64,
    /// Openers and closers that nest in this format, repeated to build deep inputs.
    pub nesting: &'static [(&'static str, &'static str)],
}

pub const JSON_NESTING: &[(&str, &str)] = &[("[", "]"), ("{\"a\":", "}"), ("[{\"t\":[", "]}]")];
pub const TOML_NESTING: &[(&str, &str)] = &[("[", "]"), ("{a=", "}"), ("[{a=[", "]}]")];
pub const PLAIN_NESTING: &[(&str, &str)] = &[("(", ")"), ("[", "]"), ("\"", "\"")];

/// Something a call got wrong other than panicking (a property), in words.
pub type Verdict = Result<(), String>;

/// Input bytes as the text a `&str` parser receives (invalid UTF-8 becomes U+FFFD).
pub fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// Errors of a file people edit must say where: a line whenever the input has several.
pub fn line_is_named(text: &str, line: Option<usize>, error: &str) -> Verdict {
    let lines = text.lines().count();
    match line {
        None if lines > 1 => Err(format!("error without a line: {error}")),
        Some(l) if l == 0 || l > lines + 1 => Err(format!(
            "line {l} outside the input's {lines} lines: {error}"
        )),
        _ => Ok(()),
    }
}

/// The run's seed: `DOCTOR_FUZZ_SEED`, else the clock.
pub fn run_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| match std::env::var("DOCTOR_FUZZ_SEED") {
        Ok(v) => v.trim().parse().expect("DOCTOR_FUZZ_SEED: a whole number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    })
}

fn cases() -> u64 {
    std::env::var("DOCTOR_FUZZ_CASES")
        .map(|v| v.trim().parse().expect("DOCTOR_FUZZ_CASES: a whole number"))
        .unwrap_or(DEFAULT_CASES)
}

/// FNV-1a: a stable name for an input and a per-target seed.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target)
}

/// Every file of the target's corpus, by name, and the files of the repository folders its
/// `.from` lists (one per line, relative to the repository): real inputs the repository
/// already keeps, such as the fixtures' locustfiles, are read in place rather than copied.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files = files_in(&dir);
    if let Ok(from) = std::fs::read_to_string(dir.join(".from")) {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for folder in from.lines().map(str::trim).filter(|l| !l.is_empty()) {
            files.extend(
                files_in(&root.join(folder))
                    .into_iter()
                    .map(|(name, bytes)| (format!("{folder}/{name}"), bytes)),
            );
        }
    }
    files.sort();
    files
}

fn files_in(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("corpus file readable"))
        })
        .collect()
}

thread_local! {
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics inside a fuzz call are kept (message and place) for the report instead of printed:
/// thousands of expected-looking backtraces would hide the summary.
fn keep_panics_quiet() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(Cell::get) {
                return default(info);
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{place}")));
        }));
    });
}

struct Tally {
    /// `target/tmp/fuzz-<target>.last`, rewritten before each call.
    last: std::fs::File,
    executions: u64,
    panics: u64,
    broken: Vec<String>,
    broken_count: usize,
}

impl Tally {
    fn execute(&mut self, target: &Target, input: &[u8], call: &dyn Fn(&[u8]) -> Verdict) {
        // Two calls on an open file: a full write per case would cost a third of the run.
        let _ = self.last.set_len(0);
        let _ = self.last.write_all_at(input, 0);
        self.executions += 1;
        FUZZING.with(|f| f.set(true));
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| call(input)));
        FUZZING.with(|f| f.set(false));
        let problem = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(broken)) => broken,
            Err(_) => {
                self.panics += 1;
                let message = LAST_PANIC.with(|p| p.borrow_mut().take());
                format!("panic: {}", message.unwrap_or_default())
            }
        };
        let saved = save_crash(target.corpus, input);
        let listed = format!("{}:", saved.display());
        if self.broken.iter().any(|b| b.starts_with(&listed)) {
            return;
        }
        self.broken_count += 1;
        if self.broken.len() < LISTED {
            self.broken.push(format!("{}: {problem}", saved.display()));
        }
    }
}

fn save_crash(target: &str, input: &[u8]) -> PathBuf {
    let path = corpus_dir(target).join(format!("crash-{:016x}", hash(input)));
    if !path.exists() {
        std::fs::write(&path, input).expect("crash input written to the corpus");
    }
    path
}

/// The campaign of one target; fails listing every input that panicked or broke a property.
pub fn campaign(target: &Target, call: impl Fn(&[u8]) -> Verdict) {
    keep_panics_quiet();
    let seeds: Vec<Vec<u8>> = corpus(target.corpus).into_iter().map(|(_, b)| b).collect();
    assert!(!seeds.is_empty(), "{}: no seeds", target.corpus);
    let seed = run_seed() ^ hash(target.name.as_bytes());
    let mut key = [0u8; 32];
    for (i, chunk) in key.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.rotate_left(i as u32 * 16).to_le_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let words = mutate::words(&seeds);
    let strings = random::strings();
    let last =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{}.last", target.name));
    let mut tally = Tally {
        last: std::fs::File::create(last).expect("target/tmp writable"),
        executions: 0,
        panics: 0,
        broken: Vec::new(),
        broken_count: 0,
    };
    for input in &seeds {
        tally.execute(target, input, &call);
    }
    let cases = (cases() as f64 * target.share).ceil() as u64;
    for _ in 0..cases {
        let roll = runner.rng().next_u64() % 100;
        let mut input = if roll < 10 {
            random::string(&strings, &mut runner)
        } else if roll < 15 {
            random::token_soup(runner.rng(), &words)
        } else {
            let rng = runner.rng();
            let mut input = mutate::pick(rng, &seeds).clone();
            if roll < 25 {
                let other = mutate::pick::<Vec<u8>>(rng, &seeds);
                input = mutate::splice(rng, &input, other);
            }
            for _ in 0..=rng.next_u64() % 4 {
                mutate::once(rng, &mut input, &seeds, &words, target.nesting);
            }
            input
        };
        input.truncate(target.max_len);
        tally.execute(target, &input, &call);
    }
    println!(
        "fuzz {}: {} executions, {} panics (seed {})",
        target.name,
        tally.executions,
        tally.panics,
        run_seed()
    );
    assert!(
        tally.broken.is_empty(),
        "fuzz {}: {} inputs panicked or broke a property (replay: DOCTOR_FUZZ_SEED={}); saved:\n{}",
        target.name,
        tally.broken_count,
        run_seed(),
        tally.broken.join("\n")
    );
}
