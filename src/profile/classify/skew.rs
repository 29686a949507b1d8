//! The factors that skew a load test (Silk, debug-toolbar, logging, DEBUG's SQL recording,
//! runserver), counted by the frames doing their own work.

use super::paths::{bare_name, is_project};
use super::view::{in_file, is_django_handler, view_index};
use crate::profile::stack::{Frame, Stack};
use crate::profile::summary::SkewFactor;
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use crate::profile::classify::fixtures::*;
    #[allow(unused_imports)]
    use crate::profile::classify::*;

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
}
