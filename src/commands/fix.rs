//! `doctor fix [ID] [--yes]`: show what a fix will run, confirm, apply, check again.

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
    let plan = crate::fixes::plan(&registry, &ctx, &id).await?;
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
    let applied = crate::fixes::apply(&plan, &secrets, Some(tx)).await?;
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
        super::shutdown_signal().await;
        crate::fixes::stop_background().await;
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
