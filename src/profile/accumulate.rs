//! A stage's batches added up, and what they say: hot functions, waits, skew, folded stacks.

use super::classify::{self, Qualifier};
use super::stack::{Batch, Frame, Stack};
use super::summary::{FuncStat, PidStat, SkewFactor, SkewShare, StageProfile, WaitSite};
use std::collections::HashMap;
use std::path::Path;

/// Functions kept per list, for the project and for libraries each.
const TOP: usize = 10;

#[derive(Clone, Debug, Default)]
pub struct ProfileAccumulator {
    total: Batch,
}

/// Samples of one function (or line), and the views they ran under.
#[derive(Default)]
struct Tally {
    samples: u64,
    views: HashMap<String, u64>,
    lines: HashMap<u32, u64>,
    /// The panel or third-party middleware each sample ran in (see `classify::within`).
    within: HashMap<String, u64>,
}

impl Tally {
    fn add(&mut self, n: u64, line: u32, view: Option<&String>) {
        self.samples += n;
        *self.lines.entry(line).or_default() += n;
        if let Some(view) = view {
            *self.views.entry(view.clone()).or_default() += n;
        }
    }
}

fn most<K: Clone + Ord>(counts: &HashMap<K, u64>) -> Option<K> {
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(k, _)| k.clone())
}

/// (function, display path, project?) — the line is kept in the tally.
type Key = (String, String, bool);

/// Resolves the names and paths of frames, cached for one summary.
struct Namer<'a> {
    project_dir: &'a Path,
    qualifier: Qualifier,
}

impl Namer<'_> {
    fn key(&mut self, frame: &Frame) -> Key {
        (
            self.qualifier.qualified(frame),
            classify::display_path(self.project_dir, &frame.file),
            classify::is_project(self.project_dir, &frame.file),
        )
    }

    fn view(&mut self, stack: &Stack) -> Option<String> {
        let i = classify::view_index(stack)?;
        Some(self.qualifier.qualified(&stack.frames[i]))
    }
}

fn stat(key: &Key, tally: &Tally, busy: u64) -> FuncStat {
    FuncStat {
        function: key.0.clone(),
        file: key.1.clone(),
        line: most(&tally.lines).unwrap_or(0),
        project: key.2,
        samples: tally.samples,
        share: share(tally.samples, busy),
        view: most(&tally.views),
        within: most(&tally.within),
    }
}

fn share(n: u64, of: u64) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

fn by_samples(a: &FuncStat, b: &FuncStat) -> std::cmp::Ordering {
    b.samples
        .cmp(&a.samples)
        .then_with(|| a.function.cmp(&b.function))
        .then_with(|| a.file.cmp(&b.file))
        .then_with(|| a.line.cmp(&b.line))
}

/// The top `TOP` library and the top `TOP` project entries, busiest first.
fn top(tallies: &HashMap<(Key, u32), Tally>, busy: u64) -> Vec<FuncStat> {
    let mut all: Vec<FuncStat> = tallies
        .iter()
        .map(|((key, _), tally)| stat(key, tally, busy))
        .collect();
    all.sort_by(by_samples);
    let (project, library): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| s.project);
    let mut kept: Vec<FuncStat> = library.into_iter().take(TOP).collect();
    kept.extend(project.into_iter().take(TOP));
    kept.sort_by(by_samples);
    kept
}

/// Self time by line: the innermost frame of each busy stack.
fn self_tallies<'a>(
    stacks: impl Iterator<Item = (&'a Stack, u64)>,
    namer: &mut Namer,
) -> HashMap<(Key, u32), Tally> {
    let mut tallies: HashMap<(Key, u32), Tally> = HashMap::new();
    for (stack, n) in stacks {
        let Some(top) = stack.frames.first() else {
            continue;
        };
        let view = namer.view(stack);
        let key = namer.key(top);
        let tally = tallies.entry((key, top.line)).or_default();
        tally.add(n, top.line, view.as_ref());
        if let Some(within) = classify::within(namer.project_dir, stack) {
            *tally.within.entry(within).or_default() += n;
        }
    }
    tallies
}

fn busy(stacks: &HashMap<Stack, u64>) -> impl Iterator<Item = (&Stack, u64)> {
    stacks
        .iter()
        .filter(|(s, _)| s.active)
        .map(|(s, n)| (s, *n))
}

impl ProfileAccumulator {
    pub fn new() -> ProfileAccumulator {
        ProfileAccumulator::default()
    }

    pub fn add(&mut self, batch: &Batch) {
        self.total.merge(batch);
    }

    /// Everything added so far, as one batch.
    pub fn total(&self) -> &Batch {
        &self.total
    }

    pub fn summary(&self, project_dir: &Path) -> StageProfile {
        let mut namer = Namer {
            project_dir,
            qualifier: Qualifier::default(),
        };
        let batch = &self.total;
        let busy_samples = batch.busy_samples();
        let rounds = batch.rounds();

        // Total time: each function once per stack, whatever the recursion.
        let mut totals: HashMap<(Key, u32), Tally> = HashMap::new();
        for (stack, n) in busy(&batch.stacks) {
            let view = namer.view(stack);
            let mut seen: Vec<Key> = Vec::new();
            for frame in &stack.frames {
                let key = namer.key(frame);
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key.clone());
                totals
                    .entry((key, 0))
                    .or_default()
                    .add(n, frame.line, view.as_ref());
            }
        }

        let mut waits: HashMap<(Key, u32, &'static str), Tally> = HashMap::new();
        for (stack, n) in batch.stacks.iter().filter(|(s, _)| !s.active) {
            let Some(wait) = classify::db_wait(project_dir, stack) else {
                continue;
            };
            let frame = &stack.frames[wait.site];
            let view = namer.view(stack);
            waits
                .entry((namer.key(frame), frame.line, wait.driver))
                .or_default()
                .add(*n, frame.line, view.as_ref());
        }
        let mut waits: Vec<WaitSite> = waits
            .into_iter()
            .map(
                |(((function, file, project), line, driver), tally)| WaitSite {
                    function,
                    file,
                    line,
                    project,
                    driver: driver.to_string(),
                    samples: tally.samples,
                    threads_avg: share(tally.samples, rounds),
                    view: most(&tally.views),
                },
            )
            .collect();
        waits.sort_by(|a, b| {
            b.samples
                .cmp(&a.samples)
                .then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line)))
        });

        let mut skew: HashMap<SkewFactor, HashMap<(Key, u32), Tally>> = HashMap::new();
        for (stack, n) in busy(&batch.stacks) {
            for (factor, i) in classify::skew(project_dir, stack) {
                let frame = &stack.frames[i];
                skew.entry(factor)
                    .or_default()
                    .entry((namer.key(frame), frame.line))
                    .or_default()
                    .add(n, frame.line, None);
            }
        }
        let mut skew: Vec<SkewShare> = skew
            .into_iter()
            .map(|(factor, tallies)| {
                let samples: u64 = tallies.values().map(|t| t.samples).sum();
                let top = tallies
                    .iter()
                    .map(|((key, _), t)| stat(key, t, busy_samples))
                    .min_by(by_samples);
                SkewShare {
                    factor,
                    share: share(samples, busy_samples),
                    top,
                }
            })
            .collect();
        skew.sort_by(|a, b| b.share.total_cmp(&a.share));

        let (all_rounds, busy_rounds) = batch
            .pids
            .values()
            .fold((0, 0), |(r, b), c| (r + c.rounds, b + c.busy_rounds));
        StageProfile {
            pids: batch.pids.keys().copied().collect(),
            rounds,
            busy_samples,
            busy_share: share(busy_rounds, all_rounds),
            top_self: top(&self_tallies(busy(&batch.stacks), &mut namer), busy_samples),
            top_total: top(&totals, busy_samples),
            waits,
            skew,
            flame_graph: None,
            collapsed: None,
            per_pid: batch
                .pids
                .iter()
                .map(|(pid, c)| PidStat {
                    pid: *pid,
                    rounds: c.rounds,
                    busy_samples: c.busy_samples,
                    wait_samples: c.wait_samples,
                })
                .collect(),
        }
    }

    /// Busy stacks in Brendan Gregg's folded format, outermost frame first, each frame as
    /// `function (file:line)`: the input of a flame graph.
    pub fn collapsed(&self, project_dir: &Path) -> String {
        let mut namer = Namer {
            project_dir,
            qualifier: Qualifier::default(),
        };
        let mut lines: HashMap<String, u64> = HashMap::new();
        for (stack, n) in busy(&self.total.stacks) {
            let folded = stack
                .frames
                .iter()
                .rev()
                .map(|frame| {
                    let (function, file, _) = namer.key(frame);
                    // `;` separates frames in the format.
                    format!("{function} ({file}:{})", frame.line).replace(';', ":")
                })
                .collect::<Vec<_>>()
                .join(";");
            let folded = if folded.is_empty() {
                "(no Python frames)".to_string()
            } else {
                folded
            };
            *lines.entry(folded).or_default() += n;
        }
        let mut lines: Vec<(String, u64)> = lines.into_iter().collect();
        lines.sort();
        lines
            .into_iter()
            .map(|(stack, n)| format!("{stack} {n}\n"))
            .collect()
    }
}

/// The busiest line of the last few batches (the live view keeps the last ~5 seconds).
pub fn hot_spot(batches: &[Batch], project_dir: &Path) -> Option<FuncStat> {
    let mut recent = Batch::default();
    for batch in batches {
        recent.merge(batch);
    }
    let mut namer = Namer {
        project_dir,
        qualifier: Qualifier::default(),
    };
    let busy_samples = recent.busy_samples();
    let tallies = self_tallies(busy(&recent.stacks), &mut namer);
    tallies
        .iter()
        .map(|((key, _), t)| stat(key, t, busy_samples))
        .min_by(by_samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::classify::fixtures::{PROJECT, f, login_stack, wait_stack};
    use crate::profile::stack::PidCounts;

    fn batch(stacks: &[(Stack, u64)], pid: u32, rounds: u64, busy_rounds: u64) -> Batch {
        let mut b = Batch::default();
        let mut counts = PidCounts {
            rounds,
            busy_rounds,
            ..PidCounts::default()
        };
        for (s, n) in stacks {
            *b.stacks.entry(s.clone()).or_default() += n;
            if s.active {
                counts.busy_samples += n;
            } else {
                counts.wait_samples += n;
            }
        }
        b.pids.insert(pid, counts);
        b
    }

    /// Project code doing its own work under a project view.
    fn project_stack() -> Stack {
        let mut s = wait_stack();
        s.active = true;
        s.frames = s.frames[7..].to_vec();
        s.frames[0] = f("reserve_stock", "apps/products/services.py", 25);
        s
    }

    #[test]
    fn summary_of_logins_and_waits() {
        let mut acc = ProfileAccumulator::new();
        acc.add(&batch(
            &[(login_stack(), 60), (project_stack(), 12)],
            10,
            100,
            80,
        ));
        acc.add(&batch(
            &[(login_stack(), 20), (wait_stack(), 140)],
            10,
            10,
            10,
        ));
        acc.add(&batch(&[(login_stack(), 8)], 11, 50, 8));
        let p = acc.summary(Path::new(PROJECT));
        assert_eq!(p.pids, vec![10, 11]);
        assert_eq!(p.rounds, 110);
        assert_eq!(p.busy_samples, 100);
        assert!((p.busy_share - 98.0 / 160.0).abs() < 1e-9);
        let hot = &p.top_self[0];
        assert_eq!(
            (hot.function.as_str(), hot.file.as_str(), hot.line),
            ("pbkdf2", "django/utils/crypto.py", 77)
        );
        assert_eq!(hot.samples, 88);
        assert!(!hot.project);
        assert_eq!(hot.view.as_deref(), Some("TokenViewBase.post"));
        let own = p.top_self.iter().find(|s| s.project).unwrap();
        assert_eq!((own.function.as_str(), own.line), ("reserve_stock", 25));
        assert_eq!(own.view.as_deref(), Some("ReserveView.post"));
        // Total time: the dispatch frame is on every busy stack.
        let dispatch = p
            .top_total
            .iter()
            .find(|s| s.function == "APIView.dispatch")
            .unwrap();
        assert_eq!(dispatch.samples, 100);
        let wait = &p.waits[0];
        assert_eq!(
            (wait.function.as_str(), wait.file.as_str(), wait.line),
            ("reserve_stock", "apps/products/services.py", 22)
        );
        assert_eq!(wait.driver, "psycopg");
        assert!((wait.threads_avg - 140.0 / 110.0).abs() < 1e-9);
        assert_eq!(p.per_pid[1].busy_samples, 8);
        assert!(p.skew.is_empty());
    }

    #[test]
    fn project_lines_are_not_crowded_out() {
        let mut stacks = Vec::new();
        for i in 0..15 {
            let mut s = login_stack();
            s.frames[0].line = 100 + i;
            stacks.push((s, 100));
        }
        stacks.push((project_stack(), 1));
        let mut acc = ProfileAccumulator::new();
        acc.add(&batch(&stacks, 1, 100, 100));
        let p = acc.summary(Path::new(PROJECT));
        assert_eq!(p.top_self.len(), 11);
        assert!(p.top_self.last().unwrap().project);
    }

    #[test]
    fn folded_stacks_and_the_recent_hot_spot() {
        let mut acc = ProfileAccumulator::new();
        let b = batch(&[(login_stack(), 3), (wait_stack(), 5)], 1, 3, 3);
        acc.add(&b);
        let folded = acc.collapsed(Path::new(PROJECT));
        assert_eq!(folded.lines().count(), 1, "{folded}");
        assert!(folded.starts_with("_bootstrap (threading.py:1002);"));
        assert!(folded.ends_with(";pbkdf2 (django/utils/crypto.py:77) 3\n"));
        assert!(folded.contains(";_view_wrapper (django/views/decorators/csrf.py:65);"));
        let hot = hot_spot(&[b.clone(), b], Path::new(PROJECT)).unwrap();
        assert_eq!(hot.function, "pbkdf2");
        assert_eq!(hot.samples, 6);
        assert_eq!(hot.share, 1.0);
        assert_eq!(hot_spot(&[], Path::new(PROJECT)), None);
    }
}
