//! Two settings failures whose fix is not "correct the code at the import line": a package a
//! library imports optionally that a setting needs (DRF's `DEFAULT_SCHEMA_CLASS` and coreapi),
//! and a `ValueError` the project's own settings raise about a value they were given.

use crate::django::{Cause, SetupError};
use crate::i18n::Text;
use crate::t;
use serde_json::Value;
use std::path::Path;

type Worded = (&'static str, Text, Text);

/// `coreapi` is not installed, DEFAULT_SCHEMA_CLASS (settings.py:22) needs it, DRF fails in
/// its own file; the versions installed and the pip line.
pub fn optional_missing(cause: &Cause, at: &str, project: &Path) -> Worded {
    let module = cause.text("module").unwrap_or("?");
    let library = cause.text("library").unwrap_or("?");
    let distribution = cause.text("distribution").unwrap_or(library);
    let version = cause.text("version").unwrap_or("?");
    let django = cause.text("django_version").unwrap_or("?");
    let python_version = cause.text("python_version").unwrap_or("?");
    let python = cause.text("python").unwrap_or("python");
    let failed = cause.facts.get("failed_at");
    let failed_at = match (
        failed.and_then(|f| f.get("file")).and_then(Value::as_str),
        failed.and_then(|f| f.get("line")).and_then(Value::as_u64),
    ) {
        (Some(file), Some(line)) => format!("{}:{line}", tail(file)),
        _ => "?".into(),
    };
    let needed = cause.facts.get("needed_by");
    let setting = needed
        .and_then(|n| n.get("setting"))
        .and_then(Value::as_str);
    let place = needed.and_then(|n| {
        let file = n.get("file")?.as_str()?;
        let line = n.get("line")?.as_u64()?;
        let shown = Path::new(file)
            .strip_prefix(project)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| file.to_string());
        Some(format!("{shown}:{line}"))
    });
    let value = needed.and_then(|n| n.get("value")).and_then(Value::as_str);
    let pip = format!("{python} -m pip install {module}");
    let (needed_en, needed_ko) = match (setting, place, value) {
        (Some(setting), Some(place), Some(value)) => (
            format!("{setting} = \"{value}\" ({place}) needs it"),
            format!("{place}의 {setting} = \"{value}\"에 필요함"),
        ),
        _ => (
            "no setting of the project names it".to_string(),
            "프로젝트 설정 중 이를 가리키는 것이 없음".to_string(),
        ),
    };
    let summary = t!(
        "`{module}` is not installed, but {needed_en}: {library} fails inside itself at {failed_at} when {at} is imported";
        "`{module}`가 설치되어 있지 않은데 {needed_ko}: {at}을(를) 임포트할 때 {library}이(가) 자체 코드 {failed_at}에서 실패함"
    );
    let detail = t!(
        "Installed: {distribution} {version}, Django {django}, Python {python_version}. {library} imports `{module}` only if it is there, and the setting makes it use it.\nFix: `{pip}`, or change the setting (e.g. DRF's default schema class, rest_framework.schemas.openapi.AutoSchema). The import at {at} is not the mistake.";
        "설치됨: {distribution} {version}, Django {django}, Python {python_version}. {library}은(는) `{module}`가 있을 때만 임포트하는데, 설정이 그것을 쓰게 함.\n해결: `{pip}` 실행, 또는 설정 변경 (예: DRF 기본 스키마 클래스 rest_framework.schemas.openapi.AutoSchema). {at}의 임포트는 잘못이 아님."
    );
    ("optional_package_missing", summary, detail)
}

/// A ValueError raised by the project's own settings: its line, and what the setting wants
/// (the project's own message says it).
pub fn settings_value(failure: &SetupError, at: &str) -> Option<Worded> {
    if failure.kind != "ValueError" {
        return None;
    }
    let frame = failure.project_frame.as_ref()?;
    let module = frame.module.as_deref().unwrap_or("");
    let file = frame.file.as_deref().unwrap_or("");
    if !(module.contains("settings") || file.contains("settings")) {
        return None;
    }
    let wants = failure.message.lines().next().unwrap_or("");
    let code = frame.code.as_deref().unwrap_or("").trim();
    let summary = t!(
        "the project's settings refuse their value at {at}: {wants}";
        "프로젝트 설정이 {at}에서 값을 거부함: {wants}"
    );
    let detail = t!(
        "`{code}` at {at} raises ValueError: the setting wants: {wants}. Give it that value (usually an environment variable or the .env file the settings read), then run `python manage.py check`.";
        "{at}의 `{code}`에서 ValueError 발생: 설정이 원하는 값: {wants}. 그 값을 주고 (보통 설정이 읽는 환경 변수나 .env 파일), `python manage.py check` 실행."
    );
    Some(("settings_value", summary, detail))
}

fn tail(file: &str) -> String {
    let parts: Vec<&str> = file.rsplit('/').take(3).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}
