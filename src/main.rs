use clap::Parser;
use doctor::checks::registry::Registry;
use doctor::checks::runner;
use doctor::cli::{Cli, Command, Format};
use doctor::config::{Config, Overrides};
use doctor::i18n::Lang;
use doctor::probes::Context;
use doctor::report;
use std::process::ExitCode;
use std::sync::Arc;

/// Exit codes: 0 all passed, 1 a check failed, 2 usage or configuration error.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("doctor: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run(cli: Cli) -> Result<u8, String> {
    let lang = match &cli.lang {
        Some(name) => Lang::parse(name).ok_or_else(|| format!("--lang {name:?}: use ko or en"))?,
        None => Lang::from_env(),
    };
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let overrides = Overrides {
        config: cli.config.clone(),
        checks_dir: cli.checks.clone(),
        base_url: cli.base_url.clone(),
        project_dir: cli.project_dir.clone(),
    };
    let config = Config::load(&cwd, &overrides).map_err(|e| e.to_string())?;
    let registry = Arc::new(Registry::load(&config.checks_dirs).map_err(|e| e.to_string())?);

    match cli.command {
        Some(Command::Config) => {
            print_config(&config, cli.format).await;
            return Ok(0);
        }
        Some(Command::Demo { .. }) => return Err("demo: not built yet".into()),
        None => {}
    }
    if cli.list {
        print_list(&registry, lang, cli.format);
        return Ok(0);
    }
    let spec = cli.check.clone().unwrap_or_else(|| "all".into());
    let selected = registry.select(&spec)?;
    let ctx = Context::new(config);
    let target = target_json(&ctx).await;
    let results = runner::run(registry, &selected, ctx, None).await;
    let code = report::exit_code(&results, cli.strict);
    match cli.format {
        Format::Json => println!("{:#}", report::json::render(&results, lang, target, code)),
        Format::Text => print!("{}", report::text::render(&results, lang, &header(&target))),
    }
    Ok(code as u8)
}

async fn target_json(ctx: &Context) -> serde_json::Value {
    let config = &ctx.config;
    serde_json::json!({
        "base_url": config.base_url.value,
        "project_dir": config.project_dir.value,
        "config_file": config.config_file,
        "locustfile": config.locustfile.value,
    })
}

fn header(target: &serde_json::Value) -> String {
    let text = |key: &str| {
        target
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("-")
            .to_string()
    };
    format!("doctor · {} · {}", text("base_url"), text("project_dir"))
}

fn print_list(registry: &Registry, lang: Lang, format: Format) {
    if format == Format::Json {
        let list: Vec<_> = registry
            .checks
            .iter()
            .map(|c| serde_json::json!({ "id": c.id, "title": c.title.get(lang), "section": c.section, "probe": c.probe, "needs": c.needs, "defined_in": c.origin.to_string() }))
            .collect();
        println!("{:#}", serde_json::Value::Array(list));
        return;
    }
    let width = registry
        .checks
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(4);
    for check in &registry.checks {
        let section = if check.section.is_empty() {
            "-".to_string()
        } else {
            format!("§{}", check.section)
        };
        println!(
            "{:<width$}  {:<8}  {}  ({})",
            check.id,
            section,
            check.title.get(lang),
            check.origin
        );
    }
}

async fn print_config(config: &Config, format: Format) {
    let rows = config.describe();
    if format == Format::Json {
        let map: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(k, v, o)| {
                (
                    k.to_string(),
                    serde_json::json!({ "value": v, "origin": o }),
                )
            })
            .collect();
        println!("{:#}", serde_json::Value::Object(map));
        return;
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(10);
    for (key, value, origin) in rows {
        if origin.is_empty() {
            println!("{key:<width$}  {value}");
        } else {
            println!("{key:<width$}  {value}  [{origin}]");
        }
    }
}
