//! db_waits against a real PostgreSQL: the sampler's facts on hand-made lock waits, and the
//! sample service's hot stock row under 24 concurrent reservers (SAMPLE_RESERVE_HOLD_MS=50).

mod common;

use common::*;
use doctor::db_waits::{WaitSample, WaitSampler, summarize, words};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::process::Command;
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Connections, max_connections and reserved connections are read; a row lock shows its waiter
/// (Lock/transactionid), the blocker's statement and the blocker's `idle in transaction` state.
#[test]
fn connections_limits_and_a_blocked_update_are_read() {
    let pg = Postgres::start();
    let url = pg.create_database("doctor_waits_facts");
    let rt = runtime();
    rt.block_on(async {
        let mut setup = PgConnection::connect(&url).await.expect("connect");
        sqlx::query("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)")
            .execute(&mut setup)
            .await
            .expect("create table");
        sqlx::query("INSERT INTO counter VALUES (1, 0)")
            .execute(&mut setup)
            .await
            .expect("insert");

        let sampler = WaitSampler::connect(&url, "doctor_waits_facts")
            .await
            .expect("sampler connects");
        let calm = sampler.sample().await.expect("sample");
        // The setup connection only: the sampler leaves itself out.
        assert_eq!(calm.sessions.len(), 1, "{calm:#?}");
        // The setup connection; the sampler's own is doctor's and not counted.
        assert_eq!(calm.connections, 1, "{calm:#?}");
        assert_eq!(calm.max_connections, 100, "initdb's default: {calm:#?}");
        assert!(calm.reserved_connections >= 3, "{calm:#?}");

        // The holder updates the row and leaves its transaction open.
        let mut holder = PgConnection::connect(&url).await.expect("connect holder");
        sqlx::query("BEGIN")
            .execute(&mut holder)
            .await
            .expect("begin");
        sqlx::query("UPDATE counter SET n = n + 1 WHERE id = 1")
            .execute(&mut holder)
            .await
            .expect("holder update");
        // The waiter wants the same row.
        let waiter_url = url.clone();
        let waiter = tokio::spawn(async move {
            let mut conn = PgConnection::connect(&waiter_url).await.expect("connect");
            sqlx::query("UPDATE counter SET n = n + 10 WHERE id = 1")
                .execute(&mut conn)
                .await
                .expect("waiter update")
        });

        let mut samples: Vec<WaitSample> = vec![calm];
        let deadline = Instant::now() + Duration::from_secs(10);
        let blocked = loop {
            let sample = sampler.sample().await.expect("sample");
            let found = sample
                .sessions
                .iter()
                .any(|s| s.wait_event_type.as_deref() == Some("Lock"));
            samples.push(sample.clone());
            if found {
                break sample;
            }
            assert!(Instant::now() < deadline, "no lock wait seen: {samples:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        println!("blocked sample: {blocked:#?}");
        let waiting = blocked
            .sessions
            .iter()
            .find(|s| s.wait_event_type.as_deref() == Some("Lock"))
            .unwrap();
        assert_eq!(waiting.wait_event.as_deref(), Some("transactionid"));
        assert_eq!(waiting.state.as_deref(), Some("active"));
        assert!(waiting.query.contains("n + 10"), "{waiting:#?}");
        assert_eq!(waiting.blocking_pids.len(), 1, "{waiting:#?}");
        assert_eq!(
            waiting.blocking_query.as_deref(),
            Some("UPDATE counter SET n = n + 1 WHERE id = 1")
        );
        assert_eq!(waiting.blocking_state.as_deref(), Some("idle in transaction"));
        let holder_session = blocked
            .sessions
            .iter()
            .find(|s| s.pid == waiting.blocking_pids[0])
            .expect("the holder is a session of the database");
        assert_eq!(holder_session.wait_event.as_deref(), Some("ClientRead"));
        assert!(holder_session.xact_s.is_some_and(|s| s >= 0.0));

        sqlx::query("ROLLBACK")
            .execute(&mut holder)
            .await
            .expect("rollback");
        tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("the waiter finishes once the holder is gone")
            .expect("waiter task");

        // Three app sessions (setup, holder, waiter) against a pool of 3: at its limit.
        let waits = summarize(&samples, Some(3));
        println!("{waits:#?}");
        let (peak, max) = waits.connections_peak.expect("connections_peak");
        assert!(peak >= 3, "{waits:#?}");
        assert_eq!(max, 100);
        assert_eq!(waits.peak_waiting, 1);
        assert_eq!(waits.sessions_peak, 3);
        assert!(waits.pool_at_limit_share > 0.0, "{waits:#?}");
        assert_eq!(waits.server_at_limit_share, 0.0);
        let top = &waits.groups[0];
        assert_eq!(
            (top.wait_event_type.as_str(), top.wait_event.as_str()),
            ("Lock", "transactionid")
        );
        assert_eq!(top.query, "UPDATE counter SET n = n + ? WHERE id = ?");
        let text = words::group_sentence(top, None);
        println!("{}\n{}", text.en, text.ko);
        assert!(
            text.en.starts_with("at peak 1 of 3 sessions waited on a row lock (Lock/transactionid) held by `UPDATE counter SET n = n + ? WHERE id = ?` (its transaction left open"),
            "{}",
            text.en
        );
        sampler.close().await;
    });
    drop(pg);
}

/// The Python driver: `clients` threads log in once each (user1…), then reserve one unit of
/// the first product in a loop for `seconds`; prints one JSON line of counts at the end.
const DRIVER: &str = r#"
import json, sys, threading, time, urllib.error, urllib.request

base, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()

tokens = [None] * clients
def login(i):
    status, body = call("POST", "/api/token/", {"username": "user%d" % (i + 1), "password": "testpass123"})
    if status == 200:
        tokens[i] = json.loads(body)["access"]
threads = [threading.Thread(target=login, args=(i,)) for i in range(clients)]
[t.start() for t in threads]
[t.join() for t in threads]
logged_in = sum(1 for t in tokens if t)
status, body = call("GET", "/api/products/", token=tokens[0])
product = json.loads(body)[0]["id"]
print("reserving product %d with %d clients" % (product, logged_in), flush=True)

counts = {}
lock = threading.Lock()
started = time.time()
deadline = started + seconds
def reserve(i):
    while time.time() < deadline:
        status, _ = call("POST", "/api/products/%d/reserve/" % product, {"quantity": 1}, tokens[i])
        with lock:
            counts[status] = counts.get(status, 0) + 1
threads = [threading.Thread(target=reserve, args=(i,)) for i in range(clients) if tokens[i]]
[t.start() for t in threads]
[t.join() for t in threads]
elapsed = time.time() - started
print(json.dumps({"logged_in": logged_in, "product": product, "status": counts,
                  "per_second": sum(counts.values()) / elapsed}), flush=True)
"#;

struct DriverRun {
    /// The driver's last line (its JSON counts).
    result: serde_json::Value,
    samples: Vec<WaitSample>,
}

/// Runs the driver; while it reserves, samples once a second when `sample` is set.
fn drive(
    svc: &SampleService,
    sampler: Option<&WaitSampler>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    seconds: u32,
) -> DriverRun {
    let script = svc.dir().join("reserve_driver.py");
    std::fs::write(&script, DRIVER).expect("write driver");
    let log = svc.dir().join(format!("{name}.log"));
    let mut cmd = scrubbed(Command::new(python()));
    cmd.arg(&script)
        .arg(&svc.base_url)
        .arg("24")
        .arg(seconds.to_string());
    let mut driver = Group::spawn(name, cmd, &log);
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(u64::from(seconds) + 90);
    let mut samples = Vec::new();
    let mut next = Instant::now();
    loop {
        if driver.exited().is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "driver {name} did not finish; its log:\n{}",
            read_log()
        );
        if let Some(sampler) = sampler
            && Instant::now() >= next
            && read_log().contains("reserving product")
        {
            samples.push(rt.block_on(sampler.sample()).expect("sample"));
            next += Duration::from_secs(1);
            next = next.max(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = read_log();
    let last = text.lines().last().unwrap_or_default();
    let result: serde_json::Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("driver {name} gave no counts ({e}); its log:\n{text}"));
    driver.stop();
    DriverRun { result, samples }
}

#[test]
fn a_hot_stock_row_shows_as_a_row_lock_with_its_holder() {
    let pg = Postgres::start();
    let url = pg.create_database("doctor_waits_sample");
    let svc = SampleService::start(
        ServiceOptions::default()
            .database_url(&url)
            .env("SAMPLE_RESERVE_HOLD_MS", "50"),
    );
    let rt = runtime();
    let sampler = rt
        .block_on(WaitSampler::connect(&url, "doctor_waits_sample"))
        .expect("sampler connects");

    // The same load without and with the sampler: its effect on the server, for the record.
    let without = drive(&svc, None, &rt, "driver-without", 6);
    let with = drive(&svc, Some(&sampler), &rt, "driver-with", 10);
    println!("without the sampler: {}", without.result);
    println!("with the sampler:    {}", with.result);
    assert_eq!(with.result["logged_in"], 24, "{}", with.result);
    assert!(
        with.result["status"]["201"].as_u64().unwrap_or(0) > 0,
        "no reservation succeeded: {}\n{}",
        with.result,
        svc.log()
    );

    // What the sampler's own server process used (utime + stime, clock ticks of 10 ms).
    let backend = rt.block_on(sampler.backend_pid()).expect("backend pid");
    let stat = std::fs::read_to_string(format!("/proc/{backend}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest.split(' ').collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    println!(
        "sampler backend {backend}: cpu {} ms (utime {} + stime {} ticks)",
        (ticks(11) + ticks(12)) * 10,
        ticks(11),
        ticks(12)
    );
    let samples = &with.samples;
    let took: Vec<f64> = samples.iter().map(|s| s.took_ms).collect();
    println!(
        "{} samples, ms each: {:?} (mean {:.2})",
        took.len(),
        took.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>(),
        took.iter().sum::<f64>() / took.len().max(1) as f64
    );
    for (i, sample) in samples.iter().enumerate() {
        let lock = sample
            .sessions
            .iter()
            .filter(|s| s.wait_event_type.as_deref() == Some("Lock"))
            .count();
        let idle_tx = sample
            .sessions
            .iter()
            .filter(|s| {
                s.state
                    .as_deref()
                    .is_some_and(|st| st.starts_with("idle in transaction"))
            })
            .count();
        println!(
            "sample {i}: {} sessions, {lock} waiting on Lock, {idle_tx} idle in transaction, connections {}/{}",
            sample.sessions.len(),
            sample.connections,
            sample.max_connections
        );
    }
    let most_locked = samples
        .iter()
        .map(|s| {
            s.sessions
                .iter()
                .filter(|x| {
                    x.wait_event_type.as_deref() == Some("Lock")
                        && matches!(x.wait_event.as_deref(), Some("transactionid" | "tuple"))
                })
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(
        most_locked >= 2,
        "no sample had 2 sessions waiting on a row lock: {samples:#?}"
    );

    let waits = summarize(samples, None);
    println!("{waits:#?}");
    let top = &waits.groups[0];
    assert_eq!(top.wait_event_type, "Lock", "{waits:#?}");
    assert!(
        matches!(top.wait_event.as_str(), "transactionid" | "tuple"),
        "{waits:#?}"
    );
    assert!(
        top.query.contains("products_productstock") && top.query.contains("FOR UPDATE"),
        "{}",
        top.query
    );
    let blocking = top.blocking_query.as_deref().expect("the blocking query");
    assert!(blocking.contains("products_productstock"), "{blocking}");
    let (connections, max) = waits.connections_peak.expect("connections_peak");
    assert!(connections >= 2 && max == 100, "{waits:#?}");

    let line = "reserve_stock (apps/products/services.py:24)";
    let text = words::group_sentence(top, Some(line));
    for t in words::sentences(&waits, Some(line), 3) {
        println!("en: {}\nko: {}", t.en, t.ko);
    }
    let figures = format!("at peak {} of {} sessions", top.peak, top.peak_of_sessions);
    assert!(
        text.en.starts_with(&figures) && text.en.contains("a row lock (Lock/"),
        "{}",
        text.en
    );
    assert!(
        text.ko.starts_with(&format!(
            "최대 {}개 세션 중 {}개가 행 잠금(Lock/",
            top.peak_of_sessions, top.peak
        )),
        "{}",
        text.ko
    );
    assert!(text.en.ends_with(&format!("; from {line}")));
    assert!(
        doctor::i18n::english_fragments(&text.ko).is_empty(),
        "{}",
        text.ko
    );

    rt.block_on(sampler.close());
    drop(svc);
    drop(pg);
}
