//! Command-line definition (clap derive) and dispatch to one module per subcommand.

mod align;
mod analyze;
mod checkin;
mod demo;
mod example;
mod export;
mod grade;
mod import;
mod ingest;
mod init;
mod measure;
mod output;
mod plan;
mod report;
mod reporting;
mod scan_ci;
mod schema;
mod serve;
mod status;
mod store_io;
mod token;
mod validate;
mod workspace_io;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Turn threat models into security OKRs and measure them from evidence.
#[derive(Debug, Parser)]
#[command(name = "threatokr", version, about, long_about = None)]
pub(crate) struct Cli {
    /// The workspace folder (holds threatokr.yaml).
    #[arg(short = 'w', long = "workspace", global = true, default_value = ".")]
    workspace: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scaffold a workspace (--example: the realistic sample organisation).
    Init(init::Args),
    /// Run the whole loop on the bundled example and write a report.
    Demo(demo::Args),
    /// Check every file of the workspace and print the problems found.
    Validate(validate::Args),
    /// Print the JSON Schema of a native file format, for editors.
    Schema(schema::Args),
    /// Read a threat model written by another tool; print it in the native format or as JSON.
    Import(import::Args),
    /// Write the workspace's threats out as CSV, JSON or OTM.
    Export(export::Args),
    /// Read evidence into the history store.
    Ingest(ingest::Args),
    /// Report which security tools each repository's CI runs and enforces.
    ScanCi(scan_ci::Args),
    /// Record a value and confidence for a key result.
    Checkin(checkin::Args),
    /// Write the report: one self-contained HTML file, or Markdown.
    Report(report::Args),
    /// Show where the open risk is: themes, apps and teams ranked by open risk.
    Analyze(analyze::Args),
    /// Propose a cycle's security objectives and key results from the threat models.
    Plan(plan::Args),
    /// List security objectives aligned to nothing and business objectives nothing supports.
    Align(align::Args),
    /// Measure every key result of a cycle from the evidence and record the measurements.
    Measure(measure::Args),
    /// Show the cycle's objectives as a tree with progress bars and statuses.
    Status(status::Args),
    /// Freeze a cycle's scores at its close.
    Grade(grade::Args),
    /// The dashboard and JSON API (OpenAPI at /api/openapi.json).
    Serve(serve::Args),
    /// Create, list and revoke the dashboard's tokens.
    Token(token::Args),
}

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything is fine (warnings may have been printed).
    Ok,
    /// The input has errors; diagnostics were printed.
    InputErrors,
}

impl Outcome {
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Self::Ok => ExitCode::SUCCESS,
            Self::InputErrors => ExitCode::from(1),
        }
    }
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Validate(args) => validate::run(&cli.workspace, &args),
        Command::Schema(args) => schema::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Export(args) => export::run(&cli.workspace, &args),
        Command::Ingest(args) => ingest::run(&cli.workspace, &args),
        Command::ScanCi(args) => scan_ci::run(&args),
        Command::Checkin(args) => checkin::run(&cli.workspace, &args),
        Command::Report(args) => report::run(&cli.workspace, &args),
        Command::Analyze(args) => analyze::run(&cli.workspace, &args),
        Command::Plan(args) => plan::run(&cli.workspace, &args),
        Command::Align(args) => align::run(&cli.workspace, &args),
        Command::Measure(args) => measure::run(&cli.workspace, &args),
        Command::Status(args) => status::run(&cli.workspace, &args),
        Command::Grade(args) => grade::run(&cli.workspace, &args),
        Command::Serve(args) => serve::run(&cli.workspace, &args),
        Command::Token(args) => token::run(&cli.workspace, &args),
    }
}
