//! Command-line definition (clap derive) and dispatch to one module per subcommand.

mod align;
mod analyze;
mod args;
mod atomic_write;
mod checkin;
mod demo;
mod example;
mod explain;
mod export;
mod grade;
mod import;
mod ingest;
mod init;
mod measure;
mod output;
mod plan;
mod report;
mod scan_ci;
mod schema;
mod serve;
mod status;
mod token;
mod validate;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use threatokr_app::Session;
use threatokr_app::files::ReadOptions;

/// Turn threat models into security OKRs and measure them from evidence.
#[derive(Debug, Parser)]
#[command(name = "threatokr", version, about, long_about = None)]
pub(crate) struct Cli {
    /// The workspace folder (holds threatokr.yaml).
    #[arg(short = 'w', long = "workspace", global = true, default_value = ".")]
    workspace: PathBuf,
    /// Follow links that lead out of the workspace (or the repository scanned); by default
    /// they are refused, so that a link cannot make threatokr read and quote any file.
    #[arg(long, global = true)]
    follow_links_outside: bool,
    /// Print only errors among the diagnostics (no warnings or notes).
    #[arg(short = 'q', long = "quiet", global = true)]
    quiet: bool,
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
    /// Show how a key result's value was computed: formula, what counted, what not, evidence ages.
    Explain(explain::Args),
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

/// Today's date in the local time zone: the one place the binary reads the clock, for commands
/// whose `--at`/`--as-of` was not given. The application layer takes "today" as a parameter.
pub(crate) fn today() -> jiff::civil::Date {
    #[allow(clippy::disallowed_methods, reason = "the one place the binary reads the clock")]
    jiff::ZonedDateTime::now().date()
}

/// Leaves `value` to the end of the process instead of freeing it: a command that is done with a
/// large portfolio's workspace and evidence (hundreds of thousands of allocations) would spend
/// tens of milliseconds freeing memory the operating system takes back at once. Only for plain
/// data: nothing whose drop closes or writes anything (the store is dropped as usual).
pub(crate) fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// How input files are read: set once from the command line, before the command runs.
static READ_OPTIONS: OnceLock<ReadOptions> = OnceLock::new();

/// How input files are read (`--follow-links-outside`).
pub(crate) fn read_options() -> ReadOptions {
    READ_OPTIONS.get().copied().unwrap_or_default()
}

/// Opens the workspace at `root`, reading its files as the command line says.
pub(crate) fn open_session(root: &Path) -> anyhow::Result<Session> {
    Ok(Session::open_with(root, read_options())?)
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let options =
        ReadOptions { follow_links_outside: cli.follow_links_outside, ..ReadOptions::default() };
    let _ = READ_OPTIONS.set(options);
    output::set_quiet(cli.quiet);
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
        Command::Explain(args) => explain::run(&cli.workspace, &args),
        Command::Serve(args) => serve::run(&cli.workspace, &args),
        Command::Token(args) => token::run(&cli.workspace, &args),
    }
}
