//! The probe's answer, read into types. Every answer can be an error on its own.

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
    pub setup_error: Option<SetupError>,
    #[serde(default)]
    pub answers: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SetupError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    #[serde(default)]
    pub traceback: String,
    #[serde(default)]
    pub frames: Vec<Frame>,
}

/// One traceback frame from the project's Python.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Frame {
    pub file: Option<String>,
    pub line: Option<usize>,
    #[serde(default)]
    pub function: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

impl Frame {
    /// A frame in the project's own code: below its dir, not in a virtualenv or site-packages.
    pub fn is_project_code(&self, project_dir: &std::path::Path) -> bool {
        let Some(file) = &self.file else { return false };
        file.starts_with(&*project_dir.to_string_lossy())
            && !file.contains("/site-packages/")
            && !file.contains("/.venv/")
            && !file.contains("/venv/")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseInfo {
    pub vendor: String,
    pub url: String,
    #[serde(default)]
    pub name: Value,
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
            .ok_or_else(|| format!("Django probe gave no answer to {question:?}"))?;
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
        assert!(
            facts
                .database()
                .unwrap_err()
                .contains("Django did not start: RuntimeError")
        );
    }
}
