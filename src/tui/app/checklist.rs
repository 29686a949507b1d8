//! The checklist screen's update: moving in the list, scrolling the details, and the keys that
//! start work from it (re-run, fix, `s`, help).

use super::{App, Focus, Overlay, scrolled};
use crate::tui::action::{Action, Effect};

impl App {
    pub(super) fn on_key(&mut self, key: Action) -> Vec<Effect> {
        match key {
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Rerun => {
                if let Some(row) = self.selected_row() {
                    let id = row.id.clone();
                    return self.run_checks(vec![id]).1;
                }
            }
            Action::RerunAll => return self.run_all(),
            Action::StartRun => return self.start_run(),
            Action::Fix(n) => return self.plan_fix(n),
            _ if self.focus == Focus::List => return self.on_list_key(key),
            _ => self.on_detail_key(key),
        }
        Vec::new()
    }

    fn on_list_key(&mut self, key: Action) -> Vec<Effect> {
        let last = self.rows.len().saturating_sub(1);
        let page = usize::from(self.viewport.page.max(1));
        let before = self.selected;
        match key {
            // Arrows wrap around; paging stops at the ends.
            Action::Up => self.selected = if before == 0 { last } else { before - 1 },
            Action::Down => self.selected = if before >= last { 0 } else { before + 1 },
            Action::PageUp => self.selected = before.saturating_sub(page),
            Action::PageDown => self.selected = (before + page).min(last),
            Action::Home => self.selected = 0,
            Action::End => self.selected = last,
            Action::Enter | Action::Tab => self.focus = Focus::Detail,
            Action::Back => return vec![Effect::Quit],
            _ => {}
        }
        if self.selected != before {
            self.detail_scroll = 0;
        }
        Vec::new()
    }

    fn on_detail_key(&mut self, key: Action) {
        match key {
            Action::Back | Action::Tab => self.focus = Focus::List,
            other => {
                let viewport = self.viewport;
                self.detail_scroll = scrolled(
                    self.detail_scroll,
                    &other,
                    viewport.page,
                    viewport.detail_max,
                );
            }
        }
    }

    fn plan_fix(&mut self, n: usize) -> Vec<Effect> {
        let Some(fix) = self.selected_fixes().get(n) else {
            return Vec::new();
        };
        let fix_id = fix.id.clone();
        self.plan_fix_id(fix_id)
    }
}
