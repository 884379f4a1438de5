//! `threatokr checkin`: record a value (and confidence) for a key result by hand.

use super::Outcome;
use super::output::print;
use super::store_io::{open_store, today};
use super::workspace_io::read_workspace;
use anyhow::{Result, bail};
use std::path::Path;
use threatokr_core::metrics::check_checkin;
use threatokr_core::workspace::load_workspace;
use threatokr_store::{Checkin, CheckinSource};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The key result's id.
    kr_id: String,
    /// The value reached.
    #[arg(long, allow_negative_numbers = true)]
    value: f64,
    /// How confident the owner is of reaching the target, 0 to 10.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    confidence: Option<u8>,
    /// A note.
    #[arg(long)]
    note: Option<String>,
    /// Who checks in.
    #[arg(long)]
    author: Option<String>,
    /// The day the value holds for (YYYY-MM-DD); default today.
    #[arg(long)]
    at: Option<jiff::civil::Date>,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let loaded = read_workspace(root)?;
    let (workspace, _) = load_workspace(&loaded.files, &loaded.inputs);
    if !args.value.is_finite() {
        bail!("--value must be a number");
    }
    let effective = args.at.unwrap_or_else(today);
    // A check-in no view would use is refused, not accepted and ignored.
    check_checkin(&workspace, &args.kr_id, effective)?;
    let mut store = open_store(root)?;
    let row = store.add_checkin(&Checkin {
        kr_id: args.kr_id.clone(),
        value: args.value,
        confidence: args.confidence,
        note: args.note.clone(),
        author: args.author.clone(),
        source: CheckinSource::Manual,
        effective,
    })?;
    print(&format!("checked in {} = {} (check-in #{})", args.kr_id, args.value, row.order));
    Ok(Outcome::Ok)
}
