//! The run dashboard: a pure ratatui drawing of [`LiveState`] — gauges against the guide's
//! targets and charts of req/s and p95 over the whole run with stage boundaries marked.

use crate::i18n::Lang;
use crate::load::live::LiveState;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Dataset, GraphType, LineGauge, Paragraph, Wrap,
};

fn tr(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

fn gauge<'a>(label: String, ratio: f64, over: bool) -> LineGauge<'a> {
    let color = if over { Color::Red } else { Color::Green };
    LineGauge::default()
        .filled_style(Style::default().fg(color))
        .unfilled_style(Style::default().fg(Color::DarkGray))
        .filled_symbol("━")
        .unfilled_symbol("─")
        .ratio(ratio.clamp(0.0, 1.0))
        .label(label)
}

/// "load machine " before CPU and memory when the server runs elsewhere: they are not its.
fn here(lang: Lang, state: &LiveState) -> &'static str {
    if state.server_elsewhere.is_some() {
        tr(lang, "load machine ", "부하 머신 ")
    } else {
        ""
    }
}

fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

pub fn render(frame: &mut Frame, area: Rect, state: &LiveState, lang: Lang) {
    let tick = state.last.clone().unwrap_or_default();
    let stage_no = state.stage.map(|s| s + 1).unwrap_or(0);
    let title = format!(
        " doctor run · {} {}/{} · {} · {} / {} ",
        tr(lang, "stage", "단계"),
        stage_no,
        state.stages.len(),
        state
            .stages
            .iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join("→"),
        clock(tick.stage_elapsed_s),
        clock(state.stage_secs)
    );
    let outer = Block::default().borders(Borders::ALL).title(title);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [gauges, charts, bottom] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(6),
        Constraint::Length(if state.last_words.is_empty() { 6 } else { 9 }),
    ])
    .areas(inner);

    // Gauges: two columns of three.
    let [left, _, right] = Layout::horizontal([
        Constraint::Percentage(50),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(gauges);
    let rows = |r: Rect| {
        Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .split(r)
    };
    let (l, r) = (rows(left), rows(right));
    let t = &state.targets;
    let target_users = tick.target_users.max(1);
    let res = &tick.resources;
    // The stage so far (the verdict's own numbers) with the last 5 s beside it; "-" where
    // nothing was measured yet, never a made-up 0.
    let recent = |v: Option<f64>, f: &dyn Fn(f64) -> String| {
        v.map(|v| format!(" · {} {}", tr(lang, "5 s", "5초"), f(v)))
            .unwrap_or_default()
    };
    let rpm = tick.stage_rpm;
    let p95 = tick.stage_p95_ms;
    let fail = tick.stage_failure_ratio;
    let dash = || "-".to_string();
    let items = [
        (
            l[0],
            format!(
                "{} {}/{}",
                tr(lang, "users", "사용자"),
                tick.users,
                tick.target_users
            ),
            tick.users as f64 / target_users as f64,
            false,
        ),
        (
            l[1],
            format!(
                "{} {} ≥ {:.0}{}",
                tr(lang, "req/min", "분당 요청"),
                rpm.map(|v| format!("{v:.0}")).unwrap_or_else(dash),
                t.requests_per_min,
                recent(tick.recent_rps, &|v| format!("{:.0}", v * 60.0)),
            ),
            rpm.unwrap_or(0.0) / t.requests_per_min.max(1.0),
            rpm.is_some_and(|v| v < t.requests_per_min) && tick.stage_elapsed_s >= 10.0,
        ),
        (
            l[2],
            format!(
                "p95 {} ≤ {:.0} ms{}",
                p95.map(|v| format!("{v:.0} ms")).unwrap_or_else(dash),
                t.p95_ms,
                recent(tick.recent_p95_ms, &|v| format!("{v:.0} ms")),
            ),
            p95.unwrap_or(0.0) / t.p95_ms.max(1.0),
            p95.is_some_and(|v| v > t.p95_ms),
        ),
        (
            r[0],
            format!(
                "{} {} ≤ {:.2}%{}",
                tr(lang, "errors", "실패율"),
                fail.map(|v| format!("{:.2}%", v * 100.0))
                    .unwrap_or_else(dash),
                t.error_ratio * 100.0,
                recent(tick.recent_failure_ratio, &|v| format!("{:.2}%", v * 100.0)),
            ),
            fail.unwrap_or(0.0) / t.error_ratio.max(1e-9),
            fail.is_some_and(|v| v > t.error_ratio),
        ),
        (
            r[1],
            format!(
                "{}CPU {:.0}% < {:.0}%",
                here(lang, state),
                res.cpu_percent,
                t.cpu_percent
            ),
            res.cpu_percent as f64 / t.cpu_percent.max(1.0),
            res.cpu_percent as f64 >= t.cpu_percent,
        ),
        (
            r[2],
            format!(
                "{}{} {:.0}% < {:.0}%",
                here(lang, state),
                tr(lang, "memory", "메모리"),
                res.memory_percent,
                t.memory_percent
            ),
            res.memory_percent as f64 / t.memory_percent.max(1.0),
            res.memory_percent as f64 >= t.memory_percent,
        ),
    ];
    for (area, label, ratio, over) in items {
        frame.render_widget(gauge(label, ratio, over), area);
    }

    // Charts over the whole run, stage boundaries as vertical lines.
    let [rps_area, p95_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(charts);
    let end_x = state
        .rps
        .last()
        .map(|p| p.0)
        .into_iter()
        .chain(state.p95.last().map(|p| p.0))
        .fold(state.stage_secs.max(1.0), f64::max);
    chart(
        frame,
        rps_area,
        tr(lang, "req/s", "초당 요청"),
        &state.rps,
        &state.stage_starts,
        end_x,
        None,
    );
    chart(
        frame,
        p95_area,
        "p95 ms",
        &state.p95,
        &state.stage_starts,
        end_x,
        Some(t.p95_ms),
    );

    // Bottom: resources, top error, verdicts.
    let server = match (res.server_pid, res.server_cpu_percent, res.server_rss_mb) {
        (Some(pid), Some(cpu), Some(rss)) => format!("pid {pid} CPU {cpu:.0}% RSS {rss} MB"),
        _ => "-".into(),
    };
    let tcp: Vec<String> = res
        .tcp_states
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut lines = vec![Line::from(format!(
        "{}: {server} · Locust CPU {} · DB {} · TCP {}",
        tr(lang, "server", "서버"),
        res.locust_cpu_percent
            .map(|c| format!("{c:.0}%"))
            .unwrap_or_else(|| "-".into()),
        tick.db_connections
            .map(|(u, m)| format!("{u}/{m}"))
            .unwrap_or_else(|| "-".into()),
        if tcp.is_empty() {
            "-".into()
        } else {
            tcp.join(", ")
        }
    ))];
    if let Some(workers) = &tick.workers {
        let cells: Vec<String> = workers
            .iter()
            .map(crate::load::workers::worker_cell)
            .collect();
        lines.push(Line::from(format!(
            "{}: {} ({})",
            tr(lang, "workers", "워커"),
            workers.len(),
            cells.join(" · ")
        )));
    }
    if let Some(waiting) = crate::report::run::waiting_words(&tick, lang) {
        lines.insert(
            0,
            Line::from(Span::styled(waiting, Style::default().fg(Color::Red))),
        );
    }
    if let Some(hot) = &tick.hot_spot {
        lines.push(Line::from(format!(
            "{}: {} ({}:{}) {:.0}%{}",
            tr(lang, "server hot spot, last 5 s", "서버 핫스팟, 최근 5초"),
            hot.function,
            hot.file,
            hot.line,
            hot.share * 100.0,
            hot.view
                .as_ref()
                .map(|v| format!(" · {v}"))
                .unwrap_or_default()
        )));
    }
    // The run's latest message: the command for load hosts while workers are awaited, why
    // the server is not profiled, a worker at its limit…
    if let Some(message) = state.messages.last() {
        lines.insert(
            0,
            Line::from(Span::styled(
                message.get(lang).to_string(),
                Style::default().fg(Color::Yellow),
            )),
        );
    }
    let error = tick
        .top_errors
        .first()
        .map(|e| format!("{}× {} {}", e.occurrences, e.name, e.error))
        .unwrap_or_else(|| "-".into());
    lines.push(Line::from(format!(
        "{}: {error}",
        tr(lang, "top error", "주요 오류")
    )));
    let mut verdicts = vec![Span::raw(format!("{}: ", tr(lang, "stages", "단계")))];
    for (users, passed) in &state.verdicts {
        let (word, color) = if *passed {
            (tr(lang, "PASS", "통과"), Color::Green)
        } else {
            (tr(lang, "FAIL", "실패"), Color::Red)
        };
        verdicts.push(Span::styled(
            format!("{users} {word}  "),
            Style::default().fg(color),
        ));
    }
    lines.push(Line::from(verdicts));
    for words in &state.last_words {
        lines.push(Line::from(format!("  {}", words.get(lang))));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
}

fn chart(
    frame: &mut Frame,
    area: Rect,
    name: &str,
    points: &[(f64, f64)],
    stage_starts: &[(f64, u32)],
    end_x: f64,
    target: Option<f64>,
) {
    let (top, clipped) = y_top(points, target);
    let shown: Vec<(f64, f64)> = points.iter().map(|(x, y)| (*x, y.min(top))).collect();
    let name = if clipped {
        format!("{name} ▲ {top:.0}")
    } else {
        name.to_string()
    };
    let boundaries: Vec<[(f64, f64); 2]> = stage_starts
        .iter()
        .skip(1)
        .map(|(x, _)| [(*x, 0.0), (*x, top)])
        .collect();
    let target_line: Vec<(f64, f64)> = target
        .map(|t| vec![(0.0, t), (end_x, t)])
        .unwrap_or_default();
    let mut datasets = vec![
        Dataset::default()
            .name(name.clone())
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Cyan))
            .data(&shown),
    ];
    for b in &boundaries {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(Color::DarkGray))
                .data(b),
        );
    }
    if !target_line.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(Color::Yellow))
                .data(&target_line),
        );
    }
    let chart = Chart::new(datasets)
        .legend_position(None)
        .block(Block::default().borders(Borders::ALL).title(name))
        .x_axis(
            Axis::default()
                .bounds([0.0, end_x])
                .labels(vec!["0".to_string(), clock(end_x)]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels(vec!["0".to_string(), format!("{top:.0}")]),
        );
    frame.render_widget(chart, area);
}

/// The latency chart's ceiling: the data's 95th percentile × 1.5 (and the target) when one
/// outlier would flatten the rest against the bottom; `true` when points above it are clipped (the
/// title then shows ▲ and the ceiling).
fn y_top(points: &[(f64, f64)], target: Option<f64>) -> (f64, bool) {
    let max_of = |max: f64| (max.max(target.unwrap_or(0.0)).max(1.0) * 1.1, false);
    if target.is_none() {
        // Rates rise stage by stage: their top is real, never clipped.
        return max_of(points.iter().map(|p| p.1).fold(0.0_f64, f64::max));
    }
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let mut values: Vec<f64> = points.iter().map(|p| p.1).collect();
    values.sort_by(f64::total_cmp);
    let p95 = values
        .get((values.len() as f64 * 0.95) as usize)
        .or(values.last())
        .copied()
        .unwrap_or(0.0);
    let ceiling = (p95 * 1.5).max(target.unwrap_or(0.0) * 1.1).max(1.0);
    if max > ceiling * 1.5 {
        (ceiling, true)
    } else {
        max_of(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::live::{RunEvent, Tick};
    use crate::load::monitor::Resources;
    use crate::load::plan::Targets;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn state() -> LiveState {
        let mut s = LiveState::default();
        s.apply(&RunEvent::Started {
            server_elsewhere: None,
            run_dir: "/tmp/run".into(),
            stages: vec![100, 500, 1000],
            targets: Targets::default(),
            stage_secs: 60.0,
        });
        s.apply(&RunEvent::StageStarted {
            index: 0,
            users: 100,
            at_s: 0.0,
        });
        for i in 1..=60 {
            let t = i as f64;
            s.apply(&RunEvent::Tick(Box::new(Tick {
                elapsed_s: t,
                stage: 0,
                stage_elapsed_s: t,
                users: (i * 25).min(100),
                target_users: 100,
                recent_rps: Some((t * 2.0).min(60.0)),
                recent_p95_ms: Some(if i < 5 { 1800.0 } else { 300.0 }),
                ..Default::default()
            })));
        }
        s.apply(&RunEvent::StageStarted {
            index: 1,
            users: 500,
            at_s: 60.0,
        });
        s.apply(&RunEvent::Tick(Box::new(Tick {
            elapsed_s: 75.0,
            stage: 1,
            stage_elapsed_s: 15.0,
            users: 400,
            target_users: 500,
            state: "spawning".into(),
            stage_rpm: Some(11_400.0),
            stage_requests: 2850,
            stage_failures: 57,
            stage_failure_ratio: Some(0.02),
            stage_p95_ms: Some(2400.0),
            // No answer for 15 s: nothing in the last 5 s to rate.
            recent_rps: Some(0.0),
            recent_failure_ratio: None,
            recent_p95_ms: None,
            in_flight: Some(204),
            silent_s: Some(15.0),
            hot_spot: Some(crate::profile::FuncStat {
                function: "pbkdf2".into(),
                file: "django/utils/crypto.py".into(),
                line: 77,
                share: 0.61,
                view: Some("TokenViewBase.post".into()),
                ..Default::default()
            }),
            top_errors: vec![crate::load::stats::ErrorRow {
                method: Some("POST".into()),
                name: "/api/products/[id]/reserve/".into(),
                error: "unexpected status 500".into(),
                occurrences: 12,
            }],
            resources: Resources {
                cpu_percent: 91.0,
                memory_percent: 45.0,
                server_pid: Some(4242),
                server_cpu_percent: Some(99.0),
                server_rss_mb: Some(88),
                locust_cpu_percent: Some(60.0),
                ..Default::default()
            },
            ..Default::default()
        })));
        s.verdicts.push((100, true));
        s.apply(&RunEvent::Message(crate::t!(
            "the server's processes on port 8000 were not found on this machine";
            "8000번 포트의 서버 프로세스를 이 머신에서 찾지 못함"
        )));
        s
    }

    fn draw(lang: Lang) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(100, 26)).unwrap();
        let s = state();
        terminal.draw(|f| render(f, f.area(), &s, lang)).unwrap();
        terminal
    }

    #[test]
    fn dashboard_en() {
        insta::assert_snapshot!(draw(Lang::En).backend());
    }

    #[test]
    fn dashboard_ko() {
        insta::assert_snapshot!(draw(Lang::Ko).backend());
    }

    #[test]
    fn one_outlier_does_not_flatten_the_chart() {
        let mut points: Vec<(f64, f64)> = (0..60).map(|i| (i as f64, 300.0)).collect();
        points.push((60.0, 90_000.0));
        let (top, clipped) = y_top(&points, Some(2000.0));
        assert!(clipped);
        assert!(top < 5000.0, "{top}");
        let (_, clipped) = y_top(&points[..60], Some(2000.0));
        assert!(!clipped);
    }

    #[test]
    fn a_failing_stage_never_shows_zero_failures() {
        // The stage so far failed 2 %; the last seconds had none: the gauge shows the stage.
        let text = format!("{:?}", draw(Lang::En).backend());
        assert!(text.contains("errors 2.00%"), "{text}");
        assert!(!text.contains("errors 0.00%"), "{text}");
        assert!(
            text.contains("204 requests waiting, none answered for 15 s"),
            "{text}"
        );
        assert!(
            text.contains("pbkdf2 (django/utils/crypto.py:77) 61%"),
            "{text}"
        );
    }

    #[test]
    fn a_finished_stage_says_why_in_words() {
        let mut s = state();
        s.last_words = vec![crate::t!(
            "92 % of the server's busy time in pbkdf2 (django/utils/crypto.py:77) — logins";
            "서버가 바쁜 시간의 92 %가 pbkdf2 (django/utils/crypto.py:77) — 로그인"
        )];
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal
            .draw(|f| render(f, f.area(), &s, Lang::En))
            .unwrap();
        let text = format!("{:?}", terminal.backend());
        assert!(
            text.contains("92 % of the server's busy time in pbkdf2"),
            "{text}"
        );
    }

    #[test]
    fn over_target_gauges_are_red() {
        let terminal = draw(Lang::En);
        let buffer = terminal.backend().buffer();
        // The p95 gauge (left column, third row) is over 2 s: red.
        let reds = buffer
            .content()
            .iter()
            .filter(|c| c.fg == Color::Red || c.bg == Color::Red)
            .count();
        assert!(reds > 0);
    }
}
