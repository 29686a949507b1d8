//! `App::update`: pure transitions, checked without a terminal.

use super::fixtures;
use crate::checks::result::Status;
use crate::i18n::{Lang, Text};
use crate::tui::action::{Action, Effect, FixExit};
use crate::tui::app::{FixState, Focus, Message, Overlay, RowState};
use crate::tui::run_form::RunSettings;
use crate::tui::texts::Word;
use std::sync::Arc;

#[test]
fn start_runs_every_check_at_once() {
    let mut app = fixtures::app(Lang::En);
    let effects = app.start();
    let ids: Vec<String> = app.rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(effects, vec![Effect::RunChecks { run: 1, ids }]);
    assert_eq!(app.count_waiting(), app.rows.len());
}

#[test]
fn arrows_wrap_and_paging_clamps() {
    let mut app = fixtures::all_green(Lang::En);
    let last = app.rows.len() - 1;
    app.update(Action::Up);
    assert_eq!(app.selected, last, "up from the first wraps to the last");
    app.update(Action::Down);
    assert_eq!(app.selected, 0, "down from the last wraps to the first");
    app.update(Action::PageDown);
    app.update(Action::PageDown);
    assert_eq!(app.selected, last, "paging stops at the end");
    app.update(Action::PageUp);
    app.update(Action::PageUp);
    assert_eq!(app.selected, 0, "paging stops at the start");
    app.update(Action::End);
    assert_eq!(app.selected, last);
}

#[test]
fn enter_focuses_details_and_esc_goes_back_then_quits() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::Enter);
    assert_eq!(app.focus, Focus::Detail);
    app.update(Action::Down);
    assert_eq!(app.selected, 0, "arrows scroll the details, not the list");
    assert_eq!(app.detail_scroll, 1);
    assert!(app.update(Action::Back).is_empty());
    assert_eq!(app.focus, Focus::List);
    assert_eq!(app.update(Action::Back), vec![Effect::Quit]);
}

#[test]
fn fix_on_a_check_without_fixes_does_nothing() {
    let mut app = fixtures::all_green(Lang::En);
    let before = (app.overlay.clone(), app.planning.clone());
    assert!(app.update(Action::Fix(0)).is_empty());
    assert_eq!((app.overlay.clone(), app.planning.clone()), before);
    // A second fix that does not exist either.
    let mut app = fixtures::failing(Lang::En);
    assert!(app.update(Action::Fix(1)).is_empty());
}

#[test]
fn fix_plans_then_confirm_applies_then_rechecks() {
    let mut app = fixtures::failing(Lang::En);
    assert_eq!(
        app.update(Action::Fix(0)),
        vec![Effect::PlanFix {
            fix_id: "stock.seed".into()
        }]
    );
    assert_eq!(app.message, Some(Message::Word(Word::Planning)));
    app.update(Action::PlanReady(Ok(fixtures::seed_plan())));
    assert!(matches!(app.overlay, Some(Overlay::Confirm { .. })));
    assert_eq!(
        app.update(Action::Yes),
        vec![Effect::ApplyFix {
            fix_id: "stock.seed".into(),
            lang: app.lang,
        }]
    );
    app.update(Action::FixLine("created 1 product".into()));
    assert!(
        app.update(Action::Back).is_empty(),
        "a running fix cannot be closed"
    );
    assert_eq!(app.message, Some(Message::Word(Word::FixStillRunning)));
    let effects = app.update(Action::FixFinished(Ok(FixExit {
        success: true,
        exit: crate::fixes::Exit {
            code: Some(0),
            signal: None,
        },
    })));
    let Some(Effect::RunChecks { run, ids }) = effects.first().cloned() else {
        panic!("a successful fix re-runs its checks: {effects:?}");
    };
    assert_eq!(ids, vec!["stock".to_string()]);
    let mut stock = fixtures::result("stock", Status::Pass, Text::new("1 product", "상품 1개"));
    stock.duration_ms = 5;
    app.update(Action::CheckFinished {
        run,
        result: Arc::new(stock),
    });
    app.update(Action::RunDone { run });
    let Some(Overlay::FixOutput(pane)) = &app.overlay else {
        panic!("fix pane open")
    };
    assert_eq!(pane.state, FixState::Done);
    assert_eq!(pane.lines, vec!["created 1 product".to_string()]);
    assert!(matches!(app.row_state("stock"), RowState::Done(r) if r.status == Status::Pass));
    app.update(Action::Enter);
    assert!(app.overlay.is_none());
}

#[test]
fn confirm_enter_applies_and_n_or_esc_cancels() {
    for (key, applies) in [
        (Action::Enter, true),
        (Action::No, false),
        (Action::Back, false),
    ] {
        let mut app = fixtures::failing(Lang::En);
        app.update(Action::Fix(0));
        app.update(Action::PlanReady(Ok(fixtures::seed_plan())));
        let effects = app.update(key.clone());
        assert_eq!(!effects.is_empty(), applies, "{key:?}");
        assert_eq!(app.overlay.is_some(), applies, "{key:?}");
    }
}

#[test]
fn a_failed_plan_is_a_message() {
    let mut app = fixtures::failing(Lang::En);
    app.update(Action::Fix(0));
    app.update(Action::PlanReady(Err("no Django project found".into())));
    assert!(app.overlay.is_none());
    assert_eq!(
        app.message,
        Some(Message::Error("no Django project found".into()))
    );
}

#[test]
fn l_toggles_the_language() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::ToggleLang);
    assert_eq!(app.lang, Lang::Ko);
    app.update(Action::ToggleLang);
    assert_eq!(app.lang, Lang::En);
}

#[test]
fn staged_run_starts_once_shows_its_dashboard_and_stops_on_x() {
    let mut app = fixtures::all_green(Lang::En);
    assert!(
        app.update(Action::StartRun).is_empty(),
        "s shows the plan first"
    );
    assert!(matches!(app.overlay, Some(Overlay::RunPlan(_))));
    assert_eq!(
        app.update(Action::Enter),
        vec![Effect::StartLoad {
            lang: Lang::En,
            settings: RunSettings::default()
        }]
    );
    assert!(app.load.as_ref().unwrap().visible);
    // Esc goes back to the checklist; the run goes on.
    assert!(app.update(Action::Back).is_empty());
    assert!(!app.load.as_ref().unwrap().visible);
    assert!(
        app.update(Action::StartRun).is_empty(),
        "s shows the running run, it does not start another"
    );
    assert!(app.load.as_ref().unwrap().visible);
    // Events of the run reach its live state.
    app.update(Action::Load(Box::new(
        crate::load::live::RunEvent::StageStarted {
            index: 0,
            users: 100,
            at_s: 0.0,
        },
    )));
    assert_eq!(app.load.as_ref().unwrap().live.stage, Some(0));
    assert_eq!(app.update(Action::StopRun), vec![Effect::StopLoad]);
    assert!(app.load.as_ref().unwrap().stopping);
    assert!(
        app.update(Action::StopRun).is_empty(),
        "a second x does nothing"
    );
}

#[test]
fn a_refused_staged_run_says_why() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::StartRun);
    app.update(Action::Enter);
    app.update(Action::LoadRefused(
        "http://10.0.0.1:8000 is not loopback".into(),
    ));
    assert!(app.load.is_none());
    assert_eq!(
        app.message,
        Some(Message::Error(
            "http://10.0.0.1:8000 is not loopback".into()
        ))
    );
}

#[test]
fn rerun_marks_waiting_and_ignores_the_older_runs_late_results() {
    let mut app = fixtures::failing(Lang::En);
    let effects = app.update(Action::Rerun);
    assert_eq!(
        effects,
        vec![Effect::RunChecks {
            run: 2,
            ids: vec!["stock".into()]
        }]
    );
    assert!(matches!(app.row_state("stock"), RowState::Waiting));
    // A late result of run 1 must not overwrite the re-run's state.
    app.update(Action::CheckFinished {
        run: 1,
        result: Arc::new(fixtures::stock_empty()),
    });
    assert!(matches!(app.row_state("stock"), RowState::Waiting));
    app.update(Action::CheckStarted {
        run: 2,
        id: "stock".into(),
    });
    assert!(matches!(app.row_state("stock"), RowState::Running));
    assert_eq!(app.update(Action::RerunAll).len(), 1);
}

#[test]
fn help_opens_and_closes_and_q_always_quits() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::Help);
    assert_eq!(app.overlay, Some(Overlay::Help));
    app.update(Action::Down);
    assert_eq!(app.selected, 0, "keys under the help do nothing");
    app.update(Action::Back);
    assert!(app.overlay.is_none());
    app.update(Action::Help);
    assert_eq!(app.update(Action::Quit), vec![Effect::Quit]);
}

#[test]
fn scrolling_stops_at_what_the_view_measured() {
    let mut app = fixtures::failing(Lang::En);
    app.viewport.detail_max = 2;
    app.update(Action::Enter);
    for _ in 0..5 {
        app.update(Action::Down);
    }
    assert_eq!(app.detail_scroll, 2);
    app.update(Action::Home);
    assert_eq!(app.detail_scroll, 0);
}

#[test]
fn s_with_a_failing_blocking_check_shows_what_blocks_never_a_dashboard() {
    let mut app = fixtures::failing(Lang::En);
    assert!(app.update(Action::StartRun).is_empty());
    assert!(app.load.is_none(), "no run, no dashboard");
    assert_eq!(app.overlay, Some(Overlay::Blocked { scroll: 0 }));
    let failing: Vec<&str> = app
        .blocking_failures()
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(failing, vec!["stock"]);
    // Enter does not start while stock fails; ! opens the plan marked as forced.
    app.update(Action::Enter);
    assert_eq!(app.overlay, Some(Overlay::Blocked { scroll: 0 }));
    app.update(Action::Force);
    let Some(Overlay::RunPlan(form)) = &app.overlay else {
        panic!("the plan after !: {:?}", app.overlay);
    };
    assert!(form.force);
    let effects = app.update(Action::Enter);
    assert!(matches!(
        &effects[..],
        [Effect::StartLoad { settings, .. }] if settings.force
    ));
}

#[test]
fn a_fix_from_the_blocked_screen_rechecks_then_shows_the_plan() {
    let mut app = fixtures::failing(Lang::En);
    app.update(Action::StartRun);
    assert_eq!(
        app.update(Action::Fix(0)),
        vec![Effect::PlanFix {
            fix_id: "stock.seed".into()
        }]
    );
    app.update(Action::PlanReady(Ok(fixtures::seed_plan())));
    assert!(matches!(app.overlay, Some(Overlay::Confirm { .. })));
    app.update(Action::Yes);
    let effects = app.update(Action::FixFinished(Ok(FixExit {
        success: true,
        exit: crate::fixes::Exit {
            code: Some(0),
            signal: None,
        },
    })));
    let run = match &effects[..] {
        [Effect::RunChecks { run, ids }] if ids == &vec!["stock".to_string()] => *run,
        other => panic!("{other:?}"),
    };
    app.update(Action::CheckFinished {
        run,
        result: Arc::new(fixtures::result(
            "stock",
            Status::Pass,
            Text::new("1 product, 10000 available", "상품 1개, 재고 10000"),
        )),
    });
    app.update(Action::RunDone { run });
    app.update(Action::Enter);
    assert!(
        matches!(app.overlay, Some(Overlay::RunPlan(_))),
        "nothing blocks any more: the plan, {:?}",
        app.overlay
    );
}

#[test]
fn the_plan_is_edited_in_place_and_checked() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::StartRun);
    // Stages: clear, then type a one-stage plan.
    for _ in 0..20 {
        app.update(Action::Backspace);
    }
    for c in "2".chars() {
        app.update(Action::Char(c));
    }
    app.update(Action::Down);
    for _ in 0..5 {
        app.update(Action::Backspace);
    }
    for c in "5s".chars() {
        app.update(Action::Char(c));
    }
    app.update(Action::Down);
    app.update(Action::Backspace);
    app.update(Action::Backspace);
    assert!(app.update(Action::Enter).is_empty(), "an empty spawn rate");
    assert_eq!(app.message, Some(Message::Word(Word::PlanInvalid)));
    app.update(Action::Char('2'));
    let effects = app.update(Action::Enter);
    let [Effect::StartLoad { settings, .. }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(settings.stages, vec![2]);
    assert_eq!(settings.stage_secs, 5.0);
    assert_eq!(settings.spawn_rate, 2.0);
    assert!(app.load.as_ref().unwrap().visible);
}

#[test]
fn esc_cancels_the_plan() {
    let mut app = fixtures::all_green(Lang::En);
    app.update(Action::StartRun);
    assert!(app.editing());
    assert!(app.update(Action::Back).is_empty());
    assert!(app.overlay.is_none() && app.load.is_none());
}
