//! The third-party component a busy stack runs in: a debug-toolbar panel or a middleware of
//! another package than Django. `checkcache (linecache.py:72)` means little; "inside
//! debug_toolbar's SettingsPanel" says where the time goes and what to switch off. And
//! runserver's autoreloader thread, which is never request work.

use super::paths::{display_path, is_project};
use super::view::view_index;
use crate::profile::stack::{Frame, Stack};
use std::path::Path;

/// The package a library file belongs to (`corsheaders` for `.../site-packages/corsheaders/
/// middleware.py`); None for the project's code and Python's own library.
fn package(file: &str) -> Option<&str> {
    ["/site-packages/", "/dist-packages/"]
        .iter()
        .find_map(|marker| {
            let at = file.rfind(marker)?;
            file[at + marker.len()..].split('/').next()
        })
}

fn is_panel(frame: &Frame) -> bool {
    frame.file.contains("/debug_toolbar/panels/")
}

fn is_third_party_middleware(project_dir: &Path, frame: &Frame) -> bool {
    !is_project(project_dir, &frame.file)
        && package(&frame.file).is_some_and(|p| p != "django")
        && (frame.file.ends_with("/middleware.py") || frame.file.contains("/middleware/"))
}

/// "debug_toolbar: SettingsPanel.generate_stats (debug_toolbar/panels/settings.py:19)": the
/// innermost panel or third-party middleware frame doing its own work (below the view, the
/// view's code is the view's, whatever wraps it).
pub fn within(project_dir: &Path, stack: &Stack) -> Option<String> {
    let limit = view_index(stack).unwrap_or(stack.frames.len());
    let frames = &stack.frames[..limit.min(stack.frames.len())];
    let frame = frames.iter().find(|f| is_panel(f)).or_else(|| {
        frames
            .iter()
            .find(|f| is_third_party_middleware(project_dir, f))
    })?;
    let package = package(&frame.file).unwrap_or("?");
    Some(format!(
        "{package}: {} ({}:{})",
        frame.function,
        display_path(project_dir, &frame.file),
        frame.line
    ))
}

/// runserver's autoreloader (StatReloader's loop statting every file): a thread of the server
/// process that serves no request, left out of busy time.
pub fn is_autoreloader<'a>(files: impl IntoIterator<Item = &'a str>) -> bool {
    files
        .into_iter()
        .any(|f| f.ends_with("/django/utils/autoreload.py"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::classify::fixtures::{dir, f};

    const SP: &str = "/p/.venv/lib/python3.12/site-packages";

    #[test]
    fn a_panel_or_a_middleware_owns_what_runs_inside_it() {
        let panel = Stack {
            frames: vec![
                f("checkcache", "/usr/lib/python3.12/linecache.py", 72),
                f("getframeinfo", "/usr/lib/python3.12/inspect.py", 1700),
                f(
                    "SettingsPanel.generate_stats",
                    &format!("{SP}/debug_toolbar/panels/settings.py"),
                    19,
                ),
                f(
                    "DebugToolbarMiddleware.__call__",
                    &format!("{SP}/debug_toolbar/middleware.py"),
                    80,
                ),
            ],
            active: true,
        };
        assert_eq!(
            within(dir(), &panel).as_deref(),
            Some(
                "debug_toolbar: SettingsPanel.generate_stats (debug_toolbar/panels/settings.py:19)"
            )
        );
        let cors = Stack {
            frames: vec![
                f("match", "/usr/lib/python3.12/re/__init__.py", 10),
                f(
                    "CorsMiddleware.__call__",
                    &format!("{SP}/corsheaders/middleware.py"),
                    50,
                ),
                f(
                    "inner",
                    &format!("{SP}/django/core/handlers/exception.py"),
                    55,
                ),
            ],
            active: true,
        };
        assert!(within(dir(), &cors).unwrap().starts_with("corsheaders: "));
        // Django's own middleware is not a third party.
        let django = Stack {
            frames: vec![f(
                "SessionMiddleware.process_request",
                &format!("{SP}/django/contrib/sessions/middleware.py"),
                20,
            )],
            active: true,
        };
        assert_eq!(within(dir(), &django), None);
        assert!(is_autoreloader([
            "/usr/lib/python3.12/pathlib.py",
            &*format!("{SP}/django/utils/autoreload.py"),
        ]));
        assert!(!is_autoreloader(["/usr/lib/python3.12/threading.py"]));
    }
}
