//! `doctor config --lang ko` against the running sample service: the origins and fixed words are
//! Korean; the user's own values (paths, URLs, module names) stay as they are.

mod common;

use common::*;

#[test]
fn config_in_korean_has_no_english_words() {
    let service = SampleService::start(ServiceOptions::default().users(false).stock(false));
    let (code, stdout, stderr) = service.doctor(&["--lang", "ko", "config"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("자동 탐지 ("), "{stdout}");
    assert!(stdout.contains("서버 pid"), "{stdout}");
    assert!(stdout.contains("[기본값]"), "{stdout}");
    for english in [
        "discovered",
        "default]",
        "(none",
        " found",
        " ago",
        "yes (",
        "server pid",
        "login body in",
        "(ask Django)",
        "folder and environment",
    ] {
        assert!(!stdout.contains(english), "{english:?} in:\n{stdout}");
    }
}
