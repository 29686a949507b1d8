//! The locustfile, executed: `assets/doctor_py/locust_main.py` imports it as Locust does and
//! runs every User's on_start and each task once through a client that mimics the real one,
//! forwarding requests in-process to Django inside a rolled-back transaction. What it answers
//! (codes and facts, never sentences) is read into these types; checks word it in ko/en.

use crate::python_helper::{self, HelperError, Launch};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

const ENTRY: &str = "locust_main.py";
const MARKER: &str = "DOCTOR_LOCUST_JSON:";
/// How many times on_start runs to see the user pool (logins cost no password hash there).
const POOL_RUNS: u32 = 30;
const TASK_TIMEOUT_S: f64 = 3.0;
/// The whole execution; a locustfile that loops at import is killed after this.
pub const TIMEOUT: Duration = Duration::from_secs(25);

#[derive(Clone, Debug, Deserialize, Default)]
pub struct Execution {
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub mode_reason: Option<Problem>,
    #[serde(default)]
    pub import_error: Option<Problem>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub users: Vec<UserRun>,
    #[serde(default)]
    pub django: Option<Value>,
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
    /// What each distinct request cost in the replay (forecast before load).
    #[serde(default, deserialize_with = "null_is_empty")]
    pub costs: Vec<super::cost::RequestCost>,
    #[serde(default)]
    pub password_hasher: Option<super::cost::PasswordHasher>,
    /// The runner's own failure (a code), e.g. `replay_busy`.
    #[serde(default)]
    pub internal_error: Option<InternalError>,
}

#[derive(Clone, Debug, Deserialize, Default)]
pub struct InternalError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// `replay_busy`: the pid of the doctor whose replay held the project's replay lock.
    #[serde(default)]
    pub holder: Option<u32>,
    #[serde(default)]
    pub waited_s: Option<f64>,
}

/// A failure reported as a code or an exception, with frames in the user's files.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct Problem {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub frames: Vec<crate::python_helper::Frame>,
}

impl Problem {
    /// `Type: message`, or the code when there is no exception.
    pub fn headline(&self) -> String {
        match (&self.kind, &self.message) {
            (Some(kind), Some(message)) if !message.is_empty() => format!("{kind}: {message}"),
            (Some(kind), _) => kind.clone(),
            (None, Some(message)) => message.clone(),
            (None, None) => self.code.clone().unwrap_or_default(),
        }
    }

    /// The innermost frame that has a file and line.
    pub fn location(&self) -> Option<(String, usize)> {
        self.frames
            .iter()
            .rev()
            .find_map(|f| Some((f.file.clone()?, f.line?)))
            .or_else(|| self.line.map(|l| (String::new(), l)))
    }
}

#[derive(Clone, Debug, Deserialize, Default)]
pub struct UserRun {
    #[serde(default, rename = "class")]
    pub class_name: String,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub on_start: Option<Call>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub tasks: Vec<Call>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub requests: Vec<Request>,
    #[serde(default)]
    pub login: Option<Login>,
    #[serde(default)]
    pub credentials: Credentials,
    #[serde(default)]
    pub token_refresh: Option<TokenRefresh>,
    /// With the clock moved past the token's lifetime, did a task log in again?
    #[serde(default)]
    pub relogin_after_expiry: Option<bool>,
    /// The load the class offers: weight, wait_time, task tree (forecast before load).
    #[serde(default)]
    pub offered: Option<super::offered::Offered>,
    #[serde(default)]
    pub executed_as: Option<super::answers::ExecutedAs>,
}

/// on_start or one task, run once.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct Call {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
    #[serde(default)]
    pub error: Option<Problem>,
    #[serde(default)]
    pub timed_out: bool,
    #[serde(default)]
    pub control: Option<String>,
    /// The task's requests after the line where it raised, never sent.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub not_reached: Vec<super::answers::Unsent>,
}

#[derive(Clone, Debug, Deserialize, Default)]
pub struct Request {
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub body_kind: Option<String>,
    #[serde(default)]
    pub body: Value,
    #[serde(default)]
    pub line: Option<usize>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub json_excerpt: Option<String>,
    #[serde(default)]
    pub catch: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
    #[serde(default)]
    pub exception: Option<Problem>,
    #[serde(default)]
    pub url_match: Option<Value>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub side_effects: Vec<Value>,
    /// The headers it sent (names only), e.g. `Authorization`.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub header_names: Vec<String>,
    /// The keys the user's code read from this answer's JSON.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub reads: Vec<super::answers::Read>,
    /// Redirects followed: `{status, method, path}` each.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub redirects: Vec<Value>,
    /// `bearer_none` when the Authorization header carried no token (`Bearer None`).
    #[serde(default)]
    pub auth: Option<String>,
}

impl Request {
    /// Locust's name for the request (its stats row), else the path.
    pub fn label(&self) -> String {
        format!(
            "{} {}",
            self.method,
            self.name.clone().unwrap_or_else(|| self.path.clone())
        )
    }

    /// No URL pattern of the project matches the path: the server would answer 404.
    pub fn unrouted(&self) -> bool {
        self.url_match
            .as_ref()
            .and_then(|m| m.get("code"))
            .and_then(Value::as_str)
            == Some("no_url_pattern")
    }

    pub fn view(&self) -> Option<String> {
        self.url_match
            .as_ref()
            .and_then(|m| m.get("view"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

#[derive(Clone, Debug, Deserialize, Default)]
pub struct Login {
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub body_kind: Option<String>,
    #[serde(default)]
    pub username_field: Option<String>,
    #[serde(default)]
    pub password_field: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
    #[serde(default)]
    pub status: Option<u16>,
    /// Where the login answer keeps its token (`access`, `token.access`), None: no token.
    #[serde(default)]
    pub token_path: Option<String>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub reads: Vec<super::answers::Read>,
}

#[derive(Clone, Debug, Deserialize, Default)]
pub struct Credentials {
    #[serde(default, deserialize_with = "null_is_empty")]
    pub passwords: Vec<String>,
    #[serde(default)]
    pub pool: Option<Pool>,
}

/// How the users pick their account, seen over several runs of on_start.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct Pool {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub low: Option<i64>,
    #[serde(default)]
    pub high: Option<i64>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub names: Vec<String>,
    #[serde(default)]
    pub runs: Option<u32>,
    #[serde(default)]
    pub distinct_seen: Option<u32>,
    #[serde(default)]
    pub line: Option<usize>,
}

#[derive(Clone, Debug, Deserialize, Default)]
pub struct TokenRefresh {
    #[serde(default)]
    pub attribute: Option<String>,
    #[serde(default)]
    pub seconds: Option<f64>,
}

/// The helper writes `null` for an empty list as often as `[]`; both read as empty.
pub(crate) fn null_is_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

impl Execution {
    pub fn parse(json: &str) -> Result<Execution, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    /// The first User class that logs in: its login request and credentials.
    pub fn login_user(&self) -> Option<&UserRun> {
        self.users.iter().find(|u| u.login.is_some())
    }

    /// Every request of every User class, in order.
    pub fn requests(&self) -> impl Iterator<Item = (&UserRun, &Request)> {
        self.users
            .iter()
            .flat_map(|u| u.requests.iter().map(move |r| (u, r)))
    }
}

/// Why the locustfile could not be executed; doctor then reads its text instead, and says so.
#[derive(Clone, Debug)]
pub enum NotExecuted {
    NoLocustfile,
    NoProject,
    Helper(HelperError),
    Unreadable(String),
    /// The runner itself failed (doctor's fault, not the locustfile's): what it said.
    Internal(String),
    /// Another doctor's in-process replay held the project's replay lock (see replay_lock.py).
    ReplayBusy {
        holder: Option<u32>,
        waited_s: f64,
    },
}

impl NotExecuted {
    pub fn reason(&self) -> crate::i18n::Text {
        match self {
            NotExecuted::NoLocustfile => {
                crate::t!("no locustfile found"; "locustfile을 찾지 못함")
            }
            NotExecuted::NoProject => {
                crate::t!("no Django project (manage.py) found"; "Django 프로젝트(manage.py)를 찾지 못함")
            }
            NotExecuted::Helper(HelperError::Timeout { seconds }) => crate::t!(
                "running the locustfile did not finish within {seconds} s (a loop at import?)";
                "locustfile 실행이 {seconds}초 안에 끝나지 않음 (import 중 무한 루프?)"
            ),
            NotExecuted::Helper(HelperError::Spawn { program, reason }) => crate::t!(
                "cannot start the project's Python `{program}`: {reason}";
                "프로젝트 Python `{program}`을 시작할 수 없음: {reason}"
            ),
            NotExecuted::Helper(HelperError::NoAnswer {
                status,
                stderr_tail,
            }) if stderr_tail.trim().is_empty() => crate::t!(
                "the locustfile ended the process ({status}) while it was imported, before doctor could run it (os._exit, sys.exit in a thread, a signal?)";
                "locustfile이 import 중에 프로세스를 끝냄, doctor가 실행하기 전 (os._exit, 시그널?)"
            ),
            NotExecuted::Helper(HelperError::NoAnswer {
                status,
                stderr_tail,
            }) => crate::t!(
                "the locustfile ended the process ({status}) before doctor could read it: {stderr_tail}";
                "locustfile이 프로세스를 끝냄 ({status}): {stderr_tail}"
            ),
            NotExecuted::Internal(what) => crate::t!(
                "doctor's locustfile runner failed ({what}): a fault of doctor's, not of the locustfile";
                "doctor의 locustfile 실행기가 실패함 ({what}): locustfile이 아닌 doctor의 문제"
            ),
            NotExecuted::ReplayBusy { holder, waited_s } => {
                let who = holder.map(|p| format!(" (pid {p})")).unwrap_or_default();
                crate::t!(
                    "another doctor{who} was replaying requests on this project for {waited_s:.0} s (doctor replays one at a time, so that two never lock each other's writes): run it again when that one ends";
                    "다른 doctor{who}가 이 프로젝트에서 {waited_s:.0}초 동안 요청을 재현하고 있었음 (두 doctor가 서로의 쓰기를 잠그지 않도록 한 번에 하나씩 재현함): 그 doctor가 끝난 뒤 다시 실행하세요"
                )
            }
            NotExecuted::Unreadable(what) => crate::t!(
                "doctor's locustfile runner answered something unreadable: {what}";
                "doctor의 locustfile 실행기 응답을 읽을 수 없음: {what}"
            ),
        }
    }
}

pub type Answer = Result<Arc<Execution>, NotExecuted>;

/// Shared, lazily started like the Django probe: the first check that needs it runs it.
#[derive(Clone, Default)]
pub struct ExecutionHandle {
    cell: Arc<OnceCell<Answer>>,
}

impl ExecutionHandle {
    /// The one execution, started by `run` the first time it is asked for.
    pub async fn get<F>(&self, run: impl FnOnce() -> F) -> Answer
    where
        F: std::future::Future<Output = Result<Execution, NotExecuted>>,
    {
        self.cell
            .get_or_init(|| async { run().await.map(Arc::new) })
            .await
            .clone()
    }
}

/// What the execution needs to know of the project: how to start its Python (None: no
/// project found), the locustfile (None: none found) and the host the users are given.
pub struct Target {
    pub launch: Option<Launch>,
    pub locustfile: Option<std::path::PathBuf>,
    pub host: String,
    pub options: Options,
}

/// What a run of the helper measures beyond the checks' needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Time the password hash on one thread per core too (tens of ms; the forecast's).
    pub hash_parallelism: bool,
}

/// Run the helper. The token lifetime for its re-login test is the project's own (simplejwt's
/// setting, read by the helper from Django), so this needs nothing from other checks.
pub async fn execute(target: Target) -> Result<Execution, NotExecuted> {
    let options = target.options;
    let Some(locustfile) = target.locustfile else {
        return Err(NotExecuted::NoLocustfile);
    };
    let Some(launch) = target.launch else {
        return Err(NotExecuted::NoProject);
    };
    let request = serde_json::json!({
        "locustfile": locustfile,
        "host": target.host,
        "mode": "django",
        "runs": POOL_RUNS,
        "task_timeout_s": TASK_TIMEOUT_S,
        "token_lifetime_s": null,
        "hash_parallelism": options.hash_parallelism,
        "timeout_s": TIMEOUT.as_secs(),
        // The shell Locust will be started from is doctor's: its variables reach the locustfile.
        "locust_env": std::env::vars().collect::<std::collections::HashMap<_, _>>(),
    });
    let line = python_helper::run(&launch, ENTRY, &request, MARKER, TIMEOUT)
        .await
        .map_err(NotExecuted::Helper)?;
    let execution = Execution::parse(&line).map_err(NotExecuted::Unreadable)?;
    runner_result(execution)
}

/// Whatever the runner got through before failing is not a test of the locustfile.
fn runner_result(execution: Execution) -> Result<Execution, NotExecuted> {
    match &execution.internal_error {
        None => Ok(execution),
        Some(e) if e.code.as_deref() == Some("replay_busy") => Err(NotExecuted::ReplayBusy {
            holder: e.holder,
            waited_s: e.waited_s.unwrap_or_default(),
        }),
        Some(e) => Err(NotExecuted::Internal(
            [e.code.as_deref(), e.kind.as_deref(), e.message.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": "),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_answer_with_unknown_fields_and_gaps() {
        let answer = r#"{"protocol":1,"mode":"django","extra":1,"users":[{"class":"U","client":"FastHttpSession",
          "requests":[{"phase":"task","method":"GET","path":"/nope/","url_match":{"code":"no_url_pattern"},"status":404}],
          "login":{"method":"POST","path":"/api/token/","username_field":"username","password_field":"password"},
          "credentials":{"passwords":["pw"],"pool":{"kind":"randint","template":"user{}","low":0,"high":9}}}]}"#;
        let run = Execution::parse(answer).unwrap();
        let user = run.login_user().unwrap();
        assert_eq!(user.credentials.pool.as_ref().unwrap().high, Some(9));
        let (_, request) = run.requests().next().unwrap();
        assert!(request.unrouted());
        assert_eq!(request.label(), "GET /nope/");
    }

    #[test]
    fn another_doctors_replay_is_named_in_both_languages() {
        let reason = NotExecuted::ReplayBusy {
            holder: Some(4242),
            waited_s: 15.0,
        }
        .reason();
        assert!(
            reason.en.contains("another doctor (pid 4242)"),
            "{}",
            reason.en
        );
        assert!(reason.ko.contains("4242"), "{}", reason.ko);
        assert_eq!(
            crate::i18n::english_fragments(&reason.ko),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_runner_that_failed_is_not_an_execution() {
        let answer = r#"{"mode":"django","users":[],"internal_error":{"code":"helper_failed","type":"KeyError","message":"'x'"}}"#;
        match runner_result(Execution::parse(answer).unwrap()) {
            Err(NotExecuted::Internal(what)) => assert_eq!(what, "helper_failed: KeyError: 'x'"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        let busy = r#"{"internal_error":{"code":"replay_busy","holder":7,"waited_s":15.0}}"#;
        assert!(matches!(
            runner_result(Execution::parse(busy).unwrap()),
            Err(NotExecuted::ReplayBusy {
                holder: Some(7),
                ..
            })
        ));
        assert!(runner_result(Execution::parse(r#"{"mode":"django"}"#).unwrap()).is_ok());
    }
}
