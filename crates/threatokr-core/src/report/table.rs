//! The one plain-text table of every terminal view (`status --format table`'s key results,
//! `analyze`, `measure`, `scan-ci`, `ingest --dry-run`, `token list`): columns as wide as their
//! widest cell, measured in terminal columns (a CJK character or an emoji takes two, a
//! combining mark none), shrunk widest first with an ellipsis until the table fits the width.

use super::Status;
use std::fmt::Write;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

#[cfg(test)]
mod tests;

pub(crate) const RESET: &str = "\u{1b}[0m";

/// Where a column's cells sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
    /// Right when the cell looks like a number (`12`, `45.0%`, `3/8`), else left.
    Auto,
    /// Text cut before any other column when the table is too wide (a list of apps).
    LeftCutFirst,
}

/// The ANSI colour of a status word.
pub(crate) fn ansi(status: Status) -> &'static str {
    match status {
        Status::OnTrack => "\u{1b}[32m",
        Status::AtRisk => "\u{1b}[33m",
        Status::OffTrack => "\u{1b}[31m",
        Status::Stale | Status::NoData => "\u{1b}[2m",
    }
}

/// Control characters (escape sequences, newlines) replaced, so text stays on its line.
pub(crate) fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
}

/// How many terminal columns `text` takes.
pub(crate) fn display_width(text: &str) -> usize {
    text.width()
}

/// Exactly `width` terminal columns: cut with `…` or padded with spaces. A wide character that
/// would straddle the cut is left out and its column padded, so the line stays aligned.
pub(crate) fn fit(text: &str, width: usize) -> String {
    let used = display_width(text);
    if used <= width {
        let mut out = text.to_owned();
        out.extend(std::iter::repeat_n(' ', width - used));
        return out;
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut taken = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if taken + w > width - 1 {
            break;
        }
        out.push(c);
        taken += w;
    }
    out.push('…');
    out.extend(std::iter::repeat_n(' ', width - 1 - taken));
    out
}

/// Like [`fit`], but a long `text` is cut before `suffix`, so the suffix always shows when the
/// width leaves room for it.
pub(crate) fn fit_with_suffix(text: &str, suffix: &str, width: usize) -> String {
    let suffix_width = display_width(suffix);
    if display_width(text) + suffix_width <= width || width < suffix_width + 2 {
        return fit(&format!("{text}{suffix}"), width);
    }
    fit(&format!("{}{suffix}", fit(text, width - suffix_width)), width)
}

fn looks_numeric(cell: &str) -> bool {
    let t = cell.trim_end_matches('%').trim_start_matches('-');
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '/')
}

/// A table fitted to `width` columns, numbers right-aligned ([`Align::Auto`] everywhere).
pub fn render_table(headers: &[&str], rows: &[Vec<String>], width: usize) -> String {
    layout(headers, &vec![Align::Auto; headers.len()], rows, width, None)
}

/// A table fitted to `width` columns with each column aligned as `align` says.
pub fn render_aligned_table(
    headers: &[&str],
    align: &[Align],
    rows: &[Vec<String>],
    width: usize,
) -> String {
    layout(headers, align, rows, width, None)
}

/// Lays out the table: a header line, a rule, one line per row, each line's end trimmed. When
/// `paint` is given, the cells of its column are coloured by the row's status. Text from input
/// has its control characters replaced, so the table can be printed as it is.
pub(crate) fn layout(
    headers: &[&str],
    align: &[Align],
    rows: &[Vec<String>],
    width: usize,
    paint: Option<(usize, &[Status])>,
) -> String {
    let columns = headers.len();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| (0..columns).map(|c| clean(r.get(c).map_or("", String::as_str))).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for row in &cells {
        for (c, cell) in row.iter().enumerate() {
            widths[c] = widths[c].max(display_width(cell));
        }
    }
    let right = |c: usize, cell: &str| match align.get(c).copied().unwrap_or(Align::Auto) {
        Align::Left | Align::LeftCutFirst => false,
        Align::Right => true,
        Align::Auto => looks_numeric(cell),
    };
    // A header sits over its numbers when the column is numeric.
    let right_header: Vec<bool> = (0..columns)
        .map(|c| match align.get(c).copied().unwrap_or(Align::Auto) {
            Align::Left | Align::LeftCutFirst => false,
            Align::Right => true,
            Align::Auto => {
                let mut filled = cells.iter().map(|r| r[c].as_str()).filter(|s| !s.is_empty());
                filled.clone().next().is_some() && filled.all(looks_numeric)
            }
        })
        .collect();
    let gaps = columns.saturating_sub(1) * 2;
    let excess = |widths: &[usize]| (widths.iter().sum::<usize>() + gaps).saturating_sub(width);
    for (c, a) in align.iter().enumerate().take(columns) {
        if *a == Align::LeftCutFirst {
            widths[c] = widths[c].saturating_sub(excess(&widths)).max(6).min(widths[c]);
        }
    }
    // Then shrink the widest columns, never below 6 columns: the widest first, down to the
    // next widest, so that one long column does not lose everything while others keep theirs.
    while excess(&widths) > 0 {
        let Some((widest, &w1)) =
            widths.iter().enumerate().max_by_key(|(i, w)| (**w, usize::MAX - i))
        else {
            break;
        };
        if w1 <= 6 {
            break;
        }
        let next = widths.iter().enumerate().filter(|(i, _)| *i != widest).map(|(_, w)| *w);
        let w2 = next.max().unwrap_or(0);
        let target = w2.max(w1.saturating_sub(excess(&widths))).max(6);
        widths[widest] = if target < w1 { target } else { w1 - 1 };
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String], status: Option<Status>, header: bool| {
        let mut text = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                text.push_str("  ");
            }
            let to_right = if header { right_header[c] } else { right(c, cell) };
            let cell_width = display_width(cell);
            let fitted = if to_right && cell_width <= widths[c] {
                format!("{}{cell}", " ".repeat(widths[c] - cell_width))
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
    let mut rule_line = rule.join("  ");
    rule_line.push('\n');
    out.push_str(&rule_line);
    for (r, row) in cells.iter().enumerate() {
        let status = paint.and_then(|(_, statuses)| statuses.get(r).copied());
        line(&mut out, row, status, false);
    }
    out
}
