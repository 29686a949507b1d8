//! Snapshots of the main screens, in Korean and English (characters only; styles are checked
//! on the buffer where they matter).

use super::fixtures;
use crate::i18n::Lang;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

fn screen(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            view::draw(frame, app);
        })
        .unwrap();
    terminal
}

fn both(name: &str, make: impl Fn(Lang) -> App, width: u16, height: u16) {
    for (lang, suffix) in [(Lang::En, "en"), (Lang::Ko, "ko")] {
        let terminal = screen(&make(lang), width, height);
        insta::assert_snapshot!(format!("{name}_{suffix}"), terminal.backend());
    }
}

#[test]
fn all_green() {
    both("all_green", fixtures::all_green, 100, 30);
}

#[test]
fn failing_with_detail_open() {
    both(
        "failing_detail",
        |lang| {
            let mut app = fixtures::failing(lang);
            app.update(Action::Enter);
            app
        },
        100,
        32,
    );
}

#[test]
fn fix_confirmation() {
    both(
        "confirm",
        |lang| {
            let mut app = fixtures::failing(lang);
            app.update(Action::Fix(0));
            app.update(Action::PlanReady(Ok(fixtures::seed_plan())));
            app
        },
        100,
        30,
    );
}

#[test]
fn fix_output_after_recheck() {
    both(
        "fix_output",
        |lang| {
            let mut app = fixtures::failing(lang);
            app.update(Action::Fix(0));
            app.update(Action::PlanReady(Ok(fixtures::seed_plan())));
            app.update(Action::Yes);
            app.update(Action::FixLine(
                "created product 1 with 10000 in stock".into(),
            ));
            app
        },
        100,
        30,
    );
}

#[test]
fn help_overlay() {
    both(
        "help",
        |lang| {
            let mut app = fixtures::all_green(lang);
            app.update(Action::Help);
            app
        },
        100,
        30,
    );
}

#[test]
fn tiny_terminal() {
    both("tiny", fixtures::all_green, 40, 10);
}

#[test]
fn smallest_supported_terminal_draws_without_panic() {
    for (width, height) in [(60, 15), (59, 15), (60, 14), (1, 1), (0, 0)] {
        let mut app = fixtures::failing(Lang::Ko);
        app.update(Action::Enter);
        screen(&app, width, height);
        app.update(Action::Fix(0));
        app.update(Action::PlanReady(Ok(fixtures::seed_plan())));
        screen(&app, width, height);
    }
}

#[test]
fn no_color_uses_modifiers_only() {
    let mut app = fixtures::failing(Lang::En);
    app.color = false;
    let terminal = screen(&app, 100, 30);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "no colour under NO_COLOR"
    );
    let reversed = buffer
        .content
        .iter()
        .filter(|c| c.modifier.contains(Modifier::REVERSED))
        .count();
    assert!(reversed > 20, "the selection shows as reversed");
}
