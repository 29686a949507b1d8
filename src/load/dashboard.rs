//! The run dashboard: a pure ratatui drawing of [`LiveState`] — gauges against the guide's
//! targets and charts of req/s and p95 over the whole run with stage boundaries marked.

use super::live::LiveState;
use crate::i18n::Lang;
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
        Constraint::Length(4),
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
    let rps = state.current_rps().unwrap_or(0.0);
    let rpm = rps * 60.0;
    let p95 = tick.p95_ms.unwrap_or(0.0);
    let fail = tick.failure_ratio.unwrap_or(0.0);
    let res = &tick.resources;
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
                "{} {rpm:.0} ({rps:.1}/s) ≥ {:.0}",
                tr(lang, "req/min", "분당 요청"),
                t.requests_per_min
            ),
            rpm / t.requests_per_min.max(1.0),
            rpm < t.requests_per_min && tick.users > 0,
        ),
        (
            l[2],
            format!("p95 {p95:.0} ms ≤ {:.0} ms", t.p95_ms),
            p95 / t.p95_ms.max(1.0),
            p95 > t.p95_ms,
        ),
        (
            r[0],
            format!(
                "{} {:.2}% ≤ {:.2}%",
                tr(lang, "errors", "실패율"),
                fail * 100.0,
                t.error_ratio * 100.0
            ),
            fail / t.error_ratio.max(1e-9),
            fail > t.error_ratio,
        ),
        (
            r[1],
            format!("CPU {:.0}% < {:.0}%", res.cpu_percent, t.cpu_percent),
            res.cpu_percent as f64 / t.cpu_percent.max(1.0),
            res.cpu_percent as f64 >= t.cpu_percent,
        ),
        (
            r[2],
            format!(
                "{} {:.0}% < {:.0}%",
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
        let states: Vec<String> = workers.iter().map(|w| w.state.clone()).collect();
        lines.push(Line::from(format!(
            "{}: {} ({})",
            tr(lang, "workers", "워커"),
            workers.len(),
            states.join(", ")
        )));
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
    let top = points
        .iter()
        .map(|p| p.1)
        .chain(target)
        .fold(1.0_f64, f64::max)
        * 1.1;
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
            .name(name.to_string())
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Cyan))
            .data(points),
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
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(name.to_string()),
        )
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
                rps: Some((t * 2.0).min(60.0)),
                p95_ms: Some(if i < 5 { 1800.0 } else { 300.0 }),
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
            rps: Some(210.0),
            failure_ratio: Some(0.02),
            p95_ms: Some(2400.0),
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
