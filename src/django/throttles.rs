//! The DRF throttles the load test's requests meet, asked from each view (`get_throttles()`)
//! by `assets/doctor_py/throttles.py`, and the environment variables the settings file reads
//! to change them. Plain data: the forecast turns it into "27 of 30 logins answer 429".

use crate::config::Config;
use crate::python_helper;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

const ENTRY: &str = "django_main.py";
const MARKER: &str = "DOCTOR_PROBE_JSON:";
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Throttles {
    #[serde(default)]
    pub default_classes: Vec<String>,
    #[serde(default)]
    pub default_rates: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub num_proxies: Option<u32>,
    /// The cache that holds the counters: with LocMemCache each server process counts alone.
    #[serde(default)]
    pub cache_backend: Option<String>,
    #[serde(default)]
    pub requests: Vec<ThrottledRequest>,
    #[serde(default)]
    pub switches: Vec<Switch>,
}

/// One (method, path) the locustfile sends, and the throttles its view applies.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ThrottledRequest {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub view: Option<String>,
    /// Why no throttles were read: `no_url_pattern`, `not_drf_view`, `get_throttles_failed`.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub throttles: Vec<Throttle>,
    #[serde(default)]
    pub anonymous: Option<bool>,
    /// The request as asked: it sent an Authorization header.
    #[serde(default)]
    pub auth_header: bool,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Throttle {
    #[serde(rename = "class")]
    pub class_path: String,
    /// anon, user, scoped or custom.
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub rate: Option<String>,
    #[serde(default)]
    pub num_requests: Option<u32>,
    #[serde(default)]
    pub seconds: Option<u32>,
    /// ip (all users of one load machine share it), user, not_applied, custom.
    #[serde(default)]
    pub key: String,
}

/// An environment variable read where the settings set a throttle.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Switch {
    pub variable: String,
    pub file: String,
    pub line: usize,
}

impl Throttle {
    /// Requests per second it allows one key, when the rate is known.
    pub fn per_second(&self) -> Option<f64> {
        let (num, secs) = (self.num_requests?, self.seconds?);
        (secs > 0).then(|| f64::from(num) / f64::from(secs))
    }

    /// It limits something (a rate, and a key it applies to).
    pub fn applies(&self) -> bool {
        self.num_requests.is_some() && self.key != "not_applied"
    }
}

impl Throttles {
    /// Read `answers.throttles` of the Django probe's answer line.
    pub fn parse(line: &str) -> Result<Throttles, String> {
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let answer = &value["answers"]["throttles"];
        if let Some(error) = answer.get("error") {
            return Err(error["message"].as_str().unwrap_or("error").to_string());
        }
        if let Some(setup) = value.get("setup_error").filter(|v| !v.is_null()) {
            return Err(setup["message"]
                .as_str()
                .unwrap_or("setup failed")
                .to_string());
        }
        serde_json::from_value(answer["ok"].clone()).map_err(|e| e.to_string())
    }

    /// The answer for a request as the locustfile sends it (with or without a token).
    pub fn for_request(&self, method: &str, path: &str, auth: bool) -> Option<&ThrottledRequest> {
        let same = |r: &&ThrottledRequest| r.method == method && r.path == path;
        let found = self
            .requests
            .iter()
            .filter(same)
            .find(|r| r.auth_header == auth);
        found.or_else(|| self.requests.iter().find(same))
    }
}

/// One request to ask about: (method, path, sends an Authorization header).
pub type Asked = (String, String, bool);

/// Ask the project's Django which throttles these requests meet.
pub async fn ask(config: &Config, requests: &[Asked]) -> Result<Throttles, String> {
    let Some(launch) = crate::server::project_launch(config).await else {
        return Err("no Django project found".into());
    };
    let asked: Vec<_> = requests
        .iter()
        .map(|(m, p, a)| serde_json::json!({"method": m, "path": p, "auth_header": a}))
        .collect();
    let request = serde_json::json!({ "questions": ["throttles"], "throttle_requests": asked });
    let line = python_helper::run(&launch, ENTRY, &request, MARKER, TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    Throttles::parse(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_scoped_login_throttle_and_a_switch() {
        let line = r#"{"answers":{"throttles":{"ok":{"default_classes":["rest_framework.throttling.AnonRateThrottle"],
          "default_rates":{"anon":"100/hour","login":"3/min"},"cache_backend":"django.core.cache.backends.locmem.LocMemCache",
          "requests":[{"method":"POST","path":"/api/auth/login/","view":"catalog.views.LoginView","code":null,
            "throttles":[{"class":"rest_framework.throttling.ScopedRateThrottle","family":"scoped","scope":"login",
              "rate":"3/min","num_requests":3,"seconds":60,"key":"ip"}],"anonymous":true}],
          "switches":[{"variable":"SHOP_NO_THROTTLE","file":"/p/settings.py","line":59,"statement_line":59}]}}}}"#;
        let throttles = Throttles::parse(line).unwrap();
        let login = throttles
            .for_request("POST", "/api/auth/login/", false)
            .unwrap();
        assert_eq!(login.throttles[0].per_second(), Some(0.05));
        assert!(login.throttles[0].applies());
        assert_eq!(throttles.switches[0].variable, "SHOP_NO_THROTTLE");
        let failed = r#"{"answers":{"throttles":{"error":{"type":"X","message":"boom"}}}}"#;
        assert_eq!(Throttles::parse(failed).unwrap_err(), "boom");
    }
}
