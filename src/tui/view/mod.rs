//! Drawing: a pure function of `&App`. Each component has its own file; `draw` lays them out
//! and reports how far the panes can scroll (the app clamps its scroll positions to that).

mod blocked;
mod checklist;
mod code;
mod confirm;
pub mod dashboard;
mod detail;
mod fix_error;
mod fix_output;
mod footer;
mod header;
mod help;
mod run_plan;
pub mod text;
pub mod theme;
mod too_small;

use super::app::{App, Focus, Overlay, Viewport};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use theme::Theme;

/// Below this the layout does not fit; a message asks for a larger terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub fn draw(frame: &mut Frame, app: &App) -> Viewport {
    let area = frame.area();
    let theme = Theme { color: app.color };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small::draw(frame, area, app, theme);
        return app.viewport;
    }
    let footer_height = if app.message.is_some() { 2 } else { 1 };
    let [header_area, body, footer_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(0),
        Constraint::Length(footer_height),
    ])
    .areas(area);
    if let Some(load) = app.load.as_ref().filter(|l| l.visible) {
        // The staged run's dashboard takes the body; the run goes on behind the checklist too.
        header::draw(frame, header_area, app, theme);
        dashboard::render(frame, body, &load.live, app.lang);
        footer::draw(frame, footer_area, app, theme);
        if matches!(app.overlay, Some(Overlay::Help)) {
            help::draw(frame, area, app, theme);
        }
        return Viewport {
            detail_max: 0,
            overlay_max: 0,
            page: body.height.max(1),
        };
    }
    let list_width = (area.width * 2 / 5).clamp(30, 56);
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(0)]).areas(body);

    header::draw(frame, header_area, app, theme);
    let list_focused = app.overlay.is_none() && app.focus == Focus::List;
    checklist::draw(frame, list_area, app, theme, list_focused);
    let detail_max = detail::draw(
        frame,
        detail_area,
        app,
        theme,
        !list_focused && app.overlay.is_none(),
    );
    footer::draw(frame, footer_area, app, theme);

    let overlay_max = match &app.overlay {
        None => 0,
        Some(Overlay::Help) => {
            help::draw(frame, area, app, theme);
            0
        }
        Some(Overlay::Confirm { plan, scroll }) => {
            confirm::draw(frame, popup(body), app, theme, plan, *scroll)
        }
        Some(Overlay::FixOutput(pane)) => fix_output::draw(frame, popup(body), app, theme, pane),
        Some(Overlay::Blocked { scroll }) => blocked::draw(frame, popup(body), app, theme, *scroll),
        Some(Overlay::RunPlan(form)) => {
            run_plan::draw(frame, popup(body), app, theme, form);
            0
        }
    };
    Viewport {
        detail_max,
        overlay_max,
        page: detail_area.height.saturating_sub(3).max(1),
    }
}

/// A dialog over the body: most of it, leaving a margin so the checklist still shows around it.
pub(crate) fn popup(body: Rect) -> Rect {
    let width = (body.width * 9 / 10).max(body.width.min(50));
    let height = (body.height * 9 / 10).max(body.height.min(10));
    Rect {
        x: body.x + (body.width - width) / 2,
        y: body.y + (body.height - height) / 2,
        width,
        height,
    }
}

/// Blank `area` for a dialog. A double-width character just left of it would otherwise
/// spill its right half over the dialog's border.
fn clear(frame: &mut Frame, area: Rect) {
    frame.render_widget(ratatui::widgets::Clear, area);
    if area.x == 0 {
        return;
    }
    let buffer = frame.buffer_mut();
    for y in area.top()..area.bottom() {
        if let Some(cell) = buffer.cell_mut((area.x - 1, y))
            && text::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
    }
}

/// How far a paragraph of `lines` in `area` (inside a border) can scroll.
fn max_scroll(paragraph: &ratatui::widgets::Paragraph, area: Rect) -> u16 {
    let inner_width = area.width.saturating_sub(2);
    let inner_height = usize::from(area.height.saturating_sub(2));
    let total = paragraph.line_count(inner_width);
    u16::try_from(total.saturating_sub(inner_height)).unwrap_or(u16::MAX)
}
