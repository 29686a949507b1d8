//! The view a request ran under: the first frame past Django's handler and dispatch.

use super::paths::bare_name;
use crate::profile::stack::{Frame, Stack};

pub(super) fn in_file(frame: &Frame, suffix: &str) -> bool {
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

pub(super) fn is_django_handler(frame: &Frame) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use crate::profile::classify::fixtures::*;
    #[allow(unused_imports)]
    use crate::profile::classify::*;

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
}
