//! `doctor forecast`: each planned stage predicted before any load is sent, from what doctor
//! measures without load — the executed locustfile (its pacing, the cost of each request in
//! the in-process replay), the throttles Django reports, the server's process and the
//! accounts and stock in the database. Text, `--format json` (the contract), `--lang`.

use crate::checks::registry::Registry;
use crate::cli::{ForecastArgs, Format};
use crate::config::Config;
use crate::forecast::gather::{gather, stage_plans};
use crate::i18n::Lang;
use crate::load::{Plan, RunFlags};
use crate::t;
use std::path::Path;
use std::sync::Arc;

pub async fn forecast_command(
    mut config: Config,
    registry: Arc<Registry>,
    args: &ForecastArgs,
    cwd: &Path,
    lang: Lang,
    format: Format,
) -> Result<u8, String> {
    let flags = RunFlags {
        stages: args.stages.clone(),
        spawn_rate: args.spawn_rate,
        stage_time: args.stage_time.clone(),
        workers: args.workers,
        locustfile: args.locustfile.clone(),
        // No load is sent: a remote target may be forecast.
        allow_remote: true,
        ..Default::default()
    };
    let plan = Plan::build(&config, &flags, cwd)?;
    if args.locustfile.is_some() {
        config.locustfile = crate::config::Setting {
            value: Some(plan.locustfile.clone()),
            origin: crate::config::Origin::Flag("--locustfile".into()),
        };
    }
    let stage_plans = stage_plans(
        &plan.stages,
        plan.spawn_rate,
        plan.stage_secs,
        plan.targets.requests_per_min,
    );
    let answer = match gather(config, registry, &stage_plans, args.workers).await {
        Ok(answer) => answer,
        Err(reason) => {
            let text =
                t!("could not forecast, because {}", reason.en; "예측할 수 없음: {}", reason.ko);
            eprintln!("doctor forecast: {}", text.get(lang));
            return Ok(3);
        }
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&answer).map_err(|e| e.to_string())?
        ),
        Format::Text => print!("{}", super::forecast_text::render(&answer, &plan, lang)),
    }
    Ok(0)
}
