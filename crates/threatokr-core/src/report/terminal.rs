//! Terminal output for `status` and `analyze`: a status tree with Unicode progress bars, and tables.
//!
//! The caller decides the width (the terminal's) and whether to colour (a terminal without
//! NO_COLOR); ANSI escapes appear only when `color` is true. Text from files is cleaned of
//! control characters so a title cannot move the cursor or change colours.

use super::{ReportModel, Status, format_percent, status_label};
use crate::model::LinkKind;
use std::fmt::Write;

const RESET: &str = "\u{1b}[0m";

fn ansi(status: Status) -> &'static str {
    match status {
        Status::OnTrack => "\u{1b}[32m",
        Status::AtRisk => "\u{1b}[33m",
        Status::OffTrack => "\u{1b}[31m",
        Status::Stale | Status::NoData => "\u{1b}[2m",
    }
}

/// A bar of `width` cells: `█` for done, `░` for the rest; all `░` when there is no data.
pub(crate) fn text_bar(progress: Option<f64>, width: usize) -> String {
    let filled = progress
        .filter(|p| p.is_finite())
        .map_or(0, |p| (p.clamp(0.0, 1.0) * width as f64).round() as usize);
    let mut out = String::with_capacity(width * 3);
    for i in 0..width {
        out.push(if i < filled { '█' } else { '░' });
    }
    out
}

/// Control characters (escape sequences, newlines) replaced, so text stays on its line.
fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
}

/// Exactly `width` characters: cut with `…` or padded with spaces.
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        let mut out = text.to_owned();
        out.extend(std::iter::repeat_n(' ', width - count));
        out
    } else if width == 0 {
        String::new()
    } else {
        let mut out: String = text.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

/// The objectives as a tree, one line each, every line exactly `width` characters (plus colour
/// escapes when `color` is true): tree glyphs (`─` contributes, `┄` supports), id and title,
/// a progress bar, the percentage or "no data", and the status in words.
pub fn render_status_tree(model: &ReportModel, width: usize, color: bool) -> String {
    let width = width.max(20);
    let mut out = String::new();
    let mut heading = format!("Security OKRs: {}", clean(&model.org));
    if let Some(c) = &model.cycle {
        let _ = write!(heading, " — {}", clean(&c.id));
    }
    if let Some(d) = model.as_of {
        let _ = write!(heading, ", as of {d}");
    }
    let _ = writeln!(out, "{}", fit(&heading, width).trim_end());
    let _ = writeln!(
        out,
        "{}",
        fit(&format!("Overall score: {}", format_percent(model.overall_score)), width).trim_end()
    );
    if model.tree.is_empty() {
        out.push_str("No objectives.\n");
        return out;
    }
    let show_bar = width >= 50;
    let right = if show_bar { 1 + 10 + 1 + 8 + 1 + 9 } else { 1 + 8 + 1 + 9 };
    let left = width.saturating_sub(right);
    let by_id: std::collections::HashMap<&str, &super::ObjectiveRow> =
        model.objectives.iter().map(|o| (o.id.as_str(), o)).collect();

    // Tree glyphs need to know whether a later sibling follows; compute them back to front.
    let mut prefixes = vec![String::new(); model.tree.len()];
    let mut later: Vec<bool> = Vec::new();
    for (i, node) in model.tree.iter().enumerate().rev() {
        let depth = node.depth;
        if later.len() <= depth {
            later.resize(depth + 1, false);
        }
        if depth > 0 {
            let mut prefix = String::new();
            for &more in &later[1..depth] {
                prefix.push_str(if more { "│  " } else { "   " });
            }
            prefix.push(if later[depth] { '├' } else { '└' });
            prefix.push_str(if node.link == Some(LinkKind::Supports) { "┄ " } else { "─ " });
            prefixes[i] = prefix;
        }
        later[depth] = true;
        later.truncate(depth + 1);
    }

    for (node, prefix) in model.tree.iter().zip(&prefixes) {
        let (label, progress, status) = match by_id.get(node.id.as_str()) {
            Some(o) if node.repeated => {
                (format!("{} {} (above)", clean(&o.id), clean(&o.title)), o.progress, o.status)
            }
            Some(o) => (format!("{} {}", clean(&o.id), clean(&o.title)), o.progress, o.status),
            None => (clean(&node.id), None, Status::NoData),
        };
        let text = fit(&format!("{prefix}{label}"), left);
        let percent = format!("{:>8}", format_percent(progress));
        let word = format!("{:<9}", status_label(status));
        let (start, end) = if color { (ansi(status), RESET) } else { ("", "") };
        if show_bar {
            let _ = writeln!(
                out,
                "{text} {start}{}{end} {percent} {start}{word}{end}",
                text_bar(progress, 10)
            );
        } else {
            let _ = writeln!(out, "{text} {percent} {start}{word}{end}");
        }
    }
    // Padding of the last column is kept only for alignment between lines; trim it at line ends.
    out.lines().map(str::trim_end).fold(String::with_capacity(out.len()), |mut acc, line| {
        acc.push_str(line);
        acc.push('\n');
        acc
    })
}

/// A plain table fitted to `width`: columns as wide as their widest cell, the widest columns
/// shrunk (cells cut with `…`) until the table fits; numbers right-aligned.
pub fn render_table(headers: &[&str], rows: &[Vec<String>], width: usize) -> String {
    layout(headers, rows, width, None)
}

/// The key results of every objective as a table fitted to `width`, status coloured when `color`.
pub fn render_kr_table(model: &ReportModel, width: usize, color: bool) -> String {
    let mut rows = Vec::new();
    let mut statuses = Vec::new();
    for objective in &model.objectives {
        for kr in &objective.key_results {
            rows.push(vec![
                objective.id.clone(),
                kr.id.clone(),
                kr.title.clone(),
                super::format_value(kr.value, &kr.unit),
                format_percent(kr.progress),
                format_percent(kr.expected),
                status_label(kr.status).to_owned(),
                kr.confidence.map_or_else(|| "—".to_owned(), |c| format!("{c}/10")),
            ]);
            statuses.push(kr.status);
        }
    }
    layout(
        &["objective", "key result", "title", "value", "progress", "expected", "status", "conf."],
        &rows,
        width,
        color.then_some((6, statuses.as_slice())),
    )
}

fn looks_numeric(cell: &str) -> bool {
    let t = cell.trim_end_matches('%').trim_start_matches('-');
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '/')
}

fn layout(
    headers: &[&str],
    rows: &[Vec<String>],
    width: usize,
    paint: Option<(usize, &[Status])>,
) -> String {
    let columns = headers.len();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| (0..columns).map(|c| clean(r.get(c).map_or("", String::as_str))).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (c, cell) in row.iter().enumerate() {
            widths[c] = widths[c].max(cell.chars().count());
        }
    }
    let gaps = columns.saturating_sub(1) * 2;
    // Shrink the widest column, at most once per column, never below 6 characters.
    for _ in 0..columns {
        let total: usize = widths.iter().sum::<usize>() + gaps;
        if total <= width {
            break;
        }
        let Some((widest, _)) =
            widths.iter().enumerate().max_by_key(|(i, w)| (**w, usize::MAX - i))
        else {
            break;
        };
        widths[widest] = widths[widest].saturating_sub(total - width).max(6);
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String], status: Option<Status>, header: bool| {
        let mut text = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                text.push_str("  ");
            }
            let fitted = if !header && looks_numeric(cell) && cell.chars().count() <= widths[c] {
                format!("{cell:>w$}", w = widths[c])
            } else {
                fit(cell, widths[c])
            };
            match (status, paint) {
                (Some(s), Some((col, _))) if col == c => {
                    let _ = write!(text, "{}{fitted}{RESET}", ansi(s));
                }
                _ => text.push_str(&fitted),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header_row: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    line(&mut out, &header_row, None, true);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(&mut out, &rule, None, true);
    for (r, row) in cells.iter().enumerate() {
        let status = paint.and_then(|(_, statuses)| statuses.get(r).copied());
        line(&mut out, row, status, false);
    }
    out
}
