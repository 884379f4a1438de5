//! The Markdown report: for wikis and pull-request comments.

use super::ReportModel;
use std::fmt::Write;

/// Escapes text for a Markdown table cell or line: Markdown syntax characters, HTML and newlines.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the report as Markdown.
pub fn render_markdown(model: &ReportModel) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Security OKRs: {}\n", escape(&model.org));
    let _ = writeln!(out, "As of {}.\n", model.as_of);
    let _ = writeln!(out, "## Objectives\n");
    for objective in &model.objectives {
        let parents = objective
            .parents
            .iter()
            .map(|(kind, id)| format!("{kind} {}", escape(id)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(out, "### {} — {}\n", escape(&objective.id), escape(&objective.title));
        let _ = writeln!(
            out,
            "{} objective, cycle {}{}\n",
            objective.level,
            escape(&objective.cycle),
            if parents.is_empty() { String::new() } else { format!("; {parents}") }
        );
        for (id, title, measure) in &objective.key_results {
            let _ = writeln!(
                out,
                "- **{}** {} (measured by {})",
                escape(id),
                escape(title),
                escape(measure)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Apps\n\n| app | threats | open |\n|---|---:|---:|");
    for app in &model.apps {
        let _ = writeln!(out, "| {} | {} | {} |", escape(&app.name), app.threats, app.open);
    }
    let _ = writeln!(
        out,
        "\n## Appendix: open threats\n\n| app | threat | title | severity | status | cited by |\n|---|---|---|---|---|---|"
    );
    for threat in &model.open_threats {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&threat.app),
            escape(&threat.id),
            escape(&threat.title),
            threat.severity,
            threat.status,
            escape(&threat.cited_by.join(", "))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_titles_are_escaped() {
        assert_eq!(
            escape("<script>alert(1)</script> | *x*"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*"
        );
    }
}
