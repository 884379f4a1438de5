//! `threatokr grade`: freeze a cycle's scores at its close (committed key results expect 1.0,
//! aspirational ones 0.7) and print them.

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
    /// Replace grades frozen earlier.
    #[arg(long)]
    force: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let session = open_session(root)?;
    let today = today();
    // The score is progress at the close: measure on the cycle's last day.
    let mut measured = session.measure_close(&args.cycle, today, &mut ProgressLine::default())?;
    print_diagnostics(&measured.files, &measured.diagnostics);
    if measured.has_errors() {
        return Ok(Outcome::InputErrors);
    }
    let end = measured.measurement.as_of;
    if today < end {
        eprint(&format!(
            "note: {} closes on {end}; grading now freezes the evidence known today\n",
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
                &serde_json::json!({"cycle": measurement.cycle.as_str(), "as_of": measurement.as_of.to_string(), "grades": grades}),
            )?);
        }
        Format::Table => {
            let mut out =
                format!("{} graded at its close, {}\n", measurement.cycle, measurement.as_of);
            let width =
                rows.iter().map(|r| r.objective_id.len() + r.kr_id.len() + 1).max().unwrap_or(0);
            for row in &rows {
                out.push_str(&format!(
                    "{:<width$}  {:.2} of an expected {:.1}  {}\n",
                    format!("{}/{}", row.objective_id, row.kr_id),
                    row.score,
                    row.expected,
                    row.band
                ));
            }
            print(&out);
        }
    }
    Ok(Outcome::Ok)
}
