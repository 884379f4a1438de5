//! `threatokr report`: the one-file HTML report (or Markdown for wikis and pull requests).

use super::Outcome;
use super::args::{Format, formats};
use super::import::{refuse_to_replace, write_output};
use super::measure::measure_and_show_problems;
use super::output::print;
use anyhow::Result;
use std::path::{Path, PathBuf};
use threatokr_app::measure::{Measured, Reuse};
use threatokr_app::report::report_model;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle to report on (default: the one containing --as-of).
    #[arg(long)]
    cycle: Option<String>,
    /// The date the report speaks for (YYYY-MM-DD); default today (clamped into --cycle).
    #[arg(long, value_parser = super::args::parse_date)]
    as_of: Option<jiff::civil::Date>,
    /// html (one self-contained file) or markdown.
    #[arg(long, value_parser = formats(&[Format::Html, Format::Markdown]))]
    format: Format,
    /// The file to write.
    #[arg(short = 'o', long)]
    out: PathBuf,
    /// Allow replacing an existing file.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    refuse_to_replace(&args.out, args.force)?;
    // The report shows what `measure` would compute now; it records nothing, and of each key
    // result's evidence lists only the first items counted.
    let (_, measured) =
        measure_and_show_problems(root, args.cycle.as_deref(), args.as_of, Reuse::Listed)?;
    let model = report_model(&measured)?;
    let text = match args.format {
        Format::Html => threatokr_core::report::render_html(&model),
        Format::Markdown => threatokr_core::report::render_markdown(&model),
        other => return Err(other.unsupported()),
    };
    write_output(&args.out, &text, args.force)?;
    print(&format!("wrote {}", args.out.display()));
    let Measured { store, workspace, measurement, files, .. } = measured;
    drop(store);
    super::leave_to_exit((workspace, measurement, files, model, text));
    Ok(Outcome::Ok)
}
