//! The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network).
//!
//! It reads on a phone (responsive; only wide tables scroll sideways), prints to A4 or Letter
//! (each major section starts a page), and is accessible: headings in order, every chart an
//! image with a title plus a table with the same numbers, status shown in words as well as colour.
//! Every piece of text from files or people goes through `escape_html`.

use super::svg::{self, band_colours, status_colours};
use super::{
    Band, KrRow, NO_DATA, ObjectiveRow, ReportModel, Status, ThreatRow, format_grade,
    format_percent, format_score, format_value, status_label,
};
use crate::model::LinkKind;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Escapes text for HTML and SVG text and for quoted attribute values.
///
/// NUL and other C0 controls except tab and newlines are replaced: they are not allowed in HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A fragment id made only of `[A-Za-z0-9_-]`; other characters become `.XX` hex escapes so
/// distinct ids stay distinct.
fn anchor(prefix: &str, text: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + text.len() + 1);
    out.push_str(prefix);
    out.push('-');
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else {
            let _ = write!(out, ".{:X}", u32::from(c));
        }
    }
    out
}

fn badge(status: Status) -> String {
    format!(r#"<span class="badge s-{}">{}</span>"#, status.as_str(), status_label(status))
}

fn band_badge(band: Band) -> String {
    format!(r#"<span class="badge b-{0}">{0}</span>"#, band.as_str())
}

fn stylesheet() -> String {
    let mut css = String::from(
        "*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#fff}\
main{max-width:60rem;margin:0 auto;padding:1rem}\
h1{font-size:1.7rem;margin:.5rem 0}h2{font-size:1.35rem;margin-top:2rem;border-bottom:1px solid #d0d7de}h3{font-size:1.1rem;margin-top:1.5rem}\
p,li,summary{overflow-wrap:anywhere}td{overflow-wrap:break-word}\
.meta{color:#57606a}\
.score{font-size:1.25rem}\
.badge{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.85em;font-weight:600;white-space:nowrap}\
.table-wrap{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}\
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .4rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa;white-space:nowrap}\
table.wide{min-width:42rem}td.prog{min-width:8.5rem}td.spark{min-width:7.5rem}\
td.num,th.num{text-align:right;white-space:nowrap}.id{overflow-wrap:anywhere;word-break:break-all}\
svg{max-width:100%;height:auto;vertical-align:middle}\
figure{margin:.5rem 0}\
details.data{font-size:.85rem;color:#57606a}\
.tree,.tree ul{list-style:none;margin:0;padding-left:1.2rem}\
.tree{padding-left:0}\
.tree li{margin:.3rem 0;padding-left:.6rem}\
.tree li.contributes{border-left:3px solid #1f2328}\
.tree li.supports{border-left:3px dashed #0969da}\
.link{font-size:.8em;color:#57606a;margin-right:.3em}\
.objective{margin-top:1.5rem}\
.krs .title{min-width:12rem}\
.nodata{color:#57606a;font-style:italic}\
.legend span{margin-right:1rem}\
.note{font-size:.8em;color:#57606a}\
@media (max-width:40rem){table.cards{min-width:0}table.cards thead{display:none}\
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}\
table.cards tr{border:1px solid #d0d7de;border-radius:.4rem;margin:.6rem 0;padding:.2rem .4rem}\
table.cards td{border:0;padding:.15rem 0;text-align:left;white-space:normal;min-width:0}\
table.cards td[data-label]::before{content:attr(data-label) \": \";font-weight:600;color:#57606a}}\
@media print{@page{margin:15mm}body{font-size:11pt}main{max-width:none;padding:0}\
.page{break-before:page}h2,h3{break-after:avoid}tr,figure,.objective>h3{break-inside:avoid}a{color:inherit;text-decoration:none}\
.table-wrap{overflow:visible}}\n",
    );
    for status in Status::ALL {
        let (bg, fg) = status_colours(*status);
        let _ = writeln!(css, ".s-{}{{background:{bg};color:{fg}}}", status.as_str());
    }
    for band in Band::ALL {
        let (bg, fg) = band_colours(*band);
        let _ = writeln!(css, ".b-{}{{background:{bg};color:{fg}}}", band.as_str());
    }
    css
}

/// Renders the whole report as one self-contained HTML document.
pub fn render_html(model: &ReportModel) -> String {
    let threats = model.register.len();
    let krs: usize = model.objectives.iter().map(|o| o.key_results.len()).sum();
    let mut out = String::with_capacity(16_384 + threats * 400 + krs * 2_000);
    let org = escape_html(&model.org);
    let cycle = model.cycle.as_ref().map(|c| escape_html(&c.id));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Security OKRs: {org}{}</title><style>{}</style></head><body><main>\n",
        cycle.as_ref().map_or_else(String::new, |c| format!(" — {c}")),
        stylesheet()
    );
    let _ = writeln!(out, "<h1>Security OKRs: {org}</h1>");
    let mut meta = String::new();
    if let Some(c) = &model.cycle {
        let _ = write!(meta, "Cycle {} ({} to {}). ", escape_html(&c.id), c.start, c.end);
    }
    if let Some(d) = model.as_of {
        let _ = write!(meta, "As of {d}.");
    }
    let _ = writeln!(out, r#"<p class="meta">{}</p>"#, meta.trim_end());

    let mut charts = 0usize;
    let register_ids: HashSet<&str> = model.register.iter().map(|t| t.id.as_str()).collect();
    let by_id: HashMap<&str, &ObjectiveRow> =
        model.objectives.iter().map(|o| (o.id.as_str(), o)).collect();

    summary(&mut out, model, &by_id);
    alignment(&mut out, model, &by_id);
    objectives(&mut out, model, &register_ids, &mut charts);
    risk(&mut out, model, &mut charts);
    balance(&mut out, model, &mut charts);
    quarters(&mut out, model);
    register(&mut out, model);
    out.push_str("</main></body></html>\n");
    out
}

fn objective_link(id: &str, by_id: &HashMap<&str, &ObjectiveRow>) -> String {
    if by_id.contains_key(id) {
        format!(r##"<a href="#{}">{}</a>"##, anchor("obj", id), escape_html(id))
    } else {
        escape_html(id)
    }
}

fn summary(out: &mut String, model: &ReportModel, by_id: &HashMap<&str, &ObjectiveRow>) {
    out.push_str("<section id=\"summary\"><h2>Executive summary</h2>\n");
    let _ = writeln!(
        out,
        r#"<p class="score">Overall score: <strong>{}</strong> {} <small>(expected by now {})</small></p>"#,
        format_percent(model.overall_score),
        badge(model.overall_status()),
        format_percent(model.overall_expected())
    );
    out.push_str("<h3>What security does for the business</h3>\n");
    if model.summary.business.is_empty() {
        out.push_str("<p class=\"nodata\">No business objectives in this cycle.</p>\n");
    }
    for business in &model.summary.business {
        let _ = write!(
            out,
            "<p><strong>{}</strong> {}{} {} {}</p>",
            objective_link(&business.id, by_id),
            escape_html(&business.title),
            business
                .owner
                .as_ref()
                .map_or_else(String::new, |o| format!(" (owner: {})", escape_html(o))),
            badge(business.status),
            format_percent(business.progress)
        );
        if business.security.is_empty() {
            out.push_str("<p class=\"nodata\">No security objective is linked to it.</p>\n");
            continue;
        }
        out.push_str("<ul>");
        for row in &business.security {
            let _ = write!(
                out,
                "<li>{} {} {}: {} {}</li>",
                if row.link == LinkKind::Supports { "supported by" } else { "fed by" },
                objective_link(&row.id, by_id),
                escape_html(&row.title),
                badge(row.status),
                format_percent(row.progress)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h3>What changed since the last measurement</h3>\n");
    if model.summary.changes.is_empty() {
        out.push_str("<p class=\"nodata\">No key result has two measurements yet.</p>\n");
    } else {
        out.push_str("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Key result</th><th scope=\"col\">Title</th><th scope=\"col\">Was</th><th scope=\"col\">Now</th></tr></thead><tbody>\n");
        for change in &model.summary.changes {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape_html(&change.kr),
                escape_html(&change.title),
                escape_html(&format_value(Some(change.from), &change.unit)),
                escape_html(&format_value(Some(change.to), &change.unit))
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("<h3>Needs a decision</h3>\n");
    if model.summary.decisions.is_empty() {
        out.push_str("<p class=\"nodata\">Nothing needs a decision.</p>\n");
    } else {
        out.push_str("<ol>");
        for decision in &model.summary.decisions {
            let _ = write!(out, "<li>{}</li>", escape_html(decision));
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");
}

fn alignment(out: &mut String, model: &ReportModel, by_id: &HashMap<&str, &ObjectiveRow>) {
    out.push_str("<section id=\"alignment\" class=\"page\"><h2>Alignment map</h2>\n");
    out.push_str("<p class=\"legend\"><span>Solid line: contributes (feeds the parent's progress)</span><span>Dashed line: supports (shown beside the parent, never changes its percentage)</span></p>\n");
    if model.tree.is_empty() {
        out.push_str("<p class=\"nodata\">No objectives in this cycle.</p></section>\n");
        return;
    }
    out.push_str("<ul class=\"tree\">");
    let mut depth = 0usize;
    let mut first = true;
    for node in &model.tree {
        if first {
            first = false;
        } else if node.depth > depth {
            // Open one list per level; the tree only ever goes one level deeper at a time.
            for _ in depth..node.depth {
                out.push_str("<ul>");
            }
        } else {
            out.push_str("</li>");
            for _ in node.depth..depth {
                out.push_str("</ul></li>");
            }
        }
        depth = node.depth;
        let class = match node.link {
            Some(LinkKind::Contributes) => "contributes",
            Some(LinkKind::Supports) => "supports",
            None => "root",
        };
        let _ = write!(out, "<li class=\"{class}\">");
        if let Some(link) = node.link {
            let _ = write!(
                out,
                "<span class=\"link\">{}</span>",
                if link == LinkKind::Supports { "supports" } else { "contributes" }
            );
        }
        match by_id.get(node.id.as_str()) {
            Some(o) => {
                let _ = write!(
                    out,
                    "{} {} <small>({}{})</small>",
                    objective_link(&o.id, by_id),
                    escape_html(&o.title),
                    o.level,
                    o.owner.as_ref().map_or_else(String::new, |n| format!(", {}", escape_html(n)))
                );
                if node.repeated {
                    out.push_str(" <small>(shown above with its children)</small>");
                } else {
                    let _ = write!(out, " {} {}", badge(o.status), format_percent(o.progress));
                }
            }
            None => out.push_str(&escape_html(&node.id)),
        }
    }
    out.push_str("</li>");
    for _ in 0..depth {
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></section>\n");
}

fn objectives(
    out: &mut String,
    model: &ReportModel,
    register_ids: &HashSet<&str>,
    charts: &mut usize,
) {
    out.push_str("<section id=\"objectives\" class=\"page\"><h2>Objectives and key results</h2>\n");
    if model.objectives.is_empty() {
        out.push_str("<p class=\"nodata\">No objectives in this cycle.</p>\n");
    }
    for objective in &model.objectives {
        let _ = writeln!(
            out,
            "<article class=\"objective\" id=\"{}\"><h3>{} — {}</h3>",
            anchor("obj", &objective.id),
            escape_html(&objective.id),
            escape_html(&objective.title)
        );
        let _ = writeln!(
            out,
            "<p>{} objective{}. {} Progress: {}.</p>",
            objective.level,
            objective
                .owner
                .as_ref()
                .map_or_else(String::new, |o| format!(" (owner: {})", escape_html(o))),
            badge(objective.status),
            format_percent(objective.progress)
        );
        if objective.key_results.is_empty() {
            out.push_str("<p class=\"nodata\">No key results.</p></article>\n");
            continue;
        }
        out.push_str("<div class=\"table-wrap\"><table class=\"krs wide cards\"><thead><tr><th scope=\"col\">Key result</th><th scope=\"col\">Value</th><th scope=\"col\">Goal</th><th scope=\"col\">Progress</th><th scope=\"col\">Status</th><th scope=\"col\">Confidence</th><th scope=\"col\">History</th></tr></thead><tbody>\n");
        for kr in &objective.key_results {
            kr_row(out, kr, register_ids, charts);
        }
        out.push_str("</tbody></table></div></article>\n");
    }
    out.push_str("</section>\n");
}

fn kr_row(out: &mut String, kr: &KrRow, register_ids: &HashSet<&str>, charts: &mut usize) {
    let _ = write!(
        out,
        "<tr><td class=\"title\"><strong class=\"id\">{}</strong> {}<br><small>{}, {}</small>",
        escape_html(&kr.id),
        escape_html(&kr.title),
        kr.kind.map_or("untagged", |k| k.as_str()),
        kr.commitment
    );
    if !kr.evidence.is_empty() || !kr.counted.is_empty() {
        out.push_str("<details><summary>Evidence</summary><ul>");
        for row in &kr.evidence {
            let _ =
                write!(out, "<li>{}: {}</li>", escape_html(&row.label), escape_html(&row.value));
        }
        out.push_str("</ul>");
        let (shown, more) = kr.counted_shown();
        if !shown.is_empty() {
            out.push_str("<p>Counted:</p><ul class=\"counted\">");
            for item in shown {
                let _ = write!(out, "<li>{}</li>", escape_html(item));
            }
            if more > 0 {
                let _ = write!(out, "<li>and {more} more</li>");
            }
            out.push_str("</ul>");
        }
        out.push_str("</details>");
    }
    if !kr.derived_from.is_empty() {
        out.push_str("<br><small>Derived from: ");
        for (i, threat) in kr.derived_from.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if register_ids.contains(threat.as_str()) {
                let _ = write!(
                    out,
                    r##"<a href="#{}">{}</a>"##,
                    anchor("threat", threat),
                    escape_html(threat)
                );
            } else {
                out.push_str(&escape_html(threat));
            }
        }
        out.push_str("</small>");
    }
    out.push_str("</td>");
    let value = kr.value_text();
    let _ = write!(
        out,
        "<td class=\"num{}\" data-label=\"Value\">{}</td><td data-label=\"Goal\">{}</td>",
        if kr.value.is_none() { " nodata" } else { "" },
        escape_html(&value),
        escape_html(&kr.goal)
    );
    *charts += 1;
    let bar_title = format!(
        "Progress {} of the goal; expected by now {}",
        format_percent(kr.progress),
        format_percent(kr.expected)
    );
    let _ = write!(
        out,
        "<td class=\"prog\" data-label=\"Progress\">{}<br><span{}>{}</span> <small>(expected {})</small></td>",
        svg::progress_bar(
            &format!("chart-{charts}"),
            &bar_title,
            kr.progress,
            kr.expected,
            kr.status
        ),
        if kr.progress.is_none() { " class=\"nodata\"" } else { "" },
        format_percent(kr.progress),
        format_percent(kr.expected)
    );
    let _ = write!(
        out,
        "<td data-label=\"Status\">{}</td><td class=\"num\" data-label=\"Confidence\">{}</td>",
        badge(kr.status),
        kr.confidence.map_or_else(|| NO_DATA.to_owned(), |c| format!("{c}/10"))
    );
    if kr.history.is_empty() {
        out.push_str("<td class=\"nodata\" data-label=\"History\">no data</td></tr>\n");
        return;
    }
    *charts += 1;
    let spark_title = format!("History of {} over {} measurements", kr.id, kr.history.len());
    let _ = write!(
        out,
        "<td class=\"spark\" data-label=\"History\">{}{}<details class=\"data\"><summary>values</summary><table><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Value</th></tr></thead><tbody>",
        svg::sparkline(&format!("chart-{charts}"), &spark_title, &kr.history),
        if kr.history.len() == 1 {
            "<br><span class=\"note\">one measurement so far: a point, not a trend</span>"
        } else {
            ""
        }
    );
    for (date, value) in &kr.history {
        let _ = write!(
            out,
            "<tr><td>{date}</td><td class=\"num\">{}</td></tr>",
            escape_html(&format_value(Some(*value), &kr.unit))
        );
    }
    out.push_str("</tbody></table></details></td></tr>\n");
}

fn data_table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    out.push_str("<details class=\"data\"><summary>The numbers as a table</summary><div class=\"table-wrap\"><table><thead><tr>");
    for header in headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape_html(header));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape_html(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></details>");
}

fn risk(out: &mut String, model: &ReportModel, charts: &mut usize) {
    out.push_str("<section id=\"risk\" class=\"page\"><h2>Risk picture</h2>\n");
    out.push_str("<h3>Open risk by theme over time</h3>\n");
    if model.risk.by_theme.is_empty() {
        out.push_str("<p class=\"nodata\">No data: themes have not been analysed.</p>\n");
    } else {
        *charts += 1;
        out.push_str("<figure>");
        out.push_str(&svg::stacked_bars(
            &format!("chart-{charts}"),
            "Open risk by theme over time (sum of numeric risk of open threats)",
            &model.risk.by_theme,
        ));
        let rows: Vec<Vec<String>> = model
            .risk
            .by_theme
            .iter()
            .flat_map(|(date, values)| {
                values.iter().map(move |(theme, value)| {
                    vec![date.to_string(), theme.clone(), format_score(*value)]
                })
            })
            .collect();
        data_table(out, &["Date", "Theme", "Open risk"], &rows);
        out.push_str("</figure>\n");
    }
    out.push_str("<h3>Threats by status</h3>\n");
    if model.risk.by_status.is_empty() {
        out.push_str("<p class=\"nodata\">No threats.</p>\n");
    } else {
        *charts += 1;
        let rows: Vec<(String, f64)> = model
            .risk
            .by_status
            .iter()
            .map(|(status, count)| (status.as_str().to_owned(), *count as f64))
            .collect();
        out.push_str("<figure>");
        out.push_str(&svg::horizontal_bars(&format!("chart-{charts}"), "Threats by status", &rows));
        let table: Vec<Vec<String>> =
            model.risk.by_status.iter().map(|(s, c)| vec![s.to_string(), c.to_string()]).collect();
        data_table(out, &["Status", "Threats"], &table);
        out.push_str("</figure>\n");
    }
    out.push_str("<h3>Top apps by open risk</h3>\n");
    if model.risk.top_apps.is_empty() {
        out.push_str("<p class=\"nodata\">No open threats.</p>\n");
    } else {
        *charts += 1;
        let rows: Vec<(String, f64)> =
            model.risk.top_apps.iter().map(|a| (a.name.clone(), a.risk)).collect();
        out.push_str("<figure>");
        out.push_str(&svg::horizontal_bars(
            &format!("chart-{charts}"),
            "Top apps by open risk",
            &rows,
        ));
        let table: Vec<Vec<String>> = model
            .risk
            .top_apps
            .iter()
            .map(|a| vec![a.name.clone(), a.id.clone(), a.open.to_string(), format_score(a.risk)])
            .collect();
        data_table(out, &["App", "Id", "Open threats", "Open risk"], &table);
        out.push_str("</figure>\n");
    }
    out.push_str("</section>\n");
}

fn balance(out: &mut String, model: &ReportModel, charts: &mut usize) {
    let b = model.balance;
    out.push_str("<section id=\"balance\"><h2>Balance of key results</h2>\n");
    if b.strategic + b.tactical + b.untagged == 0 {
        out.push_str("<p class=\"nodata\">No key results in this cycle.</p></section>\n");
        return;
    }
    *charts += 1;
    out.push_str("<figure>");
    out.push_str(&svg::balance_bars(
        &format!("chart-{charts}"),
        "Strategic vs tactical and committed vs aspirational key results",
        &[
            ("strategic", b.strategic, "tactical", b.tactical),
            ("committed", b.committed, "aspirational", b.aspirational),
        ],
    ));
    let _ = write!(
        out,
        "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\" class=\"num\">Strategic</th><th scope=\"col\" class=\"num\">Tactical</th><th scope=\"col\" class=\"num\">Untagged</th><th scope=\"col\" class=\"num\">Committed</th><th scope=\"col\" class=\"num\">Aspirational</th></tr></thead><tbody><tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tbody></table></div>",
        b.strategic, b.tactical, b.untagged, b.committed, b.aspirational
    );
    out.push_str("</figure></section>\n");
}

fn quarters(out: &mut String, model: &ReportModel) {
    if model.grades.is_empty() {
        return;
    }
    out.push_str("<section id=\"quarters\"><h2>Quarter over quarter</h2>\n");
    let (cycles, rows) = super::grade_grid(&model.grades);
    out.push_str("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Lineage</th>");
    for cycle in &cycles {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape_html(cycle));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (lineage, cells) in rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape_html(lineage));
        for cell in cells {
            match cell {
                Some(g) => {
                    let _ =
                        write!(out, "<td>{} {}</td>", format_grade(g.score), band_badge(g.band));
                }
                None => out.push_str("<td class=\"nodata\">—</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div></section>\n");
}

/// A threat's alias, with its own id beside it when the two differ.
fn threat_cell(threat: &ThreatRow) -> String {
    match &threat.alias {
        Some(alias) => {
            format!("{}<br><small>{}</small>", escape_html(alias), escape_html(&threat.id))
        }
        None => escape_html(&threat.id),
    }
}

fn register(out: &mut String, model: &ReportModel) {
    out.push_str("<section id=\"register\" class=\"page\"><h2>Appendix: threat register</h2>\n");
    let _ = writeln!(
        out,
        "<p>Every open threat ({}), so any number above can be checked.</p>",
        model.register.len()
    );
    if model.register.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table class=\"wide cards\"><thead><tr><th scope=\"col\">App</th><th scope=\"col\">Threat</th><th scope=\"col\">Title</th><th scope=\"col\">Theme</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th><th scope=\"col\">Cited by</th></tr></thead><tbody>\n");
    let mut anchored: HashSet<&str> = HashSet::new();
    for threat in &model.register {
        let id_attribute = if anchored.insert(threat.id.as_str()) {
            format!(" id=\"{}\"", anchor("threat", &threat.id))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<tr{id_attribute}><td data-label=\"App\">{}</td><td class=\"id\" data-label=\"Threat\">{}</td><td data-label=\"Title\">{}</td><td data-label=\"Theme\">{}</td><td data-label=\"Severity\">{}</td><td data-label=\"Status\">{}</td><td data-label=\"Cited by\">",
            escape_html(&threat.app),
            threat_cell(threat),
            escape_html(&threat.title),
            threat.theme.as_deref().map_or_else(|| NO_DATA.to_owned(), escape_html),
            threat.severity,
            threat.status
        );
        for (i, kr) in threat.cited_by.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&escape_html(kr));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></div></section>\n");
}
