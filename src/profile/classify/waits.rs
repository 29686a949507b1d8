//! Threads that wait: idle (py-spy's blocking calls, also by bare name) or waiting on the
//! database, attributed to the project line that made the call.

use super::paths::{bare_name, is_project};
use crate::profile::stack::Stack;
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use crate::profile::classify::fixtures::*;
    #[allow(unused_imports)]
    use crate::profile::classify::*;

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
}
