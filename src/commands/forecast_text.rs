//! `doctor forecast` as text: per stage the forecast and its limits (the limiting one first),
//! then the cost of each request with its repeated SQL and password hashing, worded in ko/en.

use crate::forecast::LimitKind;
use crate::forecast::gather::Answer;
use crate::i18n::Lang;
use crate::load::Plan;
use crate::locustfile::cost::RequestCost;
use crate::locustfile::offered::trim;
use crate::t;
use std::fmt::Write as _;

fn kind_word(kind: LimitKind, lang: Lang) -> &'static str {
    let (en, ko) = match kind {
        LimitKind::Pacing => ("pacing", "페이싱"),
        LimitKind::Capacity => ("server capacity", "서버 처리량"),
        LimitKind::Throttle => ("throttle", "스로틀"),
        LimitKind::Pool => ("user pool", "계정 풀"),
        LimitKind::Stock => ("stock", "재고"),
        LimitKind::Token => ("token lifetime", "토큰 수명"),
        LimitKind::DbConnections => ("database connections", "DB 연결"),
        LimitKind::LoadMachine => ("load machine", "부하 머신"),
        LimitKind::SqliteLocks => ("sqlite locks", "SQLite 잠금"),
    };
    if lang == Lang::Ko { ko } else { en }
}

pub fn render(answer: &Answer, plan: &Plan, lang: Lang) -> String {
    let mut out = String::new();
    let (url, file) = (&plan.base_url, plan.locustfile.display());
    let head = t!("Forecast before load (no request sent to {url}), locustfile {file}";
                  "부하 전 예측 ({url}에 요청을 보내지 않음), locustfile {file}");
    let _ = writeln!(out, "{}", head.get(lang));
    for note in &answer.notes {
        let _ = writeln!(out, "  ! {}", note.get(lang));
    }
    for (i, stage) in answer.stages.iter().enumerate() {
        let f = &stage.forecast;
        let (n, users) = (i + 1, stage.users);
        let (offered, rpm, p95) = (
            trim(f.offered_rpm.round()),
            trim(f.rpm.round()),
            trim(f.p95_ms.round()),
        );
        let failures = trim((f.failure_ratio * 1000.0).round() / 10.0);
        let by = kind_word(f.limiting, lang);
        let line = t!(
            "stage {n}: {users} users — offered {offered}/min, forecast {rpm}/min, p95 {p95} ms, failures {failures} %; limited by {by}";
            "{n}단계: 사용자 {users}명 — 제공 분당 {offered}건, 예측 분당 {rpm}건, p95 {p95} ms, 실패 {failures}%; 한계: {by}"
        );
        let _ = writeln!(out, "\n{}", line.get(lang));
        for limit in &f.limits {
            let _ = writeln!(
                out,
                "  - [{}] {}",
                kind_word(limit.kind, lang),
                limit.text.get(lang)
            );
        }
    }
    let title = t!("Cost per request (replayed in-process, rolled back)"; "요청별 비용 (프로세스 안에서 재생, 롤백)");
    let _ = writeln!(out, "\n{}", title.get(lang));
    let header = t!("wall ms  CPU ms  SQL  SQL ms  request"; "경과 ms  CPU ms  SQL  SQL ms  요청");
    let _ = writeln!(out, "  {}", header.get(lang));
    for cost in &answer.costs {
        let _ = writeln!(
            out,
            "  {:>7.1}  {:>6.1}  {:>3}  {:>6.1}  {}",
            cost.wall_ms, cost.cpu_ms, cost.sql_queries, cost.sql_ms, cost.request
        );
        for line in cost_notes(cost, answer, lang) {
            let _ = writeln!(out, "      {line}");
        }
    }
    out
}

/// The N+1 shapes with their frame and fix, and the password hashing a request does.
fn cost_notes(cost: &RequestCost, answer: &Answer, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    for r in cost.n_plus_one(crate::probes::request_costs::REPEATED_AT) {
        let text = crate::probes::request_costs::n_plus_one_text(cost, r);
        out.push(format!("⚠ {}", text.get(lang)));
    }
    if cost.password_checks > 0
        && let Some(h) = &answer.password_hasher
    {
        let algorithm = h.algorithm.clone().unwrap_or_default();
        let iterations = h
            .iterations
            .map(|i| i.to_string())
            .unwrap_or_else(|| "?".into());
        let ms = h
            .cpu_ms
            .map(|m| trim(m.round()))
            .unwrap_or_else(|| "?".into());
        let n = cost.password_checks;
        let text = t!(
            "+ {n} password hash: {algorithm}, {iterations} iterations, about {ms} ms of CPU each (not in the figures above)";
            "+ 비밀번호 해시 {n}회: {algorithm}, 반복 {iterations}회, 한 번에 CPU 약 {ms} ms (위 수치에 포함 안 됨)"
        );
        out.push(text.get(lang).to_string());
    }
    out
}
