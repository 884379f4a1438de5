//! `threatokr plan`: propose a cycle's security objectives and key results from the threat
//! models, as an `okrs/<cycle>.yaml` to review (or the JSON contract).
//!
//! When the target file exists (`-o FILE`, else `okrs/<cycle>.yaml`), the plan is merged into it:
//! everything the user wrote stays byte for byte, new proposals are appended, and every change is
//! printed on stderr before anything is written.
//!
//! Each key result that moves from a start to a target starts at the value measured from the
//! evidence (the store and the evidence folders, as `measure` reads them) on `--as-of`, default
//! today clamped into the cycle. When the previous cycle's grades are frozen in the store
//! (`threatokr grade`), its key results that scored below expectation are carried over with
//! their lineage.

use super::Outcome;
use super::analyze::load_checked;
use super::measure::read_evidence;
use super::output::{eprint, print};
use super::store_io::today;
use super::workspace_io::display_name;
use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use std::path::{Path, PathBuf};
use threatokr_core::analysis::analyze;
use threatokr_core::diag::{Files, Summary};
use threatokr_core::metrics::check_evidence;
use threatokr_core::model::{Cycle, OkrSet, Workspace};
use threatokr_core::native::lower_okrs;
use threatokr_core::planner::{
    CarryOver, GradeRecord, Plan, PlanOptions, measure_starts, merge_into, plan, plan_json,
    previous_cycle, to_okr_yaml,
};
use threatokr_store::Store;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle to plan (an id from threatokr.yaml, such as 2027-Q1).
    #[arg(long)]
    pub(crate) cycle: String,
    /// At most this many theme objectives.
    #[arg(long, default_value_t = 3)]
    pub(crate) max_objectives: usize,
    /// Write (or merge into) this file instead of printing on stdout.
    #[arg(short = 'o', long = "output")]
    pub(crate) output: Option<PathBuf>,
    /// Output format: yaml (an okrs/<cycle>.yaml) or json (the contract).
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub(crate) format: Format,
    /// The day starts are measured on (YYYY-MM-DD); default today, clamped into the cycle.
    #[arg(long)]
    pub(crate) as_of: Option<Date>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    Yaml,
    Json,
}

/// The cycle named on the command line, or a usage error listing the known cycles.
pub(crate) fn find_cycle<'a>(workspace: &'a Workspace, id: &str) -> Result<&'a Cycle> {
    workspace.config.cycle(id).with_context(|| {
        let known: Vec<&str> = workspace.config.cycles.iter().map(|c| c.id.as_str()).collect();
        format!("there is no cycle `{id}` in threatokr.yaml (cycles: {})", known.join(", "))
    })
}

/// An OKR file read and lowered on its own, for merging.
struct Existing {
    files: Files,
    file: threatokr_core::diag::FileId,
    set: Option<OkrSet>,
}

fn read_existing(root: &Path, path: &Path) -> Result<Option<Existing>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut files = Files::new();
    let file = files.add(display_name(root, path), text);
    let (set, _, diagnostics) = lower_okrs(&files, file);
    if Summary::of(&diagnostics).errors > 0 {
        bail!(
            "{} has errors (run `threatokr validate`); fix them before planning into it",
            path.display()
        );
    }
    Ok(Some(Existing { files, file, set }))
}

/// A plan with the file it would be merged into.
struct Planned {
    plan: Plan,
    /// `-o FILE`, else `okrs/<cycle>.yaml` in the workspace.
    target: PathBuf,
    /// The target file when it exists.
    existing: Option<Existing>,
}

/// Plans the cycle; `None` when the workspace has errors (already printed).
fn make_plan(root: &Path, args: &Args) -> Result<Option<Planned>> {
    let checked = load_checked(root)?;
    if checked.has_errors {
        eprint("plan: the workspace has errors; fix them first (see above)\n");
        return Ok(None);
    }
    let workspace = checked.workspace;
    let cycle = find_cycle(&workspace, &args.cycle)?;
    let cycle_file = root.join("okrs").join(format!("{}.yaml", cycle.id));
    let target = args.output.clone().unwrap_or_else(|| cycle_file.clone());
    // JSON is never merged: the user's edits come from the cycle's OKR file.
    let existing = match args.format {
        Format::Yaml => read_existing(root, &target)?,
        Format::Json => read_existing(root, &cycle_file)?,
    };
    let analysis = analyze(&workspace);
    let as_of = args.as_of.unwrap_or_else(|| today().clamp(cycle.start, cycle.end));
    let store = open_existing_store(root)?;
    let mut options = PlanOptions {
        max_objectives: args.max_objectives,
        carry: carry_over(&workspace, cycle, &store)?,
        ..PlanOptions::default()
    };
    let existing_set = existing.as_ref().and_then(|e| e.set.as_ref());
    // Plan once to know the key results, measure them, and plan again with the measured starts.
    let first = plan(&workspace, &analysis, cycle, &options, existing_set);
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    let evidence = read_evidence(root, &workspace, cycle, &store, &mut files, &mut diagnostics)?;
    diagnostics.extend(check_evidence(&workspace, &evidence));
    let errors = Summary::of(&diagnostics).errors;
    if errors > 0 {
        eprint(&format!(
            "note: the evidence has {errors} error(s); starts are measured from what reads (`threatokr measure` shows them)\n"
        ));
    }
    let measured = measure_starts(&workspace, &first, cycle, as_of, &evidence);
    options.measured_starts = measured.values;
    options.unmeasured = measured.unmeasured;
    let plan = plan(&workspace, &analysis, cycle, &options, existing_set);
    Ok(Some(Planned { plan, target, existing }))
}

/// The workspace's history store when it exists; an empty one in memory otherwise, so planning
/// never creates `.threatokr/`.
fn open_existing_store(root: &Path) -> Result<Store> {
    super::store_io::open_store_for_reading(root)
}

/// The previous cycle's OKRs and frozen grades, when it has both.
fn carry_over(workspace: &Workspace, cycle: &Cycle, store: &Store) -> Result<Option<CarryOver>> {
    let Some(previous) = previous_cycle(&workspace.config.cycles, cycle) else { return Ok(None) };
    let Some(okrs) = workspace.okrs_for(&previous.id) else { return Ok(None) };
    let grades: Vec<GradeRecord> = store
        .grades(previous.id.as_str())
        .with_context(|| format!("reading the grades of {}", previous.id))?
        .into_iter()
        .map(|row| GradeRecord {
            objective: row.objective_id,
            key_result: row.kr_id,
            score: row.score,
            expected: row.expected,
        })
        .collect();
    if grades.is_empty() {
        return Ok(None);
    }
    Ok(Some(CarryOver { cycle: previous.id.clone(), okrs: okrs.clone(), grades }))
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let Some(Planned { plan: planned, target, existing }) = make_plan(root, args)? else {
        return Ok(Outcome::InputErrors);
    };
    eprint(&format!(
        "balance: {}% strategic, {}% tactical (by key-result weight)\n",
        (planned.balance.strategic * 100.0).round(),
        (planned.balance.tactical * 100.0).round()
    ));
    for warning in &planned.warnings {
        eprint(&format!("warning: {warning}\n"));
    }
    let (text, changes) = match args.format {
        Format::Json => {
            (format!("{}\n", serde_json::to_string_pretty(&plan_json(&planned))?), None)
        }
        Format::Yaml => match &existing {
            Some(existing) => {
                let merged = merge_into(&existing.files, existing.file, &planned)
                    .map_err(anyhow::Error::msg)?;
                (merged.text, Some(merged.changes))
            }
            None => (to_okr_yaml(&planned), None),
        },
    };
    let name = target.display();
    if let Some(changes) = &changes {
        if changes.is_empty() {
            eprint(&format!("{name} already holds every proposal: nothing to change\n"));
        } else {
            eprint(&format!("changes to {name}:\n"));
            for change in changes {
                eprint(&format!("  {change}\n"));
            }
        }
    }
    match &args.output {
        None => print(&text),
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
                    let krs: usize = planned.objectives.iter().map(|o| o.key_results.len()).sum();
                    eprint(&format!(
                        "wrote {}: {} objective(s), {krs} key result(s)\n",
                        path.display(),
                        planned.objectives.len()
                    ));
                }
            }
        }
    }
    Ok(Outcome::Ok)
}
