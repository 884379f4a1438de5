//! `threatokr grade`: freeze a cycle's scores at its close (committed key results expect 1.0,
//! aspirational ones 0.7) and print them.

use super::args::{Format, formats};
use super::output::{ProgressLine, eprint, print, print_diagnostics};
use super::{Outcome, open_session, today};
use anyhow::Result;
use std::path::Path;
use threatokr_store::Overwrite;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle to grade.
    #[arg(long)]
    cycle: String,
    /// Replace grades frozen earlier, or grade before the cycle's close (the output says so).
    #[arg(long)]
    force: bool,
    /// The day grading happens (YYYY-MM-DD); default today. Before the cycle's last day grading
    /// is refused unless --force is given.
    #[arg(long, value_parser = super::args::parse_date)]
    as_of: Option<jiff::civil::Date>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json]))]
    format: Format,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let session = open_session(root)?;
    let day = args.as_of.unwrap_or_else(today);
    // The score is progress at the close, or, graded early with --force, on the day of grading.
    let (mut measured, early) =
        session.measure_for_grade(&args.cycle, day, args.force, &mut ProgressLine::default())?;
    print_diagnostics(&measured.files, &measured.diagnostics);
    if measured.has_errors() {
        return Ok(Outcome::InputErrors);
    }
    let end = measured.workspace.config.cycle(&args.cycle).map_or(day, |c| c.end);
    if early {
        eprint(&format!(
            "note: graded early: {} closes on {end}; these scores are progress on {day}\n",
            args.cycle
        ));
    }
    let overwrite = if args.force { Overwrite::Replace } else { Overwrite::Refuse };
    let rows = session.freeze_grades(&mut measured, overwrite)?;
    let measurement = &measured.measurement;
    match args.format {
        Format::Json => {
            let grades: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| serde_json::json!({"objective": r.objective_id, "key_result": r.kr_id, "lineage": r.lineage, "score": r.score, "expected": r.expected, "band": r.band.as_str()}))
                .collect();
            print(&serde_json::to_string_pretty(
                &serde_json::json!({"cycle": measurement.cycle.as_str(), "as_of": measurement.as_of.to_string(), "early": early, "grades": grades}),
            )?);
        }
        Format::Table => {
            let mut out = if early {
                format!(
                    "{} graded early, on {}, before its close on {end}\n",
                    measurement.cycle, measurement.as_of
                )
            } else {
                format!("{} graded at its close, {}\n", measurement.cycle, measurement.as_of)
            };
            let width =
                rows.iter().map(|r| r.objective_id.len() + r.kr_id.len() + 1).max().unwrap_or(0);
            for row in &rows {
                out.push_str(&format!(
                    "{:<width$}  {} of an expected {:.1}  {}\n",
                    format!("{}/{}", row.objective_id, row.kr_id),
                    threatokr_core::report::format_grade(row.score),
                    row.expected,
                    row.band
                ));
            }
            print(&out);
        }
        other => return Err(other.unsupported()),
    }
    Ok(Outcome::Ok)
}
