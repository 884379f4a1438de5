//! `threatokr plan`: propose a cycle's security objectives and key results from the threat
//! models, as an `okrs/<cycle>.yaml` to review (or the JSON contract).
//!
//! When the target file exists (`-o FILE`, else `okrs/<cycle>.yaml`), the plan is merged into it:
//! everything the user wrote stays byte for byte, new proposals are appended, and every change is
//! printed on stderr before anything is written. Without `-o` nothing is written, and stderr says
//! so ("would change …", "would write …"); proposals deleted by hand are named, not proposed again. The planning itself (measured starts, carried
//! over key results) is the application layer's `Session::plan`.

use super::analyze::load_checked;
use super::args::{Format, formats};
use super::output::{ProgressLine, eprint, print};
use super::{Outcome, open_session, today};
use anyhow::{Context, Result};
use jiff::civil::Date;
use std::path::{Path, PathBuf};
use threatokr_app::plan::{PlanRequest, Planned};
use threatokr_core::planner::plan_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle to plan (an id from threatokr.yaml, such as 2027-Q1).
    #[arg(long)]
    pub(crate) cycle: String,
    /// At most this many theme objectives.
    #[arg(long, default_value_t = 3)]
    pub(crate) max_objectives: usize,
    /// Write (or merge into) this file. Without it nothing is written: the plan (or the cycle's
    /// OKR file with the plan merged in) is printed, and stderr says what a write would change.
    #[arg(short = 'o', long = "output")]
    pub(crate) output: Option<PathBuf>,
    /// Output format: yaml (an okrs/<cycle>.yaml) or json (the contract).
    #[arg(long, default_value = "yaml", value_parser = formats(&[Format::Yaml, Format::Json]))]
    pub(crate) format: Format,
    /// The day starts are measured on (YYYY-MM-DD); default today, clamped into the cycle.
    #[arg(long, value_parser = super::args::parse_date)]
    pub(crate) as_of: Option<Date>,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let session = open_session(root)?;
    let checked = load_checked(&session)?;
    if checked.has_errors() {
        eprint("plan: the workspace has errors; fix them first (see above)\n");
        return Ok(Outcome::InputErrors);
    }
    let request = PlanRequest {
        cycle: args.cycle.clone(),
        max_objectives: args.max_objectives,
        target: args.output.clone(),
        as_of: args.as_of,
    };
    // JSON is never merged: the user's edits come from the cycle's OKR file.
    let merge = matches!(args.format, Format::Yaml);
    let planned =
        session.plan(&checked.workspace, &request, merge, today(), &mut ProgressLine::default())?;
    if planned.evidence_errors > 0 {
        eprint(&format!(
            "note: the evidence has {} error(s); starts are measured from what reads (`threatokr measure` shows them)\n",
            planned.evidence_errors
        ));
    }
    let Planned { plan: planned_plan, target, existing, .. } = &planned;
    eprint(&format!(
        "balance: {}% strategic, {}% tactical (by key-result weight)\n",
        (planned_plan.balance.strategic * 100.0).round(),
        (planned_plan.balance.tactical * 100.0).round()
    ));
    for warning in &planned_plan.warnings {
        eprint(&format!("warning: {warning}\n"));
    }
    let (text, changes) = match args.format {
        Format::Json => {
            (format!("{}\n", serde_json::to_string_pretty(&plan_json(planned_plan))?), None)
        }
        Format::Yaml => planned.to_yaml()?,
        other => return Err(other.unsupported()),
    };
    let name = target.display();
    let writes = args.output.is_some();
    if !planned_plan.declined.is_empty() {
        eprint(&format!(
            "not proposed again (deleted from the OKR file by hand): {}; take an id out of its `proposed:` list to have it back\n",
            planned_plan.declined.join(", ")
        ));
    }
    if let Some(changes) = &changes {
        if changes.is_empty() {
            eprint(&format!("{name} already holds every proposal: nothing to change\n"));
        } else {
            // Without -o nothing is written: say what a write would do.
            let verb = if writes { "changes to" } else { "would change" };
            eprint(&format!("{verb} {name}:\n"));
            for change in changes {
                eprint(&format!("  {change}\n"));
            }
            if !writes {
                eprint(&format!(
                    "nothing written: the merged file is on stdout; `-o {name}` writes it\n"
                ));
            }
        }
    }
    let krs: usize = planned_plan.objectives.iter().map(|o| o.key_results.len()).sum();
    match &args.output {
        None => {
            if changes.is_none() && matches!(args.format, Format::Yaml) {
                eprint(&format!(
                    "would write {name}: {} objective(s), {krs} key result(s); nothing written (the plan is on stdout; `-o {name}` writes it)\n",
                    planned_plan.objectives.len()
                ));
            }
            print(&text);
        }
        Some(path) => {
            let unchanged = changes.is_some()
                && existing.as_ref().is_some_and(|e| e.files.text(e.file) == text);
            if !unchanged {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                super::atomic_write::write_atomically(path, text.as_bytes())?;
                if changes.is_none() {
                    eprint(&format!(
                        "wrote {}: {} objective(s), {krs} key result(s)\n",
                        path.display(),
                        planned_plan.objectives.len()
                    ));
                }
            }
        }
    }
    Ok(Outcome::Ok)
}
