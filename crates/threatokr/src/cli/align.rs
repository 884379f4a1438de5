//! `threatokr align`: security objectives aligned to nothing, business objectives that no
//! security objective supports, and the `supports` links the planner proposes.

use super::analyze::load_checked;
use super::args::{Format, formats};
use super::output::print;
use super::{Outcome, open_session};
use anyhow::{Result, bail};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;
use threatokr_app::measure::find_cycle;
use threatokr_core::analysis::analyze;
use threatokr_core::planner::{PlanOptions, alignment, plan};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle (default: the latest cycle with an OKR file).
    #[arg(long)]
    cycle: Option<String>,
    /// Output format: table or json.
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json]))]
    format: Format,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let checked = load_checked(&open_session(root)?)?;
    let workspace = &checked.workspace;
    let cycle_id = match &args.cycle {
        Some(id) => id.clone(),
        None => match workspace.okrs.last() {
            Some(set) => set.cycle.to_string(),
            None => bail!("the workspace has no OKR file under okrs/; name a cycle with --cycle"),
        },
    };
    let cycle = find_cycle(workspace, &cycle_id)?;
    let Some(set) = workspace.okrs_for(&cycle.id) else {
        bail!("there is no OKR file for the cycle `{cycle_id}` (okrs/{cycle_id}.yaml)");
    };
    let planned = plan(workspace, &analyze(workspace), cycle, &PlanOptions::default(), Some(set));
    let report = alignment(set, &planned);
    match args.format {
        Format::Json => {
            let pairs = |rows: &[(threatokr_core::model::ObjectiveId, String)]| {
                rows.iter().map(|(id, title)| json!({"id": id, "title": title})).collect::<Vec<_>>()
            };
            let value = json!({
                "cycle": cycle.id,
                "unaligned_security_objectives": pairs(&report.unaligned),
                "unsupported_business_objectives": pairs(&report.unsupported),
                "proposed_supports": report.proposed.iter()
                    .map(|(child, parent)| json!({"objective": child, "supports": parent}))
                    .collect::<Vec<_>>(),
            });
            print(&serde_json::to_string_pretty(&value)?);
        }
        Format::Table => {
            let width = report
                .unaligned
                .iter()
                .chain(&report.unsupported)
                .map(|(id, _)| id.as_str().chars().count())
                .chain(report.proposed.iter().map(|(id, _)| id.as_str().chars().count()))
                .max()
                .unwrap_or(0);
            let mut out = String::new();
            let _ = writeln!(out, "Alignment of {}\n", cycle.id);
            let _ = writeln!(
                out,
                "Security objectives aligned to nothing ({}):",
                report.unaligned.len()
            );
            for (id, title) in &report.unaligned {
                let _ = writeln!(out, "  {:width$}  {title}", id.as_str());
            }
            let _ = writeln!(
                out,
                "\nBusiness objectives no security objective supports ({}):",
                report.unsupported.len()
            );
            for (id, title) in &report.unsupported {
                let _ = writeln!(out, "  {:width$}  {title}", id.as_str());
            }
            let _ = writeln!(out, "\nProposed by the planner ({}):", report.proposed.len());
            for (child, parent) in &report.proposed {
                let _ = writeln!(out, "  {:width$}  supports {parent}", child.as_str());
            }
            print(&out);
        }
        other => return Err(other.unsupported()),
    }
    Ok(if checked.has_errors() { Outcome::InputErrors } else { Outcome::Ok })
}
