//! The run plan shows each stage's forecast once the runtime has measured the model, marks a
//! stage that would miss a target before Enter, and recomputes as the plan is edited.

use super::fixtures;
use crate::forecast::model::{Cycle, Plan, RequestLoad};
use crate::i18n::Lang;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// between(3, 15) (a wait of 9 s on average), one cheap request per task: about 6.7
/// requests/min per user at most (less while users spawn), so 100 users make about 650/min and
/// 1,000/min needs about 150 users.
fn browsing() -> Plan {
    Plan {
        cycle: Cycle {
            tasks: 1.0,
            waits: 1.0,
            pause_s: 9.0,
            pacing_s: None,
        },
        requests: vec![RequestLoad {
            label: "GET /api/products/".into(),
            per_cycle: 1.0,
            python_ms: 3.0,
            ..Default::default()
        }],
        wait_shown: "between(3, 15)".into(),
        ..Default::default()
    }
}

fn text(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(110, 40)).unwrap();
    terminal
        .draw(|frame| {
            view::draw(frame, app);
        })
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_plan_marks_a_stage_that_cannot_meet_its_target_and_follows_edits() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::StartRun);
    assert!(
        !text(&app).contains("Forecast before load"),
        "nothing until measured"
    );
    app.update(Action::ForecastReady(Ok(Box::new(browsing()))));
    let screen = text(&app);
    assert!(screen.contains("Forecast before load"), "{screen}");
    assert!(
        screen.contains("✗ stage 1 · 100 users: about 6"),
        "{screen}"
    );
    assert!(screen.contains("misses requests/min"), "{screen}");
    assert!(screen.contains("✓ stage 2 · 500 users"), "{screen}");
    // The stages field is edited to 200 users: 1,333/min meets the target.
    for _ in 0..20 {
        app.update(Action::Backspace);
    }
    for c in "200".chars() {
        app.update(Action::Char(c));
    }
    let screen = text(&app);
    assert!(
        screen.contains("✓ stage 1 · 200 users: about 1"),
        "{screen}"
    );
    assert!(!screen.contains("stage 2 ·"), "{screen}");

    let mut ko = fixtures::all_green(Lang::Ko);
    ko.update(Action::StartRun);
    ko.update(Action::ForecastReady(Ok(Box::new(browsing()))));
    // A wide character fills two cells: compare without the spaces.
    let screen = text(&ko).replace(' ', "");
    assert!(screen.contains("✗1단계·사용자100명:분당약6"), "{screen}");
    assert!(
        !screen.contains("limited by") && !screen.contains("misses"),
        "{screen}"
    );
}

#[test]
fn a_forecast_that_could_not_be_made_says_why() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::StartRun);
    app.update(Action::ForecastReady(Err(crate::t!(
        "no Django project (manage.py) found"; "Django 프로젝트(manage.py)를 찾지 못함"
    ))));
    let screen = text(&app);
    assert!(
        screen.contains("no forecast: no Django project (manage.py) found"),
        "{screen}"
    );
}
