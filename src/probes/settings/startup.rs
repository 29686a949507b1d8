//! A project that cannot be imported or started (django.setup(), or the system checks importing
//! the URLconf): the project's own file and line, the cause Python measured, and the fix, worded
//! here in both languages. Never a location in doctor's own helpers.

use crate::checks::result::Outcome;
use crate::django::{Cause, Frame, SetupError};
use crate::i18n::Text;
use crate::t;
use std::path::Path;

/// The outcome for a located failure; `python` is the interpreter doctor ran, `settings_file`
/// the place named when no project frame is on the stack (e.g. INSTALLED_APPS names a package
/// that is not installed).
pub fn located(
    failure: &SetupError,
    project: &Path,
    python: &str,
    settings_file: Option<&str>,
) -> Outcome {
    let cause = failure.cause.clone().unwrap_or_default();
    let frame = failure
        .project_frame
        .as_ref()
        .filter(|f| shows_project_code(f));
    let fallback = settings_file.map(|file| Frame {
        file: Some(file.to_string()),
        line: None,
        function: None,
        code: None,
        project: Some(true),
        module: None,
    });
    let at = frame
        .or(fallback.as_ref())
        .map(|f| short_place(f, project))
        .unwrap_or_else(|| "?".into());
    let chain: Vec<String> = failure
        .chain
        .iter()
        .filter(|f| shows_project_code(f))
        .map(|f| short_place(f, project))
        .collect();
    let (diagnosis, summary, detail) = match failure.cause_code() {
        "app_only_under_debug" => app_only_under_debug(&cause, &at, project),
        "app_not_installed" => app_not_installed(&cause, &at),
        "module_removed_in_version" => module_removed(&cause, &at),
        "missing_module" => missing_module(&cause, &at, python),
        "optional_package_missing" => super::optional::optional_missing(&cause, &at, project),
        _ => super::optional::settings_value(failure, &at).unwrap_or_else(|| other(failure, &at)),
    };
    let mut outcome = Outcome::fail(diagnosis, summary)
        .with(
            "error",
            format!("{}: {}", failure.kind, first_line(&failure.message)),
        )
        .with("stage", failure.stage.clone().unwrap_or_default());
    if let Some(frame) = frame {
        outcome = outcome
            .at(frame.file.clone().unwrap_or_default(), frame.line)
            .with("imported_at", &at)
            .with("code", frame.code.clone().unwrap_or_default());
    } else if let Some(file) = settings_file {
        outcome = outcome.at(file, None);
    }
    if !chain.is_empty() {
        outcome = outcome
            .with("chain", chain.join(" -> "))
            .with("chain_modules", chain.len());
    }
    for key in [
        "package",
        "module",
        "distribution",
        "version",
        "debug",
        "debug_env",
        "installed",
        "in_installed_apps",
        "python",
    ] {
        if let Some(value) = cause.facts.get(key).filter(|v| !v.is_null()) {
            let value = value
                .as_str()
                .map(str::to_string)
                .unwrap_or(value.to_string());
            outcome = outcome.with(key, value);
        }
    }
    let mut detail = detail;
    if chain.len() > 1 {
        let arrow = chain.join("\n  -> ");
        let n = chain.len();
        detail = t!("Import chain ({n} project modules):\n  {arrow}\n{}", detail.en; "임포트 경로 (프로젝트 모듈 {n}개):\n  {arrow}\n{}", detail.ko);
    }
    outcome.with_detail(detail)
}

/// Python marks frames; this is the last guard that a location is never doctor's own script.
fn shows_project_code(frame: &Frame) -> bool {
    let Some(file) = frame.file.as_deref() else {
        return false;
    };
    frame.project != Some(false)
        && !file.starts_with('<')
        && !file.contains(&format!("/{}/", crate::python_helper::PACKAGE))
}

/// `orders/profiling.py:2`: relative to the project folder when it is inside it.
fn short_place(frame: &Frame, project: &Path) -> String {
    let file = frame.file.as_deref().unwrap_or("?");
    let shown = Path::new(file)
        .strip_prefix(project)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| file.to_string());
    match frame.line {
        Some(line) => format!("{shown}:{line}"),
        None => shown,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

type Worded = (&'static str, Text, Text);

fn app_only_under_debug(cause: &Cause, at: &str, project: &Path) -> Worded {
    let package = cause.text("package").unwrap_or("?");
    let installed = cause.flag("installed").unwrap_or(true);
    let debug = match cause.flag("debug") {
        Some(true) => t!("on"; "켜짐"),
        Some(false) => t!("off"; "꺼짐"),
        None => t!("unknown"; "알 수 없음"),
    };
    let condition = cause
        .facts
        .get("debug_condition")
        .and_then(|c| {
            let file = c.get("file")?.as_str()?;
            let line = c.get("line")?.as_u64()?;
            let shown = Path::new(file)
                .strip_prefix(project)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| file.to_string());
            let test = c.get("test").and_then(|t| t.as_str()).unwrap_or("DEBUG");
            Some(format!("`if {test}:` {shown}:{line}"))
        })
        .unwrap_or_else(|| "`if DEBUG:`".into());
    let switch = cause
        .text("debug_env")
        .map(|v| t!(" ({v}=1 turns it on)"; " ({v}=1로 켬)"))
        .unwrap_or_default();
    let (en_missing, ko_missing) = if installed {
        (String::new(), String::new())
    } else {
        (
            format!(", and `{package}` is not even installed in this Python"),
            format!(", 이 파이썬 환경에는 `{package}`가 설치되어 있지도 않음"),
        )
    };
    let summary = t!(
        "{at} imports `{package}`, an app the settings add only when DEBUG is on; DEBUG is {} now{en_missing}", debug.en;
        "{at}에서 `{package}`를 임포트하지만, 설정은 DEBUG가 켜졌을 때만 이 앱을 추가함; 지금 DEBUG {}{ko_missing}", debug.ko
    );
    let detail = t!(
        "`{package}` is in INSTALLED_APPS only under {condition}; DEBUG is {}{}, so importing it fails.\nFix: import `{package}` only where it is used and under the same DEBUG condition (e.g. `if settings.DEBUG:` around the import at {at}), or install it and add \"{package}\" to INSTALLED_APPS in every configuration.", debug.en, switch.en;
        "`{package}`는 {condition} 안에서만 INSTALLED_APPS에 추가됨; 지금 DEBUG {}{} 상태라 임포트가 실패함.\n해결: `{package}`는 쓰는 곳에서만, 설정과 같은 DEBUG 조건 아래에서 임포트 (예: {at}의 임포트를 `if settings.DEBUG:`로 감쌈). 또는 패키지를 설치하고 모든 설정의 INSTALLED_APPS에 \"{package}\"를 추가.", debug.ko, switch.ko
    );
    ("app_only_under_debug", summary, detail)
}

fn app_not_installed(cause: &Cause, at: &str) -> Worded {
    let package = cause.text("package").unwrap_or("?");
    let model = cause.text("model").unwrap_or(package);
    let summary = t!(
        "{at} imports {model}, but \"{package}\" is not in INSTALLED_APPS";
        "{at}에서 {model}를 임포트하지만 \"{package}\"가 INSTALLED_APPS에 없음"
    );
    let detail = t!(
        "Fix: add \"{package}\" to INSTALLED_APPS in every configuration that imports it, or import it only where the app is installed (the same condition in the settings and at {at}).";
        "해결: 이 앱을 임포트하는 모든 설정의 INSTALLED_APPS에 \"{package}\"를 추가하거나, 앱이 설치된 경우에만 임포트 (설정과 {at}에 같은 조건)."
    );
    ("app_not_installed", summary, detail)
}

fn module_removed(cause: &Cause, at: &str) -> Worded {
    let module = cause.text("module").unwrap_or("?");
    let package = cause.text("package").unwrap_or("?");
    let distribution = cause.text("distribution").unwrap_or(package);
    let version = cause.text("version").unwrap_or("?");
    let summary = t!(
        "{at} imports `{module}`, which does not exist in the installed {distribution} {version}";
        "{at}에서 `{module}`를 임포트하지만 설치된 {distribution} {version}에는 이 모듈이 없음"
    );
    let detail = t!(
        "`{package}` is installed ({distribution} {version}) but has no `{module}`: it was removed or never part of this version.\nFix: remove or replace the import at {at}, or pin {distribution} to an older version that still has `{module}`.";
        "`{package}`는 설치되어 있지만 ({distribution} {version}) `{module}`가 없음: 이 버전에서 제거되었거나 원래 없던 모듈임.\n해결: {at}의 임포트를 지우거나 바꾸기, 또는 `{module}`가 남아 있는 이전 {distribution} 버전으로 고정."
    );
    ("module_removed_in_version", summary, detail)
}

fn missing_module(cause: &Cause, at: &str, python: &str) -> Worded {
    let module = cause.text("module").unwrap_or("?");
    let package = cause.text("package").unwrap_or(module);
    let interpreter = cause.text("python").unwrap_or(python);
    let summary = t!(
        "{at} imports `{module}`, which is not installed in {interpreter}";
        "{at}에서 `{module}`를 임포트하지만 {interpreter} 환경에 설치되어 있지 않음"
    );
    let detail = t!(
        "Fix: install the distribution that provides `{package}` into this interpreter's environment (`{interpreter} -m pip install <distribution>`, usually listed in requirements.txt), or remove the import at {at}.";
        "해결: `{package}`를 제공하는 배포 패키지를 이 인터프리터 환경에 설치 (`{interpreter} -m pip install <배포 패키지>`, 보통 requirements.txt에 있음), 또는 {at}의 임포트를 삭제."
    );
    ("missing_module", summary, detail)
}

fn other(failure: &SetupError, at: &str) -> Worded {
    let kind = &failure.kind;
    let message = first_line(&failure.message);
    let summary = t!(
        "Django does not start: {kind}: {message} ({at})";
        "Django 시작 실패: {kind} ({at})"
    );
    let detail = t!(
        "`{kind}: {message}`\nFix: correct the code at {at}, then run `python manage.py check`.";
        "`{kind}: {message}`\n해결: {at}의 코드를 고친 뒤 `python manage.py check` 실행."
    );
    ("setup_failed", summary, detail)
}
