//! A realistic `doctor run` report for the tests of report.html: three stages (100/500/1000
//! users), 90 s of timeline over three endpoints with one huge p95, profiles with real inferno
//! flame graphs, and lock waits. Its figures are fixed (a deterministic jitter, no randomness).

use doctor::config::{Config, Overrides};
use doctor::db_waits::StageWaits;
use doctor::i18n::Text;
use doctor::load::plan::{Plan, RunFlags, Targets};
use doctor::load::run_report::{Outcome, RunReport, StageReport};
use doctor::load::stats::{ErrorRow, Final};
use doctor::load::timeline::SecondPoint;
use doctor::load::verdict::{EndpointPhase, StageMeasure, judge};
use doctor::profile::{FuncStat, SkewFactor, SkewShare, StageProfile, WaitSite};
use std::fs::{self, File};
use std::path::Path;

const USERS: [u32; 3] = [100, 500, 1000];
const STAGE_SECS: f64 = 30.0;
const ENDPOINTS: [(&str, &str); 3] = [
    ("GET", "/api/products/"),
    ("POST", "/api/orders/reserve/"),
    ("POST", "/api/token/"),
];
/// The one slow second: reserve's p95 at t = 75 s.
const OUTLIER_MS: f64 = 48_000.0;

/// The plan of `doctor run --stages 100,500,1000 --stage-time 30s --workers 2 --keep-going`
/// (through `Plan::build`, so fields added to Plan later need no change here).
fn plan(project: &Path) -> Plan {
    // Its own (empty) doctor.toml: none found further up can change the plan.
    fs::write(project.join("doctor.toml"), "").unwrap();
    let config = Config::load_with_env(project, &Overrides::default(), &|_| None).unwrap();
    let flags = RunFlags {
        stages: Some("100,500,1000".into()),
        stage_time: Some("30s".into()),
        spawn_rate: Some(50.0),
        workers: Some(2),
        keep_going: true,
        locustfile: Some(project.join("locustfile.py")),
        ..Default::default()
    };
    Plan::build(&config, &flags, project).unwrap()
}

/// Deterministic jitter in -1..1.
fn jitter(seed: u64) -> f64 {
    let x = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((x >> 33) % 2001) as f64 / 1000.0 - 1.0
}

/// 90 seconds × 3 endpoints: throughput that grows and then flattens, response times that
/// grow with the users, failures of reserve in the last stage, and one 48 s p95.
fn timeline() -> Vec<SecondPoint> {
    let mut points = Vec::new();
    for t in 0..90u64 {
        let stage = (t / 30) as usize;
        let into = (t % 30) as f64;
        // Users ramp up at 50/s at the start of each stage.
        let before = if stage == 0 { 0 } else { USERS[stage - 1] };
        let users = (before as f64 + 50.0 * (into + 1.0)).min(USERS[stage] as f64);
        // The server saturates near 380 requests/s.
        let capacity = 380.0;
        let offered = users * 0.55;
        let total = offered.min(capacity) * (1.0 + 0.06 * jitter(t));
        let pressure = (offered / capacity).min(3.0);
        for (i, (method, name)) in ENDPOINTS.iter().enumerate() {
            let mix = [0.62, 0.3, 0.08][i];
            let requests = (total * mix).round() as u64;
            let base = [45.0, 110.0, 240.0][i];
            let p95 = base
                * (1.0 + pressure * pressure * [2.0, 6.0, 1.4][i])
                * (1.0 + 0.12 * jitter(t * 7 + i as u64));
            let p95 = if t == 75 && i == 1 { OUTLIER_MS } else { p95 };
            let failures = match (stage, i) {
                (2, 1) => (requests as f64 * 0.06 * (1.0 + jitter(t * 3))).round() as u64,
                (2, 2) if t % 4 == 0 => 2,
                _ => 0,
            };
            points.push(SecondPoint {
                t_s: t as f64,
                stage,
                method: method.to_string(),
                name: name.to_string(),
                requests,
                failures,
                p50_ms: Some((p95 / 2.6).round()),
                p95_ms: Some(p95.round()),
            });
        }
    }
    points
}

fn func(function: &str, file: &str, line: u32, project: bool, share: f64, view: &str) -> FuncStat {
    FuncStat {
        function: function.into(),
        file: file.into(),
        line,
        project,
        samples: (share * 4000.0) as u64,
        share,
        view: Some(view.into()),
        within: None,
    }
}

/// A real flame graph (inferno) of the reserve view waiting on its stock row.
fn flame_graph(dir: &Path, name: &str, title: &str) {
    let lines = [
        "gunicorn/workers/sync.py:handle;django/core/handlers/base.py:_get_response;apps/products/views.py:ReserveView.post;apps/products/services.py:reserve_stock;django/db/models/query.py:select_for_update;psycopg/cursor.py:execute 1240",
        "gunicorn/workers/sync.py:handle;django/core/handlers/base.py:_get_response;apps/products/views.py:ReserveView.post;apps/products/serializers.py:ReservationResultSerializer.data 310",
        "gunicorn/workers/sync.py:handle;django/core/handlers/base.py:_get_response;rest_framework_simplejwt/views.py:TokenObtainPairView.post;django/contrib/auth/hashers.py:check_password;django/utils/crypto.py:pbkdf2 980",
        "gunicorn/workers/sync.py:handle;django/core/handlers/base.py:_get_response;apps/products/views.py:ProductList.get;rest_framework/serializers.py:ListSerializer.to_representation 540",
        "gunicorn/workers/sync.py:handle;django/core/handlers/base.py:_get_response;apps/products/views.py:ProductList.get;django/db/backends/utils.py:execute;psycopg/cursor.py:execute 420",
    ];
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_string();
    let file = File::create(dir.join(name)).unwrap();
    inferno::flamegraph::from_lines(&mut options, lines.iter().copied(), file).unwrap();
}

fn stage(index: usize, points: &[SecondPoint], targets: &Targets) -> StageReport {
    let users = USERS[index];
    let mine: Vec<&SecondPoint> = points.iter().filter(|p| p.stage == index).collect();
    let mut steady: Vec<EndpointPhase> = Vec::new();
    let mut spawning: Vec<EndpointPhase> = Vec::new();
    let ramp_secs = ((users - if index == 0 { 0 } else { USERS[index - 1] }) as f64 / 50.0).ceil();
    for p in &mine {
        let phase = if p.t_s - index as f64 * STAGE_SECS < ramp_secs {
            &mut spawning
        } else {
            &mut steady
        };
        let mean = p.p50_ms.unwrap_or(0.0) * 1.1;
        match phase
            .iter_mut()
            .find(|e| e.name == p.name && e.method == p.method)
        {
            Some(e) => {
                let n = e.requests + p.requests;
                e.mean_ms = (e.mean_ms * e.requests as f64 + mean * p.requests as f64) / n as f64;
                e.requests = n;
                e.failures += p.failures;
            }
            None => phase.push(EndpointPhase {
                method: p.method.clone(),
                name: p.name.clone(),
                requests: p.requests,
                failures: p.failures,
                mean_ms: mean,
            }),
        }
    }
    let requests: u64 = mine.iter().map(|p| p.requests).sum();
    let failures: u64 = mine.iter().map(|p| p.failures).sum();
    let p95 = [180.0, 640.0, 2480.0][index];
    let mut errors = Vec::new();
    if index == 2 {
        errors.push(ErrorRow {
            method: Some("POST".into()),
            name: "/api/orders/reserve/".into(),
            error: "HTTPError('409 Client Error: Conflict for url: /api/orders/reserve/ — {\"detail\": \"out of stock\"}')".into(),
            occurrences: failures - 30,
        });
        errors.push(ErrorRow {
            method: Some("POST".into()),
            name: "/api/token/".into(),
            error: "CatchResponseError('401 <token_not_valid>')".into(),
            occurrences: 30,
        });
    }
    let measure = StageMeasure {
        users,
        spawn_rate: 50.0,
        secs: STAGE_SECS,
        requests,
        failures,
        p95_ms: Some(p95),
        cpu_avg: Some([31.0, 64.0, 93.0][index]),
        memory_max: Some([41.0, 47.0, 55.0][index]),
        server_cpu_avg: Some([28.0, 71.0, 98.0][index]),
        locust_cpu_max: Some([12.0, 35.0, 61.0][index]),
        db_connections_max: Some(([8, 26, 40][index], 100)),
        spawning,
        steady,
        errors,
        login_path: "/api/token/".into(),
        ..Default::default()
    };
    let mut verdict = judge(&measure, targets);
    if index == 2 {
        verdict.causes.push(Text::new(
            "reserve_stock (apps/products/services.py:41) holds the product's stock row locked while it serializes the response: 31 sessions queued behind it at peak",
            "reserve_stock (apps/products/services.py:41)가 응답을 직렬화하는 동안 재고 행 잠금을 유지함: 최대 31개 세션이 대기",
        ));
        verdict.patterns.push(Text::new(
            "throughput flat at ~380 req/s from 700 users while p95 grew ×4: the server is saturated — move the serializer out of the transaction",
            "사용자 700명부터 처리량이 초당 약 380에서 멈추고 p95는 4배 증가: 서버 포화 — 시리얼라이저를 트랜잭션 밖으로 옮길 것",
        ));
    }
    let rps = requests as f64 / STAGE_SECS;
    let start_s = index as f64 * STAGE_SECS;
    StageReport {
        index,
        users_reached: users as u64,
        rps,
        rpm: rps * 60.0,
        p50_ms: Some(p95 / 2.7),
        p95_max_window_ms: Some(p95 * 1.2),
        cumulative_p99_ms: Some(p95 * 1.9),
        server_cpu_max: Some([40.0, 88.0, 100.0][index]),
        server_rss_max_mb: Some([182, 240, 311][index]),
        doctor_cpu_avg: Some(1.0),
        load_cpu_avg: Some(40.0),
        worker_requests: Default::default(),
        other_cpu_avg: None,
        doctor_rss_max_mb: Some(20),
        tcp_states_end: [("ESTABLISHED".to_string(), 40 + index * 200)].into(),
        workers: None,
        interrupted: false,
        verdict,
        start_s,
        end_s: start_s + STAGE_SECS,
        profile: None,
        waits: None,
        forecast: None,
        measure,
    }
}

/// A stage's profile (built from JSON, so fields added later with a default need no change here).
fn profile(index: usize, flame: &str) -> StageProfile {
    let top_self = vec![
        func(
            "pbkdf2",
            "django/utils/crypto.py",
            87,
            false,
            0.31,
            "TokenObtainPairView.post",
        ),
        func(
            "execute",
            "psycopg/cursor.py",
            723,
            false,
            0.22,
            "ReserveView.post",
        ),
        func(
            "reserve_stock",
            "apps/products/services.py",
            41,
            true,
            0.12,
            "ReserveView.post",
        ),
        func(
            "to_representation",
            "rest_framework/serializers.py",
            522,
            false,
            0.09,
            "ProductList.get",
        ),
    ];
    let top_total = vec![
        func(
            "post",
            "apps/products/views.py",
            58,
            true,
            0.48,
            "ReserveView.post",
        ),
        func(
            "reserve_stock",
            "apps/products/services.py",
            41,
            true,
            0.39,
            "ReserveView.post",
        ),
        func(
            "check_password",
            "django/contrib/auth/hashers.py",
            80,
            false,
            0.31,
            "TokenObtainPairView.post",
        ),
    ];
    let waits = vec![WaitSite {
        function: "reserve_stock".into(),
        file: "apps/products/services.py".into(),
        line: 44,
        project: true,
        driver: "psycopg".into(),
        samples: 2210,
        threads_avg: 11.4,
        view: Some("ReserveView.post".into()),
    }];
    let skew = if index == 2 {
        vec![SkewShare {
            factor: SkewFactor::DebugSql,
            share: 0.06,
            top: Some(func(
                "execute",
                "django/db/backends/utils.py",
                98,
                false,
                0.06,
                "ProductList.get",
            )),
        }]
    } else {
        Vec::new()
    };
    serde_json::from_value(serde_json::json!({
        "pids": [41210, 41211],
        "rounds": 2900,
        "busy_samples": 4000 + 1000 * index as u64,
        "busy_share": ([0.3, 0.74, 0.97])[index],
        "top_self": top_self,
        "top_total": top_total,
        "waits": waits,
        "skew": skew,
        "flame_graph": flame,
        "collapsed": null,
        "per_pid": [
            {"pid": 41210, "rounds": 2900, "busy_samples": 2700 + 500 * index as u64, "wait_samples": 1180},
            {"pid": 41211, "rounds": 2880, "busy_samples": 2300 + 500 * index as u64, "wait_samples": 1030},
        ],
    }))
    .unwrap()
}

/// The last stage's lock waits: reservers queued on the hot stock row (from JSON, like the
/// profile).
fn waits() -> StageWaits {
    serde_json::from_value(serde_json::json!({
        "samples": 30,
        "peak_sessions": 40,
        "peak_waiting": 31,
        "sessions_peak": 40,
        "groups": [
            {
                "wait_event_type": "Lock",
                "wait_event": "transactionid",
                "query": "SELECT \"products_productstock\".\"id\", \"products_productstock\".\"quantity\" FROM \"products_productstock\" WHERE \"products_productstock\".\"product_id\" = 42 FOR UPDATE",
                "blocking_query": "UPDATE \"products_productstock\" SET \"quantity\" = 17 WHERE \"products_productstock\".\"id\" = 42",
                "blocking_state": "idle in transaction",
                "state": "active",
                "peak": 31,
                "peak_of_sessions": 40,
                "session_samples": 612,
            },
            {
                "wait_event_type": "Client",
                "wait_event": "ClientRead",
                "query": "COMMIT",
                "blocking_query": null,
                "state": "idle in transaction",
                "peak": 6,
                "peak_of_sessions": 38,
                "session_samples": 88,
            },
        ],
        "connections_peak": [40, 100],
        "pool_max": null,
        "at_limit_share": 0.0,
    }))
    .unwrap()
}

/// The report of a realistic run, its folder (with two flame graphs) under `dir`.
pub fn realistic_report(dir: &Path) -> RunReport {
    let plan = plan(dir);
    let mut report = RunReport::new(&plan);
    report.run_dir = dir.join("run");
    fs::create_dir_all(&report.run_dir).unwrap();
    report.finish(Outcome::Missed, None);
    report.duration_s = 92.0;
    report.web_url = Some("http://127.0.0.1:8089".into());
    report.timeline = timeline();
    report.stages = (0..3)
        .map(|i| stage(i, &report.timeline, &plan.targets))
        .collect();
    for i in [1, 2] {
        let name = format!("flame-stage{}.svg", i + 1);
        flame_graph(&report.run_dir, &name, &format!("stage {}", i + 1));
        report.stages[i].profile = Some(profile(i, &name));
    }
    report.stages[2].waits = Some(waits());
    report.stages[1].waits = Some(
        serde_json::from_value(serde_json::json!({
            "samples": 30,
            "peak_sessions": 26,
            "peak_waiting": 0,
            "groups": [],
            "connections_peak": [26, 100],
            "pool_max": null,
            "at_limit_share": 0.0,
        }))
        .unwrap(),
    );
    report.totals = Some(Final {
        requests: report.stages.iter().map(|s| s.measure.requests).sum(),
        failures: report.stages.iter().map(|s| s.measure.failures).sum(),
        p50_ms: Some(120.0),
        p95_ms: Some(1900.0),
        p99_ms: Some(4100.0),
        max_ms: 48_210.0,
    });
    report.files = vec![
        "flame-stage2.svg".into(),
        "flame-stage3.svg".into(),
        "locust.log".into(),
        "report.html".into(),
        "report.json".into(),
        "report.md".into(),
    ];
    report
}
