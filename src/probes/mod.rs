//! Probes: the Rust code that measures. A check file names a probe kind; the probe reads its
//! params and thresholds, measures, and returns an [`Outcome`]. Probes never touch the screen.

pub mod credentials;
pub mod database;
pub mod db_connections;
pub mod http;
pub mod locustfile;
mod locustfile_answers;
mod locustfile_pass;
pub mod login;
pub mod own_tree;
pub mod port;
pub mod readiness;
pub mod remote;
pub mod request_costs;
mod requests;
pub mod reserve;
pub mod resources;
mod server_answers;
pub mod server_fresh;
mod settings;
mod sql;
pub mod sqlite_locking;
mod stock;
pub mod users;

use crate::checks::model::CheckDef;
use crate::checks::result::{CheckResult, Outcome};
use crate::checks::runner::ProbeSet;
use crate::config::Config;
use crate::django::DjangoHandle;
use std::collections::HashMap;
use std::sync::Arc;

/// What every probe may use: the configuration, the shared Django answer, one HTTP client.
#[derive(Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub django: DjangoHandle,
    pub http: reqwest::Client,
    /// The project's database, opened once by the first SQL probe.
    pub db: Arc<tokio::sync::OnceCell<Result<database::Database, String>>>,
    /// The locustfile, executed once by the first check that needs what it does.
    pub locust: crate::locustfile::executed::ExecutionHandle,
}

impl Context {
    /// The executed locustfile (see `locustfile::executed`), shared by every check.
    pub async fn locust_run(&self) -> crate::locustfile::executed::Answer {
        self.locust_run_with(Default::default()).await
    }

    /// The executed locustfile, measured with `options` if this is the first ask (`doctor
    /// forecast` asks for more than the checks do).
    pub async fn locust_run_with(
        &self,
        options: crate::locustfile::executed::Options,
    ) -> crate::locustfile::executed::Answer {
        use crate::locustfile::executed::{Target, execute};
        let config = &self.config;
        self.locust
            .get(|| async {
                execute(Target {
                    launch: crate::server::project_launch(config).await,
                    locustfile: config.locustfile.value.clone(),
                    host: config.base_url_with_credentials(),
                    options,
                })
                .await
            })
            .await
    }

    pub fn new(config: Config) -> Context {
        let credentials = config.base_url_credentials.as_ref().map(|c| c.expose());
        Context {
            http: http::client(credentials),
            config: Arc::new(config),
            django: DjangoHandle::default(),
            db: Arc::default(),
            locust: Default::default(),
        }
    }
}

/// Probe kinds that read the executed locustfile, and those that read Django's answer.
const READS_LOCUSTFILE_RUN: &[&str] = &["users", "login", "locustfile", "requests", "reserve"];
const READS_DJANGO: &[&str] = &[
    "users",
    "stock",
    "settings",
    "reserve",
    "readiness",
    "db_connections",
];

/// Start the two Python helpers at once, before any check asks: each takes about a second,
/// and the checks that wait for them would otherwise start them only after their own needs ran.
pub fn warm_up(ctx: &Context, kinds: &[&str]) {
    if ctx.config.project_dir.value.is_none() {
        return;
    }
    if kinds.iter().any(|k| READS_LOCUSTFILE_RUN.contains(k)) {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _ = ctx.locust_run().await;
        });
    }
    if kinds.iter().any(|k| READS_DJANGO.contains(k)) {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _ = ctx.django.facts(&ctx.config).await;
        });
    }
}

/// One probe call: the check it serves and the results of the checks it needs or reads.
pub struct Input<'a> {
    pub ctx: &'a Context,
    pub check: &'a CheckDef,
    pub deps: &'a HashMap<String, Arc<CheckResult>>,
}

impl Input<'_> {
    pub fn param_str(&self, key: &str) -> Option<&str> {
        self.check.params.get(key).and_then(|v| v.as_str())
    }

    pub fn param_f64(&self, key: &str) -> Option<f64> {
        number(self.check.params.get(key)?)
    }

    pub fn threshold(&self, key: &str, default: f64) -> f64 {
        self.check
            .thresholds
            .get(key)
            .and_then(number)
            .unwrap_or(default)
    }

    pub fn dep(&self, id: &str) -> Option<&CheckResult> {
        self.deps.get(id).map(|r| r.as_ref())
    }
}

fn number(value: &toml::Value) -> Option<f64> {
    value
        .as_float()
        .or_else(|| value.as_integer().map(|i| i as f64))
}

pub async fn run(kind: &str, input: &Input<'_>) -> anyhow::Result<Outcome> {
    match kind {
        "port" => port::probe(input).await,
        "http" => http::probe(input).await,
        "login" => login::probe(input).await,
        "users" => users::probe(input).await,
        "stock" => stock::probe(input).await,
        "resources" => resources::probe(input).await,
        "db_connections" => db_connections::probe(input).await,
        "sql" => sql::probe(input).await,
        "locustfile" => locustfile::probe(input).await,
        "settings" => settings::probe(input).await,
        "reserve" => reserve::probe(input).await,
        "requests" => requests::probe(input).await,
        "readiness" => readiness::probe(input).await,
        "server_fresh" => server_fresh::probe(input).await,
        other => anyhow::bail!("unknown probe kind '{other}'"),
    }
}

pub use crate::checks::diagnosis::NO_PROJECT;
pub use crate::net::url_port;

/// Django's answer for a probe that needs it. When Django cannot start, the probe is skipped
/// and points at the `settings` check, which explains why; a Python that cannot run at all fails.
pub async fn django_facts(input: &Input<'_>) -> Result<Arc<crate::django::DjangoFacts>, Outcome> {
    // No project at all: one check (settings) says so; the others need not repeat it.
    // The diagnosis lets `--check` fail a check the user asked for that could not run at all.
    if input.ctx.config.project_dir.value.is_none() {
        return Err(Outcome::skip(crate::t!(
            "no Django project (manage.py) here: see the settings check";
            "Django 프로젝트(manage.py) 없음: settings 점검 참고"
        ))
        .diagnosed(NO_PROJECT));
    }
    match input.ctx.django.facts(&input.ctx.config).await {
        Ok(facts) => match &facts.setup_error {
            Some(setup) => Err(Outcome::skip(crate::t!(
                "Django does not start ({}): see the settings check", setup.kind;
                "Django가 시작되지 않음 ({}): settings 점검 참고", setup.kind
            ))),
            None => Ok(facts),
        },
        Err(reason) => Err(Outcome::fail(
            "django_unavailable",
            crate::t!("cannot ask Django: {reason}"; "Django에 물을 수 없음: \"{reason}\""),
        )),
    }
}

/// The runner reaches the probes through this: it knows check definitions and results, not
/// how a kind is measured.
impl ProbeSet for Context {
    fn warm_up(&self, kinds: &[&str]) {
        warm_up(self, kinds)
    }

    fn probe(
        &self,
        check: CheckDef,
        deps: HashMap<String, Arc<CheckResult>>,
    ) -> impl std::future::Future<Output = anyhow::Result<Outcome>> + Send + 'static {
        let ctx = self.clone();
        async move {
            let input = Input {
                ctx: &ctx,
                check: &check,
                deps: &deps,
            };
            run(&check.probe, &input).await
        }
    }
}
