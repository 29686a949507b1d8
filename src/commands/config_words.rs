//! `doctor config --lang ko`: the values' origins and the fixed words of the listing in Korean.
//! Keys are setting names and values are the user's own (paths, URLs): they stay as they are.

/// Origins and fixed values, longest first where one contains another.
const PHRASES: &[(&str, &str)] = &[
    (
        "(none: nothing listens on port ",
        "(없음: 다음 포트에서 듣는 프로세스 없음: ",
    ),
    ("(none)", "(없음)"),
    ("(ask Django)", "(Django에 물음)"),
    ("yes (on .py changes)", "예 (.py 변경 시)"),
    ("discovered (", "자동 탐지 ("),
    ("file (", "파일 ("),
    ("env (", "환경 변수 ("),
    ("flag (", "옵션 ("),
    ("login request in ", "로그인 요청 "),
    ("login body in ", "로그인 본문 "),
    ("manage.py found", "manage.py 발견"),
    // A locustfile found in the repository (config/locustfile_search.rs).
    (" found, also ", "개 발견, 그 밖에: "),
    (
        "; pick one in doctor.toml: ",
        "; doctor.toml에서 하나를 고르세요: ",
    ),
    ("found at ", "발견 위치: "),
    (" below the working directory", " (작업 폴더 아래)"),
    ("manage.py in ", "manage.py 위치 "),
    (".venv/ in project", "프로젝트의 .venv/"),
    ("project dir", "프로젝트 폴더"),
    (
        "; folder and environment of server pid ",
        "; 폴더와 환경: 서버 pid ",
    ),
    ("server pid ", "서버 pid "),
    ("(its manage.py)", "(서버의 manage.py)"),
    ("shebang of ", "shebang: "),
    ("venv of ", "venv: "),
    (" (reloader ", " (리로더 "),
    (" (workers ", " (워커 "),
    (" s ago)", "초 전)"),
    (" min ago)", "분 전)"),
    (" h ", "시간 "),
    (" ago)", " 전)"),
];

/// One word of the listing (a value or an origin) in the reader's language.
pub fn words(text: &str, lang: crate::i18n::Lang) -> String {
    if lang != crate::i18n::Lang::Ko {
        return text.to_string();
    }
    match text {
        "default" => return "기본값".into(),
        "no" => return "아니요".into(),
        "true" => return "예 (true)".into(),
        "false" => return "아니요 (false)".into(),
        _ => {}
    }
    let mut out = text.to_string();
    for (en, ko) in PHRASES {
        out = out.replace(en, ko);
    }
    if let Some(rest) = out.strip_prefix("in ") {
        out = format!("위치 {rest}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn origins_read_in_korean_and_paths_stay() {
        assert_eq!(
            words("discovered (login body in locustfile.py:34)", Lang::Ko),
            "자동 탐지 (로그인 본문 locustfile.py:34)"
        );
        assert_eq!(
            words("/srv/shop/found/in dir", Lang::Ko),
            "/srv/shop/found/in dir"
        );
        assert_eq!(words("default", Lang::En), "default");
    }
}
