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

/// The screens at 80×24 in Korean: every bordered row keeps its right border, and no
/// double-width character sits where its right half would cover a border.
fn assert_borders(terminal: &Terminal<TestBackend>, what: &str) {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    let right = area.width - 1;
    // The body: below the three header rows, above the footer (one or two rows).
    let footer = if buffer[(0, area.height - 2)].symbol() == "└"
        || buffer[(right, area.height - 2)].symbol() == "┘"
    {
        1
    } else {
        2
    };
    for y in 3..area.height - footer {
        let symbol = buffer[(right, y)].symbol();
        assert!(
            ["│", "┐", "┘", "║"].contains(&symbol),
            "{what}: row {y} ends with {symbol:?} instead of a border:\n{}",
            terminal.backend()
        );
        let before = buffer[(right - 1, y)].symbol();
        assert!(
            view::text::width(before) <= 1,
            "{what}: row {y}: {before:?} spills over the border"
        );
    }
    // Dialogs: their own right border, on every row they cover.
    let body = ratatui::layout::Rect::new(0, 3, area.width, area.height - 3 - footer);
    let dialog = view::popup(body);
    let edge = dialog.right() - 1;
    if buffer[(edge, dialog.y)].symbol() == "┐" {
        for y in dialog.top()..dialog.bottom() {
            let symbol = buffer[(edge, y)].symbol();
            assert!(
                ["│", "┐", "┘"].contains(&symbol),
                "{what}: dialog row {y} ends with {symbol:?}:\n{}",
                terminal.backend()
            );
            assert!(view::text::width(buffer[(edge - 1, y)].symbol()) <= 1);
        }
    }
}

/// Korean screens at the common terminal size, and at the smallest supported one.
fn ko_screens() -> Vec<(&'static str, App)> {
    let lang = Lang::Ko;
    let mut detail = fixtures::failing(lang);
    detail.update(Action::Enter);
    let mut running_detail = fixtures::failing(lang);
    running_detail.selected = 5;
    let mut help = fixtures::failing(lang);
    help.update(Action::Help);
    let mut confirm = fixtures::failing(lang);
    confirm.update(Action::Fix(0));
    confirm.update(Action::PlanReady(Ok(fixtures::seed_plan())));
    let mut output = confirm.clone();
    output.update(Action::Yes);
    output.update(Action::FixLine(
        "상품 1개 생성, 예약 가능 재고 10,000개".into(),
    ));
    let mut blocked = fixtures::failing(lang);
    blocked.update(Action::StartRun);
    let mut plan = fixtures::all_green(lang);
    plan.update(Action::StartRun);
    let mut invalid = plan.clone();
    invalid.update(Action::Char('x'));
    invalid.update(Action::Down);
    invalid.update(Action::Char('!'));
    let mut forced = fixtures::failing(lang);
    forced.update(Action::StartRun);
    forced.update(Action::Force);
    vec![
        ("ko80_blocked", blocked),
        ("ko80_plan", plan),
        ("ko80_plan_invalid", invalid),
        ("ko80_plan_forced", forced),
        ("ko80_checklist_detail", detail),
        ("ko80_running_detail", running_detail),
        ("ko80_help", help),
        ("ko80_confirm", confirm),
        ("ko80_fix_output", output),
        ("ko80_dashboard", fixtures::dashboard(lang)),
    ]
}

#[test]
fn korean_at_80x24() {
    for (name, app) in ko_screens() {
        let terminal = screen(&app, 80, 24);
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn korean_keeps_right_borders() {
    for (name, app) in ko_screens() {
        for (width, height) in [(80, 24), (60, 15), (100, 30)] {
            let terminal = screen(&app, width, height);
            assert_borders(&terminal, &format!("{name} at {width}×{height}"));
        }
    }
}

/// Every Korean screen, read back from the buffer: no English prose outside code, paths,
/// identifiers and names (the same detector as the text and Markdown outputs).
#[test]
fn korean_screens_have_no_english_prose() {
    for (name, app) in ko_screens() {
        let terminal = screen(&app, 120, 40);
        let buffer = terminal.backend().buffer();
        let area = buffer.area;
        // Each stretch between box-drawing characters is its own line: panes sit side by side.
        let text: String = (0..area.height)
            .flat_map(|y| {
                let row: String = (0..area.width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect();
                row.split(|c| ('\u{2500}'..='\u{257F}').contains(&c))
                    .map(|part| part.trim().to_string() + "\n")
                    .collect::<Vec<_>>()
            })
            .collect();
        let found = crate::i18n::english_fragments(&text);
        assert!(found.is_empty(), "{name}: {found:?}\n{text}");
    }
}

/// The header's first row of the detail pane, with a spinner and a long section title: the
/// row that used to lose its border in Korean (ratatui's wrap let "오류" spill over it).
#[test]
fn running_check_in_a_long_section_keeps_the_border() {
    let mut app = fixtures::failing(Lang::Ko);
    app.rows[0].section = "1".into();
    app.update(Action::CheckStarted {
        run: 1,
        id: "port".into(),
    });
    app.selected = 0;
    app.update(Action::Enter);
    for width in 60..=120 {
        let terminal = screen(&app, width, 24);
        assert_borders(&terminal, &format!("running detail at {width}×24"));
    }
}

#[test]
fn blocked_and_plan_in_english() {
    both(
        "blocked",
        |lang| {
            let mut app = fixtures::failing(lang);
            app.update(Action::StartRun);
            app
        },
        100,
        30,
    );
    both(
        "plan",
        |lang| {
            let mut app = fixtures::all_green(lang);
            app.update(Action::StartRun);
            app
        },
        100,
        30,
    );
}
