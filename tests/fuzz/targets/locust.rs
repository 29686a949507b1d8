//! What Locust hands doctor: the locustfile's text, `/stats/requests`, the `--json-file`
//! written at shutdown, and the listener's `/doctor/live`. A parse that succeeds must also
//! survive everything that reads the result.

use crate::fuzz::engine::{JSON_NESTING, PLAIN_NESTING, Target, campaign, corpus, text};
use doctor::load::listener::LiveAnswer;
use doctor::load::numbers::Seconds;
use doctor::load::stage_state::error_deltas;
use doctor::load::stats::{Delta, ExceptionsResponse, StatsResponse, final_totals, read_json_file};
use doctor::locustfile::{Locustfile, advice};

const LOCUSTFILE: Target = Target {
    name: "locustfile",
    corpus: "locustfile",
    // Deep and huge files have real-process tests; here each case stays fast.
    max_len: 20 * 1024,
    share: 0.5,
    nesting: PLAIN_NESTING,
};

#[test]
fn locustfile() {
    campaign(&LOCUSTFILE, |input| {
        let text = text(input);
        let file = Locustfile::parse(&text);
        advice::review(&text, &file);
        advice::refresh_interval(&text, &file);
        file.login_field(&["username", "email", "password"]);
        Ok(())
    });
}

const STATS: Target = Target {
    name: "locust_stats",
    corpus: "locust_stats",
    max_len: 64 * 1024,
    share: 1.0,
    nesting: JSON_NESTING,
};

#[test]
fn locust_stats() {
    // Each poll is compared with the seeds' polls, in both directions, as a stage compares two.
    let polls: Vec<StatsResponse> = corpus("locust_stats")
        .iter()
        .filter_map(|(_, b)| serde_json::from_slice(b).ok())
        .collect();
    campaign(&STATS, |input| {
        let text = text(input);
        if let Ok(exceptions) = serde_json::from_str::<ExceptionsResponse>(&text) {
            exceptions.exceptions.iter().map(|e| e.count).max();
        }
        let Ok(stats) = serde_json::from_str::<StatsResponse>(&text) else {
            return Ok(());
        };
        for earlier in polls.iter().chain([&stats]) {
            let (a, b) = (earlier.aggregated(), stats.aggregated());
            for d in [Delta::between(&a, &b, 2.0), Delta::between(&b, &a, 0.0)] {
                d.rps();
                d.failure_ratio();
            }
            error_deltas(&earlier.errors, &stats.errors);
            error_deltas(&stats.errors, &earlier.errors);
        }
        for row in stats.endpoints() {
            row.key();
            row.total_ms();
        }
        stats.window_percentile("0.95");
        stats.window_percentile("0.5");
        Ok(())
    });
}

const JSON_FILE: Target = Target {
    name: "locust_json_file",
    corpus: "locust_json_file",
    max_len: 64 * 1024,
    share: 1.0,
    nesting: JSON_NESTING,
};

#[test]
fn locust_json_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stats.json");
    campaign(&JSON_FILE, |input| {
        std::fs::write(&path, input).unwrap();
        let Ok(entries) = read_json_file(&path) else {
            return Ok(());
        };
        final_totals(&entries);
        Ok(())
    });
}

const LIVE: Target = Target {
    name: "listener_live",
    corpus: "listener_live",
    max_len: 64 * 1024,
    share: 1.0,
    nesting: JSON_NESTING,
};

/// Seconds around the answer's own, as a stage would span them (at most ten minutes).
fn spans(answer: &LiveAnswer) -> Vec<(i64, i64)> {
    let ts: Vec<i64> = answer.seconds.iter().map(|s| s.t).collect();
    let (Some(&lo), Some(&hi)) = (ts.iter().min(), ts.iter().max()) else {
        return vec![(0, 10)];
    };
    let to = hi.saturating_add(1).min(lo.saturating_add(600));
    vec![
        (lo, to),
        (to, lo),
        (lo.saturating_sub(5), lo.saturating_add(5)),
    ]
}

#[test]
fn listener_live() {
    // The answer merged alone, then with the seeds' answers around it: late and out-of-order
    // seconds replace earlier ones as they do in a run. Each input stands alone, so a saved
    // crash replays.
    let seeds: Vec<LiveAnswer> = corpus("listener_live")
        .iter()
        .filter_map(|(_, b)| serde_json::from_slice(b).ok())
        .collect();
    campaign(&LIVE, |input| {
        let Ok(answer) = serde_json::from_str::<LiveAnswer>(&text(input)) else {
            return Ok(());
        };
        let mut alone = Seconds::default();
        alone.merge(&answer);
        let mut mixed = Seconds::default();
        mixed.merge(&answer);
        seeds.iter().for_each(|seed| mixed.merge(seed));
        mixed.merge(&answer);
        for store in [&alone, &mixed] {
            for (from, to) in spans(&answer) {
                let total = store.total(from, to);
                for q in [0.0, 0.5, 0.95, 0.99, 1.0] {
                    total.p(q);
                }
                total.failure_ratio();
                total.mean_ms();
                total.per_second(f64::from((to - from).clamp(0, 600) as i32));
                store.endpoints(from, to);
                store.each_second(from, to);
                store.points(answer.now, from, to, 1);
            }
        }
        Ok(())
    });
}
