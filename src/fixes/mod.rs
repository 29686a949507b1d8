//! Fixes: show exactly what will run, run it (no shell, no interpolated values), report what
//! changed. The caller confirms first and re-runs the affected checks afterwards.

use crate::checks::model::FixAction;
use crate::checks::registry::Registry;
use crate::i18n::{Lang, Text};
use crate::probes::Context;
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

pub mod answer;
mod background;
mod builtin;
mod exit;

pub use background::{running as background_servers, stop_all as stop_background};
pub use exit::Exit;

/// A fix ready to run: everything the confirmation shows.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `check.fix`, e.g. `stock.seed`.
    pub id: String,
    pub check_id: String,
    pub title: Text,
    /// Exactly what will run, for the confirmation: the command line, then any script it runs.
    pub shown: Vec<String>,
    argv: Vec<String>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    secret_env: Vec<(String, crate::config::Secret)>,
    /// Set for a server doctor keeps running: the address it must answer on.
    serves_at: Option<String>,
    /// Checks to run again afterwards: this one and every check that needs it.
    pub rerun: Vec<String>,
    /// The language the fix's answers are worded in (LANG by default; `doctor fix --lang` and
    /// the TUI set theirs).
    pub lang: Lang,
}

impl Plan {
    /// A fix that starts a server doctor keeps running until it exits.
    pub fn keeps_running(&self) -> bool {
        self.serves_at.is_some()
    }
}

#[derive(Clone, Debug)]
pub struct Applied {
    pub success: bool,
    /// How the program ended (default for a server that is still running).
    pub exit: Exit,
    /// The program's output, passwords masked, its JSON answers worded in the plan's language.
    pub output: Vec<String>,
    /// The fix's last JSON answer as it printed it (the details behind the worded line).
    pub answer: Option<serde_json::Value>,
}

/// `stock.seed` → the plan, or why it cannot be made.
pub async fn plan(registry: &Registry, ctx: &Context, fix_id: &str) -> Result<Plan, String> {
    let (check_id, name) = fix_id
        .split_once('.')
        .ok_or_else(|| format!("fix id '{fix_id}': use CHECK.FIX, e.g. stock.seed"))?;
    let check = registry
        .get(check_id)
        .ok_or_else(|| format!("no check '{check_id}'"))?;
    let fix = check.fixes.iter().find(|f| f.id == name).ok_or_else(|| {
        let known: Vec<String> = check
            .fixes
            .iter()
            .map(|f| format!("{check_id}.{}", f.id))
            .collect();
        format!(
            "check {check_id} has no fix '{name}' (it has: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )
    })?;
    let project = ctx
        .config
        .project_dir
        .value
        .clone()
        .ok_or("no Django project found (manage.py): fixes run in the project")?;
    let python = ctx.config.python.value.clone();
    let mut env = Vec::new();
    if let Some(module) = &ctx.config.settings_module.value {
        env.push(("DJANGO_SETTINGS_MODULE".to_string(), module.clone()));
    }
    let mut secret_env = Vec::new();
    let mut serves_at = None;
    let (argv, shown) = match &fix.action {
        FixAction::Manage(args) => {
            let argv: Vec<String> = python
                .iter()
                .cloned()
                .chain(["manage.py".to_string()])
                .chain(args.iter().cloned())
                .collect();
            let mut shown = vec![shell_words(&argv)];
            // The project's own command: refuse one it does not have, say what it may cost.
            if let (Some(name), Ok(facts)) = (args.first(), ctx.django.facts(&ctx.config).await) {
                let commands = facts
                    .answer("settings")
                    .ok()
                    .and_then(|s| s.get("management_commands").cloned());
                if let Some(serde_json::Value::Array(commands)) = commands
                    && !commands.iter().any(|c| c.as_str() == Some(name))
                {
                    return Err(format!(
                        "fix {fix_id}: this project has no `manage.py {name}` command"
                    ));
                }
                if name == "create_test_users" {
                    let users = crate::probes::credentials::pool(ctx)
                        .await
                        .map(|(p, _)| p.size())
                        .unwrap_or(100);
                    let secs = users / 4;
                    let note = crate::t!(
                        "(the project's own command: if it hashes each password with PBKDF2, ~0.25 s a user, {users} users take about {secs} s; users.bulk hashes once)";
                        "(프로젝트 자체 명령: 비밀번호마다 PBKDF2 해시를 만들면 사용자당 약 0.25초, {users}명에 약 {secs}초; users.bulk는 해시를 한 번만 만듦)"
                    );
                    // Worded like the plan's answers: LANG until `doctor fix --lang` sets it.
                    shown.push(note.get(Lang::from_env()).to_string());
                }
            }
            (argv.clone(), shown)
        }
        FixAction::Command(argv) => {
            if argv.is_empty() {
                return Err(format!("fix {fix_id}: empty command"));
            }
            (argv.clone(), vec![shell_words(argv)])
        }
        FixAction::Builtin(name) => {
            let command = builtin::command(name, ctx)
                .await
                .map_err(|e| format!("fix {fix_id}: {e}"))?;
            env.extend(command.env);
            secret_env = command.secret_env;
            serves_at = command.serves_at;
            (command.argv, command.shown)
        }
    };
    let mut shown_with_dir = vec![format!("cd {}", project.display())];
    shown_with_dir.extend(shown);
    Ok(Plan {
        id: fix_id.to_string(),
        check_id: check_id.to_string(),
        title: fix.title.clone(),
        shown: shown_with_dir,
        argv,
        cwd: project,
        env,
        secret_env,
        serves_at,
        rerun: dependents(registry, check_id),
        lang: Lang::from_env(),
    })
}

/// The check and, transitively, every check that needs or reads it.
pub fn dependents(registry: &Registry, id: &str) -> Vec<String> {
    let mut out = vec![id.to_string()];
    let mut i = 0;
    while i < out.len() {
        let current = out[i].clone();
        for check in &registry.checks {
            if (check.needs.contains(&current) || check.after.contains(&current))
                && !out.contains(&check.id)
            {
                out.push(check.id.clone());
            }
        }
        i += 1;
    }
    out
}

/// Run the plan; each output line is also sent to `progress` as it comes.
pub async fn apply(
    plan: &Plan,
    secrets: &[String],
    progress: Option<mpsc::UnboundedSender<String>>,
) -> Result<Applied, String> {
    let mut command = tokio::process::Command::new(&plan.argv[0]);
    if let Some(address) = &plan.serves_at {
        command
            .args(&plan.argv[1..])
            .current_dir(&plan.cwd)
            .envs(plan.env.iter().map(|(k, v)| (k, v)));
        return background::start(command, address, progress.as_ref(), plan.lang).await;
    }
    command
        .args(&plan.argv[1..])
        .current_dir(&plan.cwd)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .envs(plan.secret_env.iter().map(|(k, v)| (k, v.expose())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", plan.argv[0]))?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    for stream in [
        Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
    }
    drop(tx);
    let mut output = Vec::new();
    let mut last_answer = None;
    while let Some(line) = rx.recv().await {
        if answer::is_noise(&line) {
            continue;
        }
        let (line, raw) = answer::shown(&mask_secrets(&line, secrets), plan.lang);
        last_answer = raw.or(last_answer);
        if let Some(progress) = &progress {
            let _ = progress.send(line.clone());
        }
        output.push(line);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| format!("waiting for {}: {e}", plan.argv[0]))?;
    Ok(Applied {
        success: status.success(),
        exit: status.into(),
        output,
        answer: last_answer,
    })
}

fn mask_secrets(line: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 3)
        .fold(line.to_string(), |acc, s| {
            acc.replace(s.as_str(), "********")
        })
}

/// How a command line looks when a person types it (quoting only for display).
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependents_follow_needs_and_after() {
        let registry = Registry::builtin().unwrap();
        let rerun = dependents(&registry, "users");
        assert_eq!(rerun[0], "users");
        assert!(
            rerun.contains(&"auth".to_string()),
            "auth reads users: {rerun:?}"
        );
        let rerun = dependents(&registry, "port");
        assert!(rerun.contains(&"server".to_string()) && rerun.contains(&"auth".to_string()));
    }

    #[test]
    fn secrets_are_masked_in_output() {
        assert_eq!(
            mask_secrets("user1 / testpass123 created", &["testpass123".into()]),
            "user1 / ******** created"
        );
    }

    #[test]
    fn shown_command_quotes_only_for_display() {
        assert_eq!(
            shell_words(&[
                "python".into(),
                "manage.py".into(),
                "shell".into(),
                "-c".into(),
                "a b".into()
            ]),
            "python manage.py shell -c 'a b'"
        );
    }
}
