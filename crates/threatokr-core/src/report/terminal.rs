//! Terminal output for `status` and `analyze`: a status tree with Unicode progress bars, and tables.
//!
//! The caller decides the width (the terminal's) and whether to colour (a terminal without
//! NO_COLOR); ANSI escapes appear only when `color` is true. Text from files is cleaned of
//! control characters so a title cannot move the cursor or change colours.

use super::table::{Align, RESET, ansi, clean, fit, fit_with_suffix, layout};
use super::{KrRow, NO_DATA, ReportModel, Status, format_percent, status_label};
use crate::model::LinkKind;
use std::fmt::Write;

#[cfg(test)]
mod tests;

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

/// A bar of `width` cells drawn in eighths: `█` for full cells, one of `▏▎▍▌▋▊▉` for the last
/// partial cell, `░` for the rest; all `░` when there is no data.
pub(crate) fn fine_bar(progress: Option<f64>, width: usize) -> String {
    let eighths = progress
        .filter(|p| p.is_finite())
        .map_or(0, |p| (p.clamp(0.0, 1.0) * (width * 8) as f64).round() as usize);
    let full = eighths / 8;
    let partial = eighths % 8;
    let mut out = String::with_capacity(width * 3);
    out.extend(std::iter::repeat_n('█', full));
    if partial > 0 {
        out.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][partial]);
    }
    let used = full + usize::from(partial > 0);
    out.extend(std::iter::repeat_n('░', width - used));
    out
}

/// Where the columns of the status tree go at a given width.
#[derive(Clone, Copy)]
struct Columns {
    /// Characters for the tree glyphs, ids and titles.
    left: usize,
    /// Cells of the progress bar; 0 hides it (narrow terminals).
    bar: usize,
}

impl Columns {
    /// Titles get what is left after bar, percentage (8) and status word (9); the bar is shown
    /// from 50 columns (6 cells), with 10 cells from 80 columns and 20 from 120.
    fn for_width(width: usize) -> Self {
        let bar = match width {
            0..50 => 0,
            50..80 => 6,
            80..120 => 10,
            _ => 20,
        };
        let right = if bar > 0 { 1 + bar + 1 + 8 + 1 + 9 } else { 1 + 8 + 1 + 9 };
        Self { left: width.saturating_sub(right), bar }
    }
}

/// One line of the tree: `text` fitted to the left column, then bar, percentage and status.
fn tree_line(
    text: &str,
    progress: Option<f64>,
    status: Status,
    columns: Columns,
    color: bool,
) -> String {
    // "no data" is the status word already; the percentage column is left empty.
    let percent = match progress.filter(|p| p.is_finite()) {
        Some(p) => format!("{:>8}", format_percent(Some(p))),
        None => " ".repeat(8),
    };
    let word = format!("{:<9}", status_label(status));
    let (start, end) = if color { (ansi(status), RESET) } else { ("", "") };
    if columns.bar > 0 {
        format!(
            "{text} {start}{}{end} {percent} {start}{word}{end}",
            fine_bar(progress, columns.bar)
        )
    } else {
        format!("{text} {percent} {start}{word}{end}")
    }
}

/// What a key result was measured from, as `[metric = value (n of d)]`, and the owner's
/// confidence; empty when neither is known. Notes are left to `measure`, which prints them.
fn evidence_hint(kr: &KrRow) -> String {
    let mut parts: Vec<String> = kr
        .evidence
        .iter()
        .filter(|e| e.label != "note")
        .map(|e| format!("[{} = {}]", clean(&e.label), clean(&e.value)))
        .collect();
    if let Some(confidence) = kr.confidence {
        parts.push(format!("confidence {confidence}/10"));
    }
    parts.join("  ")
}

/// The objectives as a tree, with their key results under them.
///
/// A heading (org, cycle, day), the overall score and where a linear plan stands; then one line
/// per objective (tree glyphs: `─` contributes, `┄` supports), each key result on a line of its
/// own (`- id title`) with its evidence and confidence on the next line. Every line has an id
/// and title cut to fit, a progress bar in eighths (hidden below 50 columns), the percentage or
/// "no data", and the status in words. An objective under several parents is drawn in full at
/// its first place in the tree and as a one-line pointer, `(shown above)`, elsewhere. No line is
/// wider than `width` characters (at least 20); ANSI colours only when `color` is true. Text
/// from the model has its control characters replaced (`clean`), so the tree is printed as it is.
pub fn render_status_tree(model: &ReportModel, width: usize, color: bool) -> String {
    let width = width.max(20);
    let mut out = String::new();
    let mut heading = clean(&model.org);
    match (&model.cycle, model.as_of) {
        (Some(c), Some(d)) => {
            let _ = write!(heading, " — {} as of {d}", clean(&c.id));
        }
        (Some(c), None) => {
            let _ = write!(heading, " — {}", clean(&c.id));
        }
        (None, Some(d)) => {
            let _ = write!(heading, ", as of {d}");
        }
        (None, None) => {}
    }
    let _ = writeln!(out, "{}", fit(&heading, width));
    let mut score = format!("Overall score: {}", format_percent(model.overall_score));
    if let (Some(c), Some(d)) = (&model.cycle, model.as_of) {
        let expected = crate::progress::expected_progress(c.start, c.end, d);
        let _ = write!(score, "; a linear plan expects {}", format_percent(Some(expected)));
    }
    let _ = writeln!(out, "{}", fit(&score, width));
    if model.tree.is_empty() {
        out.push_str("No objectives.\n");
        return trim_line_ends(&out);
    }
    out.push('\n');
    let columns = Columns::for_width(width);
    let by_id: std::collections::HashMap<&str, &super::ObjectiveRow> =
        model.objectives.iter().map(|o| (o.id.as_str(), o)).collect();

    // Tree glyphs need to know whether a later sibling follows; compute them back to front.
    // `prefixes` lead an objective's line; `continuations` lead the lines of its key results,
    // carrying on the vertical lines of its ancestors, its later siblings and its children.
    let mut prefixes = vec![String::new(); model.tree.len()];
    let mut continuations = vec![String::new(); model.tree.len()];
    let mut later: Vec<bool> = Vec::new();
    for (i, node) in model.tree.iter().enumerate().rev() {
        let depth = node.depth;
        if later.len() <= depth {
            later.resize(depth + 1, false);
        }
        let mut continuation = String::new();
        for &more in later.iter().take(depth + 1).skip(1) {
            continuation.push_str(if more { "│  " } else { "   " });
        }
        let has_children = model.tree.get(i + 1).is_some_and(|next| next.depth == depth + 1);
        continuation.push_str(if has_children { "│  " } else { "   " });
        continuations[i] = continuation;
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

    for ((node, prefix), continuation) in model.tree.iter().zip(&prefixes).zip(&continuations) {
        let Some(objective) = by_id.get(node.id.as_str()) else {
            let text = fit(&format!("{prefix}{}", clean(&node.id)), columns.left);
            let _ = writeln!(out, "{}", tree_line(&text, None, Status::NoData, columns, color));
            continue;
        };
        let label = format!("{prefix}{} {}", clean(&objective.id), clean(&objective.title));
        let text = if node.repeated {
            fit_with_suffix(&label, " (shown above)", columns.left)
        } else {
            fit(&label, columns.left)
        };
        let line = tree_line(&text, objective.progress, objective.status, columns, color);
        let _ = writeln!(out, "{line}");
        if node.repeated {
            continue;
        }
        for link in &objective.links {
            let _ = writeln!(out, "{}", fit(&format!("{continuation}  [{}]", clean(link)), width));
        }
        for kr in &objective.key_results {
            let label = format!("{continuation}- {} {}", clean(&kr.id), clean(&kr.title));
            let text = fit(&label, columns.left);
            let _ = writeln!(out, "{}", tree_line(&text, kr.progress, kr.status, columns, color));
            let hint = evidence_hint(kr);
            if !hint.is_empty() {
                let _ = writeln!(out, "{}", fit(&format!("{continuation}  {hint}"), width));
            }
        }
    }
    trim_line_ends(&out)
}

/// Padding of the last column is kept only for alignment between lines; trim it at line ends.
fn trim_line_ends(text: &str) -> String {
    text.lines().map(str::trim_end).fold(String::with_capacity(text.len()), |mut acc, line| {
        acc.push_str(line);
        acc.push('\n');
        acc
    })
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
                kr.value_text(),
                format_percent(kr.progress),
                format_percent(kr.expected),
                status_label(kr.status).to_owned(),
                kr.confidence.map_or_else(|| NO_DATA.to_owned(), |c| format!("{c}/10")),
            ]);
            statuses.push(kr.status);
        }
    }
    layout(
        &["objective", "key result", "title", "value", "progress", "expected", "status", "conf."],
        &[Align::Auto; 8],
        &rows,
        width,
        color.then_some((6, statuses.as_slice())),
    )
}
