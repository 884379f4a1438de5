//! Hand-written SVG charts: progress bars, sparklines, stacked bars and balance bars.
//!
//! Every chart is an accessible image (`role="img"`, a `<title>` referenced by `aria-labelledby`);
//! the caller places a text equivalent (a table) beside it. Numbers are written with `{:.1}` so
//! the output is byte-for-byte deterministic. Text from files is escaped with `escape_html`.

use super::html::escape_html;
use super::{Band, Status};
use jiff::civil::Date;
use std::fmt::Write;

/// Background and text colour of a status badge; every pair has a contrast ratio of at least 4.5.
pub(crate) fn status_colours(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::OnTrack => ("#1a7f37", "#ffffff"),
        Status::AtRisk => ("#f2c744", "#1f2328"),
        Status::OffTrack => ("#cf222e", "#ffffff"),
        Status::Stale => ("#57606a", "#ffffff"),
        Status::NoData => ("#eaeef2", "#1f2328"),
    }
}

/// Background and text colour of a grade band.
pub(crate) fn band_colours(band: Band) -> (&'static str, &'static str) {
    match band {
        Band::Red => ("#cf222e", "#ffffff"),
        Band::Yellow => ("#f2c744", "#1f2328"),
        Band::Green => ("#1a7f37", "#ffffff"),
    }
}

/// Fill colours for series (themes), cycled when there are more series than colours.
const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728",
];

/// The colour of the n-th series.
pub(crate) fn series_colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

fn open_svg(out: &mut String, id: &str, title: &str, width: u32, height: u32, class: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}"><title id="{id}">{}</title>"#,
        escape_html(title)
    );
}

/// A horizontal progress bar with an expected-progress marker; "no data" draws an empty, hatched-looking bar.
pub fn progress_bar(
    id: &str,
    title: &str,
    progress: Option<f64>,
    expected: Option<f64>,
    status: Status,
) -> String {
    const WIDTH: f64 = 120.0;
    let mut out = String::with_capacity(512);
    open_svg(&mut out, id, title, 120, 14, "bar");
    out.push_str(r##"<rect x="0" y="2" width="120" height="10" rx="2" fill="#eaeef2" stroke="#8c959f" stroke-width="0.5"/>"##);
    if let Some(p) = progress.filter(|p| p.is_finite()) {
        let (fill, _) = status_colours(status);
        let _ = write!(
            out,
            r#"<rect x="0" y="2" width="{:.1}" height="10" rx="2" fill="{fill}"/>"#,
            p.clamp(0.0, 1.0) * WIDTH
        );
    }
    if let Some(e) = expected.filter(|e| e.is_finite()) {
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="14" stroke="#1f2328" stroke-width="1.5"/>"##,
            x = e.clamp(0.0, 1.0) * WIDTH
        );
    }
    out.push_str("</svg>");
    out
}

/// A sparkline of a history (oldest first): one line, a dot on the newest point.
pub fn sparkline(id: &str, title: &str, points: &[(Date, f64)]) -> String {
    const WIDTH: f64 = 100.0;
    const HEIGHT: f64 = 24.0;
    let mut out = String::with_capacity(256 + points.len() * 16);
    open_svg(&mut out, id, title, 100, 24, "spark");
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        out.push_str(r##"<line x1="0" y1="12" x2="100" y2="12" stroke="#8c959f" stroke-dasharray="2 2"/></svg>"##);
        return out;
    }
    let (min, max) =
        values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = if max > min { max - min } else { 1.0 };
    let step = if values.len() > 1 { WIDTH / (values.len() - 1) as f64 } else { 0.0 };
    let position = |i: usize, v: f64| {
        let x = if values.len() > 1 { i as f64 * step } else { WIDTH / 2.0 };
        let y =
            if max > min { 2.0 + (HEIGHT - 4.0) * (1.0 - (v - min) / span) } else { HEIGHT / 2.0 };
        (x, y)
    };
    out.push_str(r##"<polyline fill="none" stroke="#0969da" stroke-width="1.5" points=""##);
    for (i, v) in values.iter().enumerate() {
        let (x, y) = position(i, *v);
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{x:.1},{y:.1}");
    }
    out.push_str(r#""/>"#);
    let (x, y) = position(values.len() - 1, values[values.len() - 1]);
    let _ = write!(out, r##"<circle cx="{x:.1}" cy="{y:.1}" r="2" fill="#0969da"/></svg>"##);
    out
}

/// Stacked vertical bars: one bar per date, one segment per series, with a legend.
pub(crate) fn stacked_bars(id: &str, title: &str, series: &[(Date, Vec<(String, f64)>)]) -> String {
    // Series in first-seen order, each with a stable colour.
    let mut names: Vec<&str> = Vec::new();
    let mut known = std::collections::HashMap::new();
    for (_, values) in series {
        for (name, _) in values {
            known.entry(name.as_str()).or_insert_with(|| {
                names.push(name.as_str());
                names.len() - 1
            });
        }
    }
    let legend_rows = names.len().div_ceil(2);
    let bar_area = 160.0;
    let top = 10.0;
    let width = 560u32;
    let height = (top + bar_area + 24.0 + legend_rows as f64 * 16.0 + 8.0) as u32;
    let mut out = String::with_capacity(1024 + series.len() * names.len().max(1) * 96);
    open_svg(&mut out, id, title, width, height, "chart");
    let total = |values: &[(String, f64)]| values.iter().map(|(_, v)| v.max(0.0)).sum::<f64>();
    let max = series.iter().map(|(_, v)| total(v)).fold(0.0_f64, f64::max);
    let left = 40.0;
    let plot_width = f64::from(width) - left - 10.0;
    let slot = if series.is_empty() { plot_width } else { plot_width / series.len() as f64 };
    let bar_width = (slot * 0.7).min(60.0);
    let _ = write!(
        out,
        r##"<line x1="{left:.1}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}" stroke="#8c959f"/><text x="{lx:.1}" y="{ty:.1}" font-size="10" text-anchor="end" fill="#1f2328">{max:.1}</text><text x="{lx:.1}" y="{b:.1}" font-size="10" text-anchor="end" fill="#1f2328">0</text>"##,
        b = top + bar_area,
        r = f64::from(width) - 10.0,
        lx = left - 4.0,
        ty = top + 8.0,
    );
    // At most about eight date labels fit under the plot; label every n-th bar.
    let label_every = series.len().div_ceil(8).max(1);
    for (i, (date, values)) in series.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_width) / 2.0;
        let mut y = top + bar_area;
        for (name, value) in values {
            let value = value.max(0.0);
            if value <= 0.0 || max <= 0.0 {
                continue;
            }
            let h = value / max * bar_area;
            y -= h;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_width:.1}" height="{h:.1}" fill="{}"><title>{}: {value:.1}</title></rect>"#,
                series_colour(known[name.as_str()]),
                escape_html(name)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                out,
                r##"<text x="{cx:.1}" y="{ly:.1}" font-size="10" text-anchor="middle" fill="#1f2328">{date}</text>"##,
                cx = x + bar_width / 2.0,
                ly = top + bar_area + 14.0
            );
        }
    }
    for (i, name) in names.iter().enumerate() {
        let x = left + if i % 2 == 0 { 0.0 } else { plot_width / 2.0 };
        let y = top + bar_area + 24.0 + (i / 2) as f64 * 16.0;
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{y:.1}" width="10" height="10" fill="{}"/><text x="{tx:.1}" y="{ty:.1}" font-size="11" fill="#1f2328">{}</text>"##,
            series_colour(i),
            escape_html(name),
            tx = x + 14.0,
            ty = y + 9.0
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars, one per labelled value, longest first as given.
pub(crate) fn horizontal_bars(id: &str, title: &str, rows: &[(String, f64)]) -> String {
    let height = (rows.len() as u32).max(1) * 20 + 8;
    let mut out = String::with_capacity(256 + rows.len() * 200);
    open_svg(&mut out, id, title, 560, height, "chart");
    let max = rows.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * 20.0;
        let w = if max > 0.0 { value.max(0.0) / max * 300.0 } else { 0.0 };
        let _ = write!(
            out,
            r##"<text x="196" y="{ty:.1}" font-size="11" text-anchor="end" fill="#1f2328">{}</text><rect x="200" y="{y:.1}" width="{w:.1}" height="14" fill="#4e79a7"/><text x="{vx:.1}" y="{ty:.1}" font-size="11" fill="#1f2328">{}</text>"##,
            escape_html(&truncate(label, 32)),
            super::format_number(*value),
            ty = y + 11.0,
            vx = 204.0 + w
        );
    }
    out.push_str("</svg>");
    out
}

/// Two 100% bars side by side in one chart: strategic vs tactical, committed vs aspirational.
pub(crate) fn balance_bars(id: &str, title: &str, pairs: &[(&str, usize, &str, usize)]) -> String {
    let height = pairs.len() as u32 * 34 + 6;
    let mut out = String::with_capacity(256 + pairs.len() * 400);
    open_svg(&mut out, id, title, 360, height, "chart");
    for (i, (left_label, left, right_label, right)) in pairs.iter().enumerate() {
        let y = 4.0 + i as f64 * 34.0;
        let total = left + right;
        let split = if total == 0 { 180.0 } else { *left as f64 / total as f64 * 360.0 };
        let _ = write!(
            out,
            r##"<rect x="0" y="{y:.1}" width="{split:.1}" height="16" fill="#4e79a7"/><rect x="{split:.1}" y="{y:.1}" width="{rest:.1}" height="16" fill="#f28e2b"/><text x="0" y="{ty:.1}" font-size="11" fill="#1f2328">{} {left}</text><text x="360" y="{ty:.1}" font-size="11" text-anchor="end" fill="#1f2328">{} {right}</text>"##,
            escape_html(left_label),
            escape_html(right_label),
            rest = 360.0 - split,
            ty = y + 28.0
        );
    }
    out.push_str("</svg>");
    out
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
