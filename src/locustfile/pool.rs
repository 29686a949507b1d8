//! Which accounts a locustfile logs in with: `f"user{random.randint(1, USER_POOL_SIZE)}"`, a
//! fixed list (`random.choice(USERS)`), or one literal name.

use super::{Locustfile, Value, executed};
use crate::python_source::{Source, string_value};
use std::collections::HashMap;
use tree_sitter::Node;

/// At most this many names are generated from a pattern (a pool of 10,000 is common).
const MAX_POOL: i64 = 100_000;

#[derive(Clone, Debug, PartialEq)]
pub struct UserPool {
    pub names: Vec<String>,
    /// How the pool was read, e.g. `f"user{random.randint(1, USER_POOL_SIZE)}" with USER_POOL_SIZE = 100`.
    pub description: String,
    /// For bulk creation: `prefix{n}suffix` for n in range, when the pool is a numbered pattern.
    pub pattern: Option<(String, i64, i64, String)>,
}

/// Module-level `NAME = ["a", "b"]` lists of strings.
pub fn module_lists(source: &Source, root: Node) -> HashMap<String, Vec<String>> {
    crate::python_source::module_assignments(source, root)
        .into_iter()
        .filter(|(_, value)| matches!(value.kind(), "list" | "tuple"))
        .filter_map(|(name, value)| {
            let mut cursor = value.walk();
            let items: Vec<String> = value
                .named_children(&mut cursor)
                .filter_map(|e| string_value(source, e))
                .collect();
            (!items.is_empty()).then_some((name, items))
        })
        .collect()
}

impl UserPool {
    /// How many accounts the load test logs in with: the whole numbered range, not only the
    /// names listed (at most MAX_POOL of them).
    pub fn size(&self) -> usize {
        match &self.pattern {
            Some((_, low, high, _)) => usize::try_from(high - low + 1).unwrap_or(0),
            None => self.names.len(),
        }
    }

    /// Is `name` one of the pool's accounts?
    pub fn contains(&self, name: &str) -> bool {
        match &self.pattern {
            Some((prefix, low, high, suffix)) => name
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                .and_then(|n| n.parse::<i64>().ok().filter(|v| v.to_string() == n))
                .is_some_and(|n| (*low..=*high).contains(&n)),
            None => self.names.iter().any(|n| n == name),
        }
    }

    /// The pool's accounts in order, listed or not.
    pub fn all_names(&self) -> Box<dyn Iterator<Item = String> + '_> {
        match &self.pattern {
            Some((prefix, low, high, suffix)) => {
                Box::new((*low..=*high).map(move |n| format!("{prefix}{n}{suffix}")))
            }
            None => Box::new(self.names.iter().cloned()),
        }
    }

    /// The pool the executed locustfile showed: the `random` call that picked each run's
    /// account, or the names seen over the runs. Described in symbols, not words, so it reads
    /// the same in Korean and English (`randint → user{0..=9999}`).
    pub fn from_run(pool: &executed::Pool) -> Option<UserPool> {
        let seen = |how: &str| {
            format!(
                "{how} · on_start ×{}",
                pool.runs
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "?".into())
            )
        };
        match (pool.template.as_deref(), pool.low, pool.high) {
            (Some(template), Some(low), Some(high)) if template.contains("{}") => {
                let (prefix, suffix) = template.split_once("{}")?;
                // Names are listed up to MAX_POOL; the pattern keeps the whole range.
                let listed = high.min(low + MAX_POOL - 1);
                Some(UserPool {
                    names: (low..=listed)
                        .map(|n| format!("{prefix}{n}{suffix}"))
                        .collect(),
                    description: seen(&format!(
                        "{} → {prefix}{{{low}..={high}}}{suffix}",
                        pool.kind
                    )),
                    pattern: Some((prefix.to_string(), low, high, suffix.to_string())),
                })
            }
            _ if !pool.names.is_empty() => Some(UserPool {
                names: pool.names.clone(),
                description: seen(&format!("{} → {} names", pool.kind, pool.names.len())),
                pattern: None,
            }),
            _ => None,
        }
    }
}

impl Locustfile {
    /// The login accounts of the load test, if the locustfile says which.
    pub fn user_pool(&self) -> Option<UserPool> {
        let (_, value) = self.login_field(&["username", "email", "login", "user", "phone"])?;
        match value {
            Value::Literal(name) => Some(UserPool {
                names: vec![name.clone()],
                description: format!("the single account \"{name}\""),
                pattern: None,
            }),
            Value::Pattern {
                prefix,
                suffix,
                variable,
            } => {
                let (low, high, how) = self.range_of(variable)?;
                let listed = high.min(low + MAX_POOL - 1);
                let names = (low..=listed)
                    .map(|n| format!("{prefix}{n}{suffix}"))
                    .collect();
                Some(UserPool {
                    names,
                    description: format!("f\"{prefix}{{{variable}}}{suffix}\" {how}"),
                    pattern: Some((prefix.clone(), low, high, suffix.clone())),
                })
            }
            Value::Unknown(expr) => {
                let list_name = expr.strip_prefix("random.choice(")?.strip_suffix(')')?;
                let names = self.lists.get(list_name)?.clone();
                Some(UserPool {
                    description: format!("random.choice({list_name}), {} names", names.len()),
                    names,
                    pattern: None,
                })
            }
        }
    }

    /// `random.randint(1, N)` → (1, N); a bare variable → 1..=a *POOL*/*USERS* size constant.
    fn range_of(&self, variable: &str) -> Option<(i64, i64, String)> {
        let number = |text: &str| -> Option<i64> {
            let text = text.trim();
            text.parse().ok().or_else(|| {
                self.constants
                    .get(text)
                    .and_then(|v| v.parse::<f64>().ok())
                    .map(|f| f as i64)
            })
        };
        if let Some(args) = variable
            .strip_prefix("random.randint(")
            .and_then(|v| v.strip_suffix(')'))
        {
            let (a, b) = args.split_once(',')?;
            let (low, high) = (number(a)?, number(b)?);
            let named: Vec<String> = [a.trim(), b.trim()]
                .iter()
                .filter(|x| self.constants.contains_key(**x))
                .map(|x| format!("{x} = {}", self.constants[*x]))
                .collect();
            let how = if named.is_empty() {
                format!("for n in {low}..={high}")
            } else {
                format!("with {}", named.join(", "))
            };
            return Some((low, high, how));
        }
        let size_name = self.constants.keys().find(|k| {
            let k = k.to_uppercase();
            (k.contains("POOL") || k.contains("USERS") || k.contains("USER_COUNT"))
                && !k.contains("PASSWORD")
        })?;
        let high = number(size_name)?;
        Some((
            1,
            high,
            format!("with {size_name} = {high} (assumed 1..={high})"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randint_pool_with_a_constant() {
        let text = "import random\nUSER_POOL_SIZE = 10000\nclass U(FastHttpUser):\n    def on_start(self):\n        self.username = f\"user{random.randint(1, USER_POOL_SIZE)}\"\n        self.client.post('/api/token/', json={'username': self.username, 'password': 'pw'})\n";
        let pool = Locustfile::parse(text).user_pool().unwrap();
        assert_eq!(pool.names.len(), 10000);
        assert_eq!(pool.names[0], "user1");
        assert_eq!(pool.names[9999], "user10000");
        assert!(
            pool.description.contains("USER_POOL_SIZE = 10000"),
            "{}",
            pool.description
        );
        assert_eq!(pool.pattern, Some(("user".into(), 1, 10000, "".into())));
    }

    #[test]
    fn pool_from_an_executed_run() {
        let run = executed::Pool {
            kind: "randint".into(),
            template: Some("load-{}@x.io".into()),
            low: Some(0),
            high: Some(9999),
            runs: Some(30),
            ..Default::default()
        };
        let pool = UserPool::from_run(&run).unwrap();
        assert_eq!(pool.names.len(), 10000);
        assert_eq!(pool.names[0], "load-0@x.io");
        assert_eq!(
            pool.pattern,
            Some(("load-".into(), 0, 9999, "@x.io".into()))
        );
        let listed = executed::Pool {
            kind: "choice".into(),
            names: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        assert_eq!(UserPool::from_run(&listed).unwrap().names, vec!["a", "b"]);
    }

    /// Issue 22: a pool of 300,000 was silently cut to 100,000, and the users check passed
    /// while two thirds of logins would answer 401. The pool now keeps its whole size.
    #[test]
    fn a_pool_above_the_listing_cap_keeps_its_size() {
        let run = executed::Pool {
            kind: "randint".into(),
            template: Some("user{}".into()),
            low: Some(1),
            high: Some(300_000),
            runs: Some(30),
            ..Default::default()
        };
        let pool = UserPool::from_run(&run).unwrap();
        assert_eq!(pool.names.len(), MAX_POOL as usize);
        assert_eq!(pool.size(), 300_000);
        assert!(pool.contains("user300000") && pool.contains("user1"));
        assert!(!pool.contains("user300001") && !pool.contains("user01") && !pool.contains("user"));
        assert_eq!(pool.all_names().nth(250_000).as_deref(), Some("user250001"));
    }

    #[test]
    fn fixed_list_pool() {
        let text = "import random\nUSERS = ['alice', 'bob']\nclass U(HttpUser):\n    def on_start(self):\n        self.client.post('/login/', data={'username': random.choice(USERS), 'password': 'pw'})\n";
        let pool = Locustfile::parse(text).user_pool().unwrap();
        assert_eq!(pool.names, vec!["alice", "bob"]);
        assert_eq!(pool.pattern, None);
    }
}
