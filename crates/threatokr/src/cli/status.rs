//! `threatokr status`: the cycle's objectives as a tree, each with a progress bar and its status,
//! from the same numbers `measure` computes (nothing is recorded).
//!
//! The tree is the core's `render_status_tree`, fed by the same report model as `report`, so the
//! terminal, the Markdown and the HTML never show different numbers.

use super::Outcome;
use super::args::{Format, formats};
use super::measure::{measure_and_show_problems, print_measurement_json};
use super::output::{print, stdout_color, terminal_width};
use anyhow::Result;
use jiff::civil::Date;
use std::path::Path;
use threatokr_app::measure::Reuse;
use threatokr_app::report::report_model;
use threatokr_core::diag::TerminalText;
use threatokr_core::report::render_status_tree;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle; default the shortest cycle containing the day.
    #[arg(long)]
    cycle: Option<String>,
    /// The day (YYYY-MM-DD); default today.
    #[arg(long, value_parser = super::args::parse_date)]
    as_of: Option<Date>,
    /// Output format: table (a tree fitted to COLUMNS, default 100) or json (as `measure`).
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json]))]
    format: Format,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    // The JSON contract holds every item of evidence; the tree lists none.
    let reuse = if args.format == Format::Json { Reuse::Unchanged } else { Reuse::Listed };
    let (_, measured) = measure_and_show_problems(root, args.cycle.as_deref(), args.as_of, reuse)?;
    match args.format {
        Format::Json => print_measurement_json(&measured.measurement),
        Format::Table => print(&TerminalText::already_sanitized(render_status_tree(
            &report_model(&measured)?,
            terminal_width(),
            stdout_color(),
        ))),
        other => return Err(other.unsupported()),
    }
    Ok(if measured.has_errors() { Outcome::InputErrors } else { Outcome::Ok })
}
