//! An app filled with hand-made results, shaped like the built-in checks'.

use crate::checks::result::{CheckResult, Evidence, Location, OfferedFix, Status};
use crate::i18n::{Lang, Text};
use crate::tui::action::{Action, PlanView};
use crate::tui::app::{App, CheckRow, Target};
use std::sync::Arc;

const CHECKS: &[(&str, &str, &str, &str)] = &[
    ("port", "debug.3", "Port 8000 is served", "8000 포트 응답"),
    ("server", "4", "Django server answers", "Django 서버 응답"),
    ("users", "4", "Test users exist", "테스트 사용자 존재"),
    ("auth", "4", "JWT login works", "JWT 로그인 동작"),
    (
        "stock",
        "5",
        "Reservable stock exists",
        "예약 가능한 재고 존재",
    ),
    (
        "resources",
        "load.2",
        "CPU and memory below 80 %",
        "CPU·메모리 80 % 미만",
    ),
];

pub fn app(lang: Lang) -> App {
    let rows = CHECKS
        .iter()
        .map(|(id, section, en, ko)| CheckRow {
            id: id.to_string(),
            title: Text::new(*en, *ko),
            section: section.to_string(),
        })
        .collect();
    let target = Target {
        base_url: "http://127.0.0.1:8000".into(),
        project_dir: Some("/srv/shop".into()),
        config_file: None,
    };
    App::new(rows, target, lang)
}

pub fn result(id: &str, status: Status, summary: Text) -> CheckResult {
    let (_, section, en, ko) = CHECKS.iter().find(|c| c.0 == id).expect("known id");
    CheckResult {
        id: id.into(),
        title: Text::new(*en, *ko),
        section: section.to_string(),
        status,
        summary,
        evidence: Vec::new(),
        diagnosis: None,
        cause: None,
        fix: None,
        code: None,
        detail: None,
        location: None,
        fixes: Vec::new(),
        duration_ms: 12,
        facts: serde_json::Value::Null,
    }
}

pub fn stock_empty() -> CheckResult {
    let mut stock = result(
        "stock",
        Status::Fail,
        Text::new("no active product has stock", "재고가 있는 활성 상품 없음"),
    );
    stock.diagnosis = Some("empty".into());
    stock.evidence = vec![
        Evidence {
            key: "products".into(),
            value: "0".into(),
        },
        Evidence {
            key: "available_stock".into(),
            value: "0".into(),
        },
    ];
    stock.cause = Some(Text::new(
        "No active product has available stock: every reservation of the load test fails.",
        "예약 가능한 재고가 있는 활성 상품이 없음: 부하 테스트의 모든 예약이 실패.",
    ));
    stock.fix = Some(Text::new(
        "Create the guide's test data in the Django shell (or use the fix below).",
        "Django shell에서 가이드의 테스트 데이터를 생성 (또는 아래 자동 해결 사용).",
    ));
    stock.code = Some(
        "from apps.products.models import Product, ProductStock\n\
         product = Product.objects.create(name=\"테스트 상품\", description=\"Locust 테스트용 상품\",\n\
         \x20                                price=10000, status=\"active\")"
            .into(),
    );
    stock.location = Some(Location {
        file: "apps/products/models.py".into(),
        line: Some(42),
    });
    stock.fixes = vec![OfferedFix {
        id: "stock.seed".into(),
        title: Text::new(
            "Seed the guide's test product and stock (idempotent)",
            "가이드의 테스트 상품과 재고 생성 (반복 실행 안전)",
        ),
    }];
    stock.duration_ms = 1830;
    stock
}

/// Feeds results to the app as the runner would (run 1 is the app's first run).
pub fn finish(app: &mut App, results: Vec<CheckResult>) {
    for result in results {
        app.update(Action::CheckFinished {
            run: 1,
            result: Arc::new(result),
        });
    }
}

pub fn all_green(lang: Lang) -> App {
    let mut app = app(lang);
    app.start();
    let pass = |id, en: &str, ko: &str| result(id, Status::Pass, Text::new(en, ko));
    finish(
        &mut app,
        vec![
            pass(
                "port",
                "127.0.0.1:8000 listens (pid 4242)",
                "127.0.0.1:8000 수신 중 (pid 4242)",
            ),
            pass("server", "HTTP 200 in 8 ms", "HTTP 200, 8 ms"),
            pass("users", "3 test users", "테스트 사용자 3명"),
            pass("auth", "token issued for user1", "user1 토큰 발급"),
            pass(
                "stock",
                "1 product, 10000 available",
                "상품 1개, 재고 10000",
            ),
            pass(
                "resources",
                "CPU 12 %, memory 41 %",
                "CPU 12 %, 메모리 41 %",
            ),
        ],
    );
    app.update(Action::RunDone { run: 1 });
    app
}

/// Stock fails (with its fix), resources still running, the rest passed; stock selected.
pub fn failing(lang: Lang) -> App {
    let mut app = app(lang);
    app.start();
    let pass = |id, en: &str, ko: &str| result(id, Status::Pass, Text::new(en, ko));
    let mut users = result(
        "users",
        Status::Warn,
        Text::new("1 of 3 test users", "테스트 사용자 3명 중 1명"),
    );
    users.cause = Some(Text::new(
        "Some test users are missing.",
        "일부 테스트 사용자가 없음.",
    ));
    finish(
        &mut app,
        vec![
            pass(
                "port",
                "127.0.0.1:8000 listens (pid 4242)",
                "127.0.0.1:8000 수신 중 (pid 4242)",
            ),
            pass("server", "HTTP 200 in 8 ms", "HTTP 200, 8 ms"),
            users,
            pass("auth", "token issued for user1", "user1 토큰 발급"),
            stock_empty(),
        ],
    );
    app.update(Action::CheckStarted {
        run: 1,
        id: "resources".into(),
    });
    app.selected = 4;
    app
}

pub fn seed_plan() -> PlanView {
    PlanView {
        id: "stock.seed".into(),
        title: Text::new(
            "Seed the guide's test product and stock (idempotent)",
            "가이드의 테스트 상품과 재고 생성 (반복 실행 안전)",
        ),
        shown: vec![
            "cd /srv/shop".into(),
            "/srv/shop/.venv/bin/python manage.py shell -c SCRIPT   (DOCTOR_FIX_ARGS={\"product_model\": \"products.Product\", \"stock_model\": \"products.ProductStock\", \"quantity\": 10000})".into(),
            "SCRIPT:".into(),
            "  import json, os".into(),
            "  from django.apps import apps".into(),
            "  args = json.loads(os.environ[\"DOCTOR_FIX_ARGS\"])".into(),
        ],
        rerun: vec!["stock".into()],
    }
}

/// A staged run in its second stage, its dashboard shown over the failing checklist.
pub fn dashboard(lang: Lang) -> App {
    use crate::load::live::{RunEvent, Tick};
    let mut app = failing(lang);
    app.load = Some(crate::tui::app::LoadView {
        visible: true,
        ..Default::default()
    });
    let events = [
        RunEvent::Started {
            server_elsewhere: None,
            run_dir: "/srv/shop/.doctor/runs/20250101T000000Z".into(),
            stages: vec![100, 500, 1000],
            targets: crate::load::Targets::default(),
            stage_secs: 60.0,
        },
        RunEvent::StageStarted {
            index: 0,
            users: 100,
            at_s: 0.0,
        },
    ];
    for event in events {
        app.update(Action::Load(Box::new(event)));
    }
    for i in 1..=30u32 {
        let t = f64::from(i) * 2.0;
        app.update(Action::Load(Box::new(RunEvent::Tick(Box::new(Tick {
            elapsed_s: t,
            stage: 0,
            stage_elapsed_s: t,
            users: u64::from((i * 10).min(100)),
            target_users: 100,
            state: "running".into(),
            stage_requests: u64::from(i) * 100,
            stage_failures: u64::from(i) / 3,
            stage_rpm: Some((t * 2.0).min(60.0) * 60.0),
            stage_failure_ratio: Some(0.004),
            stage_p50_ms: Some(120.0),
            stage_p95_ms: Some(if i < 5 { 1800.0 } else { 300.0 }),
            recent_rps: Some((t * 2.0).min(60.0)),
            recent_failure_ratio: Some(0.004),
            recent_p95_ms: Some(if i < 5 { 1800.0 } else { 300.0 }),
            requests: u64::from(i) * 100,
            failures: u64::from(i) / 3,
            ..Default::default()
        })))));
    }
    app
}
