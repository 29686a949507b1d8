//! Charts for report.html, drawn as inline SVG in Rust (no scripts, no external files): lines
//! over time with the stages as bands, a horizontal target line, and a bar strip. A value far
//! above the rest is clipped (drawn at the top edge with a marker) so that one slow request does
//! not flatten every other line.

use super::esc;
use std::fmt::Write;

/// Width and height of the drawing (SVG user units; the page scales it to its column).
const WIDTH: f64 = 960.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 46.0;

/// One line of a chart: a value per x (None: no value there, the line breaks).
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub color: &'static str,
    pub width: f64,
    pub dashed: bool,
    pub points: Vec<(f64, Option<f64>)>,
}

/// A stage: from `start` to `end` on the x axis, named above the plot (`100 users`).
#[derive(Clone, Debug)]
pub struct Band {
    pub start: f64,
    pub end: f64,
    pub label: String,
}

/// A horizontal line (a target) with its label.
#[derive(Clone, Debug)]
pub struct HLine {
    pub value: f64,
    pub label: String,
}

/// Everything a line chart needs.
pub struct LineChart<'a> {
    pub series: &'a [Series],
    pub bands: &'a [Band],
    pub x_max: f64,
    pub height: f64,
    pub x_title: &'a str,
    pub y_title: &'a str,
    /// Units in the tooltips (`ms`, `s`).
    pub x_unit: &'a str,
    pub y_unit: &'a str,
    pub hline: Option<HLine>,
    /// Clip values far above the rest (see [`scale`]).
    pub clip: bool,
    /// What the chart shows, for screen readers.
    pub title: &'a str,
}

/// A drawn chart and what the caption has to say about it.
pub struct Drawn {
    pub svg: String,
    /// Points drawn at the top edge because their value was above `clip_at`.
    pub clipped: usize,
    pub clip_at: Option<f64>,
    /// The highest value in the data.
    pub highest: f64,
    /// The horizontal line was above the scale and is not drawn.
    pub hline_above: bool,
}

/// The y scale for `values`: (top of the axis, tick step, clip threshold). With `clip`, when
/// the highest value is more than twice the 98th percentile the axis ends a little above that
/// percentile instead, and the values above it are clipped.
pub fn scale(values: &[f64], clip: bool) -> (f64, f64, Option<f64>) {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let max = sorted.last().copied().unwrap_or(0.0).max(0.0);
    let mut top = max;
    let mut clip_at = None;
    if clip && sorted.len() >= 5 {
        let rank = ((sorted.len() as f64) * 0.98).ceil() as usize;
        let p98 = sorted[rank.clamp(1, sorted.len()) - 1];
        if p98 > 0.0 && max > 2.0 * p98 {
            top = p98 * 1.25;
            clip_at = Some(top);
        }
    }
    let (top, step) = nice_axis(top);
    if let Some(at) = clip_at.as_mut() {
        *at = top;
    }
    (top, step, clip_at)
}

/// A round axis end at or above `max` and its tick step (about five ticks of 1, 2 or 5 × 10ⁿ).
pub fn nice_axis(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 || max.is_infinite() {
        return (1.0, 0.25);
    }
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    let top = (max / step - 1e-9).ceil().max(1.0) * step;
    (top, step)
}

/// Seconds between x ticks: about ten ticks, at round numbers of seconds.
fn x_step(x_max: f64) -> f64 {
    [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
    ]
    .into_iter()
    .find(|s| x_max / s <= 12.0)
    .unwrap_or(7200.0)
}

/// A tick label: `12,000`, `250`, `2.5`, `0.25`.
pub fn number(v: f64, step: f64) -> String {
    if (step >= 1.0 && step.fract() == 0.0) || v == 0.0 {
        let n = v.round() as i64;
        let digits = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    } else if (step * 10.0).fract().abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

struct Frame {
    height: f64,
    x_max: f64,
    top: f64,
}

impl Frame {
    fn plot_w(&self) -> f64 {
        WIDTH - LEFT - RIGHT
    }
    fn plot_h(&self) -> f64 {
        self.height - TOP - BOTTOM
    }
    fn x(&self, t: f64) -> f64 {
        LEFT + (t / self.x_max).clamp(0.0, 1.0) * self.plot_w()
    }
    fn y(&self, v: f64) -> f64 {
        TOP + self.plot_h() - (v / self.top).clamp(0.0, 1.0) * self.plot_h()
    }
}

/// The SVG element's start, the stage bands, the grid, both axes and their titles.
fn frame(svg: &mut String, f: &Frame, bands: &[Band], step: f64, c: (&str, &str, &str)) {
    let (title, x_title, y_title) = c;
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        h = f.height,
        t = esc(title)
    );
    let (plot_top, plot_bottom) = (TOP, TOP + f.plot_h());
    // Stages: every other one shaded, a dashed line where one starts, its name above the plot.
    for (i, band) in bands.iter().enumerate() {
        let (x0, x1) = (f.x(band.start), f.x(band.end.max(band.start)));
        if i % 2 == 1 {
            let _ = write!(
                svg,
                r##"<rect x="{x0:.1}" y="{plot_top}" width="{:.1}" height="{:.1}" fill="#eef2f8"/>"##,
                (x1 - x0).max(0.0),
                f.plot_h()
            );
        }
        if band.start > 0.0 {
            let _ = write!(
                svg,
                r##"<line x1="{x0:.1}" y1="{:.1}" x2="{x0:.1}" y2="{plot_bottom:.1}" stroke="#7a869a" stroke-width="1.2" stroke-dasharray="5 4"/>"##,
                plot_top - 16.0
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" class="stage">{}</text>"##,
            x0 + 5.0,
            plot_top - 8.0,
            esc(&band.label)
        );
    }
    // Horizontal grid and y ticks.
    let mut v = 0.0;
    while v <= f.top + step * 1e-6 {
        let y = f.y(v);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dde2ea" stroke-width="1"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
            LEFT + f.plot_w(),
            LEFT - 8.0,
            y + 4.0,
            number(v, step)
        );
        v += step;
    }
    // x ticks (seconds).
    let xs = x_step(f.x_max);
    let mut t = 0.0;
    while t <= f.x_max + 1e-6 {
        let x = f.x(t);
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{plot_bottom:.1}" x2="{x:.1}" y2="{:.1}" stroke="#5b6578" stroke-width="1"/><text x="{x:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"##,
            plot_bottom + 5.0,
            plot_bottom + 19.0,
            number(t, 1.0)
        );
        t += xs;
    }
    // Axes and their titles.
    let _ = write!(
        svg,
        r##"<path d="M{LEFT} {plot_top} V{plot_bottom:.1} H{:.1}" fill="none" stroke="#5b6578" stroke-width="1.2"/><text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{}</text><text transform="translate(16 {:.1}) rotate(-90)" class="axis" text-anchor="middle">{}</text>"##,
        LEFT + f.plot_w(),
        LEFT + f.plot_w() / 2.0,
        f.height - 8.0,
        esc(x_title),
        TOP + f.plot_h() / 2.0,
        esc(y_title)
    );
}

/// A line chart; see [`LineChart`].
pub fn line_chart(c: &LineChart) -> Drawn {
    let values: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.1))
        .collect();
    let highest = values.iter().copied().fold(0.0, f64::max);
    let (mut top, mut step, clip_at) = scale(&values, c.clip);
    // The target line joins the scale when it is near the data; far above, it is only named.
    let mut hline_above = false;
    if let Some(h) = &c.hline
        && h.value > top
    {
        if h.value <= top * 3.0 || values.is_empty() {
            (top, step) = nice_axis(h.value * 1.08);
        } else {
            hline_above = true;
        }
    }
    let f = Frame {
        height: c.height,
        x_max: c.x_max.max(1.0),
        top,
    };
    let mut svg = String::new();
    frame(&mut svg, &f, c.bands, step, (c.title, c.x_title, c.y_title));
    let limit = clip_at.unwrap_or(f64::INFINITY);
    let mut clipped = 0;
    let mut markers = String::new();
    for s in c.series {
        let mut d = String::new();
        let mut pen_down = false;
        for (t, v) in &s.points {
            let Some(v) = v else {
                pen_down = false;
                continue;
            };
            let (x, y) = (f.x(*t), f.y(v.min(limit)));
            let _ = write!(d, "{}{x:.1} {y:.1}", if pen_down { "L" } else { "M" });
            pen_down = true;
            if *v > limit {
                clipped += 1;
                let _ = write!(
                    markers,
                    r##"<path d="M{:.1} {:.1} l6 10 h-12 z" fill="#c62828" stroke="#fff" stroke-width="1"><title>{}: {} {} · {} {}</title></path>"##,
                    x,
                    y - 2.0,
                    esc(&s.label),
                    number(*v, 1.0),
                    esc(c.y_unit),
                    number(*t, 1.0),
                    esc(c.x_unit)
                );
            }
        }
        if d.is_empty() {
            continue;
        }
        let _ = write!(
            svg,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round"{}><title>{}</title></path>"#,
            s.color,
            s.width,
            if s.dashed {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            },
            esc(&s.label)
        );
    }
    if let Some(h) = c.hline.as_ref().filter(|_| !hline_above) {
        let y = f.y(h.value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#c62828" stroke-width="1.6" stroke-dasharray="10 5"/><text x="{:.1}" y="{:.1}" class="target" text-anchor="end">{}</text>"##,
            LEFT + f.plot_w(),
            LEFT + f.plot_w() - 4.0,
            y - 6.0,
            esc(&h.label)
        );
    }
    svg.push_str(&markers);
    svg.push_str("</svg>");
    Drawn {
        svg,
        clipped,
        clip_at,
        highest,
        hline_above,
    }
}

/// Bars per second (failures): one bar per (x, value), a second wide.
pub fn bar_strip(
    bars: &[(f64, f64)],
    bands: &[Band],
    x_max: f64,
    labels: (&str, &str, &str),
    color: &str,
) -> String {
    let (title, x_title, y_title) = labels;
    let highest = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let (top, step) = nice_axis(highest);
    let f = Frame {
        height: 180.0,
        x_max: x_max.max(1.0),
        top,
    };
    let mut svg = String::new();
    // Every other tick: the strip is low.
    let step = if top / step > 3.0 && (top / (2.0 * step)).fract() == 0.0 {
        step * 2.0
    } else {
        step
    };
    frame(&mut svg, &f, bands, step, (title, x_title, y_title));
    let width = (f.plot_w() / f.x_max * 0.85).max(1.0);
    for (t, v) in bars.iter().filter(|b| b.1 > 0.0) {
        let (x, y) = (f.x(*t), f.y(*v));
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{:.1}" fill="{color}"><title>{} · {}</title></rect>"#,
            (TOP + f.plot_h() - y).max(0.5),
            number(*v, 1.0),
            number(*t, 1.0),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A short line in a series' colour and dash, for a legend.
pub fn swatch(color: &str, width: f64, dashed: bool) -> String {
    format!(
        r#"<svg class="swatch" width="28" height="10" viewBox="0 0 28 10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="{color}" stroke-width="{}"{}/></svg>"#,
        width.max(2.0),
        if dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: Vec<(f64, Option<f64>)>) -> Vec<Series> {
        vec![Series {
            label: "GET /a".into(),
            color: "#000",
            width: 2.0,
            dashed: false,
            points,
        }]
    }

    fn chart(series: &[Series], hline: Option<HLine>) -> Drawn {
        line_chart(&LineChart {
            series,
            bands: &[],
            x_max: 100.0,
            height: 300.0,
            x_title: "s",
            y_title: "ms",
            x_unit: "s",
            y_unit: "ms",
            hline,
            clip: true,
            title: "p95",
        })
    }

    /// The y coordinates of the line's points (`M x y L x y …`).
    fn line_ys(svg: &str) -> Vec<f64> {
        let d = svg.split(r#"<path d=""#).nth(2).unwrap();
        let d = &d[..d.find('"').unwrap()];
        d.split(['M', 'L'])
            .filter(|p| !p.is_empty())
            .map(|p| p.split(' ').nth(1).unwrap().parse().unwrap())
            .collect()
    }

    #[test]
    fn nice_axes_are_round() {
        assert_eq!(nice_axis(87.0), (100.0, 20.0));
        assert_eq!(nice_axis(2000.0), (2000.0, 500.0));
        assert_eq!(nice_axis(0.0), (1.0, 0.25));
        assert_eq!(number(12000.0, 1000.0), "12,000");
        assert_eq!(number(0.5, 0.25), "0.50");
        assert_eq!(number(7.5, 2.5), "7.5");
        assert_eq!(number(8.0, 2.0), "8");
    }

    #[test]
    fn one_huge_value_is_clipped_and_the_rest_keeps_its_shape() {
        // 100 seconds between 100 and 300 ms, and one request that took 60 s.
        let mut points: Vec<(f64, Option<f64>)> = (0..100)
            .map(|i| (i as f64, Some(100.0 + 2.0 * i as f64)))
            .collect();
        points[70].1 = Some(60_000.0);
        let drawn = chart(&series(points), None);
        assert_eq!(drawn.clipped, 1);
        let at = drawn.clip_at.unwrap();
        assert!(
            at < 1000.0,
            "the axis ends near the data, not at 60 s: {at}"
        );
        assert_eq!(drawn.highest, 60_000.0);
        // The ordinary points use most of the plot's height (they are not squashed at the bottom).
        let ys = line_ys(&drawn.svg);
        let (low, high) = (ys[0], ys[99]);
        let plot_h = 300.0 - TOP - BOTTOM;
        assert!((low - high) > plot_h * 0.4, "ys {low}..{high} of {plot_h}");
        // The clipped point sits on the top edge and is marked with its real value.
        assert!((ys[70] - TOP).abs() < 0.01, "{}", ys[70]);
        assert!(drawn.svg.contains("60,000 ms"), "{}", drawn.svg);
    }

    #[test]
    fn without_outliers_nothing_is_clipped() {
        let points = (0..50).map(|i| (i as f64, Some(50.0 + i as f64))).collect();
        let drawn = chart(&series(points), None);
        assert_eq!(drawn.clipped, 0);
        assert!(drawn.clip_at.is_none());
    }

    #[test]
    fn a_target_near_the_data_is_drawn_and_one_far_above_is_not() {
        let points: Vec<_> = (0..50).map(|i| (i as f64, Some(100.0))).collect();
        let near = chart(
            &series(points.clone()),
            Some(HLine {
                value: 200.0,
                label: "p95 target".into(),
            }),
        );
        assert!(!near.hline_above);
        assert!(near.svg.contains("p95 target"));
        let far = chart(
            &series(points),
            Some(HLine {
                value: 5000.0,
                label: "p95 target".into(),
            }),
        );
        assert!(far.hline_above);
        assert!(!far.svg.contains("p95 target"));
    }

    #[test]
    fn gaps_break_the_line_and_labels_are_escaped() {
        let mut s = series(vec![(0.0, Some(1.0)), (1.0, None), (2.0, Some(2.0))]);
        s[0].label = "<script>alert(1)</script>".into();
        let drawn = chart(&s, None);
        let d = drawn.svg.split(r#"<path d=""#).nth(2).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 0, "{d}");
        assert!(!drawn.svg.contains("<script>"));
        assert!(drawn.svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
