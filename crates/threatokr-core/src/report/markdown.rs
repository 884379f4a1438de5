//! The Markdown report: the same content as the HTML one, for wikis and pull-request comments.
//!
//! Charts become text tables (and Unicode bars); everything from files or people goes through
//! `escape`, which neutralises Markdown syntax, raw HTML and table pipes.

use super::terminal::text_bar;
use super::{
    KrRow, NO_DATA, NONE, ReportModel, format_grade, format_number, format_percent, format_score,
    format_value, status_label,
};
use crate::model::LinkKind;
use std::fmt::Write;

/// Escapes text for a Markdown table cell or line: Markdown syntax characters, HTML and newlines.
/// The one escaper for every Markdown we write (the report and `analyze --format markdown`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous = None;
    for (i, c) in text.chars().enumerate() {
        let after_break = matches!(previous, Some('\n' | '\r'));
        previous = Some(c);
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // A leading marker would start a list, a quote or a heading underline.
            '-' | '+' | '>' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A run of line breaks (`\r\n`) is one space: a table row stays on its line.
            '\n' | '\r' if after_break => {}
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the report as Markdown.
pub fn render_markdown(model: &ReportModel) -> String {
    let mut out = String::with_capacity(4_096 + model.register.len() * 120);
    let _ = writeln!(out, "# Security OKRs: {}\n", escape(&model.org));
    let mut meta = String::new();
    if let Some(c) = &model.cycle {
        let _ = write!(meta, "Cycle {} ({} to {}). ", escape(&c.id), c.start, c.end);
    }
    if let Some(d) = model.as_of {
        let _ = write!(meta, "As of {d}.");
    }
    if !meta.is_empty() {
        let _ = writeln!(out, "{}\n", meta.trim_end());
    }
    summary(&mut out, model);
    alignment(&mut out, model);
    objectives(&mut out, model);
    risk(&mut out, model);
    balance(&mut out, model);
    quarters(&mut out, model);
    register(&mut out, model);
    out
}

fn summary(out: &mut String, model: &ReportModel) {
    let _ = writeln!(out, "## Executive summary\n");
    let _ = writeln!(out, "**Overall score:** {}\n", format_percent(model.overall_score));
    let _ = writeln!(out, "### What security does for the business\n");
    if model.summary.business.is_empty() {
        let _ = writeln!(out, "No business objectives in this cycle.\n");
    }
    for business in &model.summary.business {
        let _ = writeln!(
            out,
            "- **{}** {}{}: {}, {}",
            escape(&business.id),
            escape(&business.title),
            business
                .owner
                .as_ref()
                .map_or_else(String::new, |o| format!(" (owner: {})", escape(o))),
            status_label(business.status),
            format_percent(business.progress)
        );
        if business.security.is_empty() {
            let _ = writeln!(out, "  - no security objective is linked to it");
        }
        for row in &business.security {
            let _ = writeln!(
                out,
                "  - {} **{}** {}: {}, {}",
                if row.link == LinkKind::Supports { "supported by" } else { "fed by" },
                escape(&row.id),
                escape(&row.title),
                status_label(row.status),
                format_percent(row.progress)
            );
        }
    }
    if !model.summary.business.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "### What changed since the last measurement\n");
    if model.summary.changes.is_empty() {
        let _ = writeln!(out, "No key result has two measurements yet.\n");
    } else {
        let _ = writeln!(out, "| Key result | Title | Was | Now |\n|---|---|---:|---:|");
        for change in &model.summary.changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&change.kr),
                escape(&change.title),
                escape(&format_value(Some(change.from), &change.unit)),
                escape(&format_value(Some(change.to), &change.unit))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "### Needs a decision\n");
    if model.summary.decisions.is_empty() {
        let _ = writeln!(out, "Nothing needs a decision.\n");
    } else {
        for (i, decision) in model.summary.decisions.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, escape(decision));
        }
        out.push('\n');
    }
}

fn alignment(out: &mut String, model: &ReportModel) {
    let _ = writeln!(out, "## Alignment map\n");
    if model.tree.is_empty() {
        let _ = writeln!(out, "No objectives in this cycle.\n");
        return;
    }
    let _ = writeln!(
        out,
        "*contributes* feeds the parent's progress; *supports* is shown beside it and never changes its percentage.\n"
    );
    let by_id: std::collections::HashMap<&str, &super::ObjectiveRow> =
        model.objectives.iter().map(|o| (o.id.as_str(), o)).collect();
    for node in &model.tree {
        let indent = "  ".repeat(node.depth);
        let link = match node.link {
            Some(LinkKind::Contributes) => "*contributes* ",
            Some(LinkKind::Supports) => "*supports* ",
            None => "",
        };
        match by_id.get(node.id.as_str()) {
            Some(o) if node.repeated => {
                let _ = writeln!(
                    out,
                    "{indent}- {link}**{}** {} (shown above with its children)",
                    escape(&o.id),
                    escape(&o.title)
                );
            }
            Some(o) => {
                let _ = writeln!(
                    out,
                    "{indent}- {link}**{}** {} ({}{}): {}, {}",
                    escape(&o.id),
                    escape(&o.title),
                    o.level,
                    o.owner.as_ref().map_or_else(String::new, |n| format!(", {}", escape(n))),
                    status_label(o.status),
                    format_percent(o.progress)
                );
            }
            None => {
                let _ = writeln!(out, "{indent}- {link}**{}**", escape(&node.id));
            }
        }
    }
    out.push('\n');
}

fn objectives(out: &mut String, model: &ReportModel) {
    let _ = writeln!(out, "## Objectives and key results\n");
    if model.objectives.is_empty() {
        let _ = writeln!(out, "No objectives in this cycle.\n");
    }
    for objective in &model.objectives {
        let _ = writeln!(out, "### {} — {}\n", escape(&objective.id), escape(&objective.title));
        let _ = writeln!(
            out,
            "{} objective{}. Status: {}. Progress: {}.\n",
            objective.level,
            objective
                .owner
                .as_ref()
                .map_or_else(String::new, |o| format!(" (owner: {})", escape(o))),
            status_label(objective.status),
            format_percent(objective.progress)
        );
        if objective.key_results.is_empty() {
            let _ = writeln!(out, "No key results.\n");
            continue;
        }
        let _ = writeln!(
            out,
            "| Key result | Value | Goal | Progress | Expected | Status | Confidence | Kind |\n|---|---:|---|---|---:|---|---:|---|"
        );
        for kr in &objective.key_results {
            let _ = writeln!(
                out,
                "| **{}** {} | {} | {} | {} | {} | {} | {} | {}, {} |",
                escape(&kr.id),
                escape(&kr.title),
                escape(&kr.value_text()),
                escape(&kr.goal),
                progress_cell(kr),
                format_percent(kr.expected),
                status_label(kr.status),
                kr.confidence.map_or_else(|| NO_DATA.to_owned(), |c| format!("{c}/10")),
                kr.kind.map_or("untagged", |k| k.as_str()),
                kr.commitment
            );
        }
        out.push('\n');
        for kr in &objective.key_results {
            let mut details = Vec::new();
            if !kr.evidence.is_empty() {
                let rows: Vec<String> = kr
                    .evidence
                    .iter()
                    .map(|e| format!("{}: {}", escape(&e.label), escape(&e.value)))
                    .collect();
                details.push(format!("evidence: {}", rows.join("; ")));
            }
            let (shown, more) = kr.counted_shown();
            if !shown.is_empty() {
                let mut items: Vec<String> = shown.iter().map(|item| escape(item)).collect();
                if more > 0 {
                    items.push(format!("and {more} more"));
                }
                details.push(format!("counted: {}", items.join("; ")));
            }
            if !kr.history.is_empty() {
                let points: Vec<String> =
                    kr.history.iter().map(|(d, v)| format!("{d} {}", format_number(*v))).collect();
                details.push(format!("history: {}", points.join(", ")));
            }
            if !kr.derived_from.is_empty() {
                let threats: Vec<String> = kr.derived_from.iter().map(|t| escape(t)).collect();
                details.push(format!("derived from: {}", threats.join(", ")));
            }
            if !details.is_empty() {
                let _ = writeln!(out, "- **{}** {}", escape(&kr.id), details.join(". "));
            }
        }
        if objective.key_results.iter().any(|kr| {
            !kr.evidence.is_empty()
                || !kr.counted.is_empty()
                || !kr.history.is_empty()
                || !kr.derived_from.is_empty()
        }) {
            out.push('\n');
        }
    }
}

fn progress_cell(kr: &KrRow) -> String {
    match kr.progress {
        Some(p) => format!("{} {}", text_bar(Some(p), 10), format_percent(Some(p))),
        None => NO_DATA.to_owned(),
    }
}

fn risk(out: &mut String, model: &ReportModel) {
    let _ = writeln!(out, "## Risk picture\n\n### Open risk by theme over time\n");
    if model.risk.by_theme.is_empty() {
        let _ = writeln!(out, "No data: themes have not been analysed.\n");
    } else {
        // Dates are rows and themes columns, in first-seen order.
        let mut themes: Vec<&str> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (_, values) in &model.risk.by_theme {
            for (theme, _) in values {
                if seen.insert(theme.as_str()) {
                    themes.push(theme.as_str());
                }
            }
        }
        let _ = write!(out, "| Date |");
        for theme in &themes {
            let _ = write!(out, " {} |", escape(theme));
        }
        let _ = write!(out, "\n|---|");
        for _ in &themes {
            out.push_str("---:|");
        }
        out.push('\n');
        for (date, values) in &model.risk.by_theme {
            let by_theme: std::collections::HashMap<&str, f64> =
                values.iter().map(|(t, v)| (t.as_str(), *v)).collect();
            let _ = write!(out, "| {date} |");
            for theme in &themes {
                match by_theme.get(theme) {
                    Some(v) => {
                        let _ = write!(out, " {} |", format_score(*v));
                    }
                    None => {
                        let _ = write!(out, " {NONE} |");
                    }
                }
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let _ = writeln!(out, "### Threats by status\n");
    if model.risk.by_status.is_empty() {
        let _ = writeln!(out, "No threats.\n");
    } else {
        let _ = writeln!(out, "| Status | Threats |\n|---|---:|");
        for (status, count) in &model.risk.by_status {
            let _ = writeln!(out, "| {status} | {count} |");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "### Top apps by open risk\n");
    if model.risk.top_apps.is_empty() {
        let _ = writeln!(out, "No open threats.\n");
    } else {
        let _ = writeln!(out, "| App | Open threats | Open risk |\n|---|---:|---:|");
        for app in &model.risk.top_apps {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                escape(&app.name),
                app.open,
                format_score(app.risk)
            );
        }
        out.push('\n');
    }
}

fn balance(out: &mut String, model: &ReportModel) {
    let b = model.balance;
    let _ = writeln!(out, "## Balance of key results\n");
    if b.strategic + b.tactical + b.untagged == 0 {
        let _ = writeln!(out, "No key results in this cycle.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Strategic | Tactical | Untagged | Committed | Aspirational |\n|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} |\n",
        b.strategic, b.tactical, b.untagged, b.committed, b.aspirational
    );
}

fn quarters(out: &mut String, model: &ReportModel) {
    if model.grades.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Quarter over quarter\n");
    let (cycles, rows) = super::grade_grid(&model.grades);
    let _ = write!(out, "| Lineage |");
    for cycle in &cycles {
        let _ = write!(out, " {} |", escape(cycle));
    }
    let _ = write!(out, "\n|---|");
    for _ in &cycles {
        out.push_str("---|");
    }
    out.push('\n');
    for (lineage, cells) in rows {
        let _ = write!(out, "| {} |", escape(lineage));
        for cell in cells {
            match cell {
                Some(g) => {
                    let _ = write!(out, " {} {} |", format_grade(g.score), g.band.as_str());
                }
                None => out.push_str(" — |"),
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

fn register(out: &mut String, model: &ReportModel) {
    let _ = writeln!(out, "## Appendix: threat register\n");
    let _ = writeln!(
        out,
        "Every open threat ({}), so any number above can be checked.\n",
        model.register.len()
    );
    if model.register.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| App | Threat | Title | Theme | Severity | Status | Cited by |\n|---|---|---|---|---|---|---|"
    );
    for threat in &model.register {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape(&threat.app),
            match &threat.alias {
                Some(alias) => format!("{} ({})", escape(alias), escape(&threat.id)),
                None => escape(&threat.id),
            },
            escape(&threat.title),
            threat.theme.as_deref().map_or_else(|| NO_DATA.to_owned(), escape),
            threat.severity,
            threat.status,
            escape(&threat.cited_by.join(", "))
        );
    }
}
