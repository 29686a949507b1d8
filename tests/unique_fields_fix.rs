//! `doctor fix users` on `tests/fixtures/blog-unique-email`: writers log in by username, but the
//! user model keeps a required unique e-mail and a unique pen name, and the project's own
//! `create_test_users` is broken (ImportError). The fastest fix (users.bulk) runs first and fills
//! the unique fields from each username, following the model's own fields.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn blog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blog-unique-email")
}

#[test]
fn the_bulk_fix_fills_unique_fields_from_the_username_and_runs_first() {
    let db = FixtureDb::migrated(&blog_dir(), "doctor-blog-");
    let config = db.dir.path().join("doctor-blog.toml");
    std::fs::write(
        &config,
        format!(
            "[django]\npython = [{:?}]\n[locust]\nlocustfile = {:?}\n",
            python().display().to_string(),
            blog_dir()
                .join("loadtest/locustfile.py")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let port = free_port();
    let env = [("DATABASE_URL", db.database_url.as_str())];
    let (code, stdout, stderr) = run_doctor(
        &[
            "--config",
            config.to_str().unwrap(),
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "fix",
            "users",
            "--yes",
        ],
        &blog_dir(),
        &env,
    );
    assert!(
        stdout.contains("doctor fix users.bulk"),
        "the bulk fix comes first: {stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains("doctor fix users.create"),
        "the broken per-user command is never reached when bulk fixed it: {stdout}"
    );
    assert!(stdout.contains("200 users created"), "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("Traceback") && !stderr.contains("Traceback"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let counted = manage_in(
        &blog_dir(),
        &[
            "shell",
            "-v",
            "0",
            "-c",
            "from writers.models import Writer as W; print(W.objects.count(), W.objects.values('email').distinct().count(), W.objects.values('pen_name').distinct().count(), W.objects.get(username='writer7').email)",
        ],
        &env,
    );
    assert_eq!(
        counted.split_whitespace().collect::<Vec<_>>(),
        ["200", "200", "200", "writer7@loadtest.invalid"],
        "{counted}"
    );
}

#[test]
fn a_failing_fix_is_a_sentence_and_the_next_one_is_offered() {
    let db = FixtureDb::migrated(&blog_dir(), "doctor-blog-fail-");
    let env = [("DATABASE_URL", db.database_url.as_str())];
    // A writer who already took the pen name the bulk fix derives for writer7.
    manage_in(
        &blog_dir(),
        &[
            "shell",
            "-v",
            "0",
            "-c",
            "from writers.models import Writer as W; W.objects.create(username='someone', email='someone@blog.test', pen_name='writer7')",
        ],
        &env,
    );
    let config = db.dir.path().join("doctor-blog.toml");
    std::fs::write(
        &config,
        format!(
            "[django]\npython = [{:?}]\n[locust]\nlocustfile = {:?}\n",
            python().display().to_string(),
            blog_dir()
                .join("loadtest/locustfile.py")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let port = free_port();
    let (code, stdout, stderr) = run_doctor(
        &[
            "--config",
            config.to_str().unwrap(),
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "fix",
            "users",
            "--yes",
        ],
        &blog_dir(),
        &env,
    );
    assert_ne!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "nothing was created: inserting into writers.Writer failed with IntegrityError"
        ),
        "the bulk fix's failure is a sentence: {stdout}\n{stderr}"
    );
    assert!(stderr.contains("fix users.bulk failed"), "{stderr}");
    // The next fix is offered (and run, with --yes): the project's own, broken command.
    assert!(stdout.contains("doctor fix users.create"), "{stdout}");
    assert!(stderr.contains("fix users.create failed"), "{stderr}");
    // Nothing half-done: only the writer that was there.
    let counted = manage_in(
        &blog_dir(),
        &[
            "shell",
            "-v",
            "0",
            "-c",
            "from writers.models import Writer as W; print(W.objects.count())",
        ],
        &env,
    );
    assert_eq!(counted.trim(), "1", "{counted}");
}
