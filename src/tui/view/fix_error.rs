//! A fix that could not be planned or started, in the reader's language. The fixes give their
//! reasons as English sentences with the user's values inside; the phrases around those values
//! are replaced here, so the TUI's Korean screen has no English prose.

use crate::i18n::Lang;

/// Whole phrases first, then the pieces around values.
const PHRASES: &[(&str, &str)] = &[
    (
        "no Django project found (manage.py): fixes run in the project",
        "Django 프로젝트(manage.py)를 찾지 못함: 자동 해결은 프로젝트 안에서 실행됨",
    ),
    (
        "doctor does not know the load test's accounts: set [target] username or fix the locustfile's login",
        "doctor가 부하 테스트 계정을 모름: [target] username을 설정하거나 locustfile의 로그인을 고치세요",
    ),
    (
        "no password for the load-test users: set DOCTOR_PASSWORD or [target] password",
        "부하 테스트 사용자의 비밀번호 없음: DOCTOR_PASSWORD 또는 [target] password를 설정하세요",
    ),
    (
        "this project has no Product/ProductStock models: the stock fix does not apply",
        "이 프로젝트에는 Product/ProductStock 모델이 없음: 재고 자동 해결은 해당 없음",
    ),
    (
        " is not on this machine: doctor starts servers on loopback only",
        ": 이 컴퓨터가 아님 (doctor는 loopback에서만 서버를 시작함)",
    ),
    ("a process of another user", "다른 사용자의 프로세스"),
    (" is already taken by ", " 사용 중: "),
    ("cannot start the server: ", "서버를 시작할 수 없음: "),
    ("cannot start ", "시작할 수 없음: "),
    ("waiting for ", "기다리는 중 오류: "),
    (
        ": this project has no `manage.py ",
        ": 이 프로젝트에 없는 명령 `manage.py ",
    ),
    ("` command", "`"),
    ("unknown built-in fix ", "알 수 없는 내장 자동 해결 "),
    (": empty command", ": 빈 명령"),
    (" has no port", ": 포트가 없음"),
    ("fix id ", "자동 해결 id "),
    (
        ": use CHECK.FIX, e.g. stock.seed",
        ": CHECK.FIX 형식 사용 (예: stock.seed)",
    ),
    ("no check ", "없는 점검 "),
    ("fix ", "자동 해결 "),
    ("port ", "포트 "),
];

pub fn words(error: &str, lang: Lang) -> String {
    if lang != Lang::Ko {
        return error.to_string();
    }
    PHRASES
        .iter()
        .fold(error.to_string(), |text, (en, ko)| text.replace(en, ko))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_errors_read_in_korean() {
        let said = words(
            "fix users.create: this project has no `manage.py create_test_users` command",
            Lang::Ko,
        );
        assert_eq!(
            said,
            "자동 해결 users.create: 이 프로젝트에 없는 명령 `manage.py create_test_users`"
        );
        let said = words(
            "port 8000 is already taken by python (pid 7): manage.py runserver",
            Lang::Ko,
        );
        assert_eq!(
            said,
            "포트 8000 사용 중: python (pid 7): manage.py runserver"
        );
        assert!(
            words("cannot start /x/python: No such file", Lang::Ko).starts_with("시작할 수 없음")
        );
        assert_eq!(
            words("fix x: empty command", Lang::En),
            "fix x: empty command"
        );
    }
}
