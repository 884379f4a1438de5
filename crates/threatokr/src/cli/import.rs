//! `threatokr import`: read a threat model written by another tool and print it in the native
//! format (or the import JSON contract).

use super::args::{Format, formats};
use super::output::{eprint, print, stderr_color};
use super::{Outcome, read_options};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use threatokr_app::files::Reader;
use threatokr_core::diag::{DiagnosticReport, Files, Summary, render_human, sort_diagnostics};
use threatokr_core::model::{AppId, SourceFormat};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model file (Threagile YAML, Threat Dragon JSON, OTM, Threat Composer, pytm JSON, TM-BOM, .tm7).
    file: PathBuf,
    /// Force a format instead of detecting it from the content.
    #[arg(long, value_parser = foreign_format)]
    from: Option<SourceFormat>,
    /// The app the model describes (an id from threatokr.yaml).
    #[arg(long)]
    app: Option<String>,
    /// Threagile's risks.json (default: a risks.json beside the model, when there is one).
    #[arg(long)]
    risks: Option<PathBuf>,
    /// Output format: the native YAML model, or the JSON contract.
    #[arg(long, default_value = "yaml", value_parser = formats(&[Format::Yaml, Format::Json]))]
    format: Format,
    /// Write to this file instead of standard output (never overwrites without --force).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Allow -o to replace an existing file.
    #[arg(long)]
    force: bool,
}

fn foreign_format(text: &str) -> Result<SourceFormat, String> {
    SourceFormat::ALL
        .iter()
        .copied()
        .filter(|f| *f != SourceFormat::Native)
        .find(|f| f.as_str() == text)
        .ok_or_else(|| {
            let names: Vec<&str> = SourceFormat::ALL
                .iter()
                .filter(|f| **f != SourceFormat::Native)
                .map(|f| f.as_str())
                .collect();
            format!("one of {}", names.join(", "))
        })
}

pub(crate) fn run(args: &Args) -> Result<Outcome> {
    let base = std::env::current_dir().context("reading the current folder")?;
    // Files named on the command line may be anywhere; they are still read only when regular.
    let reader = Reader::anywhere(&base, read_options());
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    let Some(file) = reader.read(&mut files, &args.file, &mut diagnostics)? else {
        eprint(&render_human(
            DiagnosticReport { files: &files, diagnostics: &diagnostics },
            stderr_color(),
        ));
        return Ok(Outcome::InputErrors);
    };
    let beside = args
        .file
        .parent()
        .map(|p| p.join("risks.json"))
        .filter(|p| p.is_file() && args.file.file_name().is_some_and(|n| n != "risks.json"));
    let companion = match args.risks.clone().or(beside) {
        Some(path) => reader.read(&mut files, &path, &mut diagnostics)?,
        None => None,
    };
    let app: Option<AppId> = match &args.app {
        Some(text) => Some(text.parse().map_err(|e| anyhow::anyhow!("--app {text:?}: {e}"))?),
        None => None,
    };
    let (model, more) =
        threatokr_core::import::import(&files, file, args.from, companion, app.as_ref());
    diagnostics.extend(more);
    sort_diagnostics(&files, &mut diagnostics);
    eprint(&render_human(
        DiagnosticReport { files: &files, diagnostics: &diagnostics },
        stderr_color(),
    ));
    let summary = Summary::of(&diagnostics);
    let Some(mut model) = model else {
        return Ok(Outcome::InputErrors);
    };
    if app.is_some() {
        model.app = app;
    }
    let text = match args.format {
        Format::Yaml => threatokr_core::export::to_native_yaml(&model),
        Format::Json => {
            serde_json::to_string_pretty(&threatokr_core::export::import_json(
                &files,
                model.format,
                &model,
                &diagnostics,
            ))? + "\n"
        }
        other => return Err(other.unsupported()),
    };
    match &args.out {
        Some(out) => write_output(out, &text, args.force)?,
        None => print(&text),
    }
    Ok(if summary.errors > 0 { Outcome::InputErrors } else { Outcome::Ok })
}

/// Writes an output file, refusing to replace one unless asked: an import must never lose a
/// model someone edited by hand.
pub(crate) fn write_output(out: &Path, text: &str, force: bool) -> Result<()> {
    refuse_to_replace(out, force)?;
    super::atomic_write::write_atomically(out, text.as_bytes())
}

/// The refusal of [`write_output`], for a command to give before its work rather than after it
/// (a portfolio's report is seconds of measuring).
pub(crate) fn refuse_to_replace(out: &Path, force: bool) -> Result<()> {
    if out.exists() && !force {
        bail!("{} exists; pass --force to replace it", out.display());
    }
    Ok(())
}
