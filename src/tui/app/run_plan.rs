//! The way to a staged run (`s`): the blocked screen while a blocking check fails or is still
//! being checked (which, why, their fixes), else the run's plan, editable, before any load.
//! Their update, and what they ask of the checklist's results.

use super::{App, LoadView, Message, Overlay, RowState, scrolled};
use crate::checks::result::{CheckResult, OfferedFix, Status};
use crate::tui::action::{Action, Effect};
use crate::tui::run_form::{RunForm, RunSettings};
use crate::tui::texts::Word;

/// A stage's forecast and the targets it would miss (`requests_per_min`, `p95_ms`, `error_ratio`).
pub type StageForecast = (crate::forecast::Forecast, Vec<&'static str>);

impl App {
    /// The blocking checks this app has (`load::BLOCKING_CHECKS`), in that order.
    pub fn blocking_ids(&self) -> Vec<String> {
        crate::load::BLOCKING_CHECKS
            .iter()
            .filter(|id| self.rows.iter().any(|r| r.id == **id))
            .map(|id| id.to_string())
            .collect()
    }

    /// Blocking checks that fail (or err) now, with their results.
    pub fn blocking_failures(&self) -> Vec<&CheckResult> {
        self.blocking_ids()
            .iter()
            .filter_map(|id| match self.row_state(id) {
                RowState::Done(r) if matches!(r.status, Status::Fail | Status::Error) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// Blocking checks still running or waiting.
    pub fn blocking_pending(&self) -> Vec<String> {
        self.blocking_ids()
            .into_iter()
            .filter(|id| !matches!(self.row_state(id), RowState::Done(_)))
            .collect()
    }

    /// The fixes the failing blocking checks offer, in the order of their keys (f, 2, 3, …).
    pub fn blocked_fixes(&self) -> Vec<OfferedFix> {
        self.blocking_failures()
            .iter()
            .flat_map(|r| r.fixes.iter().cloned())
            .collect()
    }

    /// `s`: show the run in progress, or start a new one.
    pub(super) fn start_run(&mut self) -> Vec<Effect> {
        if let Some(load) = &mut self.load
            && !load.done
        {
            load.visible = true;
            return Vec::new();
        }
        self.overlay = Some(
            if self.blocking_failures().is_empty() && self.blocking_pending().is_empty() {
                Overlay::RunPlan(RunForm::new(&self.run_settings))
            } else {
                Overlay::Blocked { scroll: 0 }
            },
        );
        Vec::new()
    }

    /// The blocked screen waited for checks only: once they pass, the plan.
    pub(super) fn blocking_checks_done(&mut self) {
        if matches!(self.overlay, Some(Overlay::Blocked { .. }))
            && self.blocking_failures().is_empty()
            && self.blocking_pending().is_empty()
        {
            self.overlay = Some(Overlay::RunPlan(RunForm::new(&self.run_settings)));
        }
    }

    /// Keys on the blocked screen: a fix (then `s` goes on), re-run the blocking checks, the
    /// plan once nothing blocks, `!` to force the run anyway.
    pub(super) fn on_blocked_key(&mut self, scroll: u16, key: Action) -> Vec<Effect> {
        let viewport = self.viewport;
        let mut effects = Vec::new();
        self.overlay = match key {
            Action::Back | Action::No => None,
            Action::Fix(n) => {
                if let Some(fix) = self.blocked_fixes().get(n) {
                    self.resume_run = true;
                    effects = self.plan_fix_id(fix.id.clone());
                }
                Some(Overlay::Blocked { scroll })
            }
            Action::Rerun | Action::RerunAll => {
                let ids = self.blocking_ids();
                effects = self.run_checks(ids).1;
                Some(Overlay::Blocked { scroll })
            }
            Action::Enter | Action::StartRun
                if self.blocking_failures().is_empty() && self.blocking_pending().is_empty() =>
            {
                Some(Overlay::RunPlan(RunForm::new(&self.run_settings)))
            }
            Action::Force => Some(Overlay::RunPlan(RunForm::new(&RunSettings {
                force: true,
                ..self.run_settings.clone()
            }))),
            other => Some(Overlay::Blocked {
                scroll: scrolled(scroll, &other, viewport.page, viewport.overlay_max),
            }),
        };
        effects
    }

    /// Keys on the plan: move between fields, type into them, Enter starts the run.
    pub(super) fn on_plan_key(&mut self, mut form: RunForm, key: Action) -> Vec<Effect> {
        self.overlay = match key {
            Action::Back => None,
            Action::Up => {
                form.move_by(false);
                Some(Overlay::RunPlan(form))
            }
            Action::Down | Action::Tab => {
                form.move_by(true);
                Some(Overlay::RunPlan(form))
            }
            Action::Char(c) => {
                form.type_char(c);
                Some(Overlay::RunPlan(form))
            }
            Action::Backspace => {
                form.backspace();
                Some(Overlay::RunPlan(form))
            }
            Action::Enter => return self.start_load(form),
            _ => Some(Overlay::RunPlan(form)),
        };
        Vec::new()
    }

    /// Enter on the plan: start the run with it, when every field is valid.
    fn start_load(&mut self, form: RunForm) -> Vec<Effect> {
        let Some(settings) = form.settings() else {
            self.message = Some(Message::Word(Word::PlanInvalid));
            self.overlay = Some(Overlay::RunPlan(form));
            return Vec::new();
        };
        self.run_settings = RunSettings {
            force: false,
            ..settings.clone()
        };
        self.load = Some(LoadView {
            visible: true,
            ..LoadView::default()
        });
        self.message = Some(Message::Word(Word::StagedStarting));
        vec![Effect::StartLoad {
            lang: self.lang,
            settings,
        }]
    }

    /// Each stage's forecast for the plan as edited, from the measured model, with the targets
    /// it would miss; None while the model is not measured, Err with why there is none.
    pub fn plan_forecasts(
        &self,
        settings: &RunSettings,
    ) -> Option<Result<Vec<StageForecast>, crate::i18n::Text>> {
        let model = match self.forecast.as_ref()? {
            Ok(model) => model,
            Err(reason) => return Some(Err(reason.clone())),
        };
        let t = &settings.targets;
        let stages = crate::forecast::gather::stage_plans(
            &settings.stages,
            settings.spawn_rate,
            settings.stage_secs,
            t.requests_per_min,
        );
        let forecasts = crate::forecast::forecast_all(model, &stages);
        Some(Ok(forecasts
            .into_iter()
            .map(|f| {
                let mut missed = Vec::new();
                if f.rpm < t.requests_per_min {
                    missed.push("requests_per_min");
                }
                if f.p95_ms > t.p95_ms {
                    missed.push("p95_ms");
                }
                if f.failure_ratio > t.error_ratio {
                    missed.push("error_ratio");
                }
                (f, missed)
            })
            .collect()))
    }
}
