//! What each request of the executed locustfile cost the server in the in-process replay
//! (`assets/doctor_py/request_cost.py`): wall and CPU time, SQL, statements repeated with other
//! parameters (N+1) and where the project issued them, and the password checks it made. The
//! replay skips hashing; the project's hasher is measured once on its own (`PasswordHasher`).

use super::executed::null_is_empty;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One distinct request (Locust's name for it), the median of its replays.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct RequestCost {
    /// "POST /api/token/": the method and the locustfile's name for it.
    pub request: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub samples: u32,
    #[serde(default)]
    pub wall_ms: f64,
    #[serde(default)]
    pub cpu_ms: f64,
    #[serde(default)]
    pub sql_queries: u32,
    #[serde(default)]
    pub sql_ms: f64,
    /// Time inside the project's own transaction from a read to its end, when it then wrote:
    /// SQLite's DEFERRED transactions refuse that write at once while another writes.
    #[serde(default)]
    pub read_write_ms: f64,
    /// Passwords the server hashed or checked (skipped in the replay, costed by the hasher).
    #[serde(default)]
    pub password_checks: u32,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub repeated_sql: Vec<RepeatedSql>,
    #[serde(default)]
    pub sql_by_alias: BTreeMap<String, u32>,
}

/// The same statement, parameters stripped, issued `count` times in one request.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct RepeatedSql {
    #[serde(default)]
    pub alias: String,
    pub count: u32,
    /// The statement's shape, shortened.
    #[serde(default)]
    pub shape: String,
    /// The innermost frame of the project's code that issued it (file relative to the project).
    #[serde(default)]
    pub frame: Option<SqlFrame>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SqlFrame {
    pub file: String,
    pub line: usize,
    #[serde(default)]
    pub function: String,
}

/// The project's preferred password hasher and one hash's measured cost on this machine.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct PasswordHasher {
    #[serde(default)]
    pub algorithm: Option<String>,
    #[serde(default, rename = "class")]
    pub class_path: Option<String>,
    #[serde(default)]
    pub iterations: Option<u64>,
    #[serde(default)]
    pub cpu_ms: Option<f64>,
    #[serde(default)]
    pub wall_ms: Option<f64>,
    /// Timed at this many iterations and scaled (PBKDF2 is linear in them).
    #[serde(default)]
    pub scaled_from: Option<u64>,
    /// Why it was not measured (`no_hasher`, `not_measured`).
    #[serde(default)]
    pub code: Option<String>,
    /// Threads that hashed at once, one per core, and how many hashes' worth they did in
    /// the time of one: the cores the hashing really gets (hyperthreads, other work).
    #[serde(default)]
    pub threads: Option<u32>,
    #[serde(default)]
    pub parallel_speedup: Option<f64>,
}

impl RequestCost {
    /// CPU the server spends on one such request, hashing included.
    pub fn cpu_with_hashing_ms(&self, hasher: Option<&PasswordHasher>) -> f64 {
        self.cpu_ms + f64::from(self.password_checks) * hash_ms(hasher)
    }

    /// The request's repeated shapes at or above `at` (the helper reports from 5 up).
    pub fn n_plus_one(&self, at: u32) -> impl Iterator<Item = &RepeatedSql> {
        self.repeated_sql.iter().filter(move |r| r.count >= at)
    }
}

/// One hash's CPU ms (0 when the hasher could not be measured).
pub fn hash_ms(hasher: Option<&PasswordHasher>) -> f64 {
    hasher.and_then(|h| h.cpu_ms).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_helpers_cost_rows() {
        let json = r#"{"request":"GET /api/products/","method":"GET","name":"/api/products/","samples":2,
          "wall_ms":18.9,"cpu_ms":12.8,"sql_ms":0.6,"sql_queries":21,"password_checks":0,
          "repeated_sql":[{"alias":"default","count":20,"shape":"SELECT … WHERE product_id = ?",
            "frame":{"file":"catalog/serializers.py","line":16,"function":"get_available_stock"}}],
          "sql_by_alias":{"default":21}}"#;
        let cost: RequestCost = serde_json::from_str(json).unwrap();
        let repeated: Vec<_> = cost.n_plus_one(5).collect();
        assert_eq!(repeated[0].count, 20);
        assert_eq!(
            repeated[0].frame.as_ref().unwrap().function,
            "get_available_stock"
        );
        let login: RequestCost = serde_json::from_str(
            r#"{"request":"POST /login/","cpu_ms":2.0,"password_checks":1,"repeated_sql":null}"#,
        )
        .unwrap();
        let hasher = PasswordHasher {
            cpu_ms: Some(330.0),
            ..Default::default()
        };
        assert_eq!(login.cpu_with_hashing_ms(Some(&hasher)), 332.0);
        assert_eq!(login.cpu_with_hashing_ms(None), 2.0);
    }
}
