//! Reading a locustfile with a real Python parser (tree-sitter): the facts doctor needs from it,
//! never by matching text. Tolerant of syntax errors: a broken file still yields what parses.

pub mod advice;
pub mod answers;
pub mod cost;
pub mod executed;
pub mod offered;
pub mod pool;
pub mod run_findings;

use crate::python_source::{self as syntax, Source, call_args, string_value, strip_kw};
use std::collections::HashMap;
use std::path::Path;
use tree_sitter::Node;

/// How the locustfile sends its login request.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoginCall {
    pub path: String,
    pub line: usize,
    /// `json` or `form` (`data=`).
    pub body: BodyKind,
    /// The body's fields in order, e.g. `username` → `f"user{n}"`.
    pub fields: Vec<(String, Value)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    Json,
    Form,
}

/// What a Python expression in the locustfile evaluates to, as far as a reader can tell.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Literal(String),
    /// An f-string around one number-like interpolation, e.g. `f"user{n}"`.
    Pattern {
        prefix: String,
        suffix: String,
        variable: String,
    },
    Unknown(String),
}

/// One class deriving from a Locust user class.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserClass {
    pub name: String,
    pub line: usize,
    pub fast_http: bool,
    pub bases: Vec<String>,
    /// Byte range of the class in the source, to tell what code belongs to it.
    pub range: std::ops::Range<usize>,
    /// Class-level attributes with the line they are set on, e.g. `network_timeout`.
    pub attributes: HashMap<String, (String, usize)>,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Locustfile {
    pub user_classes: Vec<UserClass>,
    pub login: Option<LoginCall>,
    /// Module-level `NAME = literal` assignments.
    pub constants: HashMap<String, String>,
    /// Module-level lists of strings (`USERS = ["a", "b"]`).
    pub lists: HashMap<String, Vec<String>>,
    /// `self.name = "..."` / `f"..."` assignments anywhere, by `self.name`.
    pub instance_values: HashMap<String, Value>,
    pub has_syntax_errors: bool,
    /// The file could not be parsed within this time (see `python_source::parse`).
    pub unread_within: Option<std::time::Duration>,
}

impl Locustfile {
    pub fn read(path: &Path) -> std::io::Result<Locustfile> {
        Ok(Locustfile::parse(&std::fs::read_to_string(path)?))
    }

    pub fn parse(text: &str) -> Locustfile {
        let source = Source::new(text);
        let root = source.root();
        let mut file = Locustfile {
            has_syntax_errors: root.has_error(),
            unread_within: source.out_of_time.map(|o| o.budget),
            ..Locustfile::default()
        };
        file.constants = module_constants(&source, root);
        file.instance_values = instance_values(&source, root, &file.constants);
        file.lists = pool::module_lists(&source, root);
        let fast_names = fast_http_names(&source, root);
        let mut login_calls = Vec::new();
        let mut classes = Vec::new();
        source.walk(root, &mut |node| match node.kind() {
            "class_definition" => {
                if let Some(class) = class_definition(&source, node, &fast_names) {
                    classes.push(class);
                }
            }
            "call" => {
                if let Some(call) =
                    login_call(&source, node, &file.constants, &file.instance_values)
                {
                    login_calls.push(call);
                }
            }
            _ => {}
        });
        file.user_classes = resolve_user_classes(classes);
        // Prefer a call whose path says it logs in; any client.post with a body otherwise.
        login_calls.sort_by_key(|c| !looks_like_login_path(&c.path));
        file.login = login_calls
            .into_iter()
            .find(|c| looks_like_login_path(&c.path) || !c.fields.is_empty());
        file
    }

    /// The literal value of a login field (`username`, `email`, `password`...).
    pub fn login_field(&self, names: &[&str]) -> Option<(&str, &Value)> {
        let login = self.login.as_ref()?;
        login
            .fields
            .iter()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v))
    }
}

fn looks_like_login_path(path: &str) -> bool {
    let p = path.to_lowercase();
    ["token", "login", "auth", "signin", "sign-in", "session"]
        .iter()
        .any(|w| p.contains(w))
}

/// Names under which FastHttpUser is known in this file (`FastHttpUser`, `locust.FastHttpUser`,
/// `from locust.contrib.fasthttp import FastHttpUser as F` → `F`).
fn fast_http_names(source: &Source, root: Node) -> Vec<String> {
    let mut names = vec![
        "FastHttpUser".to_string(),
        "locust.FastHttpUser".to_string(),
    ];
    source.walk(root, &mut |node| {
        if node.kind() == "aliased_import" {
            let name = node
                .child_by_field_name("name")
                .map(|n| source.text(n))
                .unwrap_or_default();
            let alias = node
                .child_by_field_name("alias")
                .map(|n| source.text(n))
                .unwrap_or_default();
            if name.ends_with("FastHttpUser") && !alias.is_empty() {
                names.push(alias.to_string());
            }
        }
    });
    names.push("contrib.fasthttp.FastHttpUser".to_string());
    names.push("locust.contrib.fasthttp.FastHttpUser".to_string());
    names
}

fn class_definition(source: &Source, node: Node, fast_names: &[String]) -> Option<UserClass> {
    let name = source.text(node.child_by_field_name("name")?).to_string();
    let bases: Vec<String> = node
        .child_by_field_name("superclasses")
        .map(|list| {
            let mut cursor = list.walk();
            list.named_children(&mut cursor)
                .map(|b| source.text(b).to_string())
                .collect()
        })
        .unwrap_or_default();
    let fast_http = bases.iter().any(|b| fast_names.contains(b));
    let mut attributes = HashMap::new();
    if let Some(body) = node.child_by_field_name("body") {
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            if let Some((target, value)) = assignment(source, statement) {
                attributes.insert(target, (value, source.line(statement)));
            }
        }
    }
    Some(UserClass {
        name,
        line: source.line(node),
        fast_http,
        bases,
        range: node.byte_range(),
        attributes,
    })
}

/// Keep the classes that are Locust users, directly or through a base class in this file; a
/// class inherits FastHttpUser-ness and class attributes (timeouts) from its in-file bases.
fn resolve_user_classes(mut classes: Vec<UserClass>) -> Vec<UserClass> {
    let looks_like_user = |b: &String| b.ends_with("HttpUser") || b.ends_with("User");
    let mut is_user: Vec<bool> = classes
        .iter()
        .map(|c| c.fast_http || c.bases.iter().any(looks_like_user))
        .collect();
    loop {
        let mut changed = false;
        for i in 0..classes.len() {
            for j in 0..classes.len() {
                if i == j || !classes[i].bases.contains(&classes[j].name) {
                    continue;
                }
                if is_user[j] && !is_user[i] {
                    is_user[i] = true;
                    changed = true;
                }
                if classes[j].fast_http && !classes[i].fast_http {
                    classes[i].fast_http = true;
                    changed = true;
                }
                let inherited: Vec<(String, (String, usize))> = classes[j]
                    .attributes
                    .iter()
                    .filter(|(k, _)| !classes[i].attributes.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !inherited.is_empty() {
                    classes[i].attributes.extend(inherited);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    classes
        .into_iter()
        .zip(is_user)
        .filter(|(_, user)| *user)
        .map(|(c, _)| c)
        .collect()
}

/// `NAME = value` as a statement: (name, value text).
fn assignment(source: &Source, statement: Node) -> Option<(String, String)> {
    let (name, value) = syntax::named_assignment(source, statement)?;
    Some((name, source.text(value).to_string()))
}

fn module_constants(source: &Source, root: Node) -> HashMap<String, String> {
    syntax::module_assignments(source, root)
        .into_iter()
        .filter_map(|(name, value)| {
            let value = match value.kind() {
                "string" => string_value(source, value),
                "integer" | "float" => Some(source.text(value).to_string()),
                _ => None,
            };
            value.map(|v| (name, v))
        })
        .collect()
}

/// `self.client.post("/api/token/", json={...})` → the login call it describes.
fn login_call(
    source: &Source,
    node: Node,
    constants: &HashMap<String, String>,
    instance: &HashMap<String, Value>,
) -> Option<LoginCall> {
    let function = node.child_by_field_name("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let method = source.text(function.child_by_field_name("attribute")?);
    let object = source.text(function.child_by_field_name("object")?);
    if method != "post" || !object.ends_with("client") {
        return None;
    }
    let args = call_args(node);
    let path_node = args
        .iter()
        .find(|a| a.kind() != "keyword_argument")
        .copied()?;
    let path = match resolve(source, path_node, constants).or_instance(source, path_node, instance)
    {
        Value::Literal(p) => p,
        _ => return None,
    };
    let mut body = None;
    for arg in args.iter().filter(|a| a.kind() == "keyword_argument") {
        let (name, value) = strip_kw(source, *arg)?;
        let kind = match name.as_str() {
            "json" => BodyKind::Json,
            "data" => BodyKind::Form,
            _ => continue,
        };
        body = Some((kind, value));
    }
    let (kind, fields) = match body {
        Some((kind, value)) if value.kind() == "dictionary" => {
            (kind, dict_fields(source, value, constants, instance))
        }
        Some((kind, _)) => (kind, Vec::new()),
        None => (BodyKind::Json, Vec::new()),
    };
    Some(LoginCall {
        path,
        line: source.line(node),
        body: kind,
        fields,
    })
}

fn dict_fields(
    source: &Source,
    dict: Node,
    constants: &HashMap<String, String>,
    instance: &HashMap<String, Value>,
) -> Vec<(String, Value)> {
    let mut cursor = dict.walk();
    dict.named_children(&mut cursor)
        .filter(|n| n.kind() == "pair")
        .filter_map(|pair| {
            let key = string_value(source, pair.child_by_field_name("key")?)?;
            let value = pair.child_by_field_name("value")?;
            Some((
                key,
                resolve(source, value, constants).or_instance(source, value, instance),
            ))
        })
        .collect()
}

/// `self.name = <string or f-string>` anywhere in the file: how the pool username is often set.
fn instance_values(
    source: &Source,
    root: Node,
    constants: &HashMap<String, String>,
) -> HashMap<String, Value> {
    let mut values = HashMap::new();
    source.walk(root, &mut |node| {
        if node.kind() != "assignment" {
            return;
        }
        let Some((left, right)) = syntax::sides(node) else {
            return;
        };
        let target = source.text(left);
        if left.kind() == "attribute" && target.starts_with("self.") {
            let value = resolve(source, right, constants);
            if !matches!(value, Value::Unknown(_)) {
                values.entry(target.to_string()).or_insert(value);
            }
        }
    });
    values
}

impl Value {
    /// An unknown `self.x` replaced by what `self.x` was assigned, when known.
    fn or_instance(self, source: &Source, node: Node, instance: &HashMap<String, Value>) -> Value {
        match self {
            Value::Unknown(_) if node.kind() == "attribute" => {
                instance.get(source.text(node)).cloned().unwrap_or(self)
            }
            other => other,
        }
    }
}

/// Evaluate the simple expressions a locustfile uses for credentials.
fn resolve(source: &Source, node: Node, constants: &HashMap<String, String>) -> Value {
    match node.kind() {
        "string" => {
            if let Some(literal) = string_value(source, node) {
                return Value::Literal(literal);
            }
            syntax::fstring_pattern(source, node)
                .map(|(prefix, variable, suffix)| Value::Pattern {
                    prefix,
                    suffix,
                    variable,
                })
                .unwrap_or_else(|| Value::Unknown(source.text(node).to_string()))
        }
        "identifier" => constants
            .get(source.text(node))
            .map(|v| Value::Literal(v.clone()))
            .unwrap_or_else(|| Value::Unknown(source.text(node).to_string())),
        _ => Value::Unknown(source.text(node).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
import random
from locust import FastHttpUser, task, between

USER_POOL_SIZE = 100
PASSWORD = "testpass123"
LOGIN = "/api/token/"

class StockUser(FastHttpUser):
    connection_timeout = 60.0
    network_timeout = 60.0

    def authenticate(self):
        name = f"user{self.n}"
        r = self.client.post(LOGIN, json={"username": f"user{self.n}", "password": PASSWORD})

    @task
    def products(self):
        self.client.get("/api/products/")
"#;

    #[test]
    fn finds_login_call_with_pattern_and_constants() {
        let file = Locustfile::parse(SAMPLE);
        let login = file.login.expect("login call");
        assert_eq!(login.path, "/api/token/");
        assert_eq!(login.line, 15);
        assert_eq!(login.body, BodyKind::Json);
        assert_eq!(
            login.fields[0].1,
            Value::Pattern {
                prefix: "user".into(),
                suffix: "".into(),
                variable: "self.n".into()
            }
        );
        assert_eq!(login.fields[1].1, Value::Literal("testpass123".into()));
        assert_eq!(
            file.constants.get("USER_POOL_SIZE").map(String::as_str),
            Some("100")
        );
    }

    #[test]
    fn finds_fast_http_user_and_attributes() {
        let file = Locustfile::parse(SAMPLE);
        let class = &file.user_classes[0];
        assert_eq!(class.name, "StockUser");
        assert!(class.fast_http);
        assert_eq!(
            class.attributes["network_timeout"],
            ("60.0".to_string(), 11)
        );
    }

    #[test]
    fn form_login_with_email_and_alias_import() {
        let text = "from locust.contrib.fasthttp import FastHttpUser as Fast\nclass U(Fast):\n    def on_start(self):\n        self.client.post('/accounts/login/', data={'email': 'a@b.c', 'password': 'pw'})\n";
        let file = Locustfile::parse(text);
        assert!(file.user_classes[0].fast_http);
        assert_eq!(file.login.as_ref().unwrap().body, BodyKind::Form);
        assert_eq!(file.login_field(&["email", "username"]).unwrap().0, "email");
    }

    #[test]
    fn resolves_self_attributes_assigned_elsewhere() {
        let text = "import random\nfrom locust import FastHttpUser\nN = 100\nclass U(FastHttpUser):\n    def on_start(self):\n        self.username = f\"user{random.randint(1, N)}\"\n        self.client.post(\"/api/token/\", json={\"username\": self.username, \"password\": \"pw\"})\n";
        let file = Locustfile::parse(text);
        let (_, value) = file.login_field(&["username"]).unwrap();
        assert_eq!(
            value,
            &Value::Pattern {
                prefix: "user".into(),
                suffix: "".into(),
                variable: "random.randint(1, N)".into()
            }
        );
    }

    #[test]
    fn inherits_fast_http_and_timeouts_from_a_base_in_the_file() {
        let text = "from locust import FastHttpUser\nclass Base(FastHttpUser):\n    abstract = True\n    network_timeout = 60.0\nclass Shop(Base):\n    pass\nclass Helper:\n    pass\n";
        let file = Locustfile::parse(text);
        let names: Vec<&str> = file.user_classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["Base", "Shop"]);
        let shop = &file.user_classes[1];
        assert!(shop.fast_http);
        assert!(shop.attributes.contains_key("network_timeout"));
    }

    #[test]
    fn broken_file_does_not_panic() {
        let file = Locustfile::parse("class U(HttpUser:\n  def x(self) self.client.post(\n");
        assert!(file.has_syntax_errors);
    }
}

#[cfg(test)]
mod hostile_input_tests {
    use super::*;

    /// 100,000 nested parentheses once overflowed the stack (exit 134, no output). Run on a
    /// thread with the 2 MB stack of a test or tokio worker, not the main thread's 8 MB.
    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let depth = 100_000;
        let text = format!(
            "from locust import HttpUser\nclass U(HttpUser):\n    x = {}1{}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let file = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let file = Locustfile::parse(&text);
                let review = advice::review(&text, &file);
                let refresh = advice::refresh_interval(&text, &file);
                (file, review.len(), refresh)
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert!(file.0.unread_within.is_none());
        assert_eq!(file.0.user_classes.len(), 1);
    }
}
