//! The Python helpers' answers (JSON lines from the project's own Python, which may print
//! anything): the executed locustfile with its costs and offered load, Django's facts, the
//! throttles, a fix's progress lines and the settings package's choice.

use crate::fuzz::engine::{JSON_NESTING, Target, campaign, text};
use doctor::django::DjangoFacts;
use doctor::django::settings_choice::parse_answer;
use doctor::django::throttles::Throttles;
use doctor::fixes::answer::{is_noise, shown};
use doctor::i18n::Lang;
use doctor::locustfile::cost::{PasswordHasher, RequestCost};
use doctor::locustfile::executed::Execution;
use doctor::locustfile::offered::{Offered, TaskNode};
use std::path::Path;

const fn json(name: &'static str) -> Target {
    Target {
        name,
        corpus: name,
        max_len: 64 * 1024,
        share: 1.0,
        nesting: JSON_NESTING,
    }
}

/// The figures the forecast reads from one User class's offered load.
fn read_offered(offered: &Offered) {
    if let Some(wait) = &offered.wait_time {
        wait.spacing();
        wait.shown();
    }
    fn walk(nodes: &[TaskNode]) {
        for node in nodes {
            node.is_taskset();
            if let Some(wait) = &node.wait_time {
                wait.spacing();
                wait.shown();
            }
            walk(&node.tasks);
        }
    }
    walk(&offered.tasks);
}

fn read_costs(costs: &[RequestCost], hasher: Option<&PasswordHasher>) {
    for cost in costs {
        cost.cpu_with_hashing_ms(hasher);
        cost.n_plus_one(5).count();
    }
}

#[test]
fn locust_execution() {
    campaign(&json("locust_execution"), |input| {
        let Ok(run) = Execution::parse(&text(input)) else {
            return Ok(());
        };
        run.login_user();
        for (user, request) in run.requests() {
            request.label();
            request.unrouted();
            request.view();
            if let Some(offered) = &user.offered {
                read_offered(offered);
            }
            for call in user.tasks.iter().chain(&user.on_start) {
                if let Some(problem) = &call.error {
                    problem.headline();
                    problem.location();
                }
            }
        }
        for problem in run.import_error.iter().chain(&run.mode_reason) {
            problem.headline();
            problem.location();
        }
        read_costs(&run.costs, run.password_hasher.as_ref());
        Ok(())
    });
}

#[test]
fn request_cost() {
    campaign(&json("request_cost"), |input| {
        let text = text(input);
        let hasher = serde_json::from_str::<PasswordHasher>(&text).ok();
        if let Ok(costs) = serde_json::from_str::<Vec<RequestCost>>(&text) {
            read_costs(&costs, hasher.as_ref());
        }
        Ok(())
    });
}

#[test]
fn offered() {
    campaign(&json("offered"), |input| {
        if let Ok(offered) = serde_json::from_str::<Offered>(&text(input)) {
            read_offered(&offered);
        }
        Ok(())
    });
}

#[test]
fn django_facts() {
    campaign(&json("django_facts"), |input| {
        let Ok(facts) = DjangoFacts::parse(&text(input)) else {
            return Ok(());
        };
        let _ = (facts.database(), facts.user_model(), facts.stock());
        facts.access_token_lifetime_s();
        facts.paths_of_view("TokenObtainPairView");
        facts.strings("urls", "path");
        if let Some(failure) = facts.check_failure() {
            failure.cause_code();
            if let Some(cause) = &failure.cause {
                cause.text("package");
                cause.flag("debug");
            }
            failure.project_frame.map(|f| f.place());
        }
        Ok(())
    });
}

#[test]
fn throttles() {
    campaign(&json("throttles"), |input| {
        let Ok(throttles) = Throttles::parse(&text(input)) else {
            return Ok(());
        };
        for request in &throttles.requests {
            let found = throttles.for_request(&request.method, &request.path, request.auth_header);
            if found.is_none() {
                return Err(format!(
                    "{} {} listed but not found",
                    request.method, request.path
                ));
            }
            for throttle in &request.throttles {
                throttle.per_second();
                throttle.applies();
            }
        }
        Ok(())
    });
}

#[test]
fn fix_answer() {
    campaign(&json("fix_answer"), |input| {
        let line = text(input);
        is_noise(&line);
        for lang in [Lang::En, Lang::Ko] {
            let (words, _) = shown(&line, lang);
            if words.is_empty() && !line.is_empty() {
                return Err("a non-empty line shown as nothing".into());
            }
        }
        Ok(())
    });
}

#[test]
fn settings_choice() {
    campaign(&json("settings_choice"), |input| {
        if let Some(choice) = parse_answer(&text(input)) {
            choice.describe(Some(Path::new("/p")));
            choice.describe(None);
        }
        Ok(())
    });
}
