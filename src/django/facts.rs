//! The probe's answer, read into types. Every answer can be an error on its own.

pub use crate::python_helper::Frame;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct DjangoFacts {
    pub python: Option<String>,
    pub django: Option<String>,
    pub drf: Option<String>,
    pub simplejwt: Option<String>,
    pub settings_module: Option<String>,
    pub settings_file: Option<String>,
    /// A settings package: the module it imported where the helper ran (the server's way).
    #[serde(default)]
    pub settings_choice: Option<super::settings_choice::SettingsChoice>,
    pub setup_error: Option<SetupError>,
    #[serde(default)]
    pub answers: serde_json::Map<String, Value>,
}

/// Why the project could not be imported or started (`doctor_py/diagnose.py`): from
/// django.setup() (`setup_error`) or from the system checks importing the URLconf.
#[derive(Debug, Clone, Deserialize)]
pub struct SetupError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    #[serde(default)]
    pub traceback: String,
    /// The frames a user would see, doctor's own left out.
    #[serde(default)]
    pub frames: Vec<Frame>,
    /// "settings" (no settings module), "setup" (django.setup()) or "checks" (system checks).
    #[serde(default)]
    pub stage: Option<String>,
    /// The deepest frame in the project's own code: where to look.
    #[serde(default)]
    pub project_frame: Option<Frame>,
    /// The project's frames from the first to the deepest: the import chain.
    #[serde(default)]
    pub chain: Vec<Frame>,
    #[serde(default)]
    pub cause: Option<Cause>,
}

/// A cause as measured by Python: a code (`app_only_under_debug`, `module_removed_in_version`,
/// `missing_module`, `app_not_installed`, `missing_apps`, `other`) and its facts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Cause {
    pub code: String,
    #[serde(default)]
    pub facts: serde_json::Map<String, Value>,
}

impl Cause {
    pub fn text(&self, key: &str) -> Option<&str> {
        self.facts.get(key).and_then(Value::as_str)
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.facts.get(key).and_then(Value::as_bool)
    }
}

impl SetupError {
    /// The cause code, `other` when Python gave none (an older answer).
    pub fn cause_code(&self) -> &str {
        self.cause
            .as_ref()
            .map(|c| c.code.as_str())
            .unwrap_or("other")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseInfo {
    pub vendor: String,
    pub url: String,
    /// Django 5.1+'s connection pool (`OPTIONS["pool"]`): its max_size.
    #[serde(default)]
    pub pool_max_size: Option<i64>,
    /// Connections kept open between requests (CONN_MAX_AGE None or > 0, or a pool).
    #[serde(default)]
    pub persistent: bool,
    #[serde(default)]
    pub name: Value,
    /// How SQLite takes its write lock (None for other databases).
    #[serde(default)]
    pub sqlite: Option<SqliteLocking>,
}

/// SQLite's locking as the settings configure it: Django opens DEFERRED transactions unless
/// `OPTIONS["transaction_mode"]` says otherwise (Django 5.1+); sqlite3 waits `timeout` seconds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SqliteLocking {
    /// "IMMEDIATE", "EXCLUSIVE", "DEFERRED", or None (Django's default: deferred).
    pub transaction_mode: Option<String>,
    pub timeout_s: Option<f64>,
    /// This Django can open IMMEDIATE transactions (5.1+).
    #[serde(default)]
    pub modes_supported: bool,
    #[serde(default)]
    pub django_version: String,
    /// Where the settings assign DATABASES: every assignment, since which branch of an
    /// `if DATABASE_URL:` ran is not in the source.
    #[serde(default)]
    pub databases_at: Vec<FileLine>,
}

impl SqliteLocking {
    /// The same, with its DATABASES file shown relative to `root` (the project).
    pub fn relative_to(mut self, root: &std::path::Path) -> SqliteLocking {
        for at in &mut self.databases_at {
            if let Ok(path) = std::path::Path::new(&at.file).strip_prefix(root) {
                at.file = path.display().to_string();
            }
        }
        self
    }

    /// "config/base.py:152, config/base.py:154": every assignment of DATABASES (which branch
    /// of an if/else ran is not in the source), empty when none is known.
    pub fn places(&self) -> String {
        let shown: Vec<String> = self.databases_at.iter().map(FileLine::shown).collect();
        shown.join(", ")
    }

    /// A reading transaction that then writes is refused at once while another writes.
    pub fn deferred(&self) -> bool {
        self.transaction_mode
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case("DEFERRED"))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FileLine {
    pub file: String,
    pub line: usize,
}

impl FileLine {
    /// "config/base.py:144".
    pub fn shown(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserModel {
    pub label: String,
    pub db_table: String,
    pub username_field: String,
    pub username_column: String,
    pub password_column: String,
    pub is_active_column: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StockModel {
    pub present: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub product_table: Option<String>,
    #[serde(default)]
    pub stock_table: Option<String>,
    #[serde(default)]
    pub product_fk_column: Option<String>,
    #[serde(default)]
    pub status_column: Option<String>,
    #[serde(default)]
    pub active_value: Option<String>,
    #[serde(default)]
    pub columns: std::collections::HashMap<String, String>,
    /// `app.Model.field` when the stock is an integer field named otherwise (`Product.stock`).
    #[serde(default)]
    pub stock_field: Option<String>,
    /// When there is none: the field names looked for, and in how many models.
    #[serde(default)]
    pub looked_for: Vec<String>,
    #[serde(default)]
    pub models: Option<u64>,
}

impl DjangoFacts {
    pub fn parse(json: &str) -> Result<DjangoFacts, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The `ok` value of an answer, or the reason there is none.
    pub fn answer(&self, question: &str) -> Result<&Value, String> {
        let answer = self
            .answers
            .get(question)
            .ok_or_else(|| format!("the Django helper gave no answer to \"{question}\""))?;
        if let Some(ok) = answer.get("ok") {
            return Ok(ok);
        }
        let error = answer.get("error");
        let kind = error
            .and_then(|e| e.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("Error");
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if let (true, Some(setup)) = (kind == "SetupFailed", &self.setup_error) {
            return Err(format!(
                "Django did not start: {}: {}",
                setup.kind, setup.message
            ));
        }
        Err(format!("{kind}: {message}"))
    }

    /// The system checks (`manage.py check`) failed on an import: the located diagnosis.
    pub fn check_failure(&self) -> Option<SetupError> {
        let error = self.answers.get("system_check")?.get("error")?;
        error.get("cause")?;
        serde_json::from_value(error.clone()).ok()
    }

    pub fn typed<T: serde::de::DeserializeOwned>(&self, question: &str) -> Result<T, String> {
        let value = self.answer(question)?;
        serde_json::from_value(value.clone())
            .map_err(|e| format!("unexpected {question} answer: {e}"))
    }

    /// A list of strings inside an answer, e.g. `settings.installed_apps`; empty when absent.
    pub fn strings(&self, question: &str, key: &str) -> Vec<String> {
        self.answer(question)
            .ok()
            .and_then(|a| a.get(key))
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn database(&self) -> Result<DatabaseInfo, String> {
        self.typed("database")
    }

    pub fn user_model(&self) -> Result<UserModel, String> {
        self.typed("user_model")
    }

    pub fn stock(&self) -> Result<StockModel, String> {
        self.typed("stock")
    }

    pub fn access_token_lifetime_s(&self) -> Option<f64> {
        self.answer("simplejwt")
            .ok()?
            .get("access_token_lifetime_s")?
            .as_f64()
    }

    /// URL paths served by a view whose dotted name contains `view_part`.
    pub fn paths_of_view(&self, view_part: &str) -> Vec<String> {
        let Ok(Value::Array(urls)) = self.answer("urls") else {
            return Vec::new();
        };
        urls.iter()
            .filter(|u| {
                u.get("view")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.contains(view_part))
            })
            .filter_map(|u| u.get("path").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_answers_and_errors() {
        let json = r#"{"protocol":1,"python":"3.11.7","django":"5.2.8","drf":null,"simplejwt":null,
            "settings_module":"config.base","settings_file":null,"setup_error":null,
            "answers":{"database":{"ok":{"vendor":"sqlite","url":"sqlite:///tmp/x","name":"/tmp/x"}},
                       "stock":{"error":{"type":"LookupError","message":"no app"}},
                       "urls":{"ok":[{"path":"/api/token/","view":"rest_framework_simplejwt.views.TokenObtainPairView","name":null}]}}}"#;
        let facts = DjangoFacts::parse(json).unwrap();
        assert_eq!(facts.database().unwrap().vendor, "sqlite");
        assert_eq!(facts.stock().unwrap_err(), "LookupError: no app");
        assert!(facts.user_model().unwrap_err().contains("no answer"));
        assert_eq!(
            facts.paths_of_view("TokenObtainPairView"),
            vec!["/api/token/"]
        );
    }

    #[test]
    fn setup_failure_explains_itself() {
        let json = r#"{"setup_error":{"type":"RuntimeError","message":"Model class X doesn't declare an explicit app_label","traceback":""},
            "answers":{"database":{"error":{"type":"SetupFailed","message":""}}}}"#;
        let facts = DjangoFacts::parse(json).unwrap();
        assert_eq!(facts.setup_error.as_ref().unwrap().cause_code(), "other");
        assert!(
            facts
                .database()
                .unwrap_err()
                .contains("Django did not start: RuntimeError")
        );
    }

    #[test]
    fn a_check_failure_carries_its_cause_and_place() {
        let json = r#"{"answers":{"system_check":{"error":{"type":"RuntimeError","message":"m",
            "stage":"checks","project_frame":{"file":"/p/orders/profiling.py","line":2,"project":true},
            "chain":[{"file":"/p/shop/urls.py","line":3,"module":"shop.urls"}],
            "cause":{"code":"app_only_under_debug","facts":{"package":"silk","debug":false}}}}}}"#;
        let facts = DjangoFacts::parse(json).unwrap();
        let failure = facts.check_failure().unwrap();
        assert_eq!(failure.cause_code(), "app_only_under_debug");
        assert_eq!(
            failure.cause.as_ref().unwrap().text("package"),
            Some("silk")
        );
        assert_eq!(failure.cause.as_ref().unwrap().flag("debug"), Some(false));
        assert_eq!(
            failure.project_frame.unwrap().place(),
            "/p/orders/profiling.py:2"
        );
        assert_eq!(failure.chain[0].module.as_deref(), Some("shop.urls"));
    }
}
