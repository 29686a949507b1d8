//! The run report as one self-contained HTML page (`report.html`): inline CSS, charts drawn as
//! inline SVG, the flame graphs embedded as data URIs. No scripts, no fonts or files fetched:
//! it opens offline, from a mail attachment as well as from the run folder.

use super::words;
use crate::db_waits::StageWaits;
use crate::i18n::Lang;
use crate::load::{RunReport, StageReport};
use crate::profile::{FuncStat, SkewFactor, StageProfile};
use std::collections::BTreeMap;
use std::fmt::Write;

pub mod charts;

use charts::{Band, HLine, LineChart, Series};

/// Colours of the endpoints' lines (Okabe–Ito, readable by most colour-blind readers).
const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f", "#6a3d9a",
];
/// Endpoints drawn one by one; the rest are summed into one line.
const MAX_LINES: usize = 8;

/// Text for HTML (element content and quoted attributes alike).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for the embedded flame graphs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Write `report.html` into the run's folder; returns its file name.
pub fn save_html(report: &RunReport, lang: Lang) -> std::io::Result<String> {
    std::fs::create_dir_all(&report.run_dir)?;
    let name = "report.html";
    std::fs::write(report.run_dir.join(name), render(report, lang))?;
    Ok(name.to_string())
}

/// English or Korean.
fn tr(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    if lang == Lang::Ko { ko } else { en }
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{} ms", charts::number(v, 1.0)))
        .unwrap_or_else(|| "-".into())
}

fn pct(v: Option<f32>) -> String {
    v.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "-".into())
}

fn share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn stage_users(lang: Lang, users: u32) -> String {
    match lang {
        Lang::Ko => format!("사용자 {users}명"),
        Lang::En => format!("{users} users"),
    }
}

fn stage_title(lang: Lang, index: usize, users: u32) -> String {
    format!(
        "{} {} ({})",
        tr(lang, "Stage", "단계"),
        index + 1,
        stage_users(lang, users)
    )
}

/// The page.
pub fn render(report: &RunReport, lang: Lang) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>doctor run {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        if lang == Lang::Ko { "ko" } else { "en" },
        esc(&report.id)
    );
    header(&mut h, report, lang);
    summary(&mut h, report, lang);
    let timeline = Timeline::new(report);
    over_time(&mut h, report, &timeline, lang);
    failures(&mut h, report, &timeline, lang);
    for stage in &report.stages {
        stage_section(&mut h, report, stage, lang);
    }
    closing(&mut h, report, lang);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn header(h: &mut String, report: &RunReport, lang: Lang) {
    let outcome_class = match report.outcome {
        crate::load::Outcome::Passed => "ok",
        crate::load::Outcome::Missed => "miss",
        _ => "warn",
    };
    let _ = write!(
        h,
        "<header>\n<h1>doctor run <code>{}</code></h1>\n<p class=\"outcome {outcome_class}\">{}: {} <span class=\"dim\">({} {})</span></p>\n<dl class=\"facts\">\n",
        esc(&report.id),
        tr(lang, "Outcome", "결과"),
        esc(report.outcome.words(lang)),
        tr(lang, "exit code", "종료 코드"),
        report.exit_code
    );
    let mut fact = |label: &str, value: String| {
        let _ = writeln!(h, "<dt>{}</dt><dd>{value}</dd>", esc(label));
    };
    fact(
        tr(lang, "Target", "대상"),
        format!("<code>{}</code>", esc(&report.base_url)),
    );
    fact(
        "locustfile",
        format!(
            "<code>{}</code>",
            esc(&report.locustfile.display().to_string())
        ),
    );
    fact(
        tr(lang, "Time", "시간"),
        format!(
            "<code>{}</code> → <code>{}</code> ({:.0} {})",
            esc(&report.started_at),
            esc(&report.finished_at),
            report.duration_s,
            tr(lang, "s", "초")
        ),
    );
    if let Some(message) = &report.message {
        fact(
            tr(lang, "Message", "메시지"),
            esc(&words::message(message, report, lang)),
        );
    }
    let t = &report.plan.targets;
    fact(
        tr(lang, "Targets", "목표"),
        esc(&format!(
            "p95 ≤ {:.0} ms · {} ≤ {:.2}% · ≥ {:.0} {} · CPU < {:.0}% · {} < {:.0}%",
            t.p95_ms,
            tr(lang, "failures", "실패율"),
            t.error_ratio * 100.0,
            t.requests_per_min,
            tr(lang, "req/min", "분당 요청"),
            t.cpu_percent,
            tr(lang, "memory", "메모리"),
            t.memory_percent
        )),
    );
    if let Some(web) = &report.web_url {
        fact(
            tr(lang, "Locust web UI", "Locust 웹 UI"),
            format!("<code>{}</code>", esc(web)),
        );
    }
    h.push_str("</dl>\n");
    if !report.checks.is_empty() {
        let _ = write!(
            h,
            "<details><summary>{} ({})</summary>\n<ul class=\"checks\">\n",
            tr(lang, "Checks before load", "사전 점검"),
            report.checks.len()
        );
        for c in &report.checks {
            let _ = writeln!(
                h,
                "<li><span class=\"status {}\">{}</span> <code>{}</code>: {}</li>",
                esc(&c.status),
                esc(&words::status(&c.status, lang)),
                esc(&c.id),
                esc(c.summary.get(lang))
            );
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</header>\n");
}

/// A target's name in the summary's verdict column.
fn target_name(lang: Lang, key: &str) -> String {
    match key {
        "p95_ms" => "p95".into(),
        "error_ratio" => tr(lang, "failures", "실패율").into(),
        "requests_per_min" => tr(lang, "req/min", "분당 요청").into(),
        "cpu_percent" => "CPU".into(),
        "memory_percent" => tr(lang, "memory", "메모리").into(),
        other => other.into(),
    }
}

/// A summary cell judged by the stage's target `key`: marked when the target was missed.
fn judged_cell(stage: &StageReport, key: &str, value: String) -> String {
    match stage.verdict.targets.iter().find(|t| t.key == key) {
        Some(t) if !t.passed => format!(
            "<td class=\"num miss\" title=\"{}\">✗ {}</td>",
            esc(&t.text.en),
            esc(&value)
        ),
        Some(_) => format!("<td class=\"num ok\">{}</td>", esc(&value)),
        None => format!("<td class=\"num\">{}</td>", esc(&value)),
    }
}

fn summary(h: &mut String, report: &RunReport, lang: Lang) {
    let _ = writeln!(
        h,
        "<section id=\"summary\">\n<h2>{}</h2>",
        tr(lang, "Stages", "단계")
    );
    if report.stages.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>\n</section>",
            tr(
                lang,
                "No stage ran: the run ended before the first stage started.",
                "실행된 단계 없음: 첫 단계가 시작되기 전에 실행이 끝남."
            )
        );
        return;
    }
    let columns: &[&str] = if lang == Lang::Ko {
        &[
            "단계",
            "사용자 (도달)",
            "요청",
            "분당 요청",
            "실패율",
            "p50",
            "p95",
            "p99 (누적)",
            "시스템 CPU",
            "메모리",
            "판정",
        ]
    } else {
        &[
            "stage",
            "users (reached)",
            "requests",
            "req/min",
            "failures",
            "p50",
            "p95",
            "p99 (cum.)",
            "system CPU",
            "memory",
            "verdict",
        ]
    };
    h.push_str("<table class=\"summary\">\n<thead><tr>");
    for c in columns {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for s in &report.stages {
        let m = &s.measure;
        let missed: Vec<String> = s
            .verdict
            .missed()
            .into_iter()
            .map(|k| target_name(lang, k))
            .collect();
        let verdict = if s.verdict.passed {
            format!("<td class=\"ok\">{}</td>", crate::i18n::word(lang, "pass"))
        } else {
            format!(
                "<td class=\"miss\">{}{}</td>",
                crate::i18n::word(lang, "fail"),
                if missed.is_empty() {
                    String::new()
                } else {
                    format!(": {}", esc(&missed.join(", ")))
                }
            )
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#stage-{}\">{}</a>{}</td><td class=\"num\">{} ({})</td><td class=\"num\">{}</td>{}{}<td class=\"num\">{}</td>{}<td class=\"num\">{}</td>{}{}{}</tr>",
            s.index + 1,
            s.index + 1,
            if s.interrupted {
                format!(
                    " <span class=\"dim\">{}</span>",
                    tr(lang, "interrupted", "중단됨")
                )
            } else {
                String::new()
            },
            m.users,
            s.users_reached,
            charts::number(m.requests as f64, 1.0),
            judged_cell(s, "requests_per_min", charts::number(s.rpm, 1.0)),
            judged_cell(
                s,
                "error_ratio",
                format!("{:.2}% ({})", m.failure_ratio() * 100.0, m.failures)
            ),
            esc(&ms(s.p50_ms)),
            judged_cell(s, "p95_ms", ms(m.p95_ms)),
            esc(&ms(s.cumulative_p99_ms)),
            judged_cell(s, "cpu_percent", pct(m.cpu_avg)),
            judged_cell(s, "memory_percent", pct(m.memory_max)),
            verdict
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table>\n<p class=\"caption\">{}</p>\n</section>",
        tr(
            lang,
            "✗ marks a missed target (hover for the figure against its target). Stage p95: Locust's figure for the stage.",
            "✗ 표시는 놓친 목표 (마우스를 올리면 목표 대비 수치). 단계 p95: 해당 단계에 대한 Locust 수치."
        )
    );
}

/// One endpoint's seconds.
struct EndpointLine {
    label: String,
    requests: u64,
    failures: u64,
    /// Per second of `Timeline::seconds`.
    rps: Vec<f64>,
    p50: Vec<Option<f64>>,
    p95: Vec<Option<f64>>,
}

/// The timeline by second: every second of the run that has a point, and each endpoint's values.
struct Timeline {
    seconds: Vec<f64>,
    endpoints: Vec<EndpointLine>,
    total_rps: Vec<f64>,
    failures: Vec<f64>,
    x_max: f64,
    bands: Vec<Band>,
}

impl Timeline {
    fn new(report: &RunReport) -> Timeline {
        let key = |t: f64| (t * 1000.0).round() as i64;
        let mut index: BTreeMap<i64, f64> = BTreeMap::new();
        for p in &report.timeline {
            index.insert(key(p.t_s), p.t_s);
        }
        let seconds: Vec<f64> = index.values().copied().collect();
        let slot: BTreeMap<i64, usize> = index.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let n = seconds.len();
        let mut endpoints: Vec<EndpointLine> = Vec::new();
        let mut total_rps = vec![0.0; n];
        let mut failures = vec![0.0; n];
        for p in &report.timeline {
            let label = crate::load::stats::endpoint_key(&p.method, &p.name);
            let i = slot[&key(p.t_s)];
            let e = match endpoints.iter().position(|e| e.label == label) {
                Some(e) => &mut endpoints[e],
                None => {
                    endpoints.push(EndpointLine {
                        label,
                        requests: 0,
                        failures: 0,
                        rps: vec![0.0; n],
                        p50: vec![None; n],
                        p95: vec![None; n],
                    });
                    endpoints.last_mut().expect("just pushed")
                }
            };
            e.requests += p.requests;
            e.failures += p.failures;
            e.rps[i] += p.requests as f64;
            e.p50[i] = p.p50_ms.or(e.p50[i]);
            e.p95[i] = p.p95_ms.or(e.p95[i]);
            total_rps[i] += p.requests as f64;
            failures[i] += p.failures as f64;
        }
        endpoints.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.label.cmp(&b.label)));
        let mut bands: Vec<Band> = report
            .stages
            .iter()
            .map(|s| Band {
                start: s.start_s,
                end: s.end_s,
                label: String::new(),
            })
            .collect();
        let users: Vec<u32> = report.stages.iter().map(|s| s.measure.users).collect();
        if bands.is_empty() {
            // No stage reports (an interrupted run): the stages from the timeline itself.
            let mut seen: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
            for p in &report.timeline {
                let e = seen.entry(p.stage).or_insert((p.t_s, p.t_s + 1.0));
                e.0 = e.0.min(p.t_s);
                e.1 = e.1.max(p.t_s + 1.0);
            }
            for (stage, (start, end)) in seen {
                bands.push(Band {
                    start,
                    end,
                    label: report
                        .plan
                        .stages
                        .get(stage)
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                });
            }
        } else {
            for (band, users) in bands.iter_mut().zip(users) {
                band.label = users.to_string();
            }
        }
        let x_max = seconds
            .last()
            .map(|t| t + 1.0)
            .unwrap_or(0.0)
            .max(bands.iter().map(|b| b.end).fold(0.0, f64::max));
        Timeline {
            seconds,
            endpoints,
            total_rps,
            failures,
            x_max,
            bands,
        }
    }

    fn bands(&self, lang: Lang) -> Vec<Band> {
        self.bands
            .iter()
            .map(|b| Band {
                label: match b.label.parse::<u32>() {
                    Ok(users) => stage_users(lang, users),
                    Err(_) => b.label.clone(),
                },
                ..b.clone()
            })
            .collect()
    }

    fn points(&self, values: &[f64]) -> Vec<(f64, Option<f64>)> {
        self.seconds
            .iter()
            .zip(values)
            .map(|(t, v)| (*t, Some(*v)))
            .collect()
    }
}

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

fn over_time(h: &mut String, report: &RunReport, tl: &Timeline, lang: Lang) {
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

fn figure(h: &mut String, title: &str, svg: &str, legend: &str, notes: &[String]) {
    let _ = writeln!(
        h,
        "<figure>\n<h3>{}</h3>\n{svg}\n{legend}\n<figcaption>{}</figcaption>\n</figure>",
        esc(title),
        notes
            .iter()
            .map(|n| esc(n))
            .collect::<Vec<_>>()
            .join("<br>")
    );
}

fn failures(h: &mut String, report: &RunReport, tl: &Timeline, lang: Lang) {
    let _ = writeln!(
        h,
        "<section id=\"failures\">\n<h2>{}</h2>",
        tr(lang, "Failures", "실패")
    );
    // Per endpoint: the timeline's counts, or the stages' own when there is no timeline.
    let mut rows: Vec<(String, u64, u64)> = tl
        .endpoints
        .iter()
        .map(|e| (e.label.clone(), e.requests, e.failures))
        .collect();
    if rows.is_empty() {
        for s in &report.stages {
            for e in s.measure.spawning.iter().chain(&s.measure.steady) {
                let label = e.label();
                match rows.iter_mut().find(|r| r.0 == label) {
                    Some(r) => {
                        r.1 += e.requests;
                        r.2 += e.failures;
                    }
                    None => rows.push((label, e.requests, e.failures)),
                }
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    }
    let total_failures: u64 = rows.iter().map(|r| r.2).sum();
    if rows.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            tr(lang, "No requests were recorded.", "기록된 요청 없음.")
        );
    } else {
        let _ = write!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(lang, "endpoint", "엔드포인트"),
            tr(lang, "requests", "요청"),
            tr(lang, "failures", "실패"),
            tr(lang, "failure rate", "실패율")
        );
        let limit = report.plan.targets.error_ratio;
        for (label, requests, fails) in &rows {
            let ratio = crate::load::stats::ratio(*fails, *requests);
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num{}\">{:.2}%</td></tr>",
                esc(label),
                charts::number(*requests as f64, 1.0),
                charts::number(*fails as f64, 1.0),
                if ratio > limit { " miss" } else { "" },
                ratio * 100.0
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !tl.seconds.is_empty() {
        if total_failures == 0 {
            let _ = writeln!(
                h,
                "<p class=\"note\">{}</p>",
                tr(
                    lang,
                    "No request failed during the run.",
                    "실행 중 실패한 요청 없음."
                )
            );
        } else {
            let bars: Vec<(f64, f64)> = tl
                .seconds
                .iter()
                .copied()
                .zip(tl.failures.iter().copied())
                .collect();
            let title = tr(lang, "Failures per second", "초당 실패 수");
            let svg = charts::bar_strip(
                &bars,
                &tl.bands(lang),
                tl.x_max,
                (
                    title,
                    tr(
                        lang,
                        "seconds since the run started",
                        "실행 시작 후 경과 시간 (초)",
                    ),
                    tr(lang, "failures/s", "초당 실패"),
                ),
                "#c62828",
            );
            figure(
                h,
                title,
                &svg,
                "",
                &[tr(
                    lang,
                    "Failed requests in each second, all endpoints.",
                    "매초 실패한 요청 수 (전체 엔드포인트).",
                )
                .to_string()],
            );
        }
    }
    let errors: Vec<(usize, &crate::load::stats::ErrorRow)> = report
        .stages
        .iter()
        .flat_map(|s| s.measure.errors.iter().map(move |e| (s.index, e)))
        .collect();
    if !errors.is_empty() {
        let _ = write!(
            h,
            "<h3>{}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(lang, "Errors by endpoint", "엔드포인트별 오류"),
            tr(lang, "stage", "단계"),
            tr(lang, "endpoint", "엔드포인트"),
            tr(lang, "error", "오류"),
            tr(lang, "count", "횟수")
        );
        for (stage, e) in errors {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                stage + 1,
                esc(&crate::load::stats::endpoint_key(
                    e.method.as_deref().unwrap_or(""),
                    &e.name
                )),
                esc(&e.error),
                charts::number(e.occurrences as f64, 1.0)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

fn stage_section(h: &mut String, report: &RunReport, s: &StageReport, lang: Lang) {
    let m = &s.measure;
    let _ = writeln!(
        h,
        "<section class=\"stage\" id=\"stage-{}\">\n<h2>{} <span class=\"badge {}\">{}</span>{}</h2>",
        s.index + 1,
        esc(&stage_title(lang, s.index, m.users)),
        if s.verdict.passed { "ok" } else { "miss" },
        crate::i18n::word(lang, if s.verdict.passed { "pass" } else { "fail" }),
        if s.interrupted {
            format!(
                " <span class=\"dim\">— {}</span>",
                tr(lang, "interrupted", "중단됨")
            )
        } else {
            String::new()
        }
    );
    let (start, end) = (s.start_s, s.end_s);
    let _ = writeln!(
        h,
        "<p class=\"dim\">{}</p>",
        esc(&match lang {
            Lang::Ko => format!(
                "{start:.0}–{end:.0}초, 도달한 사용자 {}명, 초당 요청 {:.1}, 분당 요청 {:.0}",
                s.users_reached, s.rps, s.rpm
            ),
            Lang::En => format!(
                "{start:.0}–{end:.0} s, {} users reached, {:.1} req/s, {:.0} req/min",
                s.users_reached, s.rps, s.rpm
            ),
        })
    );
    // The verdict's sentences.
    h.push_str("<ul class=\"verdict\">\n");
    for t in &s.verdict.targets {
        let _ = writeln!(
            h,
            "<li class=\"{}\"><span class=\"mark\">{}</span> {}</li>",
            if t.passed { "ok" } else { "miss" },
            if t.passed { "✓" } else { "✗" },
            esc(t.text.get(lang))
        );
    }
    for (class, label, texts) in [
        ("problem", tr(lang, "problem", "문제"), &s.verdict.problems),
        ("cause", tr(lang, "likely cause", "원인"), &s.verdict.causes),
        ("pattern", tr(lang, "pattern", "패턴"), &s.verdict.patterns),
    ] {
        for t in texts {
            let _ = writeln!(
                h,
                "<li class=\"{class}\"><strong>{}</strong>: {}</li>",
                esc(label),
                esc(t.get(lang))
            );
        }
    }
    h.push_str("</ul>\n");
    // Resources, as the Markdown report words them.
    let (cpu, mem, scpu, smax) = (
        pct(m.cpu_avg),
        pct(m.memory_max),
        pct(m.server_cpu_avg),
        pct(s.server_cpu_max),
    );
    let rss = s
        .server_rss_max_mb
        .map(|r| format!("{r} MB"))
        .unwrap_or_else(|| "-".into());
    let lcpu = pct(m.locust_cpu_max);
    let db = m
        .db_connections_max
        .map(|(u, x)| format!("{u}/{x}"))
        .unwrap_or_else(|| "-".into());
    let resources = crate::t!(
        "Resources: system CPU avg {cpu}, memory max {mem}, server CPU avg {scpu} / max {smax}, server RSS max {rss}, Locust CPU max {lcpu}, DB connections {db}";
        "리소스: 시스템 CPU 평균 {cpu}, 메모리 최대 {mem}, 서버 CPU 평균 {scpu} / 최대 {smax}, 서버 RSS 최대 {rss}, Locust CPU 최대 {lcpu}, DB 연결 {db}"
    );
    let _ = writeln!(h, "<p>{}</p>", esc(resources.get(lang)));
    endpoint_phases(h, s, lang);
    if !m.exceptions.is_empty() {
        let _ = writeln!(
            h,
            "<h3>{}</h3>",
            tr(lang, "Exceptions in tasks", "태스크 예외")
        );
        for e in &m.exceptions {
            let _ = writeln!(
                h,
                "<p>{}× <code>{}</code></p>\n<pre>{}</pre>",
                e.count,
                esc(&e.msg),
                esc(e.traceback.trim_end())
            );
        }
    }
    match &s.profile {
        Some(p) => profile(h, report, p, lang),
        None => {
            let _ = writeln!(
                h,
                "<h3>{}</h3>\n<p class=\"note\">{}</p>",
                tr(
                    lang,
                    "Where the server spent its time",
                    "서버가 시간을 쓴 곳"
                ),
                esc(&report
                    .profile_note
                    .as_ref()
                    .map(|n| n.get(lang).to_string())
                    .unwrap_or_else(|| {
                        tr(
                            lang,
                            "The server was not profiled during this stage.",
                            "이 단계에서는 서버를 프로파일링하지 않음.",
                        )
                        .to_string()
                    }))
            );
        }
    }
    db_waits(h, s.waits.as_ref(), lang);
    h.push_str("</section>\n");
}

fn endpoint_phases(h: &mut String, s: &StageReport, lang: Lang) {
    let m = &s.measure;
    if m.spawning.is_empty() && m.steady.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        tr(lang, "phase", "구간"),
        tr(lang, "endpoint", "엔드포인트"),
        tr(lang, "requests", "요청"),
        tr(lang, "failures", "실패"),
        tr(lang, "mean", "평균")
    );
    for (phase, rows) in [
        (tr(lang, "spawning", "사용자 증가 중"), &m.spawning),
        (tr(lang, "steady", "안정 구간"), &m.steady),
    ] {
        for e in rows {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(phase),
                esc(&e.label()),
                charts::number(e.requests as f64, 1.0),
                charts::number(e.failures as f64, 1.0),
                esc(&ms(Some(e.mean_ms)))
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
}

fn skew_name(lang: Lang, factor: SkewFactor) -> &'static str {
    match factor {
        SkewFactor::Silk => "django-silk",
        SkewFactor::DebugToolbar => "django-debug-toolbar",
        SkewFactor::Logging => tr(lang, "logging I/O", "로깅 I/O"),
        SkewFactor::DebugSql => tr(
            lang,
            "DEBUG = True recording SQL",
            "DEBUG = True의 SQL 기록",
        ),
        SkewFactor::Runserver => "runserver",
    }
}

fn functions_table(h: &mut String, title: &str, rows: &[FuncStat], lang: Lang) {
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<h4>{}</h4>\n<table class=\"functions\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(title),
        tr(lang, "function", "함수"),
        tr(lang, "file:line", "파일:줄"),
        tr(lang, "share", "비중"),
        tr(lang, "view", "뷰"),
        tr(lang, "code", "코드")
    );
    for f in rows.iter().take(15) {
        let _ = writeln!(
            h,
            "<tr class=\"{}\"><td><code>{}</code></td><td><code>{}:{}</code></td><td class=\"num\"><span class=\"bar\" style=\"width:{:.0}px\"></span>{}</td><td>{}</td><td>{}</td></tr>",
            if f.project { "project" } else { "library" },
            esc(&f.function),
            esc(&f.file),
            f.line,
            (f.share.clamp(0.0, 1.0) * 80.0).round(),
            share(f.share),
            f.view
                .as_deref()
                .map(|v| format!("<code>{}</code>", esc(v)))
                .unwrap_or_else(|| "-".into()),
            if f.project {
                tr(lang, "project", "프로젝트")
            } else {
                tr(lang, "library", "라이브러리")
            }
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn profile(h: &mut String, report: &RunReport, p: &StageProfile, lang: Lang) {
    let _ = writeln!(
        h,
        "<h3>{}</h3>",
        tr(
            lang,
            "Where the server spent its time",
            "서버가 시간을 쓴 곳"
        )
    );
    let (rounds, pids, busy) = (p.rounds, p.pids.len(), share(p.busy_share));
    let _ = writeln!(
        h,
        "<p>{}</p>",
        esc(&match lang {
            Lang::Ko => format!(
                "서버 프로세스 {pids}개를 {rounds}회 샘플링: Python 코드를 실행하며 바빴던 비율 {busy} (프로세스 평균, 바쁜 샘플 {}개).",
                p.busy_samples
            ),
            Lang::En => format!(
                "{pids} server process(es) sampled in {rounds} rounds: busy running Python in {busy} of them (average per process; {} busy samples).",
                p.busy_samples
            ),
        })
    );
    if p.per_pid.len() > 1 {
        let _ = write!(
            h,
            "<table class=\"pids\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(lang, "process", "프로세스"),
            tr(lang, "rounds", "샘플링 횟수"),
            tr(lang, "samples running Python", "Python 실행 샘플"),
            tr(
                lang,
                "samples waiting on the database",
                "데이터베이스 대기 샘플"
            )
        );
        for pid in &p.per_pid {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                pid.pid,
                charts::number(pid.rounds as f64, 1.0),
                charts::number(pid.busy_samples as f64, 1.0),
                charts::number(pid.wait_samples as f64, 1.0)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !p.skew.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"warn\"><strong>{}</strong>: {}</p>",
            tr(lang, "Skewing the test", "테스트를 왜곡하는 요소"),
            p.skew
                .iter()
                .map(|k| format!(
                    "{} {}{}",
                    esc(skew_name(lang, k.factor)),
                    share(k.share),
                    k.top
                        .as_ref()
                        .map(|f| format!(" (<code>{}:{}</code>)", esc(&f.file), f.line))
                        .unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    functions_table(
        h,
        tr(
            lang,
            "Top functions by self time",
            "자체 시간 기준 상위 함수",
        ),
        &p.top_self,
        lang,
    );
    functions_table(
        h,
        tr(
            lang,
            "Top functions including what they call",
            "호출한 함수 포함 상위 함수",
        ),
        &p.top_total,
        lang,
    );
    if !p.waits.is_empty() {
        let _ = write!(
            h,
            "<h4>{}</h4>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            tr(
                lang,
                "Request threads waiting on the database",
                "데이터베이스를 기다린 요청 스레드"
            ),
            tr(lang, "function", "함수"),
            tr(lang, "file:line", "파일:줄"),
            tr(lang, "driver", "드라이버"),
            tr(lang, "threads waiting (avg)", "대기 스레드 (평균)"),
            tr(lang, "view", "뷰")
        );
        for w in &p.waits {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}:{}</code></td><td><code>{}</code></td><td class=\"num\">{:.1}</td><td>{}</td></tr>",
                esc(&w.function),
                esc(&w.file),
                w.line,
                esc(&w.driver),
                w.threads_avg,
                w.view
                    .as_deref()
                    .map(|v| format!("<code>{}</code>", esc(v)))
                    .unwrap_or_else(|| "-".into())
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if let Some(name) = &p.flame_graph {
        let _ = writeln!(h, "<h4>{}</h4>", tr(lang, "Flame graph", "플레임 그래프"));
        match std::fs::read(report.run_dir.join(name)) {
            Ok(bytes) => {
                let _ = writeln!(
                    h,
                    "<figure class=\"flame\"><img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\"><figcaption>{} <a href=\"{}\"><code>{}</code></a></figcaption></figure>",
                    esc(tr(lang, "flame graph", "플레임 그래프")),
                    base64(&bytes),
                    tr(
                        lang,
                        "Width: share of samples. Searchable and zoomable in its own file:",
                        "너비: 샘플 비중. 검색과 확대는 원본 파일에서:"
                    ),
                    esc(name),
                    esc(name)
                );
            }
            Err(e) => {
                let _ = writeln!(
                    h,
                    "<p class=\"note\">{} <code>{}</code>: {}</p>",
                    tr(
                        lang,
                        "Cannot read the flame graph",
                        "플레임 그래프를 읽을 수 없음"
                    ),
                    esc(name),
                    esc(&e.to_string())
                );
            }
        }
    }
}

fn db_waits(h: &mut String, waits: Option<&StageWaits>, lang: Lang) {
    let _ = writeln!(
        h,
        "<h3>{}</h3>",
        tr(lang, "Database waits", "데이터베이스 대기")
    );
    let Some(w) = waits else {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            tr(
                lang,
                "Not sampled during this stage (PostgreSQL only).",
                "이 단계에서는 수집하지 않음 (PostgreSQL 전용)."
            )
        );
        return;
    };
    let (samples, sessions, waiting) = (w.samples, w.peak_sessions, w.peak_waiting);
    let mut facts = vec![match lang {
        Lang::Ko => {
            format!("샘플 {samples}개: 가장 바쁜 순간 세션 {sessions}개 중 {waiting}개 대기")
        }
        Lang::En => {
            format!("{samples} samples: at the busiest, {waiting} of {sessions} sessions waited")
        }
    }];
    if let Some((used, max)) = w.connections_peak {
        facts.push(match lang {
            Lang::Ko => format!("최대 연결 {used}/{max}"),
            Lang::En => format!("connections at peak {used}/{max}"),
        });
    }
    if let Some(pool) = w.pool_max {
        facts.push(match lang {
            Lang::Ko => format!("앱 연결 풀 최대 {pool}"),
            Lang::En => format!("the app's pool holds {pool}"),
        });
    }
    // At a limit: the server's max_connections and the app's pool apart when the sampler
    // told them apart, else the share of samples at either.
    let limits = [
        (
            w.server_at_limit_share,
            "max_connections",
            "max_connections",
        ),
        (w.pool_at_limit_share, "the pool", "연결 풀"),
    ];
    if limits.iter().any(|l| l.0 > 0.0) {
        for (value, en, ko) in limits.into_iter().filter(|l| l.0 > 0.0) {
            let limit = share(value);
            facts.push(match lang {
                Lang::Ko => format!("샘플의 {limit}에서 연결이 한도({ko})에 닿음"),
                Lang::En => format!("connections at {en} in {limit} of the samples"),
            });
        }
    } else if w.at_limit_share > 0.0 {
        let limit = share(w.at_limit_share);
        facts.push(match lang {
            Lang::Ko => format!("샘플의 {limit}에서 연결이 한도에 닿음"),
            Lang::En => format!("connections at a limit in {limit} of the samples"),
        });
    }
    let _ = writeln!(h, "<p>{}.</p>", esc(&facts.join(", ")));
    if w.groups.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            tr(lang, "No session waited.", "기다린 세션 없음.")
        );
        return;
    }
    let _ = write!(
        h,
        "<table class=\"waits\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        tr(lang, "waiting on", "대기 대상"),
        tr(lang, "query", "쿼리"),
        tr(lang, "blocked by", "막은 쿼리"),
        tr(lang, "peak (of sessions)", "최대 (전체 세션 중)"),
        tr(lang, "session samples", "세션 샘플")
    );
    // PostgreSQL's own words (states, events) stay as they are, in code.
    let state = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!("<br><span class=\"dim\"><code>{}</code></span>", esc(s))
        }
    };
    for g in &w.groups {
        let blocker = match &g.blocking_query {
            Some(q) => format!(
                "<code class=\"sql\">{}</code>{}",
                esc(q),
                state(g.blocking_state.as_deref().unwrap_or(""))
            ),
            None => "-".into(),
        };
        let peak = if g.peak_of_sessions > 0 {
            format!("{} / {}", g.peak, g.peak_of_sessions)
        } else {
            g.peak.to_string()
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}/{}</code>{}</td><td><code class=\"sql\">{}</code></td><td>{blocker}</td><td class=\"num\">{peak}</td><td class=\"num\">{}</td></tr>",
            esc(&g.wait_event_type),
            esc(&g.wait_event),
            state(&g.state),
            esc(&g.query),
            g.session_samples
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn closing(h: &mut String, report: &RunReport, lang: Lang) {
    if let Some(t) = &report.totals {
        let (requests, failures) = (t.requests, t.failures);
        let (p50, p95, p99) = (ms(t.p50_ms), ms(t.p95_ms), ms(t.p99_ms));
        let max = ms(Some(t.max_ms));
        let totals = crate::t!(
            "{requests} requests, {failures} failures, p50 {p50}, p95 {p95}, p99 {p99}, max {max} (Locust's --json-file)";
            "요청 {requests}건, 실패 {failures}건, p50 {p50}, p95 {p95}, p99 {p99}, 최대 {max} (Locust --json-file 기준)"
        );
        let _ = writeln!(
            h,
            "<section id=\"totals\">\n<h2>{}</h2>\n<p>{}</p>\n</section>",
            tr(lang, "Totals", "전체"),
            esc(totals.get(lang))
        );
    }
    if !report.comparison.is_empty() {
        let _ = writeln!(
            h,
            "<section id=\"comparison\">\n<h2>{}</h2>\n<ul>",
            tr(lang, "Compared with the previous run", "이전 실행과 비교")
        );
        for c in &report.comparison {
            let _ = writeln!(h, "<li>{}</li>", esc(c.get(lang)));
        }
        h.push_str("</ul>\n</section>\n");
    }
    if !report.files.is_empty() {
        let _ = writeln!(
            h,
            "<section id=\"files\">\n<h2>{}</h2>\n<ul class=\"files\">",
            tr(lang, "Files", "파일")
        );
        for f in &report.files {
            let _ = writeln!(
                h,
                "<li><a href=\"{}\"><code>{}</code></a></li>",
                esc(f),
                esc(f)
            );
        }
        h.push_str("</ul>\n</section>\n");
    }
}

const CSS: &str = r#"
:root { color-scheme: light; --fg: #1f2430; --dim: #5b6578; --line: #d6dbe4; --ok: #1b7f3b; --ok-bg: #e6f4ea; --miss: #b3261e; --miss-bg: #fde7e6; --warn-bg: #fff4d6; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--fg); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 21px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
h4 { font-size: 15px; margin: 18px 0 6px; color: var(--dim); }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f3f4f7; padding: 10px 12px; overflow-x: auto; border-radius: 6px; }
.dim { color: var(--dim); font-weight: normal; }
.outcome { display: inline-block; margin: 4px 0 12px; padding: 4px 12px; border-radius: 6px; font-weight: 600; }
.outcome.ok, .badge.ok { background: var(--ok-bg); color: var(--ok); }
.outcome.miss, .badge.miss { background: var(--miss-bg); color: var(--miss); }
.outcome.warn { background: var(--warn-bg); color: #7a5200; }
.badge { font-size: 13px; padding: 2px 8px; border-radius: 5px; vertical-align: middle; margin-left: 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--dim); }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f6; font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.ok { color: var(--ok); }
td.miss, tbody tr:nth-child(even) td.miss { background: var(--miss-bg); color: var(--miss); font-weight: 600; }
td code.sql { white-space: pre-wrap; word-break: break-word; }
tr.project td:first-child code { font-weight: 600; }
.bar { display: inline-block; height: 9px; background: #8fb3de; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.caption, figcaption { color: var(--dim); font-size: 13px; margin: 4px 0 0; }
figure { margin: 12px 0 28px; }
figure h3 { margin-top: 8px; }
svg.chart { width: 100%; height: auto; display: block; background: #fff; }
svg.chart text { font-family: system-ui, "Noto Sans", "Noto Sans CJK KR", Arial, sans-serif; fill: #3b4352; }
svg.chart text.tick { font-size: 12px; }
svg.chart text.axis { font-size: 13px; fill: #5b6578; }
svg.chart text.stage { font-size: 13px; font-weight: 600; fill: #3d4a63; }
svg.chart text.target { font-size: 12px; fill: #b3261e; font-weight: 600; }
svg.chart text.target, svg.chart text.stage { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 6px 0; font-size: 13px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
ul.verdict { list-style: none; padding: 0; }
ul.verdict li { margin: 3px 0; padding: 3px 8px; border-left: 3px solid var(--line); }
ul.verdict li.ok { border-color: var(--ok); }
ul.verdict li.miss { border-color: var(--miss); background: var(--miss-bg); }
ul.verdict li.problem { border-color: var(--miss); }
ul.verdict li.cause, ul.verdict li.pattern { border-color: #e69f00; background: #fffaf0; }
.mark { font-weight: 700; }
li.ok .mark { color: var(--ok); }
li.miss .mark { color: var(--miss); }
.note { color: var(--dim); font-style: italic; }
p.warn { background: var(--warn-bg); padding: 6px 10px; border-radius: 6px; }
section.stage { border-top: 1px solid transparent; }
figure.flame img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
.status.fail, .status.error { color: var(--miss); font-weight: 600; }
.status.pass { color: var(--ok); }
details summary { cursor: pointer; color: var(--dim); margin: 12px 0 4px; }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::plan::{Plan, Targets};
    use crate::load::timeline::SecondPoint;
    use crate::load::verdict::{StageMeasure, judge};

    /// A plan as `doctor run --stages 100,500 --stage-time 20s` makes it (through
    /// `Plan::build`, so fields added to Plan later need no change here).
    fn plan() -> Plan {
        let project = std::env::temp_dir().join("doctor-html-unit");
        std::fs::create_dir_all(&project).unwrap();
        // Its own (empty) doctor.toml: none found further up can change the plan.
        std::fs::write(project.join("doctor.toml"), "").unwrap();
        let config = crate::config::Config::load_with_env(
            &project,
            &crate::config::Overrides::default(),
            &|_| None,
        )
        .unwrap();
        let flags = crate::load::plan::RunFlags {
            stages: Some("100,500".into()),
            stage_time: Some("20s".into()),
            spawn_rate: Some(50.0),
            keep_going: true,
            locustfile: Some("/srv/shop/locustfile.py".into()),
            ..Default::default()
        };
        Plan::build(&config, &flags, &project).unwrap()
    }

    fn stage(index: usize, users: u32, start: f64, p95: f64) -> StageReport {
        let measure = StageMeasure {
            users,
            spawn_rate: 50.0,
            secs: 20.0,
            requests: 20 * users as u64,
            failures: if index == 1 { 400 } else { 0 },
            p95_ms: Some(p95),
            cpu_avg: Some(40.0),
            memory_max: Some(50.0),
            ..Default::default()
        };
        let verdict = judge(&measure, &Targets::default());
        StageReport {
            index,
            users_reached: users as u64,
            rps: measure.requests as f64 / 20.0,
            rpm: measure.rpm(),
            p50_ms: Some(p95 / 3.0),
            p95_max_window_ms: Some(p95),
            cumulative_p99_ms: Some(p95 * 1.5),
            server_cpu_max: None,
            server_rss_max_mb: None,
            doctor_cpu_avg: None,
            load_cpu_avg: None,
            worker_requests: Default::default(),
            other_cpu_avg: None,
            doctor_rss_max_mb: None,
            tcp_states_end: Default::default(),
            workers: None,
            interrupted: false,
            verdict,
            start_s: start,
            end_s: start + 20.0,
            profile: None,
            waits: None,
            measure,
        }
    }

    fn report(endpoint: &str) -> RunReport {
        let mut r = RunReport::new(&plan());
        r.finish(crate::load::Outcome::Missed, None);
        r.stages = vec![stage(0, 100, 0.0, 300.0), stage(1, 500, 20.0, 2600.0)];
        r.profile_note = Some(crate::t!(
            "not profiled: ptrace is not permitted";
            "프로파일링 안 함: ptrace 권한 없음"
        ));
        for t in 0..40 {
            for (name, base) in [(endpoint, 100.0), ("/api/products/", 40.0)] {
                r.timeline.push(SecondPoint {
                    t_s: t as f64,
                    stage: t / 20,
                    method: "GET".into(),
                    name: name.into(),
                    requests: 50 + t as u64,
                    failures: if t > 30 { 3 } else { 0 },
                    p50_ms: Some(base),
                    p95_ms: Some(base * 2.0 + t as f64 * 30.0),
                });
            }
        }
        r
    }

    /// The text a reader sees: tags, the style sheet and `<code>` (names, paths, SQL) left out.
    fn visible_text(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(a) = rest.find("<style>") {
            out.push_str(&rest[..a]);
            let b = rest[a..].find("</style>").expect("closed") + a;
            rest = &rest[b + "</style>".len()..];
        }
        out.push_str(rest);
        let mut text = String::new();
        let mut in_tag = false;
        let mut code = 0usize;
        let mut tag = String::new();
        for c in out.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    tag.clear();
                }
                '>' if in_tag => {
                    in_tag = false;
                    if tag.starts_with("code") {
                        code += 1;
                    } else if tag.starts_with("/code") {
                        code -= 1;
                    }
                    // Block and cell ends separate words, like a browser's line breaks.
                    text.push(if tag.starts_with('/') || tag.starts_with("br") {
                        '\n'
                    } else {
                        ' '
                    });
                }
                c if in_tag => tag.push(c),
                c if code == 0 => text.push(c),
                _ => {}
            }
        }
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
    }

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn endpoint_names_are_escaped() {
        let html = render(&report("<script>alert(1)</script>"), Lang::En);
        assert!(!html.contains("<script>alert(1)"), "raw script in the page");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.to_lowercase().contains("<script"));
    }

    #[test]
    fn the_page_has_its_sections_and_charts() {
        let html = render(&report("/api/orders/"), Lang::En);
        for needle in [
            "<h2>Stages</h2>",
            "Requests per second",
            "p95 response time per endpoint",
            "p95 target 2,000 ms",
            "Failures per second",
            "Stage 1 (100 users)",
            "Stage 2 (500 users)",
            "not profiled: ptrace is not permitted",
            "PostgreSQL only",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert_eq!(html.matches("<svg class=\"chart\"").count(), 4);
        // The missed p95 of stage 2 is marked in the summary.
        assert!(html.contains("<td class=\"num miss\" title=\"p95 2600 ms"));
        // Nothing is fetched: no external URL in an attribute, no CSS import.
        for bad in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn korean_page_has_korean_headings_and_no_english_prose() {
        let html = render(&report("/api/orders/"), Lang::Ko);
        for needle in [
            "<h2>단계</h2>",
            "초당 요청 수",
            "엔드포인트별 p95 응답 시간",
            "단계 1 (사용자 100명)",
            "프로파일링 안 함: ptrace 권한 없음",
            "실행 시작 후 경과 시간 (초)",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        let text = visible_text(&html);
        let english = crate::i18n::english_fragments(&text);
        assert!(
            english.is_empty(),
            "English in the Korean page: {english:?}"
        );
        // The reader does find English prose (the English page has plenty).
        let english = crate::i18n::english_fragments(&visible_text(&render(
            &report("/api/orders/"),
            Lang::En,
        )));
        assert!(english.len() > 10, "{english:?}");
    }

    #[test]
    fn an_empty_timeline_says_why_there_are_no_charts() {
        let mut r = report("/api/orders/");
        r.timeline.clear();
        let html = render(&r, Lang::En);
        assert!(!html.contains("<svg class=\"chart\""));
        assert!(html.contains("No second-by-second timeline was recorded for this run"));
        // The failures by endpoint come from the stages then (none recorded here).
        let ko = render(&r, Lang::Ko);
        assert!(ko.contains("초 단위 기록이 없어 차트를 그리지 않음"));
    }

    #[test]
    fn a_missing_flame_graph_file_is_said() {
        let mut r = report("/api/orders/");
        r.run_dir = std::env::temp_dir().join("doctor-html-unit-missing");
        r.stages[0].profile = Some(StageProfile {
            flame_graph: Some("flame-1.svg".into()),
            ..Default::default()
        });
        let html = render(&r, Lang::En);
        assert!(html.contains("Cannot read the flame graph"));
    }
}
