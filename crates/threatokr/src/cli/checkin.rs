//! `threatokr checkin`: record a value (and confidence) for a key result by hand.

use super::output::print;
use super::{Outcome, open_session, today};
use anyhow::Result;
use std::path::Path;
use threatokr_app::checkin::CheckinRequest;

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
    #[arg(long, value_parser = super::args::parse_date)]
    at: Option<jiff::civil::Date>,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let row = open_session(root)?.checkin(&CheckinRequest {
        kr_id: args.kr_id.clone(),
        value: args.value,
        confidence: args.confidence,
        note: args.note.clone(),
        author: args.author.clone(),
        at: args.at.unwrap_or_else(today),
        source: threatokr_store::CheckinSource::Manual,
        recorded_at: None,
    })?;
    print(&format!("checked in {} = {} (check-in #{})", args.kr_id, args.value, row.order));
    Ok(Outcome::Ok)
}
