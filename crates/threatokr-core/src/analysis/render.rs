//! Renderers of an [`Analysis`]: the JSON contract, Markdown, and a plain-text table for terminals.

use super::{Analysis, AnalyzedThreat, Figures, ThemeBreakdown, ThemeSummary};
use crate::report::{
    Align, NONE, escape_markdown as escape, format_percent, format_score, render_aligned_table,
};
use crate::taxonomy::{AsvsVersion, asvs_chapters};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// How many open threats the Markdown report lists.
const TOP_THREATS: usize = 10;

/// Rounds to 0.01 for JSON output.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The shared figures as JSON fields (floats rounded to 0.01).
fn figures_json(figures: &Figures) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("open_threats".into(), json!(figures.open_threats));
    map.insert("open_risk".into(), json!(round2(figures.open_risk)));
    map.insert("share".into(), json!(round2(figures.share)));
    map.insert("mitigated_share".into(), json!(figures.mitigated_share.map(round2)));
    map.insert("threats".into(), json!(figures.threats));
    map.insert("in_scope".into(), json!(figures.in_scope));
    map.insert("mitigated".into(), json!(figures.mitigated));
    map.insert("tested".into(), json!(figures.tested));
    map.insert("default_risk".into(), json!(figures.default_risk));
    map.insert("controls".into(), json!(figures.controls));
    map.insert("controls_planned".into(), json!(figures.controls_planned));
    map.insert("controls_implemented".into(), json!(figures.controls_implemented));
    map
}

fn breakdown_json(rows: &[ThemeBreakdown]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut map = Map::new();
                map.insert("theme".into(), json!(row.theme));
                map.extend(figures_json(&row.figures));
                Value::Object(map)
            })
            .collect(),
    )
}

fn threat_json(threat: &AnalyzedThreat) -> Value {
    json!({
        "app": threat.app,
        "model": threat.model,
        "id": threat.id,
        "title": threat.title,
        "status": threat.status,
        "risk": round2(threat.risk.score),
        "risk_basis": threat.risk.basis.as_str(),
        "theme_source": threat.theme_source.to_string(),
    })
}

/// The `analyze --format json` contract: `{"themes": [...], "apps": [...], "teams": [...]}`.
///
/// Each theme has `theme, open_threats, open_risk, share, mitigated_share, apps, teams` plus the
/// other figures, its ASVS chapters and its open threats (`open_threat_refs`, highest risk first).
/// Apps and teams carry the same figures and a `themes` breakdown whose `share` is of the app's
/// or team's own open risk. Floats are rounded to 0.01; `mitigated_share` is `null` when nothing
/// is in scope.
pub fn analysis_json(analysis: &Analysis) -> Value {
    let themes = analysis
        .themes
        .iter()
        .map(|theme| {
            let mut map = Map::new();
            map.insert("theme".into(), json!(theme.theme));
            map.extend(figures_json(&theme.figures));
            map.insert("apps".into(), json!(theme.apps));
            map.insert("teams".into(), json!(theme.teams));
            let asvs: Map<String, Value> = AsvsVersion::ALL
                .iter()
                .map(|&v| (v.as_str().to_owned(), json!(asvs_chapters(theme.theme, v))))
                .collect();
            map.insert("asvs".into(), Value::Object(asvs));
            map.insert(
                "open_threat_refs".into(),
                theme
                    .open_threat_indices
                    .iter()
                    .map(|&i| threat_json(&analysis.threats[i]))
                    .collect(),
            );
            Value::Object(map)
        })
        .collect::<Vec<_>>();
    let apps = analysis
        .apps
        .iter()
        .map(|app| {
            let mut map = Map::new();
            map.insert("app".into(), json!(app.app));
            map.insert("name".into(), json!(app.name));
            map.insert("team".into(), json!(app.team));
            map.extend(figures_json(&app.figures));
            map.insert("themes".into(), breakdown_json(&app.themes));
            Value::Object(map)
        })
        .collect::<Vec<_>>();
    let teams = analysis
        .teams
        .iter()
        .map(|team| {
            let mut map = Map::new();
            map.insert("team".into(), json!(team.team));
            map.insert("name".into(), json!(team.name));
            map.insert("apps".into(), json!(team.apps));
            map.extend(figures_json(&team.figures));
            map.insert("themes".into(), breakdown_json(&team.themes));
            Value::Object(map)
        })
        .collect::<Vec<_>>();
    json!({ "themes": themes, "apps": apps, "teams": teams })
}

fn percent(share: f64) -> String {
    format_percent(Some(share))
}

fn list_or_dash<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        NONE.to_owned()
    } else {
        items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// The cells every table row has: open threats, open risk, share of the open risk, and the
/// mitigated share.
fn figure_cells(f: &Figures) -> [String; 4] {
    [
        f.open_threats.to_string(),
        format_score(f.open_risk),
        percent(f.share),
        format_percent(f.mitigated_share),
    ]
}

/// A theme's row in both renderers: rank, theme, the figures, tested / in scope, controls
/// planned / implemented (the pairs joined by `pair_separator`), and the apps.
fn theme_cells(rank: usize, theme: &ThemeSummary, pair_separator: &str) -> Vec<String> {
    let f = &theme.figures;
    let mut cells = vec![(rank + 1).to_string(), theme.theme.to_string()];
    cells.extend(figure_cells(f));
    cells.extend([
        format!("{}{pair_separator}{}", f.tested, f.in_scope),
        format!("{}{pair_separator}{}", f.controls_planned, f.controls_implemented),
        list_or_dash(&theme.apps),
    ]);
    cells
}

/// The apps' rows in both renderers: app, team, the figures and the top theme.
fn app_rows(analysis: &Analysis) -> Vec<Vec<String>> {
    analysis
        .apps
        .iter()
        .map(|app| {
            let mut cells = vec![
                app.app.to_string(),
                app.team.as_ref().map_or_else(|| NONE.to_owned(), ToString::to_string),
            ];
            cells.extend(figure_cells(&app.figures));
            cells.push(top_theme(&app.themes));
            cells
        })
        .collect()
}

fn top_theme(rows: &[ThemeBreakdown]) -> String {
    rows.first()
        .filter(|row| row.figures.open_risk > 0.0)
        .map_or_else(|| NONE.to_owned(), |row| row.theme.to_string())
}

/// A Markdown table whose cells go through the report's escaper, so text from threat models
/// cannot open HTML, links or images, nor break out of its cell.
fn markdown_table(out: &mut String, headers: &[&str], right: &[bool], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let rule: Vec<&str> = right.iter().map(|&r| if r { "---:" } else { "---" }).collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// The open threats of the whole portfolio, highest risk first (ties by app, then id).
fn top_open_threats(analysis: &Analysis) -> Vec<&AnalyzedThreat> {
    let mut open: Vec<&AnalyzedThreat> =
        analysis.threats.iter().filter(|t| t.status.is_open()).collect();
    open.sort_by(|a, b| {
        b.risk
            .tenths()
            .cmp(&a.risk.tenths())
            .then_with(|| a.app.cmp(&b.app))
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.model.cmp(&b.model))
    });
    open
}

fn summary_sentence(analysis: &Analysis) -> String {
    let t = &analysis.totals;
    let mut text = format!(
        "{} threats across {} apps: {} open, open risk {}; {} of {} in-scope threats mitigated or verified ({}).",
        t.threats,
        analysis.apps.len(),
        t.open_threats,
        format_score(t.open_risk),
        t.mitigated,
        t.in_scope,
        format_percent(t.mitigated_share)
    );
    if t.default_risk > 0 {
        let _ = write!(
            text,
            " {} open threat{} had no CVSS vector, likelihood × impact or severity and {} counted at the default risk {}.",
            t.default_risk,
            if t.default_risk == 1 { "" } else { "s" },
            if t.default_risk == 1 { "is" } else { "are" },
            format_score(crate::taxonomy::DEFAULT_RISK)
        );
    }
    text
}

/// The analysis as a Markdown report: summary, themes, apps, teams and the top open threats.
pub fn render_markdown(analysis: &Analysis) -> String {
    let mut out = String::from("# Portfolio analysis\n\n");
    let _ = writeln!(out, "{}\n", summary_sentence(analysis));
    out.push_str(
        "Risk per threat: the CVSS base score when a valid vector exists, else likelihood × impact (ranks 1–5) as l·i/25·10, \
         else the severity band's representative score, else 5.0. Share is of the portfolio's open risk.\n\n",
    );

    out.push_str("## Themes\n\n");
    if analysis.themes.is_empty() {
        out.push_str("No threats in the workspace.\n\n");
    } else {
        let rows: Vec<Vec<String>> = analysis
            .themes
            .iter()
            .enumerate()
            .map(|(rank, theme)| {
                let mut cells = theme_cells(rank, theme, " / ");
                cells.push(list_or_dash(&theme.teams));
                cells.push(asvs_chapters(theme.theme, AsvsVersion::V5_0_0).join(", "));
                cells
            })
            .collect();
        markdown_table(
            &mut out,
            &[
                "#",
                "Theme",
                "Open threats",
                "Open risk",
                "Share",
                "Mitigated",
                "Tested",
                "Controls planned / implemented",
                "Apps",
                "Teams",
                "ASVS 5.0.0",
            ],
            &[true, false, true, true, true, true, true, true, false, false, false],
            &rows,
        );
        out.push('\n');
    }

    out.push_str("## Apps\n\n");
    if analysis.apps.is_empty() {
        out.push_str("No apps.\n\n");
    } else {
        markdown_table(
            &mut out,
            &["App", "Team", "Open threats", "Open risk", "Share", "Mitigated", "Top theme"],
            &[false, false, true, true, true, true, false],
            &app_rows(analysis),
        );
        out.push('\n');
    }

    out.push_str("## Teams\n\n");
    if analysis.teams.is_empty() {
        out.push_str("No teams.\n\n");
    } else {
        let rows: Vec<Vec<String>> = analysis
            .teams
            .iter()
            .map(|team| {
                let mut cells = vec![team.team.to_string(), list_or_dash(&team.apps)];
                cells.extend(figure_cells(&team.figures));
                cells.push(top_theme(&team.themes));
                cells
            })
            .collect();
        markdown_table(
            &mut out,
            &["Team", "Apps", "Open threats", "Open risk", "Share", "Mitigated", "Top theme"],
            &[false, false, true, true, true, true, false],
            &rows,
        );
        out.push('\n');
    }

    let top = top_open_threats(analysis);
    if !top.is_empty() {
        let _ = writeln!(out, "## Top open threats\n");
        let rows: Vec<Vec<String>> = top
            .iter()
            .take(TOP_THREATS)
            .map(|t| {
                vec![
                    format_score(t.risk.score),
                    t.risk.basis.to_string(),
                    t.app.to_string(),
                    t.id.to_string(),
                    if t.title.is_empty() { NONE.to_owned() } else { t.title.clone() },
                    t.theme.to_string(),
                    t.theme_source.to_string(),
                ]
            })
            .collect();
        markdown_table(
            &mut out,
            &["Risk", "From", "App", "Threat", "Title", "Theme", "Why"],
            &[true, false, false, false, false, false, false],
            &rows,
        );
        if top.len() > TOP_THREATS {
            let _ = writeln!(out, "\n…and {} more open threats.", top.len() - TOP_THREATS);
        }
    }
    out
}

/// The analysis as plain-text tables for a terminal `width` characters wide.
pub fn render_table(analysis: &Analysis, width: usize) -> String {
    use Align::{Left as L, LeftCutFirst as Cut, Right as R};
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", summary_sentence(analysis));
    out.push_str("Themes (ranked by open risk)\n\n");
    if analysis.themes.is_empty() {
        out.push_str("No threats in the workspace.\n");
    } else {
        let rows: Vec<Vec<String>> = analysis
            .themes
            .iter()
            .enumerate()
            .map(|(rank, theme)| theme_cells(rank, theme, "/"))
            .collect();
        out.push_str(&render_aligned_table(
            &["#", "THEME", "OPEN", "RISK", "SHARE", "MITIGATED", "TESTED", "CTRL P/I", "APPS"],
            &[R, L, R, R, R, R, R, R, Cut],
            &rows,
            width,
        ));
    }
    out.push_str("\nApps\n\n");
    out.push_str(&render_aligned_table(
        &["APP", "TEAM", "OPEN", "RISK", "SHARE", "MITIGATED", "TOP THEME"],
        &[L, L, R, R, R, R, L],
        &app_rows(analysis),
        width,
    ));
    out.push_str("\nTeams\n\n");
    let rows: Vec<Vec<String>> = analysis
        .teams
        .iter()
        .map(|team| {
            let mut cells = vec![team.team.to_string()];
            cells.extend(figure_cells(&team.figures));
            cells.extend([top_theme(&team.themes), list_or_dash(&team.apps)]);
            cells
        })
        .collect();
    out.push_str(&render_aligned_table(
        &["TEAM", "OPEN", "RISK", "SHARE", "MITIGATED", "TOP THEME", "APPS"],
        &[L, R, R, R, R, L, Cut],
        &rows,
        width,
    ));
    out
}
