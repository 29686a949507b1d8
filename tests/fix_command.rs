//! `doctor fix ID`: ID is a fix (`stock.seed`) or a check (`users`); anything else is a usage
//! error that lists both kinds.

mod common;

use common::*;

#[test]
fn fix_with_a_check_id_applies_the_fixes_that_check_offers() {
    let service = SampleService::start(ServiceOptions::default().users(false));
    let (code, stdout, stderr) = service.doctor(&["fix", "users", "--yes"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("doctor fix users."),
        "a users fix was planned and shown: {stdout}"
    );
    assert!(stdout.contains("Checked again:"), "{stdout}");

    // The users exist now: nothing to fix, still exit 0.
    let (code, stdout, stderr) = service.doctor(&["fix", "users", "--yes"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("users: nothing to fix."), "{stdout}");
    assert!(!stdout.contains("This will run:"), "{stdout}");
}

#[test]
fn fix_with_an_unknown_id_lists_fixes_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    for id in ["nope", "nope.seed"] {
        let (code, stdout, stderr) = run_doctor(&["fix", id], dir.path(), &[]);
        assert_eq!(code, 2, "{id}: stdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(
            stderr.contains(&format!("'{id}' is neither a fix nor a check")),
            "{stderr}"
        );
        for known in ["stock.seed", "users.bulk", "port.start", "auth", "settings"] {
            assert!(stderr.contains(known), "{known} not listed: {stderr}");
        }
    }
    let (code, _, stderr) = run_doctor(&["--lang", "ko", "fix", "nope"], dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("자동 해결도 점검도 아닙니다") && stderr.contains("stock.seed"),
        "{stderr}"
    );
}
