//! The fixes built into doctor: what each runs, built from what doctor measured.

use crate::config::Secret;
use crate::net::url_port;
use crate::probes::Context;
use crate::server::port;

pub const SEED_STOCK_SCRIPT: &str = include_str!("../../assets/fixes/seed_stock.py");
pub const CREATE_USERS_SCRIPT: &str = include_str!("../../assets/fixes/create_users.py");

/// What a built-in fix will run.
pub struct Command {
    pub argv: Vec<String>,
    pub shown: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Passed to the program but shown masked.
    pub secret_env: Vec<(String, Secret)>,
    /// A server doctor keeps running (and stops when it exits), not a command that ends.
    pub serves_at: Option<String>,
}

pub async fn command(name: &str, ctx: &Context) -> Result<Command, String> {
    let python = ctx.config.python.value.clone();
    match name {
        "seed_stock" => seed_stock(ctx, python).await,
        "create_users" => create_users(ctx, python).await,
        "start_server" => start_server(ctx, python).await,
        other => Err(format!("unknown built-in fix '{other}'")),
    }
}

fn shell_script(
    python: &[String],
    script: &str,
    args: &serde_json::Value,
    extra: &str,
) -> (Vec<String>, Vec<String>) {
    let argv = python
        .iter()
        .cloned()
        .chain([
            "manage.py".into(),
            "shell".into(),
            // Quiet: Django's banner ("12 objects imported automatically") is not the fix's.
            "-v".into(),
            "0".into(),
            "-c".into(),
            script.into(),
        ])
        .collect();
    let mut shown = vec![
        format!(
            "{} manage.py shell -v 0 -c SCRIPT   (DOCTOR_FIX_ARGS={args}{extra})",
            python.join(" ")
        ),
        "SCRIPT:".to_string(),
    ];
    shown.extend(script.lines().map(|l| format!("  {l}")));
    (argv, shown)
}

async fn seed_stock(ctx: &Context, python: Vec<String>) -> Result<Command, String> {
    let facts = ctx.django.facts(&ctx.config).await?;
    let raw = facts.answer("stock")?;
    let label = |key: &str| raw.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let (Some(product_model), Some(stock_model)) = (label("product_model"), label("stock_model"))
    else {
        return Err(
            "this project has no Product/ProductStock models: the stock fix does not apply".into(),
        );
    };
    let args = serde_json::json!({ "product_model": product_model, "stock_model": stock_model, "quantity": 10000 });
    let (argv, shown) = shell_script(&python, SEED_STOCK_SCRIPT, &args, "");
    Ok(Command {
        argv,
        shown,
        env: vec![("DOCTOR_FIX_ARGS".into(), args.to_string())],
        secret_env: vec![],
        serves_at: None,
    })
}

async fn create_users(ctx: &Context, python: Vec<String>) -> Result<Command, String> {
    let (pool, _) = crate::probes::credentials::pool(ctx).await.ok_or("doctor does not know the load test's accounts: set [target] username or fix the locustfile's login")?;
    let password = crate::probes::credentials::login_spec(ctx)
        .await
        .password
        .ok_or("no password for the load-test users: set DOCTOR_PASSWORD or [target] password")?;
    let args = match &pool.pattern {
        Some((prefix, low, high, suffix)) => {
            serde_json::json!({ "prefix": prefix, "low": low, "high": high, "suffix": suffix })
        }
        None => serde_json::json!({ "names": pool.names }),
    };
    let (argv, shown) = shell_script(
        &python,
        CREATE_USERS_SCRIPT,
        &args,
        ", DOCTOR_FIX_PASSWORD=********",
    );
    Ok(Command {
        argv,
        shown,
        env: vec![("DOCTOR_FIX_ARGS".into(), args.to_string())],
        secret_env: vec![("DOCTOR_FIX_PASSWORD".into(), password)],
        serves_at: None,
    })
}

/// runserver on base_url's address — refused when something already holds the port.
async fn start_server(ctx: &Context, python: Vec<String>) -> Result<Command, String> {
    let base_url = &ctx.config.base_url.value;
    if !ctx.config.target_is_loopback() {
        return Err(format!(
            "{base_url} is not on this machine: doctor starts servers on loopback only"
        ));
    }
    let port = url_port(base_url).ok_or_else(|| format!("{base_url} has no port"))?;
    let scan = tokio::task::spawn_blocking(move || port::scan(port))
        .await
        .map_err(|e| e.to_string())??;
    if scan.listening {
        let holders = tokio::task::spawn_blocking(move || port::describe(&scan.listener_pids))
            .await
            .map_err(|e| e.to_string())?;
        let who: Vec<String> = holders
            .iter()
            .map(|l| format!("{} (pid {}): {}", l.name, l.pid, l.command))
            .collect();
        return Err(format!(
            "port {port} is already taken by {}",
            if who.is_empty() {
                "a process of another user".into()
            } else {
                who.join("; ")
            }
        ));
    }
    let host = reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "127.0.0.1".into());
    // host_str keeps the brackets of an IPv6 address: "[::1]".
    let address = format!("{host}:{port}");
    let argv: Vec<String> = python
        .iter()
        .cloned()
        .chain([
            "manage.py".into(),
            "runserver".into(),
            address.clone(),
            "--noreload".into(),
        ])
        .collect();
    let shown = vec![
        format!(
            "{} manage.py runserver {address} --noreload",
            python.join(" ")
        ),
        "(runs while doctor runs; doctor stops it when it exits)".into(),
    ];
    Ok(Command {
        argv,
        shown,
        env: vec![],
        secret_env: vec![],
        serves_at: Some(address),
    })
}
