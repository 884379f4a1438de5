//! `threatokr init`: scaffold a workspace, empty or with the bundled example.

use super::Outcome;
use super::example;
use super::output::print;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to create the workspace.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write the realistic sample organisation instead of an empty skeleton.
    #[arg(long)]
    example: bool,
}

const SKELETON: &str = "\
# threatokr workspace: see `threatokr schema workspace` for every key.
org:
  name: My Company
  teams: []
  people: []
apps: []
cycles:
  - { id: \"2027\", start: 2027-01-01, end: 2027-12-31 }
  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31, within: \"2027\" }
";

pub(crate) fn run(args: &Args) -> Result<Outcome> {
    let files: Vec<(&str, &str)> =
        if args.example { example::FILES.to_vec() } else { vec![("threatokr.yaml", SKELETON)] };
    write_files(&args.dir, &files)?;
    for dir in ["models", "okrs", "evidence"] {
        std::fs::create_dir_all(args.dir.join(dir))
            .with_context(|| format!("creating {}", args.dir.join(dir).display()))?;
    }
    print(&format!(
        "created a threatokr workspace in {} ({} files); next: threatokr -w {} validate",
        args.dir.display(),
        files.len(),
        args.dir.display()
    ));
    Ok(Outcome::Ok)
}

/// Writes files under `dir`, refusing to overwrite anything that exists (nothing is lost).
pub(crate) fn write_files(dir: &Path, files: &[(&str, &str)]) -> Result<()> {
    for (relative, _) in files {
        let path = dir.join(relative);
        if path.exists() {
            bail!(
                "{} already exists; threatokr does not overwrite files (choose an empty folder)",
                path.display()
            );
        }
    }
    for (relative, text) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        super::atomic_write::write_atomically(&path, text.as_bytes())?;
    }
    Ok(())
}
