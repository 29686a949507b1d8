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

/// Print to stdout, ignoring a closed pipe (`doctor --list | head` must not panic).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout();
        let _ = write!(stdout, $($arg)*);
        let _ = stdout.flush();
    }};
}

/// Exit codes: 0 all passed, 1 a check failed, 2 usage or configuration error.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A doctor killed with SIGKILL could not stop its children: stop them now.
    let reaped = doctor::process::reap_orphans();
    if !reaped.is_empty() {
        eprintln!(
            "doctor: stopped {} process group(s) left behind by a doctor that was killed: {reaped:?}",
            reaped.len()
        );
    }
    let demo_workdir = match &cli.command {
        Some(Command::Demo { faults }) => match prepare_demo_env(faults) {
            Ok(dir) => Some(dir),
            Err(message) => {
                eprintln!("doctor: {message}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = match demo_workdir {
        Some(workdir) => runtime.block_on(demo(cli, workdir)),
        None => runtime.block_on(run(cli)),
    };
    match outcome {
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
        Some(Command::Fix { id, yes }) => {
            return fix_command(registry, config, id, yes, lang, cli.format).await;
        }
        Some(Command::Demo { .. }) => unreachable!("demo runs from main"),
        Some(Command::Run(args)) => {
            return doctor::report::run::run_command(
                config, registry, &args, &cwd, lang, cli.format,
            )
            .await;
        }
        Some(Command::History) => {
            return doctor::report::run::history_command(&config, &cwd, lang, cli.format).await;
        }
        None => {}
    }
    if cli.list {
        print_list(&registry, lang, cli.format);
        return Ok(0);
    }
    diagnose(registry, config, &cli, lang).await
}

/// A person at a terminal gets the interactive checklist; pipes and scripts get the report.
/// Either way, servers a fix started are stopped before doctor exits.
async fn diagnose(
    registry: Arc<Registry>,
    config: Config,
    cli: &Cli,
    lang: Lang,
) -> Result<u8, String> {
    let interactive = cli.check.is_none()
        && cli.format == Format::Text
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let result = if interactive {
        doctor::tui::run(registry, config, lang).await
    } else {
        let spec = cli.check.clone().unwrap_or_else(|| "all".into());
        tokio::select! {
            result = report_checks(registry, config, &spec, lang, cli.format, cli.strict) => result,
            _ = shutdown_signal() => Err("interrupted".to_string()),
        }
    };
    doctor::fixes::stop_background().await;
    result
}

/// Run the checks named by `spec` and print the report; the exit code says pass/fail.
async fn report_checks(
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
    let code = report::exit_code(&results, strict);
    match format {
        Format::Json => outln!("{:#}", report::json::render(&results, lang, target, code)),
        Format::Text => out!("{}", report::text::render(&results, lang, &header(&target))),
    }
    Ok(code as u8)
}

/// The demo's database and faults must reach every Python doctor starts (the Django probe,
/// fixes): they go into doctor's own environment before any thread exists.
fn prepare_demo_env(faults: &[String]) -> Result<tempfile::TempDir, String> {
    let switches = doctor::demo::fault_env(faults)?;
    let workdir = tempfile::Builder::new()
        .prefix("doctor-demo-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    // SAFETY: called at the top of main, before the tokio runtime or any other thread starts.
    unsafe {
        std::env::set_var("DATABASE_URL", doctor::demo::database_url(workdir.path()));
        for (var, value) in switches {
            std::env::set_var(var, value);
        }
    }
    Ok(workdir)
}

/// `doctor demo`: start the sample, diagnose it, stop it — also on Ctrl-C or SIGTERM.
async fn demo(cli: Cli, workdir: tempfile::TempDir) -> Result<u8, String> {
    let Some(Command::Demo { faults }) = &cli.command else {
        unreachable!()
    };
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env);
    let say = |line: String| eprintln!("demo: {line}");
    let mut sample = doctor::demo::start(faults, workdir, &say).await?;
    say(format!(
        "sample service at {} (log: {})",
        sample.base_url,
        sample.log.display()
    ));
    let overrides = Overrides {
        config: cli.config.clone(),
        checks_dir: cli.checks.clone(),
        base_url: Some(sample.base_url.clone()),
        project_dir: Some(sample.sample_dir.clone()),
    };
    let result = match Config::load(&sample.sample_dir, &overrides) {
        Ok(config) => match Registry::load(&config.checks_dirs) {
            Ok(registry) => diagnose(Arc::new(registry), config, &cli, lang).await,
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    sample.server.stop(std::time::Duration::from_secs(3)).await;
    say("sample service stopped".into());
    result
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
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

fn print_list(registry: &Registry, lang: Lang, format: Format) {
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
        outln!("{:#}", serde_json::Value::Object(map));
        return;
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(10);
    for (key, value, origin) in rows {
        if origin.is_empty() {
            outln!("{key:<width$}  {value}");
        } else {
            outln!("{key:<width$}  {value}  [{origin}]");
        }
    }
}

/// `doctor fix [ID] [--yes]`: show, confirm, apply, re-check.
async fn fix_command(
    registry: Arc<Registry>,
    config: Config,
    id: Option<String>,
    yes: bool,
    lang: Lang,
    format: Format,
) -> Result<u8, String> {
    let secrets: Vec<String> = config
        .password
        .value
        .iter()
        .map(|s| s.expose().to_string())
        .collect();
    let ctx = Context::new(config.clone());
    let Some(id) = id else {
        let all = registry.select("all")?;
        let results = runner::run(registry.clone(), &all, ctx, None).await;
        let offered: Vec<_> = results
            .iter()
            .flat_map(|r| r.fixes.iter().map(move |f| (r, f)))
            .collect();
        if offered.is_empty() {
            outln!(
                "{}",
                if lang == Lang::Ko {
                    "지금 적용할 수 있는 자동 해결이 없습니다."
                } else {
                    "No fix applies right now."
                }
            );
        }
        for (result, fix) in offered {
            outln!(
                "doctor fix {:<14} {}  [{} {}]",
                fix.id,
                fix.title.get(lang),
                result.status.mark(),
                result.summary.get(lang)
            );
        }
        return Ok(0);
    };
    let plan = doctor::fixes::plan(&registry, &ctx, &id).await?;
    outln!("doctor fix {}: {}", plan.id, plan.title.get(lang));
    outln!(
        "{}",
        if lang == Lang::Ko {
            "실행할 내용:"
        } else {
            "This will run:"
        }
    );
    for line in &plan.shown {
        outln!("  {line}");
    }
    if !yes && !confirm(lang)? {
        outln!(
            "{}",
            if lang == Lang::Ko {
                "취소했습니다."
            } else {
                "Cancelled."
            }
        );
        return Ok(1);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            outln!("  | {line}");
        }
    });
    let applied = doctor::fixes::apply(&plan, &secrets, Some(tx)).await?;
    let _ = printer.await;
    if !applied.success {
        eprintln!(
            "doctor: fix {} failed (exit {:?})",
            plan.id, applied.exit_code
        );
        return Ok(1);
    }
    // A fresh context: the fix changed what Django and the database answer.
    let results = runner::run(registry, &plan.rerun, Context::new(config), None).await;
    // The fix worked when the check it fixes passes now; the others are shown for context.
    let fixed = results.iter().find(|r| r.id == plan.check_id);
    let code = i32::from(!fixed.is_some_and(|r| r.status.lets_dependents_run()));
    match format {
        Format::Json => outln!(
            "{:#}",
            report::json::render(&results, lang, serde_json::json!({ "fix": plan.id }), code)
        ),
        Format::Text => out!(
            "{}",
            report::text::render(
                &results,
                lang,
                if lang == Lang::Ko {
                    "다시 점검:"
                } else {
                    "Checked again:"
                }
            )
        ),
    }
    if plan.keeps_running() {
        outln!(
            "{}",
            if lang == Lang::Ko {
                "서버 실행 중 — Ctrl-C로 중지합니다."
            } else {
                "The server runs — Ctrl-C stops it."
            }
        );
        shutdown_signal().await;
        doctor::fixes::stop_background().await;
    }
    Ok(code as u8)
}

fn confirm(lang: Lang) -> Result<bool, String> {
    use std::io::{IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err("no terminal to confirm the fix: run it again with --yes".into());
    }
    out!(
        "{}",
        if lang == Lang::Ko {
            "실행할까요? [y/N] "
        } else {
            "Run it? [y/N] "
        }
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "예" | "네"
    ))
}
