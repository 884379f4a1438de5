//! `threatokr explain KR-ID`: how one key result's value was computed: the formula in words, the
//! parameters, what was counted and what was left out and why, the evidence read and its age.

use super::args::{Format, formats};
use super::output::{ProgressLine, print, print_diagnostics};
use super::{Outcome, open_session, today};
use anyhow::Result;
use jiff::civil::Date;
use std::path::Path;
use threatokr_app::explain::Explanation;
use threatokr_core::metrics::EvidenceRef;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The key result's id.
    kr_id: String,
    /// The day measured (YYYY-MM-DD); default today, clamped into the key result's cycle.
    #[arg(long, value_parser = super::args::parse_date)]
    as_of: Option<Date>,
    /// The cycle; default the cycle whose OKR file declares the key result.
    #[arg(long)]
    cycle: Option<String>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = formats(&[Format::Text, Format::Json]))]
    format: Format,
}

/// How many things of each list are shown before "and N more".
const SHOWN: usize = 20;

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let explanation = open_session(root)?.explain(
        &args.kr_id,
        args.cycle.as_deref(),
        args.as_of,
        today(),
        &mut ProgressLine::default(),
    )?;
    print_diagnostics(&explanation.files, &explanation.diagnostics);
    match args.format {
        Format::Json => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&explanation.to_json()).unwrap_or_default()
        )),
        Format::Text => print(&text(&explanation)),
        other => return Err(other.unsupported()),
    }
    Ok(Outcome::Ok)
}

/// The explanation for people.
fn text(explanation: &Explanation) -> String {
    let kr = &explanation.kr;
    let mut out = format!(
        "{} {}\n{} as of {} (a linear plan expects {:.0}%)\n\n",
        kr.id,
        kr.title,
        explanation.cycle,
        explanation.as_of,
        explanation.expected * 100.0
    );
    match explanation.spec {
        Some(spec) => out.push_str(&format!("metric: {}: {}\n", spec.name, spec.doc)),
        None => out.push_str(&format!("metric: {}\n", kr.metric)),
    }
    out.push_str(&format!("computed: {}\n", explanation.computed()));
    if let Some(spec) = explanation.spec {
        out.push_str(&format!("reads: {}\n", spec.reads));
    }
    if !explanation.params.is_empty() {
        let params: Vec<String> =
            explanation.params.iter().map(|(name, value)| format!("{name}: {value}")).collect();
        out.push_str(&format!("parameters: {}\n", params.join(", ")));
    }
    let percent =
        |p: Option<f64>| p.map_or_else(|| "no data".to_owned(), |p| format!("{:.0}%", p * 100.0));
    out.push_str(&format!(
        "\nvalue: {}\nprogress: {} (expected {:.0}%)\nstatus: {}\n",
        explanation.value_text,
        percent(kr.progress),
        explanation.expected * 100.0,
        kr.status.as_str()
    ));
    if let Some(coverage) = &kr.value.coverage {
        out.push_str(&format!("coverage: {}\n", coverage.describe()));
    }
    list_if_any(&mut out, "notes", kr.value.notes.clone());
    list(&mut out, "counted", explanation.counted().into_iter().map(describe).collect());
    list_if_any(
        &mut out,
        "in the denominator, not counted",
        explanation.not_counted().into_iter().map(describe).collect(),
    );
    let items_title = match kr.metric.as_str() {
        "training.coverage" => "people",
        "asvs.compliance" => "requirements",
        "ci.coverage" => "required categories",
        _ => "items",
    };
    list_if_any(&mut out, items_title, kr.value.items.clone());
    let left_out: Vec<String> = explanation
        .left_out()
        .iter()
        .map(|l| {
            let more = l.count as usize - l.examples.len();
            let more = if more > 0 { format!(", and {more} more") } else { String::new() };
            format!("{}: {} ({}{more})", l.reason, l.count, l.examples.join("; "))
        })
        .collect();
    list(&mut out, "left out", left_out);
    let sources: Vec<String> = explanation
        .sources
        .iter()
        .map(|s| {
            let mut line = s.kind.to_owned();
            if let Some(file) = &s.file {
                line.push_str(&format!(" {file}"));
            }
            if !s.what.is_empty() {
                line.push_str(&format!(" {}", s.what));
            }
            match (s.newest, s.age_days) {
                (Some(newest), Some(age)) => {
                    line.push_str(&format!(": {newest}, {age} day(s) old"))
                }
                _ => line.push_str(": undated"),
            }
            line
        })
        .collect();
    list(&mut out, "evidence read", sources);
    out
}

/// A titled list shown only when it has items.
fn list_if_any(out: &mut String, title: &str, items: Vec<String>) {
    if !items.is_empty() {
        list(out, title, items);
    }
}

/// A titled list: the first [`SHOWN`] items, then "and N more"; "none" when empty.
fn list(out: &mut String, title: &str, items: Vec<String>) {
    out.push_str(&format!("\n{title} ({}):\n", items.len()));
    if items.is_empty() {
        out.push_str("  none\n");
    }
    for item in items.iter().take(SHOWN) {
        out.push_str(&format!("  {item}\n"));
    }
    if items.len() > SHOWN {
        out.push_str(&format!("  and {} more\n", items.len() - SHOWN));
    }
}

/// One evidence row for people.
fn describe(evidence: &EvidenceRef) -> String {
    match evidence {
        EvidenceRef::Threat { app, id, status, weight, tests, .. } => {
            let mut text = format!("threat {app}:{id} ({status})");
            if let Some(weight) = weight {
                text.push_str(&format!(", weight {weight}"));
            }
            if !tests.is_empty() {
                text.push_str(&format!(", tested by {}", tests.join("; ")));
            }
            text
        }
        EvidenceRef::Control { app, id, status, .. } => format!("control {app}:{id} ({status})"),
        EvidenceRef::App { id, reviewed, .. } => match reviewed {
            Some(day) => format!("app {id}, model reviewed {day}"),
            None => format!("app {id}, no model review"),
        },
        EvidenceRef::Asvs { app, version, passed, failed, missing, not_applicable } => format!(
            "ASVS {version} of {app}: {passed} passed, {failed} failed, {missing} missing, {not_applicable} n/a"
        ),
        EvidenceRef::Training { team, developers, trained } => {
            format!("team {team}: {trained} of {developers} developers trained")
        }
        EvidenceRef::Repo { path, app, missing, scanned } => match (scanned, missing.is_empty()) {
            (false, _) => format!("repository {path} ({app}): not scanned"),
            (true, true) => format!("repository {path} ({app}): every required category enforced"),
            (true, false) => {
                format!("repository {path} ({app}): not enforced: {}", missing.join(", "))
            }
        },
        EvidenceRef::Finding {
            app,
            environment,
            tool,
            rule,
            severity,
            score,
            deadline,
            met,
            days,
            class,
            by_band,
            file,
            line,
            ..
        } => {
            let score = score.map(|s| format!(" {s:.1}")).unwrap_or_default();
            let mut text = format!("{severity}{score} {tool} {rule} in {app}/{environment}");
            if let Some(file) = file {
                text.push_str(&format!(", {file}"));
                if let Some(line) = line {
                    text.push_str(&format!(":{line}"));
                }
            }
            if let Some(class) = class {
                text.push_str(&format!(", class {class}"));
            }
            if by_band == &Some(true) {
                text.push_str(", no score: its severity band's floor");
            }
            if let (Some(deadline), Some(met)) = (deadline, met) {
                let verdict = if *met { "fixed by" } else { "missed" };
                text.push_str(&format!(", {verdict} its deadline {deadline}"));
            }
            if let Some(days) = days {
                text.push_str(&format!(", fixed in {days} day(s)"));
            }
            text
        }
        EvidenceRef::Checkin { date, value, confidence } => match confidence {
            Some(confidence) => format!("check-in {date}: {value} (confidence {confidence})"),
            None => format!("check-in {date}: {value}"),
        },
        EvidenceRef::Milestone { title, done, weight } => match done {
            Some(day) => format!("milestone {title} (weight {weight}): done {day}"),
            None => format!("milestone {title} (weight {weight}): not done"),
        },
    }
}
