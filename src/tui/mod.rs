//! The interactive doctor: a full-screen checklist whose results stream in, with details and
//! fixes. Elm-style: `App` (state) ← `update(Action)` → `Effect`s, which this module performs as
//! tokio tasks that answer with actions; `view::draw` paints `&App`. Only this file does I/O.

pub mod action;
pub mod app;
pub mod run_form;
pub mod texts;
pub mod view;

#[cfg(test)]
mod tests;

use crate::checks::registry::Registry;
use crate::checks::runner::{self, Event as RunEvent};
use crate::config::Config;
use crate::fixes::{self, Plan};
use crate::i18n::Lang;
use crate::probes::Context;
use action::{Action, Effect, FixExit, PlanView};
use app::App;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

/// Run the TUI until the user quits; the terminal is restored on every way out.
pub async fn run(registry: Arc<Registry>, config: Config, lang: Lang) -> Result<u8, String> {
    let started = Instant::now();
    let mut app = App::from_registry(&registry, &config, lang);
    app.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut terminal = ratatui::try_init().map_err(|e| {
        // Raw mode may be on already when the alternate screen fails.
        ratatui::restore();
        format!("cannot open the terminal: {e}")
    })?;
    quiet_background_panics();
    let result = event_loop(&mut terminal, app, registry, config, started).await;
    ratatui::restore();
    result.map(|()| 0)
}

/// ratatui's hook restores the terminal on a panic. A probe's panic (on a worker thread) is
/// caught by the runner and shown as an error result, so it must neither restore the terminal
/// nor print over the screen; a panic on the UI thread still restores and prints.
fn quiet_background_panics() {
    let ui_thread = std::thread::current().id();
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore_and_print(info);
        }
    }));
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    registry: Arc<Registry>,
    config: Config,
    started: Instant,
) -> Result<(), String> {
    let (tx, mut rx) = unbounded_channel();
    let mut worker = Worker::new(registry, config, tx);
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // SIGTERM/SIGHUP end the TUI like `q` (Ctrl-C arrives as a key in raw mode).
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(|e| e.to_string())?;
    let mut pending = app.start();
    let mut first_frame = true;
    let outcome = loop {
        if pending.contains(&Effect::Quit) {
            break Ok(());
        }
        for effect in pending.drain(..) {
            worker.perform(effect);
        }
        let mut viewport = app.viewport;
        if let Err(e) = terminal.draw(|frame| viewport = view::draw(frame, &app)) {
            break Err(format!("cannot draw: {e}"));
        }
        app.viewport = viewport;
        if first_frame {
            first_frame = false;
            log_timing(started);
        }
        let action = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) if app.editing() => action::from_edit_key(key),
                Some(Ok(Event::Key(key))) => action::from_key(key),
                Some(Ok(Event::Resize(..))) => Some(Action::Resize),
                Some(Ok(_)) => None,
                Some(Err(e)) => break Err(format!("cannot read the terminal: {e}")),
                None => break Ok(()),
            },
            Some(message) = rx.recv() => Some(message),
            _ = tick.tick() => Some(Action::Tick),
            _ = term.recv() => break Ok(()),
            _ = hangup.recv() => break Ok(()),
        };
        if let Some(action) = action {
            if matches!(action, Action::StartRun) {
                worker.ask_forecast(&app.run_settings);
            }
            pending = app.update(action);
        }
    };
    // A staged run stops gracefully (its partial report is saved); say so while it does.
    if worker.load_running() {
        app.message = Some(app::Message::Word(texts::Word::StagedStopping));
        let _ = terminal.draw(|frame| {
            view::draw(frame, &app);
        });
        worker.stop_load().await;
    }
    // Stop every check and fix (a fix's child process is killed when its task is dropped).
    worker.tasks.shutdown().await;
    outcome
}

/// `DOCTOR_TUI_TIMING=FILE` appends the time from `tui::run` to the first drawn frame.
fn log_timing(started: Instant) {
    if let Some(path) = std::env::var_os("DOCTOR_TUI_TIMING") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "first frame after {:?}", started.elapsed());
        }
    }
}

/// Performs effects as tasks; every task reports back through `tx`.
struct Worker {
    registry: Arc<Registry>,
    config: Config,
    tx: UnboundedSender<Action>,
    tasks: JoinSet<()>,
    /// Plans made for confirmations, by fix id: the app holds only what it shows.
    plans: Arc<Mutex<HashMap<String, Plan>>>,
    secrets: Vec<String>,
    /// The staged run: its stop switch and its task (kept apart from `tasks`, which are
    /// aborted on quit: a run must stop gracefully and save its partial report).
    load: Option<(
        tokio::sync::watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    )>,
    /// The forecast's model was asked for (once: the plan recomputes from it).
    forecast_asked: bool,
}

impl Worker {
    fn new(registry: Arc<Registry>, config: Config, tx: UnboundedSender<Action>) -> Worker {
        let secrets = config
            .password
            .value
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        Worker {
            registry,
            config,
            tx,
            tasks: JoinSet::new(),
            plans: Arc::default(),
            secrets,
            load: None,
            forecast_asked: false,
        }
    }

    /// Measure what the forecast needs (no load is sent), once, in the background.
    fn ask_forecast(&mut self, settings: &run_form::RunSettings) {
        if std::mem::replace(&mut self.forecast_asked, true) {
            return;
        }
        let stages = crate::forecast::gather::stage_plans(
            &settings.stages,
            settings.spawn_rate,
            settings.stage_secs,
            settings.targets.requests_per_min,
        );
        let (config, registry, tx) = (self.config.clone(), self.registry.clone(), self.tx.clone());
        self.tasks.spawn(async move {
            let answer = crate::forecast::gather::gather(config, registry, &stages, None).await;
            let _ = tx.send(Action::ForecastReady(answer.map(|a| Box::new(a.model))));
        });
    }

    fn perform(&mut self, effect: Effect) {
        let (registry, tx) = (self.registry.clone(), self.tx.clone());
        // Finished tasks stay in the set until reaped; reap them so it does not grow.
        while self.tasks.try_join_next().is_some() {}
        match effect {
            Effect::RunChecks { run, ids } => {
                // A fresh context: Django's answers are cached per context and may have changed.
                let ctx = Context::new(self.config.clone());
                self.tasks.spawn(run_checks(registry, ids, ctx, run, tx));
            }
            Effect::PlanFix { fix_id } => {
                let ctx = Context::new(self.config.clone());
                let plans = self.plans.clone();
                self.tasks.spawn(async move {
                    let planned = fixes::plan(&registry, &ctx, &fix_id).await.map(|plan| {
                        let view = PlanView {
                            id: plan.id.clone(),
                            title: plan.title.clone(),
                            shown: plan.shown.clone(),
                            rerun: plan.rerun.clone(),
                        };
                        plans.lock().expect("plans lock").insert(fix_id, plan);
                        view
                    });
                    let _ = tx.send(Action::PlanReady(planned));
                });
            }
            Effect::ApplyFix { fix_id, lang } => {
                let plan =
                    self.plans
                        .lock()
                        .expect("plans lock")
                        .remove(&fix_id)
                        .map(|mut plan| {
                            plan.lang = lang;
                            plan
                        });
                let secrets = self.secrets.clone();
                self.tasks.spawn(async move {
                    let exit = match plan {
                        Some(plan) => apply_fix(plan, secrets, tx.clone()).await,
                        None => Err(format!("no plan for {fix_id}")),
                    };
                    let _ = tx.send(Action::FixFinished(exit));
                });
            }
            Effect::StartLoad { lang, settings } => self.start_load(lang, settings),
            Effect::StopLoad => {
                if let Some((cancel, _)) = &self.load {
                    let _ = cancel.send(true);
                }
            }
            Effect::Quit => {}
        }
    }

    /// Start the run with the plan edited in the TUI: stages, stage time, spawn rate and force
    /// go in as `doctor run`'s flags would; the targets into the run's copy of the config.
    fn start_load(&mut self, lang: crate::i18n::Lang, settings: run_form::RunSettings) {
        let cwd = self
            .config
            .project_dir
            .value
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let flags = crate::load::plan::RunFlags {
            stages: Some(
                settings
                    .stages
                    .iter()
                    .map(|u| u.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            spawn_rate: Some(settings.spawn_rate),
            stage_time: Some(settings.stage_secs.to_string()),
            force: settings.force,
            expect_workers: Some(settings.expect_workers).filter(|n| *n > 0),
            master_bind: Some(settings.master_bind.clone()),
            ..Default::default()
        };
        let mut config = self.config.clone();
        let targets = &settings.targets;
        config.run.p95_ms.value = targets.p95_ms;
        config.run.error_ratio.value = targets.error_ratio;
        config.run.requests_per_min.value = targets.requests_per_min;
        config.run.cpu_percent.value = targets.cpu_percent;
        config.run.memory_percent.value = targets.memory_percent;
        let plan = match crate::load::plan::Plan::build(&config, &flags, &cwd) {
            Ok(plan) => crate::load::plan::Plan { lang, ..plan },
            Err(reason) => {
                let _ = self.tx.send(Action::LoadRefused(reason));
                return;
            }
        };
        let ctx = crate::load::RunContext {
            probes: Context::new(self.config.clone()),
            registry: Some(self.registry.clone()),
            save: crate::report::run::files::save,
        };
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        let (events_tx, mut events) = unbounded_channel();
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            let forward = async {
                while let Some(event) = events.recv().await {
                    let _ = tx.send(Action::Load(Box::new(event)));
                }
            };
            tokio::join!(crate::load::run(plan, ctx, events_tx, cancel_rx), forward);
        });
        self.load = Some((cancel_tx, task));
    }

    /// Stop a staged run still going (Locust, then its process group) and wait for its report.
    async fn stop_load(&mut self) {
        if let Some((cancel, task)) = self.load.take() {
            let _ = cancel.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }

    fn load_running(&self) -> bool {
        self.load
            .as_ref()
            .is_some_and(|(_, task)| !task.is_finished())
    }
}

async fn run_checks(
    registry: Arc<Registry>,
    ids: Vec<String>,
    ctx: Context,
    run: u64,
    tx: UnboundedSender<Action>,
) {
    let (events_tx, mut events) = unbounded_channel();
    let forward = async {
        while let Some(event) = events.recv().await {
            let _ = tx.send(match event {
                RunEvent::Started(id) => Action::CheckStarted { run, id },
                RunEvent::Finished(result) => Action::CheckFinished { run, result },
            });
        }
    };
    // The forwarder ends when the runner drops its sender, i.e. after the last event.
    tokio::join!(runner::run(registry, &ids, ctx, Some(events_tx)), forward);
    let _ = tx.send(Action::RunDone { run });
}

async fn apply_fix(
    plan: Plan,
    secrets: Vec<String>,
    tx: UnboundedSender<Action>,
) -> Result<FixExit, String> {
    let (lines_tx, mut lines) = unbounded_channel();
    let forward = async {
        while let Some(line) = lines.recv().await {
            let _ = tx.send(Action::FixLine(line));
        }
    };
    let (applied, ()) = tokio::join!(fixes::apply(&plan, &secrets, Some(lines_tx)), forward);
    applied.map(|a| FixExit {
        success: a.success,
        exit: a.exit,
    })
}
