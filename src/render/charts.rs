//! Charts as inline SVG, drawn with plotters' SVG backend and no font
//! feature: labels are plain `<text>` that the browser sets in the reader's
//! own CJK-capable fonts (the build machine needs no fonts at all).
//!
//! plotters draws the frame, grid, tick labels and lines; the interactive
//! parts (target line, point markers with native `<title>` tooltips and
//! links) are added as our own SVG elements at the pixel positions plotters
//! maps the data to. Colours come from CSS classes, so dark mode applies.

use chrono::{Duration, NaiveDate};
use plotters::prelude::*;

use super::theme::{escape_html, push_escaped};

pub struct ChartPoint {
    pub date: NaiveDate,
    pub value: f64,
    /// Drawn as a miss (red, larger) when the value misses the target.
    pub missed: bool,
    /// The caller's number for the point, handed to `Line::label`.
    pub key: usize,
}

/// A point's tooltip text (date, week, value) and its link, relative to
/// the page the chart is on.
pub type Label<'a> = Box<dyn Fn(usize) -> (String, Option<String>) + 'a>;

pub struct Line<'a> {
    pub name: String,
    /// CSS class for colour (`s0`…`s5`).
    pub class: String,
    pub points: Vec<ChartPoint>,
    /// The label of the point with this key. Asked only for points that get
    /// a marker: a dense line has thousands that do not, and making their
    /// labels was most of what drawing it cost.
    pub label: Label<'a>,
}

pub struct LineChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub unit: &'a str,
    pub lines: Vec<Line<'a>>,
    pub target: Option<f64>,
    pub width: u32,
    pub height: u32,
    /// Fix the y range (e.g. 0–100 for progress) instead of fitting it.
    pub y_range: Option<(f64, f64)>,
    /// Text before the target value on its line (`目标`).
    pub target_label: &'a str,
    /// A shared time axis (the dashboard's), instead of this data's own span.
    pub x_range: Option<(NaiveDate, NaiveDate)>,
}

/// Decimals that make neighbouring ticks of this span distinct.
pub fn decimals_for(span: f64) -> usize {
    match span {
        s if s <= 0.0 => 2,
        s if s < 0.02 => 4,
        s if s < 0.2 => 3,
        s if s < 2.0 => 2,
        s if s < 20.0 => 1,
        _ => 0,
    }
}

/// A y range fitted to the data: a 99.9x% series gets a range around
/// 99.9x, never one that starts at 0.
pub fn fit_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.18
    } else if hi.abs() > 0.0 {
        (hi.abs() * 0.001).max(0.01)
    } else {
        1.0
    };
    let lo = if lo >= 0.0 && lo - pad < 0.0 {
        lo - pad.min(lo.max(pad * 0.5))
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

fn date_span(lines: &[Line]) -> (NaiveDate, NaiveDate) {
    let dates = lines.iter().flat_map(|l| l.points.iter().map(|p| p.date));
    let lo = dates.clone().min().unwrap_or_default();
    let hi = dates.max().unwrap_or_default();
    // A little room at both ends so the first and last points are not on the frame.
    let pad = Duration::days(((hi - lo).num_days() / 20).max(3));
    (lo - pad, hi + pad)
}

/// `v` with at most `decimals` places and no trailing zeros (`99.9`, `82`).
pub fn format_value(v: f64, decimals: usize) -> String {
    // Nearly every figure is short (82, 99.99): its shortest form, which
    // ryu writes without std's exact rounding, has no more places than
    // asked for, and is then what rounding and trimming would give (below
    // 10^9 a double is far closer to its shortest form than half of the
    // last place kept). Shown on every project update and chart point.
    if v.is_finite() && v.abs() < 1e9 && !(v == 0.0 && v.is_sign_negative()) {
        if v.fract() == 0.0 {
            return itoa::Buffer::new().format(v as i64).to_string();
        }
        let mut buf = ryu::Buffer::new();
        let short = buf.format_finite(v);
        let places = short.find('.').map(|i| short.len() - i - 1);
        if !short.contains('e') && places.is_some_and(|p| p <= decimals) {
            return short.to_string();
        }
    }
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Renders a line chart; `None` when there is nothing to draw.
pub fn line_chart(c: &LineChart) -> Option<String> {
    if c.lines.iter().all(|l| l.points.is_empty()) {
        return None;
    }
    let (x0, x1) = match c.x_range {
        Some((a, b)) => {
            let pad = Duration::days(((b - a).num_days() / 20).max(3));
            (a - pad, b + pad)
        }
        None => date_span(&c.lines),
    };
    let (y0, y1) = c.y_range.unwrap_or_else(|| {
        fit_range(
            c.lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.value))
                .chain(c.target),
        )
    });
    let decimals = decimals_for(y1 - y0);
    // Counts (incidents, items) get whole-number ticks only.
    let integer = c.unit != "%"
        && c.lines
            .iter()
            .flat_map(|l| &l.points)
            .all(|p| p.value.fract() == 0.0)
        && y1 - y0 <= 12.0;
    let long = (x1 - x0).num_days() > 400;
    let unit = if c.unit == "%" { "%" } else { "" };

    let mut svg = String::new();
    let mut extra = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, c.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(14)
            .margin_right(18)
            .margin_left(6)
            .margin_bottom(6)
            .x_label_area_size(30)
            .y_label_area_size(66)
            .build_cartesian_2d(RangedDate::from(x0..x1), y0..y1)
            .ok()?;
        let fmt_x = |d: &NaiveDate| {
            if long {
                d.format("%Y-%m").to_string()
            } else {
                d.format("%m/%d").to_string()
            }
        };
        let fmt_y = |v: &f64| {
            if integer && (v - v.round()).abs() > 1e-6 {
                String::new()
            } else {
                format!(
                    "{}{unit}",
                    format_value(*v, if integer { 0 } else { decimals })
                )
            }
        };
        let y_labels = if integer {
            ((y1 - y0).ceil() as usize * 2 + 1).min(13)
        } else {
            5
        };
        chart
            .configure_mesh()
            .light_line_style(RGBColor(255, 255, 255).mix(0.0))
            .bold_line_style(RGBColor(225, 228, 232))
            .axis_style(RGBColor(190, 194, 199))
            .x_labels(6)
            .y_labels(y_labels)
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&fmt_y)
            .label_style(
                ("sans-serif", 17)
                    .into_font()
                    .color(&RGBColor(95, 102, 112)),
            )
            .draw()
            .ok()?;
        // Pixel positions, for thinning dense lines: a line keeps the
        // points that shape it at this size, and the markers are at most
        // one per few pixels (the table below a chart links every point).
        let pixels: Vec<Vec<(i32, i32)>> = c
            .lines
            .iter()
            .map(|l| {
                l.points
                    .iter()
                    .map(|p| chart.backend_coord(&(p.date, p.value)))
                    .collect()
            })
            .collect();
        for (line, px) in c.lines.iter().zip(&pixels) {
            let pts: Vec<(NaiveDate, f64)> = shape_points(px)
                .into_iter()
                .map(|i| (line.points[i].date, line.points[i].value))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, RGBColor(31, 95, 191).stroke_width(2)))
                .ok()?;
        }
        // Our own elements, at plotters' pixel positions.
        if let Some(t) = c.target {
            let (ax, ay) = chart.backend_coord(&(x0, t));
            let (bx, _) = chart.backend_coord(&(x1, t));
            extra.push_str(&format!(
                "<g class=\"target\"><line x1=\"{ax}\" y1=\"{ay}\" x2=\"{bx}\" y2=\"{ay}\"/><text x=\"{bx}\" y=\"{ty}\" text-anchor=\"end\">{}</text></g>\n",
                escape_html(&format!("{} {}{unit}", c.target_label, format_value(t, decimals.max(1)))),
                ty = ay - 5,
            ));
        }
        for (line, px) in c.lines.iter().zip(&pixels) {
            extra.push_str(&format!("<g class=\"points {}\">", line.class));
            let missed: Vec<bool> = line.points.iter().map(|p| p.missed).collect();
            // Pushed piece by piece rather than `format!`ed: a dense
            // chart has thousands of markers.
            let mut digits = itoa::Buffer::new();
            for i in marker_points(px, &missed) {
                let (p, (x, y)) = (&line.points[i], px[i]);
                let (class, r) = if p.missed {
                    ("pt miss", "5")
                } else {
                    ("pt", "4")
                };
                let (tooltip, href) = (line.label)(p.key);
                if let Some(h) = &href {
                    extra.push_str("<a href=\"");
                    push_escaped(&mut extra, h);
                    extra.push_str("\">");
                }
                extra.push_str("<circle class=\"");
                extra.push_str(class);
                extra.push_str("\" cx=\"");
                extra.push_str(digits.format(x));
                extra.push_str("\" cy=\"");
                extra.push_str(digits.format(y));
                extra.push_str("\" r=\"");
                extra.push_str(r);
                extra.push_str("\"><title>");
                push_escaped(&mut extra, &tooltip);
                extra.push_str("</title></circle>");
                if href.is_some() {
                    extra.push_str("</a>");
                }
            }
            extra.push_str("</g>\n");
        }
        root.present().ok()?;
    }
    let classes: Vec<&str> = c.lines.iter().map(|l| l.class.as_str()).collect();
    Some(finish(svg, c.id, c.title, c.desc, &extra, &classes))
}

/// Closest two point markers may be, on average, before a line's markers
/// are thinned to one per this many pixels. A marker is 8 px across: at
/// this density they would be a smear no one can point at.
const MARKER_SPACING: i32 = 6;

/// The points of a line, as pixel positions in drawing order, that give
/// the same picture: in each run of points on one pixel column, the first,
/// the highest, the lowest and the last. A 10,000-point line on a 700-pixel
/// chart keeps at most 2,800 points and looks the same.
fn shape_points(px: &[(i32, i32)]) -> Vec<usize> {
    let mut keep = Vec::with_capacity(px.len().min(4096));
    let mut i = 0;
    while i < px.len() {
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j + 1 < px.len() && px[j + 1].0 == px[i].0 {
            j += 1;
            if px[j].1 < px[lo].1 {
                lo = j;
            }
            if px[j].1 > px[hi].1 {
                hi = j;
            }
        }
        let mut run = [i, lo, hi, j];
        run.sort_unstable();
        for k in run {
            if keep.last() != Some(&k) {
                keep.push(k);
            }
        }
        i = j + 1;
    }
    keep
}

/// The points that get a marker (and its tooltip and link). Every one,
/// unless they would stand closer than `MARKER_SPACING` on average; then
/// one per `MARKER_SPACING`-pixel slot: a missed target if the slot has
/// one (so misses stay visible), else the slot's last, latest point.
fn marker_points(px: &[(i32, i32)], missed: &[bool]) -> Vec<usize> {
    let (Some(first), Some(last)) = (px.iter().map(|p| p.0).min(), px.iter().map(|p| p.0).max())
    else {
        return Vec::new();
    };
    let width = (last - first).max(1) as usize;
    if px.len() <= 1 || px.len() * (MARKER_SPACING as usize) <= width {
        return (0..px.len()).collect();
    }
    let slot = |i: usize| (px[i].0 - first) / MARKER_SPACING;
    let mut keep: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < px.len() {
        let s = slot(i);
        let mut j = i;
        while j + 1 < px.len() && slot(j + 1) == s {
            j += 1;
        }
        keep.push((i..=j).find(|&k| missed[k]).unwrap_or(j));
        i = j + 1;
    }
    keep
}

pub struct Bar {
    /// The span the bar covers on the time axis (a week: its first and
    /// last day).
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub value: u32,
    /// Tooltip text (week, date, count).
    pub tooltip: String,
    /// Link from the bar, relative to the page the chart is on.
    pub href: Option<String>,
}

pub struct BarChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
}

/// Renders a bar chart of counts over time (one bar per week); `None`
/// when there is nothing to draw. Bars stand at their own dates, so weeks
/// without a bar show as gaps rather than as zeros; a zero is a stub on the
/// axis, so "no incidents" and "no report" look different.
pub fn bar_chart(c: &BarChart) -> Option<String> {
    let first = c.bars.iter().map(|b| b.start).min()?;
    let last = c.bars.iter().map(|b| b.end).max()?;
    let pad = Duration::days(((last - first).num_days() / 30).max(3));
    let (x0, x1) = (first - pad, last + Duration::days(1) + pad);
    let max = c.bars.iter().map(|b| b.value).max().unwrap_or(0) as i32;
    // Room above the tallest bar for its label; whole numbers only.
    let y1 = (max + 1).max(2);
    let long = (x1 - x0).num_days() > 400;

    let mut svg = String::new();
    let mut extra = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, c.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(14)
            .margin_right(18)
            .margin_left(6)
            .margin_bottom(6)
            .x_label_area_size(30)
            .y_label_area_size(44)
            .build_cartesian_2d(RangedDate::from(x0..x1), 0i32..y1)
            .ok()?;
        let fmt_x = |d: &NaiveDate| {
            if long {
                d.format("%Y-%m").to_string()
            } else {
                d.format("%m/%d").to_string()
            }
        };
        let fmt_y = |v: &i32| v.to_string();
        chart
            .configure_mesh()
            .light_line_style(RGBColor(255, 255, 255).mix(0.0))
            .bold_line_style(RGBColor(225, 228, 232))
            .axis_style(RGBColor(190, 194, 199))
            .x_labels(8)
            .y_labels(if y1 <= 10 { y1 as usize + 1 } else { 6 })
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&fmt_y)
            .label_style(
                ("sans-serif", 17)
                    .into_font()
                    .color(&RGBColor(95, 102, 112)),
            )
            .draw()
            .ok()?;
        extra.push_str("<g class=\"bars\">");
        for b in &c.bars {
            let (ax, top) = chart.backend_coord(&(b.start, b.value as i32));
            let (bx, base) = chart.backend_coord(&(b.end + Duration::days(1), 0));
            // A gap between neighbouring weeks, and never thinner than 3px.
            let full = (bx - ax).max(1);
            let inset = full / 6;
            let (x, w) = if full - 2 * inset >= 3 {
                (ax + inset, full - 2 * inset)
            } else {
                (ax + full / 2 - 1, 3)
            };
            let (class, y, h) = if b.value == 0 {
                ("bar zero", base - 2, 2)
            } else {
                ("bar", top, (base - top).max(1))
            };
            let mut inner = format!(
                "<title>{}</title><rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"/>",
                escape_html(&b.tooltip)
            );
            if w >= 10 {
                inner.push_str(&format!(
                    "<text class=\"bar-val\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    x + w / 2,
                    y - 5,
                    b.value
                ));
            }
            match &b.href {
                Some(h) => extra.push_str(&format!("<a href=\"{}\">{inner}</a>", escape_html(h))),
                None => extra.push_str(&format!("<g>{inner}</g>")),
            }
        }
        extra.push_str("</g>\n");
        root.present().ok()?;
    }
    Some(finish(svg, c.id, c.title, c.desc, &extra, &[]))
}

/// Makes plotters' fixed-size SVG scale with its container, gives it an
/// accessible name, and routes its colours through CSS classes.
fn finish(svg: String, id: &str, title: &str, desc: &str, extra: &str, classes: &[&str]) -> String {
    let head_end = svg.find(">\n").map_or(0, |i| i + 2);
    let head = &svg[..head_end];
    let view_box = head
        .split("viewBox=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("0 0 720 280");
    let body = &svg[head_end..];
    let body = body.trim_end().trim_end_matches("</svg>");
    let mut body = body
        .replace("stroke=\"#1F5FBF\"", "class=\"series\" stroke=\"#1F5FBF\"")
        .replace(
            "font-family=\"sans-serif\"",
            "class=\"lbl\" font-family=\"sans-serif\"",
        );
    // Each series polyline gets its line's colour class, in drawing order.
    let mut n = 0;
    while let Some(pos) = body.find("class=\"series\" ") {
        let class = classes.get(n).copied().unwrap_or("s0");
        body.replace_range(
            pos..pos + "class=\"series\" ".len(),
            &format!("class=\"series-line {class}\" "),
        );
        n += 1;
    }
    format!(
        "<svg class=\"chart\" viewBox=\"{view_box}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" preserveAspectRatio=\"xMidYMid meet\">\n<title id=\"{id}-t\">{}</title>\n<desc id=\"{id}-d\">{}</desc>\n{body}{extra}</svg>",
        escape_html(title),
        escape_html(desc),
    )
}

/// A small trend line for the home page: no axes, the last point marked.
pub fn sparkline(values: &[f64], width: u32, height: u32, label: &str) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let (lo, hi) = fit_range(values.iter().copied());
    let n = values.len();
    let pad = 4.0;
    let (w, h) = (width as f64 - 2.0 * pad, height as f64 - 2.0 * pad);
    let xy = |i: usize, v: f64| {
        let x = pad
            + if n > 1 {
                w * i as f64 / (n - 1) as f64
            } else {
                w / 2.0
            };
        let y = pad + h - (v - lo) / (hi - lo) * h;
        (x, y)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let pts: Vec<(i32, i32)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| xy(i, *v))
            .map(|(x, y)| (x.round() as i32, y.round() as i32))
            .collect();
        let pts: Vec<(i32, i32)> = shape_points(&pts).into_iter().map(|i| pts[i]).collect();
        root.draw(&PathElement::new(
            pts,
            RGBColor(31, 95, 191).stroke_width(2),
        ))
        .ok()?;
        root.present().ok()?;
    }
    let (lx, ly) = xy(n - 1, values[n - 1]);
    let extra = format!("<circle class=\"pt\" cx=\"{lx:.1}\" cy=\"{ly:.1}\" r=\"3\"/>");
    let id = format!("spark-{:x}", crate::content::fnv1a(label.as_bytes()) as u32);
    Some(finish(svg, &id, label, label, &extra, &["s0"]).replacen(
        "class=\"chart\"",
        "class=\"spark\"",
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_rounded_then_trimmed() {
        let rounded = |v: f64, decimals: usize| {
            let s = format!("{v:.decimals$}");
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            }
        };
        let mut values = vec![
            0.0,
            -0.0,
            82.0,
            -3.0,
            99.99,
            99.995,
            99.9949,
            0.125,
            0.375,
            2.5,
            0.1,
            0.3,
            1e-7,
            123456789.5,
            1e9,
            1e21,
            -99.97,
            0.0001,
            66.66666,
            1047.0,
            0.005,
        ];
        // Every hundredth from 0 to 100, and a spread of odd values.
        values.extend((0..=10_000).map(|i| f64::from(i) / 100.0));
        values.extend((0..2_000).map(|i| f64::from(i) * 0.123_456_7 - 50.0));
        for v in values {
            for decimals in 0..=4 {
                assert_eq!(
                    format_value(v, decimals),
                    rounded(v, decimals),
                    "{v} to {decimals}"
                );
            }
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn fitted_range_does_not_start_at_zero() {
        let (lo, hi) = fit_range([99.99, 99.997, 99.994].into_iter());
        assert!(lo > 99.9 && lo < 99.99, "{lo}");
        assert!(hi > 99.997 && hi < 100.01, "{hi}");
        let (lo, hi) = fit_range([100.0, 100.0].into_iter());
        assert!(lo < 100.0 && hi > 100.0 && lo > 99.0);
        let (lo, _) = fit_range([0.0, 1.0].into_iter());
        assert!(lo < 0.0 && lo > -0.5, "{lo}");
    }

    #[test]
    fn chart_has_title_desc_tooltips_and_links() {
        let pts = |vals: &[(&str, f64)]| {
            vals.iter()
                .enumerate()
                .map(|(key, (dt, v))| ChartPoint {
                    date: d(dt),
                    value: *v,
                    missed: *v < 99.99,
                    key,
                })
                .collect()
        };
        let vals = [("2023-04-14", 99.99), ("2023-09-22", 99.98)];
        let svg = line_chart(&LineChart {
            id: "m1",
            title: "入金有效成功率",
            desc: "5 points",
            unit: "%",
            lines: vec![Line {
                name: "x".into(),
                class: "s0".into(),
                points: pts(&vals),
                label: Box::new(|k| {
                    let (dt, v) = vals[k];
                    (
                        format!("{dt} 第16周 {v}%"),
                        Some(format!("reports/{dt}.html#L1")),
                    )
                }),
            }],
            target: Some(99.99),
            width: 720,
            height: 280,
            y_range: None,
            target_label: "目标",
            x_range: None,
        })
        .unwrap();
        assert!(svg.starts_with("<svg class=\"chart\" viewBox=\"0 0 720 280\""));
        assert!(!svg.contains("width=\"720\""), "scales with its container");
        assert!(svg.contains("<title id=\"m1-t\">入金有效成功率</title>"));
        assert!(svg.contains("<desc id=\"m1-d\">5 points</desc>"));
        assert!(svg.contains("<title>2023-04-14 第16周 99.99%</title>"));
        assert!(
            svg.contains("class=\"pt miss\""),
            "the 99.98 point misses the target"
        );
        assert!(svg.contains("href=\"reports/2023-04-14.html#L1\""));
        assert!(svg.contains("class=\"target\""));
        assert!(svg.contains("99.99%"), "tick labels in the unit");
        assert!(!svg.contains(">0%<"), "no zero-based axis");
        assert_eq!(svg.matches("<svg").count(), 1);
    }

    #[test]
    fn dense_lines_keep_their_shape_and_thin_their_markers() {
        // Runs on one pixel column keep first, lowest, highest and last.
        let px = [(0, 5), (0, 9), (0, 1), (0, 4), (1, 3), (2, 3), (2, 3)];
        assert_eq!(shape_points(&px), [0, 1, 2, 3, 4, 5, 6]);
        let px = [(0, 5), (0, 6), (0, 9), (0, 7), (0, 1), (0, 2), (0, 4)];
        assert_eq!(shape_points(&px), [0, 2, 4, 6]);
        // Sparse points all keep their marker.
        let sparse: Vec<(i32, i32)> = (0..10).map(|i| (i * 50, 0)).collect();
        assert_eq!(marker_points(&sparse, &[false; 10]).len(), 10);
        // Dense ones: one per slot, a miss preferred, else the slot's last.
        let dense: Vec<(i32, i32)> = (0..600).map(|i| (i / 2, 0)).collect();
        let mut missed = vec![false; 600];
        missed[7] = true;
        let kept = marker_points(&dense, &missed);
        assert_eq!(kept.len(), 300 / MARKER_SPACING as usize);
        assert_eq!(kept[0], 7, "the miss in the first slot");
        assert_eq!(kept[1], 2 * 2 * MARKER_SPACING as usize - 1);
        assert_eq!(
            *kept.last().unwrap(),
            599,
            "the latest point keeps its marker"
        );
    }

    #[test]
    fn a_dense_chart_labels_only_its_markers() {
        let start = d("2000-01-07");
        let asked = std::cell::Cell::new(0);
        let svg = line_chart(&LineChart {
            id: "dense",
            title: "t",
            desc: "d",
            unit: "%",
            lines: vec![Line {
                name: "x".into(),
                class: "s0".into(),
                points: (0..5000)
                    .map(|k| ChartPoint {
                        date: start + Duration::weeks(k as i64),
                        value: 99.0 + (k % 7) as f64 / 10.0,
                        missed: false,
                        key: k,
                    })
                    .collect(),
                label: Box::new(|k| {
                    asked.set(asked.get() + 1);
                    (format!("point {k}"), Some(format!("r/{k}.html")))
                }),
            }],
            target: None,
            width: 720,
            height: 280,
            y_range: None,
            target_label: "",
            x_range: None,
        })
        .unwrap();
        let markers = svg.matches("<circle").count();
        assert!(
            markers > 50 && markers <= 720 / MARKER_SPACING as usize,
            "{markers}"
        );
        assert_eq!(asked.get(), markers);
        assert!(
            svg.contains("<title>point 4999</title>"),
            "the latest point"
        );
        // The line keeps at most four points per pixel column.
        let line = svg.split("<polyline").nth(1).unwrap();
        let pts = line
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            pts.split(' ').count() <= 4 * 720,
            "{}",
            pts.split(' ').count()
        );
    }

    #[test]
    fn sparkline_draws() {
        let s = sparkline(&[1.0, 2.0, 1.5], 120, 32, "x").unwrap();
        assert!(s.contains("class=\"spark\""));
        assert!(s.contains("<circle"));
        assert!(sparkline(&[], 120, 32, "x").is_none());
    }

    #[test]
    fn bar_chart_has_bars_tooltips_links_and_whole_ticks() {
        let bar = |start: &str, v: u32| Bar {
            start: d(start),
            end: d(start) + Duration::days(6),
            value: v,
            tooltip: format!("第{v}周 <{start}> {v} 起"),
            href: Some(format!("reports/{start}.html")),
        };
        let svg = bar_chart(&BarChart {
            id: "inc",
            title: "每周事件",
            desc: "3 weeks",
            bars: vec![
                bar("2023-04-10", 2),
                bar("2023-04-17", 0),
                bar("2023-05-22", 5),
            ],
            width: 960,
            height: 260,
        })
        .unwrap();
        assert!(svg.starts_with("<svg class=\"chart\" viewBox=\"0 0 960 260\""));
        assert!(!svg.contains("width=\"960\""), "scales with its container");
        assert!(svg.contains("<title id=\"inc-t\">每周事件</title>"));
        assert!(svg.contains("<desc id=\"inc-d\">3 weeks</desc>"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert_eq!(svg.matches("class=\"bar zero\"").count(), 1);
        assert!(
            svg.contains("<title>第2周 &lt;2023-04-10&gt; 2 起</title>"),
            "escaped tooltips"
        );
        assert!(svg.contains("<a href=\"reports/2023-05-22.html\">"));
        assert!(svg.contains(">5</text>"), "the count over the bar");
        // Ticks are whole numbers: 0..6 and nothing in between.
        let ticks: Vec<&str> = svg
            .split("text-anchor=\"end\" class=\"lbl\"")
            .skip(1)
            .filter_map(|s| s.split('\n').nth(1))
            .collect();
        assert_eq!(ticks, ["0", "1", "2", "3", "4", "5", "6"]);
        // The taller bar is taller.
        let heights: Vec<i32> = svg
            .split("class=\"bar\" ")
            .skip(1)
            .map(|s| {
                s.split("height=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(heights[1] > heights[0] * 2, "{heights:?}");
        assert!(bar_chart(&BarChart {
            id: "x",
            title: "",
            desc: "",
            bars: vec![],
            width: 10,
            height: 10
        })
        .is_none());
    }
}
