//! SQLite's write lock before load: under Django's DEFERRED transactions, a transaction that
//! read and then writes is refused at once (`database is locked`, a 500) when another
//! connection is writing. How many are refused follows from how often such transactions run
//! and how long each one holds its read (the in-process replay measured both).
//!
//! Model: transactions of this kind start at rate λ and last d̄ on average; another one
//! overlaps a given one when it starts within d̄ before or after, so a transaction meets
//! k = 2·λ·d̄ others on average (fewer when few users can be in one: × (N−1)/N). Of a
//! transaction and the k others it meets, one writes first and the rest are refused: with
//! k Poisson-distributed, the refused share is 1 − E[1/(K+1)] = 1 − (1 − e^(−k))/k. The one
//! that goes first waits at its commit for the others' reads to end: `with_lock_waits` adds
//! that wait to the plan before the stage is served.

use super::capacity::Served;
use super::limits::count;
use super::model::{Plan, SqliteFacts, StagePlan};
use super::{Limit, LimitKind, round};
use crate::t;

/// The share of read-then-write transactions SQLite refuses when they meet `k` others on
/// average.
pub fn refused_share(k: f64) -> f64 {
    if k <= 1e-9 {
        return 0.0;
    }
    1.0 - (1.0 - (-k).exp()) / k
}

/// How the read-then-write transactions of a stage meet: who they are, how often, how long.
struct Contention<'a> {
    /// (label, requests in the stage, ms from the read to the transaction's end)
    writers: Vec<(&'a str, f64, f64)>,
    /// Per second, all of them.
    rate: f64,
    /// Mean ms a read is held before the write.
    held_ms: f64,
    share: f64,
    requests: f64,
}

/// The SQLite facts when its transactions start DEFERRED.
fn deferred(plan: &Plan) -> Option<&SqliteFacts> {
    plan.sqlite.as_ref().filter(|s| s.deferred)
}

fn contention<'a>(plan: &'a Plan, stage: &StagePlan, served: &Served) -> Option<Contention<'a>> {
    deferred(plan)?;
    if stage.seconds <= 0.0 {
        return None;
    }
    let writers: Vec<(&str, f64, f64)> = plan
        .requests
        .iter()
        .filter(|r| r.read_write_ms > 0.0)
        .map(|r| {
            let n = count(plan, stage, served, &r.label);
            (r.label.as_str(), n, r.read_write_ms)
        })
        .filter(|(_, n, _)| *n > 0.0)
        .collect();
    let requests: f64 = writers.iter().map(|(_, n, _)| n).sum();
    if requests <= 0.0 {
        return None;
    }
    let rate = requests / stage.seconds;
    let held_ms = writers.iter().map(|(_, n, ms)| n * ms).sum::<f64>() / requests;
    let users = f64::from(stage.users.max(1));
    let k = 2.0 * rate * held_ms / 1000.0 * (users - 1.0) / users;
    Some(Contention {
        writers,
        rate,
        held_ms,
        share: refused_share(k),
        requests,
    })
}

/// The plan with the lock's own waits priced in. The transaction that writes first waits at
/// its commit for the others' reads to end (and SQLite's pending lock holds new readers back
/// meanwhile), so under contention every read-then-write request takes about
/// `share × held` longer. That slows the rate the share came from: settle it in a few damped
/// rounds. None when nothing changes (another database, no such transaction).
pub fn with_lock_waits(plan: &Plan, stage: &StagePlan) -> Option<Plan> {
    deferred(plan)?;
    if plan.requests.iter().all(|r| r.read_write_ms <= 0.0) {
        return None;
    }
    let mut adjusted = plan.clone();
    let mut extra_ms = 0.0;
    for _ in 0..6 {
        let offered = super::pacing::offered(&adjusted, stage);
        let served = super::capacity::serve(&adjusted, stage, &offered);
        let Some(c) = contention(&adjusted, stage, &served) else {
            break;
        };
        extra_ms = (extra_ms + c.share * c.held_ms) / 2.0;
        for (r, base) in adjusted.requests.iter_mut().zip(&plan.requests) {
            if r.read_write_ms > 0.0 {
                r.wait_ms = base.wait_ms + extra_ms;
            }
        }
    }
    Some(adjusted)
}

pub fn limit(plan: &Plan, stage: &StagePlan, served: &Served) -> Option<Limit> {
    let sqlite = deferred(plan)?;
    let Contention {
        writers,
        rate,
        held_ms,
        share,
        requests,
    } = contention(plan, stage, served)?;
    // Under a tenth of a percent is not a figure anyone acts on.
    if share < 0.001 {
        return None;
    }
    let (label, _, _) = writers.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied()?;
    let more = writers.len() - 1;
    let (also_en, also_ko) = if more > 0 {
        (format!(" (and {more} more)"), format!(" (외 {more}개)"))
    } else {
        (String::new(), String::new())
    };
    let per_s = round(rate, 1);
    let ms = round(held_ms, if held_ms >= 10.0 { 0 } else { 1 });
    let percent = round(share * 100.0, 1);
    let (where_en, where_ko) = if sqlite.place.is_empty() {
        ("Django's default".to_string(), "Django 기본값".to_string())
    } else {
        let place = &sqlite.place;
        (
            format!("Django's default; DATABASES at {place}"),
            format!("Django 기본값; {place}의 DATABASES"),
        )
    };
    let mut limit = Limit::new(
        LimitKind::SqliteLocks,
        t!(
            "{label}{also_en} reads, then writes, in one transaction that holds its read for about {ms} ms, about {per_s} per s: in SQLite's DEFERRED transactions ({where_en}) about {percent} % of them will be refused at once with \"database is locked\"";
            "{label}{also_ko}은(는) 한 트랜잭션에서 읽은 뒤 쓰며 읽기를 약 {ms} ms 유지, 초당 약 {per_s}건: SQLite의 DEFERRED 트랜잭션({where_ko})에서는 그중 약 {percent} %가 즉시 \"database is locked\"로 거절됨"
        ),
    )
    .figure("per_s", per_s)
    .figure("held_ms", ms)
    .figure("refused_share", round(share, 3));
    limit.failed = requests * share;
    Some(limit)
}

#[cfg(test)]
mod tests {
    use super::super::forecast;
    use super::super::model::{Cycle, RequestLoad};
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_refused_share_grows_from_half_the_overlaps_to_all_but_one() {
        assert_eq!(refused_share(0.0), 0.0);
        // Rare overlaps: about half of them lose (one of each pair).
        assert!((refused_share(0.01) - 0.005).abs() < 1e-4);
        // Five others at once: one in six writes first.
        assert!((refused_share(5.0) - (1.0 - (1.0 - (-5f64).exp()) / 5.0)).abs() < 1e-12);
        assert!(refused_share(5.0) > 0.79 && refused_share(100.0) > 0.98);
    }

    /// Users that only reserve, with no think time: each reservation holds its read 100 ms.
    fn reservations(users: u32, deferred: bool) -> (Plan, StagePlan) {
        let plan = Plan {
            cycle: Cycle::back_to_back(),
            requests: vec![RequestLoad {
                label: "POST /api/products/[id]/reserve/".into(),
                method: "POST".into(),
                per_cycle: 1.0,
                python_ms: 4.0,
                wait_ms: 100.0,
                read_write_ms: 100.0,
                ..RequestLoad::default()
            }],
            sqlite: Some(SqliteFacts {
                deferred,
                place: "config/base.py:152, config/base.py:154".into(),
            }),
            ..Plan::default()
        };
        let stage = StagePlan {
            users,
            previous_users: users,
            spawn_rate: 10.0,
            seconds: 60.0,
            ..StagePlan::default()
        };
        (plan, stage)
    }

    #[test]
    fn back_to_back_reservations_on_deferred_sqlite_are_mostly_refused() {
        let (plan, stage) = reservations(4, true);
        let f = forecast(&plan, &stage);
        assert_eq!(f.limiting, LimitKind::SqliteLocks, "{f:#?}");
        assert!(f.failure_ratio > 0.6, "{}", f.failure_ratio);
        let text = f.limits[0].text.get(Lang::En);
        assert!(
            text.contains("about 100 ms") && text.contains("config/base.py:152"),
            "{text}"
        );
        // One user never meets another; IMMEDIATE (or another database) has no such limit.
        let (plan, stage) = reservations(1, true);
        assert_eq!(forecast(&plan, &stage).failure_ratio, 0.0);
        let (plan, stage) = reservations(4, false);
        let f = forecast(&plan, &stage);
        assert!(f.limits.iter().all(|l| l.kind != LimitKind::SqliteLocks));
        assert_eq!(f.failure_ratio, 0.0);
    }

    #[test]
    fn immediate_transactions_take_the_one_write_lock_in_turn() {
        let (plan, stage) = reservations(4, false);
        let f = forecast(&plan, &stage);
        // One lock held 100 ms a reservation: at most about 600/min, whatever the users.
        assert_eq!(f.limiting, LimitKind::Capacity, "{f:#?}");
        assert_eq!(f.limits[0].figures["resource"], "sqlite_lock");
        assert!((f.rpm - 600.0).abs() < 30.0, "{}", f.rpm);
        assert!(
            f.limits[0]
                .text
                .get(Lang::En)
                .contains("SQLite's one write lock")
        );
        // Each waits for the three others' turns.
        assert!(f.p95_ms > 300.0, "{}", f.p95_ms);
    }

    #[test]
    fn the_first_writer_waits_for_the_others_reads_so_the_stage_slows() {
        let (plan, stage) = reservations(4, true);
        let mut elsewhere = plan.clone();
        elsewhere.sqlite = None;
        let (with, without) = (forecast(&plan, &stage), forecast(&elsewhere, &stage));
        // About 104 ms a request without the wait; with it, most of another hold.
        let ratio = with.rpm / without.rpm;
        assert!(ratio > 0.45 && ratio < 0.75, "{ratio}: {with:#?}");
        assert!(with.p95_ms > without.p95_ms);
        // The share settles on the slower rate: still most of them, and stable.
        assert!(
            with.failure_ratio > 0.6 && with.failure_ratio < 0.9,
            "{with:#?}"
        );
        assert_eq!(forecast(&plan, &stage), with);
    }

    #[test]
    fn rare_short_transactions_are_a_small_share_or_none() {
        let (mut plan, stage) = reservations(3, true);
        plan.cycle.pause_s = 2.0;
        plan.requests[0].wait_ms = 10.0;
        plan.requests[0].read_write_ms = 10.0;
        let f = forecast(&plan, &stage);
        let limit = f
            .limits
            .iter()
            .find(|l| l.kind == LimitKind::SqliteLocks)
            .unwrap();
        let share = limit.figures["refused_share"].as_f64().unwrap();
        assert!(share > 0.001 && share < 0.05, "{share}");
        assert_ne!(f.limiting, LimitKind::SqliteLocks);
        // A 1 ms transaction every 6 s: under a tenth of a percent, not shown.
        plan.cycle.pause_s = 6.0;
        plan.requests[0].read_write_ms = 1.0;
        let f = forecast(&plan, &stage);
        assert!(f.limits.iter().all(|l| l.kind != LimitKind::SqliteLocks));
    }
}
