//! The "Over time" section: requests per second and the p95 and p50 response times per endpoint,
//! drawn as line charts (charts.rs) from the timeline, with their legends and captions.

use super::charts::{self, HLine, LineChart, Series};
use super::timeline::Timeline;
use super::{esc, figure, tr};
use crate::i18n::Lang;
use crate::load::RunReport;
use std::fmt::Write;

/// Colours of the endpoints' lines (Okabe–Ito, readable by most colour-blind readers).
const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f", "#6a3d9a",
];
/// Endpoints drawn one by one; the rest are summed into one line.
const MAX_LINES: usize = 8;

/// The legend under a chart.
fn legend(series: &[Series], words: &[&str]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for s in series {
        // Endpoints are names (code); the total and the rest are words.
        let label = if words.contains(&s.label.as_str()) {
            esc(&s.label)
        } else {
            format!("<code>{}</code>", esc(&s.label))
        };
        let _ = write!(
            out,
            "<li>{}{label}</li>",
            charts::swatch(s.color, s.width, s.dashed),
        );
    }
    out.push_str("</ul>");
    out
}

pub(super) fn over_time(h: &mut String, report: &RunReport, tl: &Timeline, lang: Lang) {
    let _ = writeln!(
        h,
        "<section id=\"charts\">\n<h2>{}</h2>",
        tr(lang, "Over time", "시간에 따른 변화")
    );
    if tl.seconds.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>\n</section>",
            tr(
                lang,
                "No second-by-second timeline was recorded for this run (doctor's Locust listener sent no points), so there are no charts.",
                "이 실행에는 초 단위 기록이 없어 차트를 그리지 않음 (doctor의 Locust 리스너가 보낸 기록 없음)."
            )
        );
        return;
    }
    let bands = tl.bands(lang);
    let x_title = tr(
        lang,
        "seconds since the run started",
        "실행 시작 후 경과 시간 (초)",
    );
    let x_unit = tr(lang, "s", "초");
    let shown = tl.endpoints.len().min(MAX_LINES);
    let rest = tl.endpoints.len() - shown;

    // Requests per second: the total and each endpoint.
    let total_label = tr(lang, "all endpoints", "전체");
    let others_label = match lang {
        Lang::Ko => format!("나머지 엔드포인트 {rest}개"),
        Lang::En => format!("{rest} other endpoints"),
    };
    let mut series = vec![Series {
        label: total_label.into(),
        color: "#1f2430",
        width: 2.6,
        dashed: false,
        points: tl.points(&tl.total_rps),
    }];
    for (i, e) in tl.endpoints.iter().take(shown).enumerate() {
        series.push(Series {
            label: e.label.clone(),
            color: PALETTE[i % PALETTE.len()],
            width: 1.6,
            dashed: false,
            points: tl.points(&e.rps),
        });
    }
    if rest > 0 {
        let mut others = vec![0.0; tl.seconds.len()];
        for e in tl.endpoints.iter().skip(shown) {
            for (o, v) in others.iter_mut().zip(&e.rps) {
                *o += v;
            }
        }
        series.push(Series {
            label: others_label.clone(),
            color: "#9aa3b2",
            width: 1.4,
            dashed: true,
            points: tl.points(&others),
        });
    }
    let rps_target = report.plan.targets.requests_per_min / 60.0;
    let rps_title = tr(lang, "Requests per second", "초당 요청 수");
    let drawn = charts::line_chart(&LineChart {
        series: &series,
        bands: &bands,
        x_max: tl.x_max,
        height: 320.0,
        x_title,
        y_title: tr(lang, "requests/s", "초당 요청"),
        x_unit,
        y_unit: "req/s",
        hline: Some(HLine {
            value: rps_target,
            label: match lang {
                Lang::Ko => format!(
                    "목표 ≥ 분당 {:.0} 요청 (초당 {:.1})",
                    report.plan.targets.requests_per_min, rps_target
                ),
                Lang::En => format!(
                    "target ≥ {:.0} req/min ({:.1} req/s)",
                    report.plan.targets.requests_per_min, rps_target
                ),
            },
        }),
        clip: false,
        title: rps_title,
    });
    figure(
        h,
        rps_title,
        &drawn.svg,
        &legend(&series, &[total_label, &others_label]),
        &[tr(
            lang,
            "Requests completed in each second, all endpoints (thick line) and each endpoint. Dashed vertical lines: a new stage starts (its user count above).",
            "매초 완료된 요청 수: 전체(굵은 선)와 엔드포인트별. 세로 점선: 새 단계 시작 (위에 사용자 수).",
        )
        .to_string()],
    );

    // Response times: p95 then p50, each endpoint.
    let p95_target = report.plan.targets.p95_ms;
    for (which, title, target) in [
        (
            95,
            tr(
                lang,
                "p95 response time per endpoint",
                "엔드포인트별 p95 응답 시간",
            ),
            Some(p95_target),
        ),
        (
            50,
            tr(
                lang,
                "p50 response time per endpoint",
                "엔드포인트별 p50 응답 시간",
            ),
            None,
        ),
    ] {
        let series: Vec<Series> = tl
            .endpoints
            .iter()
            .take(shown)
            .enumerate()
            .map(|(i, e)| Series {
                label: e.label.clone(),
                color: PALETTE[i % PALETTE.len()],
                width: 1.8,
                dashed: false,
                points: tl
                    .seconds
                    .iter()
                    .zip(if which == 95 { &e.p95 } else { &e.p50 })
                    .map(|(t, v)| (*t, *v))
                    .collect(),
            })
            .collect();
        if series
            .iter()
            .all(|s| s.points.iter().all(|p| p.1.is_none()))
        {
            let _ = writeln!(
                h,
                "<h3>{}</h3>\n<p class=\"note\">{}</p>",
                esc(title),
                tr(
                    lang,
                    "No response times in the timeline (no request completed).",
                    "기록에 응답 시간 없음 (완료된 요청 없음)."
                )
            );
            continue;
        }
        let drawn = charts::line_chart(&LineChart {
            series: &series,
            bands: &bands,
            x_max: tl.x_max,
            height: 320.0,
            x_title,
            y_title: tr(lang, "response time (ms)", "응답 시간 (ms)"),
            x_unit,
            y_unit: "ms",
            hline: target.map(|value| HLine {
                value,
                label: match lang {
                    Lang::Ko => format!("p95 목표 {} ms", charts::number(value, 1.0)),
                    Lang::En => format!("p95 target {} ms", charts::number(value, 1.0)),
                },
            }),
            clip: true,
            title,
        });
        let mut notes = vec![match (lang, which) {
            (Lang::Ko, 95) => "매초 각 엔드포인트 요청의 95%가 이 시간 안에 끝남. 빨간 점선: p95 목표.".to_string(),
            (Lang::Ko, _) => "매초 각 엔드포인트의 응답 시간 중앙값.".to_string(),
            (Lang::En, 95) => "In each second, 95% of the endpoint's requests finished within this time. Red dashed line: the p95 target.".to_string(),
            (Lang::En, _) => "The median response time of each endpoint in each second.".to_string(),
        }];
        if let Some(at) = drawn.clip_at.filter(|_| drawn.clipped > 0) {
            let (n, at, top) = (
                drawn.clipped,
                charts::number(at, 1.0),
                charts::number(drawn.highest, 1.0),
            );
            notes.push(match lang {
                Lang::Ko => format!(
                    "▲ 값 {n}개가 {at} ms를 넘어 위쪽 가장자리에 표시됨 (최대 {top} ms) — 나머지 선의 모양을 보이기 위해 잘라냄."
                ),
                Lang::En => format!(
                    "▲ {n} value(s) above {at} ms are drawn at the top edge (the highest was {top} ms) so that the other lines keep their shape."
                ),
            });
        }
        if drawn.hline_above {
            let target = charts::number(p95_target, 1.0);
            notes.push(match lang {
                Lang::Ko => format!("p95 목표 {target} ms는 이 눈금보다 위에 있음."),
                Lang::En => format!("The p95 target ({target} ms) is above this scale."),
            });
        }
        if rest > 0 {
            notes.push(match lang {
                Lang::Ko => format!("요청이 가장 많은 엔드포인트 {shown}개만 표시."),
                Lang::En => format!("Only the {shown} busiest endpoints are drawn."),
            });
        }
        figure(h, title, &drawn.svg, &legend(&series, &[]), &notes);
    }
    h.push_str("</section>\n");
}
