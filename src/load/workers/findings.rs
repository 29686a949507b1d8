//! The facts about a stage's workers (their last users, their highest CPU, another locustfile)
//! and what they mean for the stage's verdict: the load a lost worker took with it, a worker at
//! its CPU limit, a worker whose numbers are not the project's.

use super::short_id;
use crate::i18n::Text;
use crate::load::run_report::StageReport;
use crate::load::stats::WorkerRow;
use crate::t;
use std::collections::BTreeMap;

/// A worker above this CPU (% of a core) measures Locust's limit, not the server's.
pub const SATURATED_CPU: f64 = 90.0;

/// The facts about a stage's workers besides its report.
#[derive(Clone, Debug, Default)]
pub struct WorkerFacts {
    pub last_users: BTreeMap<String, u64>,
    pub cpu_max: BTreeMap<String, f64>,
    pub odd: BTreeMap<String, Text>,
}

/// Problems and skews of a stage's workers: the load a lost worker took with it, workers at
/// their CPU limit, workers with another locustfile.
pub fn findings_from(stage: &StageReport, facts: &WorkerFacts) -> (Vec<Text>, Vec<Text>) {
    let mut problems = Vec::new();
    let mut skews = Vec::new();
    let rows = stage.workers.as_deref().unwrap_or(&[]);
    let users = stage.measure.users as u64;
    let lost = &stage.measure.lost_workers;
    if !lost.is_empty() && users > 0 {
        let known: Option<u64> = lost
            .iter()
            .map(|id| facts.last_users.get(id).copied())
            .sum();
        // Not redistributed (no --enable-rebalancing): what the others do not hold is gone.
        let remaining: u64 = rows
            .iter()
            .filter(|w| w.state != "missing")
            .map(|w| w.user_count)
            .sum();
        let missing = known
            .filter(|n| *n > 0)
            .unwrap_or(users.saturating_sub(remaining));
        let names = lost
            .iter()
            .map(|id| short_id(id))
            .collect::<Vec<_>>()
            .join(", ");
        let share = missing as f64 * 100.0 / users as f64;
        problems.push(t!("{missing} of the stage's {users} users ({share:.0} %) were lost with worker {names}: the stage ran with less load than planned — its numbers are not those of {users} users";
                         "워커 {names}와 함께 {users}명 중 {missing}명 ({share:.0} %) 손실: 계획보다 적은 부하로 진행된 단계 — {users}명의 수치가 아님"));
    }
    let mut cpus: BTreeMap<&str, f64> = rows.iter().map(|w| (w.id.as_str(), w.cpu_usage)).collect();
    for (id, cpu) in &facts.cpu_max {
        if let Some(c) = cpus.get_mut(id.as_str()) {
            *c = c.max(*cpu);
        }
    }
    for (id, cpu) in cpus.into_iter().filter(|(_, c)| *c > SATURATED_CPU) {
        let w = short_id(id);
        skews.push(t!("worker {w} at {cpu:.0} % CPU: the numbers are Locust's limit, not the server's; add workers (`--workers N` or more hosts)";
                      "워커 {w} CPU {cpu:.0} %: 서버가 아니라 Locust의 한계 — 워커를 늘리세요 (`--workers N` 또는 호스트 추가)"));
    }
    for w in rows {
        if let Some(text) = facts.odd.get(&w.id) {
            problems.push(text.clone());
        }
    }
    (problems, skews)
}

impl WorkerFacts {
    /// Take Locust's worker rows (every 2 s): last users of each worker still there, the
    /// highest CPU since the stage began.
    pub fn note_rows(&mut self, rows: &[WorkerRow]) {
        for w in rows {
            if w.state != "missing" {
                self.last_users.insert(w.id.clone(), w.user_count);
            }
            let max = self.cpu_max.entry(w.id.clone()).or_insert(0.0);
            *max = max.max(w.cpu_usage);
        }
    }

    /// Add the workers' findings to a closed stage's verdict; the CPU maxima start again for
    /// the next stage. A worker with another locustfile fails the stage: its numbers are not
    /// the project's.
    pub fn add_findings(&mut self, stage: &mut StageReport) {
        if stage.workers.as_ref().is_some_and(|w| !w.is_empty()) {
            let (problems, skews) = findings_from(stage, self);
            stage.verdict.passed &= problems.is_empty();
            stage.verdict.problems.extend(problems);
            stage.verdict.skews.extend(skews);
        }
        self.cpu_max.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::row;
    use super::*;

    fn stage(users: u32, rows: Vec<WorkerRow>, lost: &[&str]) -> StageReport {
        use crate::load::stage_state::{Ends, StageSpec, StageState};
        let spec = StageSpec {
            users,
            from: 100,
            to: 110,
            ..Default::default()
        };
        let state = StageState::new(spec, &Default::default(), &[], Default::default());
        let ends = Ends {
            lost_workers: lost.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        };
        let mut s = state.close(&Default::default(), 110, ends);
        s.workers = Some(rows);
        s
    }

    #[test]
    fn a_lost_worker_takes_its_users_with_it() {
        let s = stage(
            10,
            vec![
                row("a_01", "running", 5, 20.0),
                row("b_02", "missing", 0, 0.0),
            ],
            &["b_02"],
        );
        let mut facts = WorkerFacts::default();
        facts.last_users.insert("b_02".into(), 5);
        let (problems, _) = findings_from(&s, &facts);
        assert!(
            problems[0]
                .en
                .starts_with("5 of the stage's 10 users (50 %) were lost with worker b_02"),
            "{:?}",
            problems[0].en
        );
        // Without the last rows: what the others do not hold.
        let (problems, _) = findings_from(&s, &WorkerFacts::default());
        assert!(problems[0].en.starts_with("5 of the stage's 10 users"));
    }

    #[test]
    fn a_saturated_worker_is_a_skew() {
        let s = stage(10, vec![row("a_01", "running", 5, 40.0)], &[]);
        let mut facts = WorkerFacts::default();
        facts.cpu_max.insert("a_01".into(), 97.0);
        let (problems, skews) = findings_from(&s, &facts);
        assert!(problems.is_empty());
        assert_eq!(skews.len(), 1);
        assert!(
            skews[0]
                .en
                .contains("worker a_01 at 97 % CPU: the numbers are Locust's limit")
        );
        let (_, skews) = findings_from(&s, &WorkerFacts::default());
        assert!(skews.is_empty());
    }
}
