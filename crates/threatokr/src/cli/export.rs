//! `threatokr export threats`: the workspace's threats for issue trackers (CSV), programs (JSON)
//! or other threat-modeling tools (OTM).

use super::args::{Format, formats};
use super::import::write_output;
use super::output::print;
use super::{Outcome, open_session};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Every threat of every model.
    Threats(ThreatsArgs),
}

#[derive(Debug, clap::Args)]
struct ThreatsArgs {
    /// csv (for issue trackers), json, or otm (one model: select it with --app).
    #[arg(long, default_value = "csv", value_parser = formats(&[Format::Csv, Format::Json, Format::Otm]))]
    format: Format,
    /// Only the models of this app.
    #[arg(long)]
    app: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Allow -o to replace an existing file.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let What::Threats(args) = &args.what;
    let workspace = open_session(root)?.load()?.workspace;
    if let Some(wanted) = &args.app {
        // The apps of threatokr.yaml and those of models no app claims.
        let mut known: Vec<String> =
            workspace.config.apps.iter().map(|a| a.id.to_string()).collect();
        known.extend(
            workspace.models.iter().filter_map(|m| m.app.as_ref().map(ToString::to_string)),
        );
        known.sort();
        known.dedup();
        if !known.contains(wanted) {
            return Err(threatokr_app::Error::UnknownApp { id: wanted.clone(), known }.into());
        }
    }
    let rows: Vec<(String, &threatokr_core::model::ThreatModel)> = workspace
        .models
        .iter()
        .map(|m| (m.app.as_ref().map_or_else(String::new, ToString::to_string), m))
        .filter(|(app, _)| args.app.as_ref().is_none_or(|wanted| wanted == app))
        .collect();
    let text = match args.format {
        Format::Csv => threatokr_core::export::threats_csv(&rows, &workspace.aliases),
        Format::Json => {
            serde_json::to_string_pretty(&threatokr_core::export::threats_json(
                &rows,
                &workspace.aliases,
            ))? + "\n"
        }
        Format::Otm => match rows.as_slice() {
            [(_, model)] => {
                serde_json::to_string_pretty(&threatokr_core::export::to_otm(model))? + "\n"
            }
            _ => bail!("OTM holds one model; {} models match: choose one with --app", rows.len()),
        },
        other => return Err(other.unsupported()),
    };
    match &args.out {
        Some(out) => write_output(out, &text, args.force)?,
        None => print(&text),
    }
    Ok(Outcome::Ok)
}
