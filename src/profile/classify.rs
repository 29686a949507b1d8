//! What one stack means: project or library code, the view it ran under, a database wait,
//! the factors that skew a load test. Pure, apart from reading a source file (cached) to
//! find a method's class when py-spy gave only the bare name (Python < 3.11).

use super::stack::{Frame, Stack};
use super::summary::SkewFactor;
use crate::python_source::Source;
use std::collections::HashMap;
use std::path::Path;

/// Path components that mark installed code, never the project's own.
fn is_installed(file: &str) -> bool {
    file.split('/').any(|c| {
        c == "site-packages"
            || c == "dist-packages"
            || c == ".venv"
            || c == "venv"
            || c == ".tox"
            || (c.starts_with("python") && c[6..].starts_with(|ch: char| ch.is_ascii_digit()))
    })
}

/// Under the project folder and not in a virtualenv or Python's own library.
pub fn is_project(project_dir: &Path, file: &str) -> bool {
    Path::new(file).starts_with(project_dir) && !is_installed(relative(project_dir, file))
}

fn relative<'a>(project_dir: &Path, file: &'a str) -> &'a str {
    let dir = project_dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    match file.strip_prefix(dir) {
        Some(rest) if rest.starts_with('/') => &rest[1..],
        _ => file,
    }
}

/// The path as the user reads it: project-relative for project code, from the package root
/// for libraries (`.../site-packages/django/utils/crypto.py` → `django/utils/crypto.py`) and
/// for Python's own library (`/usr/lib/python3.11/logging/__init__.py` → `logging/__init__.py`).
pub fn display_path(project_dir: &Path, file: &str) -> String {
    for marker in ["/site-packages/", "/dist-packages/"] {
        if let Some(at) = file.rfind(marker) {
            return file[at + marker.len()..].to_string();
        }
    }
    if is_project(project_dir, file) {
        return relative(project_dir, file).to_string();
    }
    // `.../lib/python3.11/x.py`: from after the version folder.
    let parts: Vec<&str> = file.split('/').collect();
    if let Some(i) = parts.iter().rposition(|c| {
        c.starts_with("python") && c[6..].starts_with(|ch: char| ch.is_ascii_digit())
    }) && i + 1 < parts.len()
    {
        return parts[i + 1..].join("/");
    }
    file.to_string()
}

/// `View.as_view.<locals>.view` → `view`: the closure's own name reads better.
pub fn short_function(function: &str) -> &str {
    match function.rfind(".<locals>.") {
        Some(at) => &function[at + ".<locals>.".len()..],
        None => function,
    }
}

/// The last part of a qualified name (`TokenViewBase.post` → `post`).
pub fn bare_name(function: &str) -> &str {
    function.rsplit('.').next().unwrap_or(function)
}

fn in_file(frame: &Frame, suffix: &str) -> bool {
    frame.file.ends_with(suffix)
}

/// Frames between Django's handler and the view's own code: decorators and dispatch.
fn is_dispatch(frame: &Frame) -> bool {
    const PLUMBING: &[&str] = &[
        "/django/views/decorators/",
        "/django/views/generic/base.py",
        "/django/utils/decorators.py",
        "/django/contrib/auth/decorators.py",
        "/django/db/transaction.py",
        "/rest_framework/views.py",
        "/rest_framework/decorators.py",
        "/rest_framework/viewsets.py",
        "/asgiref/",
        "/contextlib.py",
        "/functools.py",
    ];
    PLUMBING.iter().any(|p| frame.file.contains(p))
}

fn is_django_handler(frame: &Frame) -> bool {
    frame.file.contains("/django/core/handlers/")
}

/// Index (innermost first) of the view's frame: the callback Django's `_get_response`
/// called, past its decorators and dispatch. Its other callees (URL resolving, a
/// middleware's `process_view`, rendering) are no view.
pub fn view_index(stack: &Stack) -> Option<usize> {
    let handler = stack.frames.iter().rposition(|f| {
        in_file(f, "django/core/handlers/base.py") && bare_name(&f.function) == "_get_response"
    })?;
    let callee = stack.frames.get(handler.checked_sub(1)?)?;
    let not_a_view = is_django_handler(callee)
        || callee.file.contains("/django/template/")
        || matches!(
            bare_name(&callee.function),
            "process_view" | "process_template_response" | "process_exception" | "render"
        );
    if not_a_view {
        return None;
    }
    (0..handler).rev().find(|&i| !is_dispatch(&stack.frames[i]))
}

/// py-spy calls a thread idle when its innermost frame is a known blocking call, matching
/// the bare name; on Python 3.11+ it reads qualified names (`_PollLikeSelector.select`) and
/// misses them. The same test on the bare name.
pub fn looks_idle(innermost: &str, file: &str) -> bool {
    let name = bare_name(innermost);
    (name == "wait" && file.ends_with("threading.py"))
        || (name == "select" && file.ends_with("selectors.py"))
        || (name == "accept" && file.ends_with("socket.py"))
        // A request thread waiting for the client's next bytes (runserver keeps one per
        // keep-alive connection): waiting on the network, not working.
        || (matches!(name, "readinto" | "recv" | "recv_into") && file.ends_with("socket.py"))
}

/// A database driver an idle thread can wait in, from the frame's file.
fn driver_of(file: &str) -> Option<&'static str> {
    const DRIVERS: &[(&str, &str)] = &[
        ("/psycopg2/", "psycopg2"),
        ("/psycopg/", "psycopg"),
        ("/psycopg_pool/", "psycopg"),
        ("/MySQLdb/", "mysql"),
        ("/pymysql/", "mysql"),
        ("/mysql/connector/", "mysql"),
        ("/oracledb/", "oracle"),
        ("/sqlite3/dbapi2.py", "sqlite3"),
        ("/django/db/backends/sqlite3/", "sqlite3"),
        ("/django/db/backends/postgresql/", "postgresql"),
        ("/django/db/backends/mysql/", "mysql"),
        ("/django/db/backends/oracle/", "oracle"),
    ];
    DRIVERS
        .iter()
        .find(|(marker, _)| file.contains(marker))
        .map(|(_, name)| *name)
}

fn is_db_layer(file: &str) -> bool {
    driver_of(file).is_some() || file.contains("/django/db/")
}

/// Python's own I/O frames that may sit inside a driver's wait (pure-Python drivers).
fn is_io_frame(file: &str) -> bool {
    ["/socket.py", "/selectors.py", "/ssl.py"]
        .iter()
        .any(|s| file.ends_with(s))
}

/// An idle thread waiting inside a database call: the driver, from its innermost frames
/// (a few of Python's socket frames may come first). Works on file names only so the
/// sampler can drop other idle threads before copying their stacks.
pub fn wait_driver<'a>(files: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut generic = false;
    for (i, file) in files.into_iter().enumerate() {
        if let Some(driver) = driver_of(file) {
            return Some(driver);
        }
        if file.contains("/django/db/backends/") {
            // `utils.py` of Django's backends with a C driver below: name it further out.
            generic = true;
            continue;
        }
        if generic {
            return if is_db_layer(file) {
                continue;
            } else {
                Some("database")
            };
        }
        if i >= 3 || !is_io_frame(file) {
            return None;
        }
    }
    generic.then_some("database")
}

/// A database wait: the driver and the frame it is attributed to.
#[derive(Clone, Debug, PartialEq)]
pub struct DbWait {
    pub driver: &'static str,
    /// Index of the project frame that made the call (or, with none, the first caller
    /// outside the database layers).
    pub site: usize,
}

pub fn db_wait(project_dir: &Path, stack: &Stack) -> Option<DbWait> {
    if stack.active {
        return None;
    }
    let driver = wait_driver(stack.frames.iter().map(|f| f.file.as_str()))?;
    let frames = &stack.frames;
    let site = frames
        .iter()
        .position(|f| is_project(project_dir, &f.file))
        .or_else(|| {
            let first_db = frames.iter().position(|f| is_db_layer(&f.file))?;
            (first_db..frames.len()).find(|&i| !is_db_layer(&frames[i].file))
        })?;
    Some(DbWait { driver, site })
}

/// Logging doing its I/O: a handler's emit/flush and the calls that reach it.
fn is_logging_io(frame: &Frame) -> bool {
    (in_file(frame, "logging/__init__.py") || in_file(frame, "logging/handlers.py"))
        && matches!(
            bare_name(&frame.function),
            "emit" | "flush" | "handle" | "callHandlers" | "handleError" | "doRollover"
        )
}

fn is_runserver(frame: &Frame) -> bool {
    frame.file.contains("/django/core/servers/basehttp.py")
        || frame.file.contains("/wsgiref/")
        || frame.file.ends_with("/socketserver.py")
        || frame.file.ends_with("/http/server.py")
}

fn factor_of(frame: &Frame) -> Option<SkewFactor> {
    if frame.file.contains("/silk/") {
        Some(SkewFactor::Silk)
    } else if frame.file.contains("/debug_toolbar/") {
        Some(SkewFactor::DebugToolbar)
    } else if is_logging_io(frame) {
        Some(SkewFactor::Logging)
    } else if in_file(frame, "django/db/backends/utils.py")
        && bare_name(&frame.function) == "debug_sql"
    {
        Some(SkewFactor::DebugSql)
    } else if is_runserver(frame) {
        Some(SkewFactor::Runserver)
    } else {
        None
    }
}

/// The skew factors of a busy stack, each with the index of its innermost frame. A factor
/// counts only for the work it does itself: the walk from the innermost frame stops at the
/// view, the project's code or Django's request handler (Silk's middleware wraps the whole
/// request, but the time under the view is the view's).
pub fn skew(project_dir: &Path, stack: &Stack) -> Vec<(SkewFactor, usize)> {
    let mut found: Vec<(SkewFactor, usize)> = Vec::new();
    if !stack.active {
        return found;
    }
    // The debug cursor's own `execute` on top: DEBUG = True bookkeeping.
    if let Some(top) = stack.frames.first()
        && in_file(top, "django/db/backends/utils.py")
        && top.function.contains("CursorDebugWrapper")
    {
        found.push((SkewFactor::DebugSql, 0));
    }
    let view = view_index(stack);
    for (i, frame) in stack.frames.iter().enumerate() {
        if Some(i) == view || is_project(project_dir, &frame.file) || is_django_handler(frame) {
            break;
        }
        if let Some(factor) = factor_of(frame)
            && !found.iter().any(|(f, _)| *f == factor)
        {
            found.push((factor, i));
        }
    }
    found
}

/// Names functions as `Class.method`: py-spy's qualified name when it has one, else the
/// enclosing class read from the source file (parsed once per file).
#[derive(Default)]
pub struct Qualifier {
    files: HashMap<String, Vec<Def>>,
}

/// A function definition: its lines and qualified name.
struct Def {
    start: u32,
    end: u32,
    name: String,
    qualname: String,
}

impl Qualifier {
    pub fn qualified(&mut self, frame: &Frame) -> String {
        let short = short_function(&frame.function);
        if frame.function.contains('.') || frame.line == 0 {
            return short.to_string();
        }
        let defs = self
            .files
            .entry(frame.file.clone())
            .or_insert_with(|| read_defs(&frame.file));
        defs.iter()
            .filter(|d| d.name == frame.function && d.start <= frame.line && frame.line <= d.end)
            .min_by_key(|d| d.end - d.start)
            .map(|d| short_function(&d.qualname).to_string())
            .unwrap_or_else(|| short.to_string())
    }
}

fn read_defs(file: &str) -> Vec<Def> {
    match std::fs::read_to_string(file) {
        Ok(text) => defs_of(&text),
        Err(_) => Vec::new(),
    }
}

fn defs_of(text: &str) -> Vec<Def> {
    let source = Source::new(text);
    let mut defs = Vec::new();
    collect_defs(&source, source.root(), "", &mut defs);
    defs
}

fn collect_defs(source: &Source, node: tree_sitter::Node, prefix: &str, defs: &mut Vec<Def>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        let kind = child.kind();
        let inner = if kind == "decorated_definition" {
            child.child_by_field_name("definition").unwrap_or(child)
        } else {
            child
        };
        match inner.kind() {
            "function_definition" | "class_definition" => {
                let Some(name) = inner.child_by_field_name("name") else {
                    continue;
                };
                let name = source.text(name).to_string();
                let qualname = format!("{prefix}{name}");
                let is_function = inner.kind() == "function_definition";
                if is_function {
                    defs.push(Def {
                        start: inner.start_position().row as u32 + 1,
                        end: inner.end_position().row as u32 + 1,
                        name: name.clone(),
                        qualname: qualname.clone(),
                    });
                }
                let nested = if is_function {
                    format!("{qualname}.<locals>.")
                } else {
                    format!("{qualname}.")
                };
                if let Some(body) = inner.child_by_field_name("body") {
                    collect_defs(source, body, &nested, defs);
                }
            }
            _ => collect_defs(source, child, prefix, defs),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const SP: &str = "/srv/app/.venv/lib/python3.11/site-packages";
    pub const PROJECT: &str = "/srv/app";

    pub fn f(function: &str, file: &str, line: u32) -> Frame {
        let file = if file.starts_with('/') {
            file.to_string()
        } else if file.starts_with("apps/") || file.starts_with("config/") {
            format!("{PROJECT}/{file}")
        } else if file.starts_with("logging/")
            || file.starts_with("wsgiref/")
            || [
                "socketserver.py",
                "threading.py",
                "socket.py",
                "selectors.py",
            ]
            .contains(&file)
        {
            format!("/usr/lib/python3.11/{file}")
        } else {
            format!("{SP}/{file}")
        };
        Frame {
            function: function.into(),
            file,
            line,
        }
    }

    /// The outer part every request has under runserver, outermost first.
    fn runserver_outer() -> Vec<Frame> {
        vec![
            f("_bootstrap", "threading.py", 1002),
            f("_bootstrap_inner", "threading.py", 1045),
            f("Thread.run", "threading.py", 982),
            f(
                "ThreadingMixIn.process_request_thread",
                "socketserver.py",
                691,
            ),
            f("BaseServer.finish_request", "socketserver.py", 361),
            f("BaseRequestHandler.__init__", "socketserver.py", 755),
            f(
                "WSGIRequestHandler.handle",
                "django/core/servers/basehttp.py",
                229,
            ),
            f(
                "WSGIRequestHandler.handle_one_request",
                "django/core/servers/basehttp.py",
                252,
            ),
            f("BaseHandler.run", "wsgiref/handlers.py", 137),
            f("WSGIHandler.__call__", "django/core/handlers/wsgi.py", 124),
            f(
                "BaseHandler.get_response",
                "django/core/handlers/base.py",
                140,
            ),
            f(
                "convert_exception_to_response.<locals>.inner",
                "django/core/handlers/exception.py",
                55,
            ),
            f(
                "BaseHandler._get_response",
                "django/core/handlers/base.py",
                197,
            ),
            f(
                "csrf_exempt.<locals>._view_wrapper",
                "django/views/decorators/csrf.py",
                65,
            ),
            f(
                "View.as_view.<locals>.view",
                "django/views/generic/base.py",
                105,
            ),
            f("APIView.dispatch", "rest_framework/views.py", 512),
        ]
    }

    /// A simplejwt login hashing the password, as py-spy reads it from Django 5.2.
    pub fn login_stack() -> Stack {
        let mut outer = runserver_outer();
        outer.extend([
            f(
                "TokenViewBase.post",
                "rest_framework_simplejwt/views.py",
                44,
            ),
            f("Serializer.is_valid", "rest_framework/serializers.py", 225),
            f(
                "TokenObtainSerializer.validate",
                "rest_framework_simplejwt/serializers.py",
                63,
            ),
            f(
                "sensitive_variables.<locals>.decorator.<locals>.sensitive_variables_wrapper",
                "django/views/decorators/debug.py",
                75,
            ),
            f("authenticate", "django/contrib/auth/__init__.py", 102),
            f(
                "ModelBackend.authenticate",
                "django/contrib/auth/backends.py",
                69,
            ),
            f(
                "AbstractBaseUser.check_password",
                "django/contrib/auth/base_user.py",
                115,
            ),
            f("check_password", "django/contrib/auth/hashers.py", 87),
            f("verify_password", "django/contrib/auth/hashers.py", 59),
            f(
                "PBKDF2PasswordHasher.verify",
                "django/contrib/auth/hashers.py",
                386,
            ),
            f(
                "PBKDF2PasswordHasher.encode",
                "django/contrib/auth/hashers.py",
                378,
            ),
            f("pbkdf2", "django/utils/crypto.py", 77),
        ]);
        outer.reverse();
        Stack {
            frames: outer,
            active: true,
        }
    }

    /// A reservation waiting for a row lock in psycopg.
    pub fn wait_stack() -> Stack {
        let mut outer = runserver_outer();
        outer.extend([
            f("ReserveView.post", "apps/products/views.py", 30),
            f("reserve_stock", "apps/products/services.py", 22),
            f("QuerySet.get", "django/db/models/query.py", 629),
            f("QuerySet.__len__", "django/db/models/query.py", 366),
            f(
                "SQLCompiler.execute_sql",
                "django/db/models/sql/compiler.py",
                1623,
            ),
            f("CursorWrapper.execute", "django/db/backends/utils.py", 79),
            f("CursorWrapper._execute", "django/db/backends/utils.py", 105),
            f("Cursor.execute", "psycopg/cursor.py", 97),
            f("BaseConnection.wait", "psycopg/connection.py", 420),
        ]);
        outer.reverse();
        Stack {
            frames: outer,
            active: false,
        }
    }

    fn dir() -> &'static Path {
        Path::new(PROJECT)
    }

    #[test]
    fn project_and_library_paths() {
        assert!(is_project(dir(), "/srv/app/apps/products/services.py"));
        assert!(!is_project(
            dir(),
            "/srv/app/.venv/lib/python3.11/site-packages/django/utils/crypto.py"
        ));
        assert!(!is_project(
            dir(),
            "/usr/lib/python3.11/logging/__init__.py"
        ));
        assert_eq!(
            display_path(dir(), &format!("{SP}/django/utils/crypto.py")),
            "django/utils/crypto.py"
        );
        assert_eq!(
            display_path(dir(), "/srv/app/apps/products/services.py"),
            "apps/products/services.py"
        );
        assert_eq!(
            display_path(dir(), "/usr/lib/python3.11/logging/__init__.py"),
            "logging/__init__.py"
        );
        assert_eq!(display_path(dir(), "/opt/x.py"), "/opt/x.py");
    }

    #[test]
    fn the_view_is_the_first_frame_past_dispatch() {
        let stack = login_stack();
        let i = view_index(&stack).unwrap();
        assert_eq!(stack.frames[i].function, "TokenViewBase.post");
        let wait = wait_stack();
        let i = view_index(&wait).unwrap();
        assert_eq!(wait.frames[i].function, "ReserveView.post");
        // Resolving the URL (importing urls.py on the first request) is no view.
        let mut resolving = login_stack();
        let handler = resolving
            .frames
            .iter()
            .position(|f| f.function == "BaseHandler._get_response")
            .unwrap();
        resolving.frames.drain(..handler);
        resolving.frames.insert(
            0,
            f(
                "BaseHandler.resolve_request",
                "django/core/handlers/base.py",
                313,
            ),
        );
        resolving
            .frames
            .insert(0, f("URLResolver.resolve", "django/urls/resolvers.py", 666));
        assert_eq!(view_index(&resolving), None);
        assert!(looks_idle(
            "_PollLikeSelector.select",
            "/usr/lib/python3.11/selectors.py"
        ));
        assert!(looks_idle(
            "Condition.wait",
            "/usr/lib/python3.11/threading.py"
        ));
        assert!(!looks_idle("pbkdf2", "/x/django/utils/crypto.py"));
        assert!(looks_idle(
            "SocketIO.readinto",
            "/usr/lib/python3.11/socket.py"
        ));
        // A thread outside any request (runserver's accept loop) has no view.
        let accept = Stack {
            frames: vec![f("BaseServer.serve_forever", "socketserver.py", 233)],
            active: true,
        };
        assert_eq!(view_index(&accept), None);
    }

    #[test]
    fn database_waits_are_attributed_to_the_project_line() {
        let wait = wait_stack();
        let found = db_wait(dir(), &wait).unwrap();
        assert_eq!(found.driver, "psycopg");
        assert_eq!(wait.frames[found.site].function, "reserve_stock");
        assert_eq!(wait.frames[found.site].line, 22);
        // The same stack while running is no wait.
        let busy = Stack {
            active: true,
            ..wait.clone()
        };
        assert_eq!(db_wait(dir(), &busy), None);
        // An idle thread in a select loop is no database wait.
        let idle = Stack {
            frames: vec![
                f("select", "selectors.py", 415),
                f("serve_forever", "socketserver.py", 233),
            ],
            active: false,
        };
        assert_eq!(db_wait(dir(), &idle), None);
        // SQLite: Django's cursor wrapper is the innermost Python frame.
        let sqlite = Stack {
            frames: vec![
                f(
                    "SQLiteCursorWrapper.execute",
                    "django/db/backends/sqlite3/base.py",
                    354,
                ),
                f("CursorWrapper._execute", "django/db/backends/utils.py", 105),
                f(
                    "SQLCompiler.execute_sql",
                    "django/db/models/sql/compiler.py",
                    1623,
                ),
                f("Model.save", "django/db/models/base.py", 892),
                f(
                    "SessionStore.save",
                    "django/contrib/sessions/backends/db.py",
                    86,
                ),
            ],
            active: false,
        };
        let found = db_wait(dir(), &sqlite).unwrap();
        assert_eq!(found.driver, "sqlite3");
        assert_eq!(sqlite.frames[found.site].function, "SessionStore.save");
        // pymysql waits in socket.py first.
        let files = [
            "/usr/lib/python3.11/socket.py",
            "/x/site-packages/pymysql/connections.py",
        ];
        assert_eq!(wait_driver(files), Some("mysql"));
    }

    #[test]
    fn skew_counts_only_the_factor_s_own_work() {
        // A login under runserver: the view's work, no factor.
        assert!(skew(dir(), &login_stack()).is_empty());
        // Silk's middleware writing its request row: Silk.
        let silk = Stack {
            frames: vec![
                f(
                    "SQLiteCursorWrapper.execute",
                    "django/db/backends/sqlite3/base.py",
                    354,
                ),
                f("Model.save", "django/db/models/base.py", 892),
                f(
                    "RequestModelFactory.construct_request_model",
                    "silk/model_factory.py",
                    243,
                ),
                f(
                    "SilkyMiddleware._process_response",
                    "silk/middleware.py",
                    160,
                ),
                f("SilkyMiddleware.__call__", "silk/middleware.py", 95),
                f(
                    "convert_exception_to_response.<locals>.inner",
                    "django/core/handlers/exception.py",
                    55,
                ),
            ],
            active: true,
        };
        let found = skew(dir(), &silk);
        assert_eq!(found, vec![(SkewFactor::Silk, 2)]);
        // Writing a log line at DEBUG from the project.
        let logging = Stack {
            frames: vec![
                f("StreamHandler.flush", "logging/__init__.py", 1113),
                f("StreamHandler.emit", "logging/__init__.py", 1163),
                f("Handler.handle", "logging/__init__.py", 978),
                f("Logger.callHandlers", "logging/__init__.py", 1706),
                f("Logger.debug", "logging/__init__.py", 1477),
                f(
                    "CursorDebugWrapper.debug_sql",
                    "django/db/backends/utils.py",
                    151,
                ),
                f("_GeneratorContextManager.__exit__", "contextlib.py", 144),
                f(
                    "CursorDebugWrapper.execute",
                    "django/db/backends/utils.py",
                    122,
                ),
                f("reserve_stock", "apps/products/services.py", 22),
            ],
            active: true,
        };
        let found: Vec<SkewFactor> = skew(dir(), &logging).into_iter().map(|x| x.0).collect();
        assert_eq!(found, vec![SkewFactor::Logging, SkewFactor::DebugSql]);
        // runserver writing the response: outside Django's handler.
        let write = Stack {
            frames: vec![
                f("SocketIO.write", "socket.py", 737),
                f("SimpleHandler._write", "wsgiref/handlers.py", 466),
                f("BaseHandler.finish_response", "wsgiref/handlers.py", 184),
                f(
                    "ServerHandler.finish_response",
                    "django/core/servers/basehttp.py",
                    173,
                ),
            ],
            active: true,
        };
        assert_eq!(skew(dir(), &write), vec![(SkewFactor::Runserver, 1)]);
    }

    #[test]
    fn qualifies_bare_names_from_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("views.py");
        std::fs::write(
            &file,
            "import x\n\nclass LoginView(APIView):\n    @method_decorator(y)\n    def post(self, request):\n        return 1\n\ndef post(request):\n    return 2\n",
        )
        .unwrap();
        let file = file.to_string_lossy().to_string();
        let mut q = Qualifier::default();
        assert_eq!(q.qualified(&Frame::new("post", &file, 6)), "LoginView.post");
        assert_eq!(q.qualified(&Frame::new("post", &file, 9)), "post");
        assert_eq!(
            q.qualified(&Frame::new("View.as_view.<locals>.view", "/nope.py", 3)),
            "view"
        );
        assert_eq!(q.qualified(&Frame::new("get", "/nope.py", 3)), "get");
    }
}
