//! `--check` outside any Django project: a check the user asked for that could not run is a
//! failure (exit 1) with a line saying what to do, never a green skip.

mod common;

use common::*;

#[test]
fn selected_django_checks_without_a_project_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    for ids in ["db", "users", "stock", "reserve", "db,users"] {
        let (code, stdout, stderr) = run_doctor(&["--check", ids], dir.path(), &[]);
        assert_eq!(
            code, 1,
            "--check {ids}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        let line = stderr
            .lines()
            .find(|l| l.contains("could not run"))
            .unwrap_or("");
        for id in ids.split(',') {
            assert!(line.contains(id), "{id} not named: {stderr}");
        }
        assert!(
            stderr.contains("--project-dir") && stderr.contains("manage.py"),
            "{stderr}"
        );
    }
    let (code, _, stderr) = run_doctor(&["--lang", "ko", "--check", "db"], dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("manage.py가 있는 폴더에서 실행"),
        "{stderr}"
    );
}

#[test]
fn check_all_without_a_project_exits_1_and_the_json_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_doctor(&["--check", "all"], dir.path(), &[]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let json = check_json(&["--check", "settings,db"], dir.path(), &[]);
    assert_eq!(json["exit_code"], 1, "{json:#}");
    assert_check(&json, "db", "skip", Some("no_project"));
}

#[test]
fn checks_that_need_no_project_still_pass_outside_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_doctor(&["--check", "open_files"], dir.path(), &[]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stderr.contains("could not run"), "{stderr}");
}

#[test]
fn several_projects_below_are_named_one_alone_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let manage = sample_dir().join("manage.py");
    for sub in ["api", "admin-site"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::copy(&manage, dir.path().join(sub).join("manage.py")).unwrap();
    }
    let json = check_json(&["--check", "settings"], dir.path(), &[]);
    assert_check(&json, "settings", "fail", Some("no_project"));
    let summary = check(&json, "settings")["summary"].as_str().unwrap();
    assert!(summary.contains("admin-site, api"), "{summary}");

    std::fs::remove_dir_all(dir.path().join("admin-site")).unwrap();
    let (_, stdout, _) = run_doctor(&["config"], dir.path(), &[]);
    let row = stdout
        .lines()
        .find(|l| l.starts_with("django.project_dir"))
        .unwrap_or("");
    assert!(
        row.contains("/api") && row.contains("manage.py in api/"),
        "{stdout}"
    );
}
