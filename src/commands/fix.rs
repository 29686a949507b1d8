//! `doctor fix [ID] [--yes]`: show what a fix will run, confirm, apply, check again. ID is a fix
//! (`stock.seed`) or a check (`users`): a check runs first and its offered fixes are applied in
//! turn until it passes.

use crate::checks::registry::Registry;
use crate::checks::runner;
use crate::cli::Format;
use crate::config::Config;
use crate::i18n::Lang;
use crate::probes::Context;
use crate::report;
use crate::{out, outln};
use std::sync::Arc;

/// `doctor fix [ID] [--yes]`: show, confirm, apply, re-check.
pub async fn fix_command(
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
    if !id.contains('.') && registry.get(&id).is_some() {
        return fix_check(registry, config, &id, yes, lang, format, &secrets).await;
    }
    let check_id = id.split_once('.').map_or(id.as_str(), |(check, _)| check);
    if registry.get(check_id).is_none() {
        return Err(unknown_id(&registry, &id, lang));
    }
    let ran = apply_fix(registry, config, &id, yes, lang, format, &secrets).await?;
    Ok(ran.exit_code())
}

/// How one fix went: cancelled at the prompt, its program failed, or it ran and the check was
/// run again (passing or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FixRun {
    Cancelled,
    Failed,
    Rechecked { passes: bool },
}

impl FixRun {
    fn exit_code(self) -> u8 {
        u8::from(self != FixRun::Rechecked { passes: true })
    }
}

/// `doctor fix CHECK`: run the check, then the fixes it offers now, in order, until it passes.
async fn fix_check(
    registry: Arc<Registry>,
    config: Config,
    check_id: &str,
    yes: bool,
    lang: Lang,
    format: Format,
    secrets: &[String],
) -> Result<u8, String> {
    let results = runner::run(
        registry.clone(),
        &[check_id.to_string()],
        Context::new(config.clone()),
        None,
    )
    .await;
    let Some(result) = results.iter().find(|r| r.id == check_id) else {
        return Err(format!("check {check_id} did not run"));
    };
    outln!(
        "{} {check_id}: {}",
        result.status.mark(),
        result.summary.get(lang)
    );
    if result.fixes.is_empty() {
        let passes = result.status.lets_dependents_run();
        outln!(
            "{}",
            match (lang, passes) {
                (Lang::Ko, true) => format!("{check_id}: 고칠 것이 없습니다."),
                (Lang::Ko, false) => format!(
                    "{check_id}: 지금 적용할 수 있는 자동 해결이 없습니다. 위 점검 결과의 해결 방법을 따르세요."
                ),
                (Lang::En, true) => format!("{check_id}: nothing to fix."),
                (Lang::En, false) => format!(
                    "{check_id}: no automatic fix applies now; follow the check's advice above."
                ),
            }
        );
        return Ok(u8::from(!passes));
    }
    let offered: Vec<String> = result.fixes.iter().map(|f| f.id.clone()).collect();
    for fix_id in &offered {
        let ran = apply_fix(
            registry.clone(),
            config.clone(),
            fix_id,
            yes,
            lang,
            format,
            secrets,
        )
        .await?;
        // Cancelled or fixed: stop; otherwise the next offered fix may still help.
        if matches!(ran, FixRun::Cancelled | FixRun::Rechecked { passes: true }) {
            return Ok(ran.exit_code());
        }
    }
    Ok(1)
}

/// The usage error for an id that names neither a fix nor a check: both kinds listed.
fn unknown_id(registry: &Registry, id: &str, lang: Lang) -> String {
    let checks: Vec<&str> = registry.checks.iter().map(|c| c.id.as_str()).collect();
    let fixes: Vec<String> = registry
        .checks
        .iter()
        .flat_map(|c| c.fixes.iter().map(move |f| format!("{}.{}", c.id, f.id)))
        .collect();
    if lang == Lang::Ko {
        format!(
            "'{id}'는 자동 해결도 점검도 아닙니다.\n  자동 해결: {}\n  점검: {}",
            fixes.join(", "),
            checks.join(", ")
        )
    } else {
        format!(
            "'{id}' is neither a fix nor a check.\n  fixes: {}\n  checks: {}",
            fixes.join(", "),
            checks.join(", ")
        )
    }
}

/// One fix: show the plan, confirm, apply, check again.
async fn apply_fix(
    registry: Arc<Registry>,
    config: Config,
    id: &str,
    yes: bool,
    lang: Lang,
    format: Format,
    secrets: &[String],
) -> Result<FixRun, String> {
    let ctx = Context::new(config.clone());
    let mut plan = crate::fixes::plan(&registry, &ctx, id).await?;
    plan.lang = lang;
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
        return Ok(FixRun::Cancelled);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            outln!("  | {line}");
        }
    });
    let applied = crate::fixes::apply(&plan, secrets, Some(tx)).await?;
    let _ = printer.await;
    if !applied.success {
        eprintln!(
            "doctor: {}",
            if lang == Lang::Ko {
                format!("{} 실패 ({})", plan.id, applied.exit.describe(lang))
            } else {
                format!("fix {} failed ({})", plan.id, applied.exit.describe(lang))
            }
        );
        return Ok(FixRun::Failed);
    }
    // A fresh context: the fix changed what Django and the database answer.
    let results = runner::run(registry, &plan.rerun, Context::new(config), None).await;
    // The fix worked when the check it fixes passes now; the others are shown for context.
    let fixed = results.iter().find(|r| r.id == plan.check_id);
    let code = i32::from(!fixed.is_some_and(|r| r.status.lets_dependents_run()));
    match format {
        Format::Json => outln!(
            "{:#}",
            report::json::render(
                &results,
                lang,
                serde_json::json!({ "fix": plan.id, "answer": applied.answer }),
                code
            )
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
        super::shutdown_signal().await;
        crate::fixes::stop_background().await;
    }
    Ok(FixRun::Rechecked { passes: code == 0 })
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
