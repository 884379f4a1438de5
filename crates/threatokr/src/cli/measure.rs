//! `threatokr measure`: compute every key result of a cycle from the store and the evidence
//! folders, record the measurements and the models' threat and control statuses, and print them.

use super::args::{Format, formats};
use super::output::{ProgressLine, eprint, print, print_diagnostics, terminal_width};
use super::{Outcome, open_session, today};
use anyhow::Result;
use jiff::civil::Date;
use std::io::Write;
use std::path::Path;
use threatokr_app::Session;
use threatokr_app::measure::value_text;
use threatokr_app::measure::{Measured, Recorded, Reuse};
use threatokr_app::store::check_not_in_future;
use threatokr_core::metrics::{CycleMeasurement, write_measurement_json};
use threatokr_core::report::{format_whole_percent, render_table, status_label};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The day to measure (YYYY-MM-DD); default today.
    #[arg(long, value_parser = super::args::parse_date)]
    as_of: Option<Date>,
    /// The cycle; default the shortest cycle containing the day.
    #[arg(long)]
    cycle: Option<String>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json]))]
    format: Format,
    /// Record a day more than one day after today (refused otherwise: a mistyped year would block
    /// every later status change).
    #[arg(long)]
    force: bool,
    /// Compute every key result from all the evidence, even those whose inputs are unchanged
    /// since they were last measured that day (whose stored value is reused otherwise).
    #[arg(long)]
    full: bool,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let session = open_session(root)?;
    // The table shows no evidence: a stored value is read back without its items (the evidence
    // of a key result counting every finding is tens of megabytes).
    let reuse = match (args.full, args.format) {
        (true, _) => Reuse::Never,
        (false, Format::Table) => Reuse::NumbersOnly,
        (false, _) => Reuse::Unchanged,
    };
    let mut measured = session.measure_with(
        args.cycle.as_deref(),
        args.as_of,
        today(),
        reuse,
        &mut ProgressLine::default(),
    )?;
    print_diagnostics(&measured.files, &measured.diagnostics);
    check_not_in_future(measured.measurement.as_of, today(), "measurement date", args.force)?;
    let recorded = session.record(&mut measured)?;
    note_refused_statuses(&recorded);
    match args.format {
        Format::Json => print_measurement_json(&measured.measurement),
        Format::Table => {
            print(&table(&measured.measurement, terminal_width()));
            print(&format!(
                "{} measurement(s) and {} threat or control status change(s) recorded in the store",
                recorded.measurements, recorded.status_changes
            ));
            if !measured.reused.is_empty() {
                let line = format!(
                    "reused {} of {} stored values (inputs unchanged; --full recomputes)",
                    measured.reused.len(),
                    measured.measurement.key_results.len(),
                );
                print(wrap(&line, terminal_width()).trim_end());
            }
            if measured.composed() > 0 {
                let line = format!(
                    "counted {} finding key result(s) again only in the scopes that changed, adding the stored counts of the others",
                    measured.composed(),
                );
                print(wrap(&line, terminal_width()).trim_end());
            }
        }
        other => return Err(other.unsupported()),
    }
    let outcome = if measured.has_errors() { Outcome::InputErrors } else { Outcome::Ok };
    // The workspace, the files read and the measurement of a large portfolio are millions of
    // small allocations (every model's threats, every counted finding's texts) that the process's
    // exit returns at once; freeing them one by one first took a twentieth of a re-measure. The
    // store is closed as usual (its connection checkpoints the write-ahead log).
    let Measured { workspace, measurement, files, store, .. } = measured;
    drop(store);
    std::mem::forget((workspace, measurement, files));
    Ok(outcome)
}

/// Opens the workspace and measures the cycle (`None`s: the cycle containing today), drawing a
/// progress line and printing the problems found on stderr; shared by `status` and `report`
/// (which show only the items a report lists: [`Reuse::Listed`]).
pub(crate) fn measure_and_show_problems(
    root: &Path,
    cycle: Option<&str>,
    as_of: Option<Date>,
    reuse: Reuse,
) -> Result<(Session, Measured)> {
    let session = open_session(root)?;
    let measured =
        session.measure_with(cycle, as_of, today(), reuse, &mut ProgressLine::default())?;
    print_diagnostics(&measured.files, &measured.diagnostics);
    Ok((session, measured))
}

/// Says on stderr when the statuses were not recorded (measuring an earlier day than the store
/// already knows must not rewrite history).
pub(crate) fn note_refused_statuses(recorded: &Recorded) {
    if let Some(error) = &recorded.statuses_refused {
        eprint(&format!("note: threat and control statuses were not recorded: {error}\n"));
    }
}

/// Prints the `measure --format json` contract (shared by `status --format json`), written straight
/// to stdout through a buffer rather than built as one `serde_json::Value` and one string: the
/// evidence of a large portfolio runs to tens of megabytes. Like `print`, a closed stdout (a pipe
/// into `head`) is not an error.
pub(crate) fn print_measurement_json(measurement: &CycleMeasurement) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if write_measurement_json(&mut out, measurement).is_ok() {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// The table of `measure`: one row per key result, fitted to the terminal's width, then the
/// notes the metrics left.
fn table(measurement: &CycleMeasurement, width: usize) -> String {
    let mut out = format!(
        "{} as of {} (a linear plan expects {})\n",
        measurement.cycle,
        measurement.as_of,
        format_whole_percent(Some(measurement.expected))
    );
    let rows: Vec<Vec<String>> = measurement
        .key_results
        .iter()
        .map(|kr| {
            vec![
                kr.id.to_string(),
                kr.metric.clone(),
                value_text(kr),
                format_whole_percent(kr.progress),
                status_label(kr.status).to_owned(),
            ]
        })
        .collect();
    out.push_str(&render_table(
        &["key result", "metric", "value", "progress", "status"],
        &rows,
        width,
    ));
    for kr in &measurement.key_results {
        for note in &kr.value.notes {
            out.push_str(&wrap(&format!("note: {}: {note}", kr.id), width));
        }
    }
    out
}

/// Wraps text at spaces so no line is wider than `width` (a word longer than that stands alone),
/// continuation lines indented by two spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let used = line.chars().count();
        if used > 2 && used + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = "  ".to_owned();
        } else if !line.is_empty() && !line.ends_with("  ") {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}
