//! `doctor`, `doctor --check`, `--list` and `config`: the TUI at a terminal, else the report.

use crate::checks::registry::Registry;
use crate::checks::runner;
use crate::cli::{Cli, Format};
use crate::config::Config;
use crate::i18n::Lang;
use crate::probes::Context;
use crate::report;
use crate::{out, outln};
use std::sync::Arc;

/// A person at a terminal gets the interactive checklist; pipes and scripts get the report.
/// Either way, servers a fix started are stopped before doctor exits.
pub async fn diagnose(
    registry: Arc<Registry>,
    config: Config,
    cli: &Cli,
    lang: Lang,
) -> Result<u8, String> {
    let interactive = cli.check.is_none()
        && cli.format == Format::Text
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let result = if interactive {
        crate::tui::run(registry, config, lang).await
    } else {
        let spec = cli.check.clone().unwrap_or_else(|| "all".into());
        tokio::select! {
            result = report_checks(registry, config, &spec, lang, cli.format, cli.strict) => result,
            _ = super::shutdown_signal() => Err("interrupted".to_string()),
        }
    };
    crate::fixes::stop_background().await;
    result
}

/// Run the checks named by `spec` and print the report; the exit code says pass/fail.
pub async fn report_checks(
    registry: Arc<Registry>,
    config: Config,
    spec: &str,
    lang: Lang,
    format: Format,
    strict: bool,
) -> Result<u8, String> {
    let selected = registry.select(spec)?;
    let ctx = Context::new(config);
    let target = target_json(&ctx).await;
    let results = runner::run(registry, &selected, ctx, None).await;
    let unrun = report::not_run_without_project(&results, &selected);
    let code = if unrun.is_empty() {
        report::exit_code(&results, strict)
    } else {
        eprintln!("doctor: {}", no_project_line(&unrun, lang));
        1
    };
    match format {
        Format::Json => outln!("{:#}", report::json::render(&results, lang, target, code)),
        Format::Text => out!("{}", report::text::render(&results, lang, &header(&target))),
    }
    Ok(code as u8)
}

/// What to do when the checks asked for need a Django project and there is none.
fn no_project_line(ids: &[String], lang: Lang) -> String {
    let ids = ids.join(", ");
    match lang {
        Lang::En => format!(
            "{ids} could not run: there is no Django project (manage.py) in this folder or above it. Run doctor in the folder with manage.py, or pass --project-dir DIR."
        ),
        Lang::Ko => format!(
            "{ids} 점검을 실행하지 못함: 이 폴더와 상위 폴더에 Django 프로젝트(manage.py)가 없습니다. manage.py가 있는 폴더에서 실행하거나 --project-dir DIR을 지정하세요."
        ),
    }
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

pub fn print_list(registry: &Registry, lang: Lang, format: Format) {
    if format == Format::Json {
        let list: Vec<_> = registry
            .checks
            .iter()
            .map(|c| serde_json::json!({ "id": c.id, "title": c.title.get(lang), "section": c.section, "probe": c.probe, "needs": c.needs, "defined_in": c.origin.to_string() }))
            .collect();
        outln!("{:#}", serde_json::Value::Array(list));
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
        outln!(
            "{:<width$}  {:<8}  {}  ({})",
            check.id,
            section,
            check.title.get(lang),
            check.origin
        );
    }
}

pub async fn print_config(config: &Config, format: Format, lang: Lang) {
    let mut rows = config.describe();
    // The running server decides the interpreter, folder and settings (see `server`).
    for row in crate::server::config_rows(config, lang).await {
        match rows.iter_mut().find(|r| r.0 == row.0) {
            Some(existing) => *existing = row,
            None => rows.push(row),
        }
    }
    // A settings package: the module it runs, asked of the project's Python (the server's way).
    if let Some((module, origin)) = crate::django::settings_choice::ask(config).await {
        rows.push(("django.settings_runs", module, origin));
    }
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
        outln!("{:#}", serde_json::Value::Object(map));
        return;
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(10);
    for (key, value, origin) in rows {
        let value = super::config_words::words(&value, lang);
        let origin = super::config_words::words(&origin, lang);
        if origin.is_empty() {
            outln!("{key:<width$}  {value}");
        } else {
            outln!("{key:<width$}  {value}  [{origin}]");
        }
    }
}
