//! Limits that fail requests, each with its figure before load: a throttle, the account pool,
//! the stock, the token's lifetime and the database's connections. A login that fails (429,
//! 401) leaves its user without a token, so that user's authenticated requests fail too.

use super::capacity::Served;
use super::model::{Plan, StagePlan, ThrottleRule};
use super::{Limit, LimitKind, round};
use crate::t;

/// Requests of `label` over the stage: the steady rate plus once per new user.
pub fn count(plan: &Plan, stage: &StagePlan, served: &Served, label: &str) -> f64 {
    plan.requests
        .iter()
        .filter(|r| r.label == label)
        .map(|r| served.cycles_per_s * r.per_cycle * stage.seconds + r.per_user * stage.new_users())
        .sum()
}

fn token_requests(plan: &Plan, stage: &StagePlan, served: &Served) -> f64 {
    plan.requests
        .iter()
        .filter(|r| r.needs_token)
        .map(|r| count(plan, stage, served, &r.label))
        .sum()
}

fn login_count(plan: &Plan, stage: &StagePlan, served: &Served) -> f64 {
    plan.requests
        .iter()
        .filter(|r| r.is_login)
        .map(|r| count(plan, stage, served, &r.label))
        .sum()
}

pub fn all(plan: &Plan, stage: &StagePlan, served: &Served) -> Vec<Limit> {
    let mut out = Vec::new();
    let mut login_fail_share = 0.0;
    // The limit that refuses most logins carries the users left without a token.
    let mut worst: Option<(usize, f64)> = None;
    let note = |index: usize, share: f64, worst: &mut Option<(usize, f64)>| {
        if share > 0.0 && worst.is_none_or(|(_, s)| share > s) {
            *worst = Some((index, share));
        }
    };
    for rule in &plan.throttles {
        if let Some((limit, login_share)) = throttle(plan, stage, served, rule) {
            login_fail_share = 1.0 - (1.0 - login_fail_share) * (1.0 - login_share);
            note(out.len(), login_share, &mut worst);
            out.push(limit);
        }
    }
    if let Some((limit, share)) = pool(plan, stage, served) {
        login_fail_share = 1.0 - (1.0 - login_fail_share) * (1.0 - share);
        note(out.len(), share, &mut worst);
        out.push(limit);
    }
    // Users without a token: their authenticated requests answer 401.
    let orphaned = login_fail_share * token_requests(plan, stage, served);
    if let Some((index, _)) = worst
        && orphaned > 0.0
    {
        let carrier = &mut out[index];
        carrier.failed += orphaned;
        carrier
            .figures
            .insert("then_unauthorized".into(), round(orphaned, 0).into());
    }
    out.extend(token(plan, stage, served));
    out.extend(stock(plan, stage, served));
    out.extend(db_connections(plan, stage, served));
    out.extend(super::sqlite_locks::limit(plan, stage, served));
    out
}

/// Requests over the budget of one throttle; the share of logins it refuses.
fn throttle(
    plan: &Plan,
    stage: &StagePlan,
    served: &Served,
    rule: &ThrottleRule,
) -> Option<(Limit, f64)> {
    let offered: f64 = rule
        .labels
        .iter()
        .map(|l| count(plan, stage, served, l))
        .sum();
    if offered <= 0.0 || rule.seconds == 0 {
        return None;
    }
    let windows = (stage.seconds / f64::from(rule.seconds)).max(1.0);
    let copies = if rule.per_process {
        f64::from(plan.server.processes.max(1))
    } else {
        1.0
    };
    let budget = f64::from(rule.num_requests) * windows * copies;
    let refused = if rule.key == "user" {
        let users = f64::from(stage.users.max(1));
        users * (offered / users - budget).max(0.0)
    } else {
        (offered - budget).max(0.0)
    };
    let logins = plan
        .requests
        .iter()
        .filter(|r| r.is_login && rule.labels.contains(&r.label))
        .map(|r| count(plan, stage, served, &r.label))
        .sum::<f64>();
    let login_share = if logins > 0.0 {
        (refused * logins / offered / logins).min(1.0)
    } else {
        0.0
    };
    let (rate, scope) = (rule.rate.clone(), rule.scope.clone());
    let class = rule
        .class_path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let what = rule.labels.join(", ");
    let (n, of) = (round(refused, 0), round(offered, 0));
    let mut text = if rule.key == "ip" {
        t!(
            "{what} is throttled at {rate} per IP ({class}, scope {scope}): every user of one load machine shares it, so {n} of the stage's {of} will answer 429";
            "{what}은(는) IP당 {rate}로 제한됨 ({class}, scope {scope}): 부하 머신 하나의 모든 사용자가 이를 나눠 쓰므로 이 단계의 {of}건 중 {n}건이 429로 응답"
        )
    } else {
        t!(
            "{what} is throttled at {rate} per user ({class}, scope {scope}): {n} of the stage's {of} will answer 429";
            "{what}은(는) 사용자당 {rate}로 제한됨 ({class}, scope {scope}): 이 단계의 {of}건 중 {n}건이 429로 응답"
        )
    };
    if rule.per_process && copies > 1.0 {
        text.en
            .push_str(&format!(" (counted per process: {copies} processes)"));
        text.ko
            .push_str(&format!(" (프로세스별 계산: 프로세스 {copies}개)"));
    }
    if !rule.switches.is_empty() {
        let names = rule.switches.join(", ");
        text.en
            .push_str(&format!("; the settings read {names} to change it"));
        text.ko
            .push_str(&format!("; 설정이 {names}을(를) 읽어 이를 바꿈"));
    }
    let mut limit = Limit::new(LimitKind::Throttle, text)
        .figure("rate", rate)
        .figure("scope", scope)
        .figure("key", rule.key.clone())
        .figure("offered", of)
        .figure("refused", n)
        .figure("switches", rule.switches.clone());
    limit.failed = refused;
    limit.cap_rpm = Some(budget / (stage.seconds / 60.0).max(1e-9));
    // Shown when it refuses some, or when the stage comes near its budget.
    (refused > 0.0 || offered >= 0.5 * budget).then_some((limit, login_share))
}

/// Logins with an account that does not exist answer 401.
fn pool(plan: &Plan, stage: &StagePlan, served: &Served) -> Option<(Limit, f64)> {
    let pool = plan.pool.as_ref()?;
    if pool.size == 0 || pool.existing >= pool.size {
        return None;
    }
    let share = 1.0 - pool.existing as f64 / pool.size as f64;
    let logins = login_count(plan, stage, served);
    let failed = share * logins;
    let (size, existing, pct) = (pool.size, pool.existing, round(share * 100.0, 0));
    let mut limit = Limit::new(
        LimitKind::Pool,
        t!(
            "the users log in with {size} accounts but {existing} exist: about {pct} % of logins will answer 401";
            "사용자는 계정 {size}개로 로그인하지만 {existing}개만 있음: 로그인의 약 {pct}%가 401로 응답"
        ),
    )
    .figure("pool_size", size)
    .figure("existing", existing)
    .figure("share", round(share, 3));
    limit.failed = failed;
    Some((limit, share))
}

/// The token expires during the stage and no task logs in again.
fn token(plan: &Plan, stage: &StagePlan, served: &Served) -> Option<Limit> {
    let token = plan.token.as_ref()?;
    if token.relogin != Some(false) || token.lifetime_s <= 0.0 {
        return None;
    }
    let end = stage.starts_at_s + stage.seconds;
    if end <= token.lifetime_s {
        return None;
    }
    let share = ((end - token.lifetime_s) / stage.seconds).clamp(0.0, 1.0);
    let failed = share * token_requests(plan, stage, served);
    let (life, pct) = (round(token.lifetime_s, 0), round(share * 100.0, 0));
    let mut limit = Limit::new(
        LimitKind::Token,
        t!(
            "the access token lives {life} s and no task logs in again: from {life} s into the run its requests answer 401 ({pct} % of this stage)";
            "액세스 토큰 수명은 {life}초이고 다시 로그인하는 태스크가 없음: 실행 {life}초부터 토큰 요청이 401로 응답 (이 단계의 {pct}%)"
        ),
    )
    .figure("lifetime_s", life)
    .figure("share", round(share, 3));
    limit.failed = failed;
    Some(limit)
}

/// The stock runs out: the rest of the stage's reservations fail.
fn stock(plan: &Plan, stage: &StagePlan, served: &Served) -> Option<Limit> {
    let stock = plan.stock.as_ref()?;
    let requests = count(plan, stage, served, &stock.label);
    if requests <= 0.0 || stage.seconds <= 0.0 {
        return None;
    }
    let per_s = requests / stage.seconds * stock.units_per_request;
    let out_at = stock.available.max(0.0) / per_s.max(1e-9);
    let per_min = round(per_s * 60.0, 0);
    let available = round(stock.available, 0);
    let label = stock.label.clone();
    if out_at >= stage.seconds {
        let minutes = round(out_at / 60.0, 1);
        let limit = Limit::new(
            LimitKind::Stock,
            t!(
                "{label} takes about {per_min} units/min of {available} available: enough for about {minutes} min";
                "{label}은(는) 분당 약 {per_min}개를 사용 (재고 {available}개): 약 {minutes}분 분량"
            ),
        )
        .figure("units_per_min", per_min)
        .figure("available", available)
        .figure("runs_out_s", round(out_at, 0));
        return Some(limit);
    }
    let failed = requests * (stage.seconds - out_at) / stage.seconds;
    let secs = round(out_at, 0);
    let mut limit = Limit::new(
        LimitKind::Stock,
        t!(
            "{label} takes about {per_min} units/min of {available} available: the stock runs out about {secs} s into this stage";
            "{label}은(는) 분당 약 {per_min}개를 사용 (재고 {available}개): 이 단계 시작 약 {secs}초 후 재고 소진"
        ),
    )
    .figure("units_per_min", per_min)
    .figure("available", available)
    .figure("runs_out_s", secs);
    limit.failed = failed;
    Some(limit)
}

/// Connections the server holds at once against the database's max_connections: with
/// persistent connections one per serving thread (runserver: per Locust connection, so per
/// user; workers: per slot), else one per request in flight (Little's law: rate × time,
/// taken at p95 to be safe).
fn db_connections(plan: &Plan, stage: &StagePlan, served: &Served) -> Option<Limit> {
    let db = plan.db.as_ref()?;
    let threads = plan.server.slots.map_or(f64::from(stage.users), |s| {
        f64::from(s).min(f64::from(stage.users))
    });
    let peak = if db.persistent {
        threads
    } else {
        (served.rpm / 60.0 * served.p95_ms / 1000.0)
            .min(threads)
            .ceil()
    };
    let max = db.max_connections as f64;
    if peak < 0.8 * max {
        return None;
    }
    let (n, m) = (peak as u64, db.max_connections);
    let mut limit = Limit::new(
        LimitKind::DbConnections,
        t!(
            "the server will hold about {n} database connections at once against max_connections {m}";
            "서버가 동시에 DB 연결을 약 {n}개 사용 (max_connections {m})"
        ),
    )
    .figure("connections", n)
    .figure("max_connections", m);
    if peak > max {
        // Requests that find no free connection fail ("too many clients").
        limit.failed = served.requests_in_stage * (peak - max) / peak;
    }
    Some(limit)
}

#[cfg(test)]
mod tests {
    use super::super::model::{Cycle, PoolFacts, RequestLoad, StockFacts, TokenFacts};
    use super::super::{LimitKind, forecast};
    use super::*;

    /// Users log in once as they start, then list products every ~9 s with the token.
    fn shop() -> Plan {
        Plan {
            cycle: Cycle {
                tasks: 1.0,
                waits: 1.0,
                pause_s: 9.0,
                pacing_s: None,
            },
            requests: vec![
                RequestLoad {
                    label: "POST /api/auth/login/".into(),
                    per_user: 1.0,
                    at_spawn: true,
                    python_ms: 3.0,
                    free_cpu_ms: 5.0,
                    is_login: true,
                    ..Default::default()
                },
                RequestLoad {
                    label: "GET /api/products/".into(),
                    per_cycle: 1.0,
                    python_ms: 3.0,
                    needs_token: true,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    fn stage(users: u32, seconds: f64) -> StagePlan {
        StagePlan {
            users,
            spawn_rate: 30.0,
            seconds,
            ..Default::default()
        }
    }

    #[test]
    fn a_login_throttle_per_ip_refuses_27_of_30_and_orphans_their_users() {
        let mut plan = shop();
        plan.throttles.push(ThrottleRule {
            scope: "login".into(),
            class_path: "rest_framework.throttling.ScopedRateThrottle".into(),
            rate: "3/min".into(),
            num_requests: 3,
            seconds: 60,
            key: "ip".into(),
            labels: vec!["POST /api/auth/login/".into()],
            per_process: true,
            switches: vec!["SHOP_LOGIN_RATE (shopconf/settings.py:46)".into()],
        });
        let f = forecast(&plan, &stage(30, 60.0));
        let limit = f
            .limits
            .iter()
            .find(|l| l.kind == LimitKind::Throttle)
            .unwrap();
        assert_eq!(limit.figures["refused"], 27.0);
        assert!(
            limit
                .text
                .en
                .contains("27 of the stage's 30 will answer 429"),
            "{}",
            limit.text.en
        );
        assert!(limit.text.en.contains("SHOP_LOGIN_RATE"));
        assert_eq!(f.limiting, LimitKind::Throttle);
        // 27 logins refused + 90 % of the products requests without a token: ~90 % fail.
        assert!(
            f.failure_ratio > 0.85 && f.failure_ratio < 0.95,
            "{}",
            f.failure_ratio
        );
    }

    #[test]
    fn a_pool_with_missing_accounts_fails_its_share_of_logins() {
        let mut plan = shop();
        plan.pool = Some(PoolFacts {
            size: 100,
            existing: 60,
        });
        let f = forecast(&plan, &stage(30, 60.0));
        let limit = f.limits.iter().find(|l| l.kind == LimitKind::Pool).unwrap();
        assert!(
            limit
                .text
                .en
                .contains("about 40 % of logins will answer 401")
        );
        assert!((f.failure_ratio - 0.4).abs() < 0.03, "{}", f.failure_ratio);
        assert_eq!(f.limiting, LimitKind::Pool);
    }

    #[test]
    fn stock_runs_out_seconds_into_a_busy_stage() {
        // 50 users reserving every ~1.5 s, 1–100 units (mean 50.5), 10,000 units.
        let mut plan = shop();
        plan.cycle.pause_s = 1.5;
        plan.requests[1].label = "POST /reserve/".into();
        plan.stock = Some(StockFacts {
            label: "POST /reserve/".into(),
            available: 10_000.0,
            units_per_request: 50.5,
        });
        let mut s = stage(50, 120.0);
        s.previous_users = 50;
        let f = forecast(&plan, &s);
        let limit = f
            .limits
            .iter()
            .find(|l| l.kind == LimitKind::Stock)
            .unwrap();
        let out = limit.figures["runs_out_s"].as_f64().unwrap();
        assert!((out - 6.0).abs() < 1.0, "{out}: 10000 / (33 req/s × 50.5)");
        assert_eq!(f.limiting, LimitKind::Stock);
    }

    #[test]
    fn persistent_connections_per_user_thread_pass_max_connections() {
        let mut plan = shop();
        plan.db = Some(super::super::model::DbFacts {
            max_connections: 20,
            persistent: true,
        });
        let f = forecast(&plan, &stage(30, 60.0));
        let limit = f
            .limits
            .iter()
            .find(|l| l.kind == LimitKind::DbConnections)
            .unwrap();
        assert_eq!(limit.figures["connections"], 30);
        assert!(f.failure_ratio > 0.3, "{}", f.failure_ratio);
        // Closed after each request: a handful in flight, far below 20.
        plan.db.as_mut().unwrap().persistent = false;
        let f = forecast(&plan, &stage(30, 60.0));
        assert!(f.limits.iter().all(|l| l.kind != LimitKind::DbConnections));
    }

    #[test]
    fn a_token_that_expires_mid_stage_fails_the_rest() {
        let mut plan = shop();
        plan.token = Some(TokenFacts {
            lifetime_s: 300.0,
            relogin: Some(false),
        });
        let mut s = stage(30, 120.0);
        s.starts_at_s = 240.0;
        let f = forecast(&plan, &s);
        let limit = f
            .limits
            .iter()
            .find(|l| l.kind == LimitKind::Token)
            .unwrap();
        assert_eq!(limit.figures["share"], 0.5);
        let early = forecast(&plan, &stage(30, 120.0));
        assert!(early.limits.iter().all(|l| l.kind != LimitKind::Token));
    }
}
