//! Stacks for the classifiers' tests (and the accumulator's): a login under runserver, a
//! thread waiting on PostgreSQL.

use crate::profile::stack::{Frame, Stack};
use std::path::Path;

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
pub fn runserver_outer() -> Vec<Frame> {
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

pub fn dir() -> &'static Path {
    Path::new(PROJECT)
}
