//! `threatokr ingest`: read scanner findings (SARIF) into the history store.
//!
//! Each file is one transaction: all of its runs land or none does. A file's app, environment and
//! date come from the flags, else from its path in the evidence folder
//! (`evidence/sarif/<app>/<env>/<date>.sarif`); a file dated by the machine's clock says so.
//! `threatokr ingest evidence/` ingests every SARIF file of the folder in date order and skips
//! the files already ingested (the store keeps a hash of each). A file that looks like another
//! app's (its repository, or findings the store already holds for another app) is refused
//! unless `--force`. Ingest reads only `threatokr.yaml` of the workspace (the apps, their
//! environments and repositories), not the models or the OKRs.

use super::output::{eprint, print, stderr_color, terminal_width, with_progress};
use super::{Outcome, check_not_in_future, open_session, read_options, today};
use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use threatokr_app::files::Reader;
use threatokr_app::store::open_store;
use threatokr_core::diag::{
    DiagnosticReport, Files, Summary, diagnostic_json, render_human, sort_diagnostics,
};
use threatokr_core::evidence::sarif::{SarifLog, fnv1a64, parse_sarif_log, summary_json};
use threatokr_core::model::{App, Severity};
use threatokr_core::native::lower_workspace_config;
use threatokr_core::report::render_table;
use threatokr_store::{FindingInput, IngestedFile, ScanInput, ScanOutcome, Store};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    kind: Option<Kind>,
    /// An evidence folder: every SARIF file under it laid out as `sarif/<app>/<env>/<date>.sarif`,
    /// oldest first; files already ingested are skipped.
    folder: Option<PathBuf>,
    #[command(flatten)]
    options: Options,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// SARIF 2.1.0 files from any scanner.
    Sarif(SarifArgs),
}

#[derive(Debug, clap::Args)]
struct SarifArgs {
    /// SARIF files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The app that was scanned (an id from threatokr.yaml); default from the file's path.
    #[arg(long)]
    app: Option<String>,
    /// The environment that was scanned (prod, staging, ...); default from the file's path.
    #[arg(long)]
    env: Option<String>,
    /// The scan's date (YYYY-MM-DD); default from the file's path, else today (said so).
    #[arg(long)]
    at: Option<Date>,
    #[command(flatten)]
    options: Options,
}

#[derive(Debug, Clone, clap::Args)]
struct Options {
    /// Parse and summarise only: needs no workspace and writes nothing.
    #[arg(long)]
    dry_run: bool,
    /// Ingest what would be refused: a date more than a day after today, or a file that looks
    /// like another app's (its repository, or findings already filed under another app).
    #[arg(long)]
    force: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

/// One file to ingest, with what the flags and its path say about it.
#[derive(Debug)]
struct Planned {
    path: PathBuf,
    app: Option<String>,
    env: Option<String>,
    at: Option<Date>,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let base = std::env::current_dir()?;
    let (planned, options) = match (&args.kind, &args.folder) {
        (Some(Kind::Sarif(sarif)), _) => (plan_files(sarif), &sarif.options),
        (None, Some(folder)) => (plan_folder(folder)?, &args.options),
        (None, None) => bail!(
            "name an evidence folder (`threatokr ingest evidence/`) or files (`threatokr ingest sarif FILE...`)"
        ),
    };
    if options.dry_run {
        return dry_run(&base, &planned, options.format);
    }
    let mut session = Session::new(root)?;
    let mut results = Vec::new();
    let mut outcome = Outcome::Ok;
    for file in with_progress("ingesting SARIF files", &planned) {
        match session.ingest(&base, file, options)? {
            // Each file is told as soon as it is stored: a later file refused stops the command,
            // and what was stored before it must still be said.
            Some(result) if options.format == Format::Table => print(&result.text()),
            Some(result) => results.push(result.json()),
            None => outcome = Outcome::InputErrors,
        }
    }
    if options.format == Format::Json {
        print(&serde_json::to_string_pretty(&serde_json::json!({ "files": results }))?);
    }
    Ok(outcome)
}

/// Files named on the command line, with the flags filling in what their path does not say.
fn plan_files(args: &SarifArgs) -> Vec<Planned> {
    let mut planned: Vec<Planned> = args
        .files
        .iter()
        .map(|path| {
            let layout = path_layout(path);
            Planned {
                path: path.clone(),
                app: args.app.clone().or_else(|| layout.as_ref().map(|l| l.0.clone())),
                env: args.env.clone().or_else(|| layout.as_ref().map(|l| l.1.clone())),
                at: args.at.or_else(|| layout.map(|l| l.2)),
            }
        })
        .collect();
    // Oldest first, as the store wants them; files without a date keep their order.
    planned.sort_by_key(|p| p.at);
    planned
}

/// Every SARIF file of an evidence folder whose path gives its app, environment and date, oldest
/// first; any other SARIF file is named and skipped.
fn plan_folder(folder: &Path) -> Result<Vec<Planned>> {
    if !folder.is_dir() {
        bail!("{} is not a folder", folder.display());
    }
    let mut planned = Vec::new();
    let (mut files, mut diagnostics) = (Files::new(), Vec::new());
    let reader = Reader::anywhere(&std::env::current_dir()?, read_options());
    let paths = reader.list(folder, &["sarif", "json"], true, &mut files, &mut diagnostics)?;
    // Links the walk did not follow are said, not silently left out.
    eprint(&render_human(
        DiagnosticReport { files: &files, diagnostics: &diagnostics },
        stderr_color(),
    ));
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.ends_with(".sarif") || name.ends_with(".sarif.json")) {
            continue;
        }
        match path_layout(&path) {
            Some((app, env, at)) => {
                planned.push(Planned { app: Some(app), env: Some(env), at: Some(at), path })
            }
            None => eprint(&format!(
                "warning: skipped {}: its path does not say app, environment and date (evidence/sarif/<app>/<env>/<YYYY-MM-DD>.sarif)\n",
                path.display()
            )),
        }
    }
    planned.sort_by(|a, b| (a.at, &a.path).cmp(&(b.at, &b.path)));
    Ok(planned)
}

/// App, environment and date from `.../sarif/<app>/<env>/<YYYY-MM-DD>.sarif` (or `.sarif.json`).
fn path_layout(path: &Path) -> Option<(String, String, Date)> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    let [.., "sarif", app, env, name] = parts.as_slice() else { return None };
    let stem = name.strip_suffix(".sarif.json").or_else(|| name.strip_suffix(".sarif"))?;
    Some(((*app).to_owned(), (*env).to_owned(), stem.parse().ok()?))
}

/// One SARIF file, read and checked.
struct ReadFile {
    /// Its name as shown.
    name: String,
    log: SarifLog,
    /// Its diagnostics, rendered for the terminal and as JSON.
    human: String,
    json: Vec<serde_json::Value>,
    /// Its content hash; `None` when it has errors, so that nothing of it is ingested.
    hash: Option<String>,
}

fn read_file(base: &Path, path: &Path) -> Result<ReadFile> {
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    // Files named on the command line may be anywhere; they are still read only when regular.
    let reader = Reader::anywhere(base, read_options());
    let (log, hash) = match reader.read(&mut files, path, &mut diagnostics)? {
        Some(id) => {
            let hash = content_hash(files.text(id));
            let (log, more) = parse_sarif_log(&files, id);
            diagnostics.extend(more);
            (log, Some(hash))
        }
        None => (SarifLog::default(), None),
    };
    sort_diagnostics(&files, &mut diagnostics);
    let human =
        render_human(DiagnosticReport { files: &files, diagnostics: &diagnostics }, stderr_color());
    Ok(ReadFile {
        name: files.ids().next().map_or_else(String::new, |id| files.name(id).to_owned()),
        log,
        human,
        json: diagnostics.iter().map(|d| diagnostic_json(&files, d)).collect(),
        hash: hash.filter(|_| Summary::of(&diagnostics).errors == 0),
    })
}

/// A file's identity for "already ingested": its length and an FNV-1a hash of its text.
fn content_hash(text: &str) -> String {
    format!("{}-{:016x}", text.len(), fnv1a64(&[text]))
}

/// `--dry-run`: what each file holds, by tool, as a table (or the summary JSON contract).
fn dry_run(base: &Path, planned: &[Planned], format: Format) -> Result<Outcome> {
    let mut findings = Vec::new();
    let mut diagnostics_json = Vec::new();
    let mut rows = Vec::new();
    let mut has_errors = false;
    for file in planned {
        let ReadFile { name, log, human, json, hash } = read_file(base, &file.path)?;
        has_errors |= hash.is_none();
        if format == Format::Table {
            eprint(&human);
        }
        diagnostics_json.extend(json);
        for tool in &log.tools {
            let of_tool: Vec<_> = log.findings.iter().filter(|f| &f.tool == tool).collect();
            let count =
                |s: Severity| of_tool.iter().filter(|f| f.severity == s).count().to_string();
            let run = if log.incomplete.contains(tool) { "incomplete" } else { "complete" };
            rows.push(vec![
                short_name(&name).to_owned(),
                tool.clone(),
                of_tool.len().to_string(),
                count(Severity::Critical),
                count(Severity::High),
                count(Severity::Medium),
                count(Severity::Low),
                count(Severity::Info),
                run.to_owned(),
            ]);
        }
        findings.extend(log.findings);
    }
    match format {
        Format::Json => {
            print(&serde_json::to_string_pretty(&summary_json(&findings, diagnostics_json))?)
        }
        Format::Table => {
            let headers =
                ["file", "tool", "findings", "critical", "high", "medium", "low", "info", "run"];
            print(&render_table(&headers, &rows, terminal_width()));
            print(&format!(
                "{} finding(s) in {} file(s); nothing was written",
                findings.len(),
                planned.len()
            ));
        }
    }
    Ok(if has_errors { Outcome::InputErrors } else { Outcome::Ok })
}

/// A name for a narrow column: what follows `sarif/` in the evidence layout (app, env, date).
fn short_name(name: &str) -> &str {
    match name.rsplit_once("sarif/") {
        Some((_, rest)) if path_layout(Path::new(name)).is_some() => rest,
        _ => name,
    }
}

/// What one file's ingest did.
struct FileResult {
    file: String,
    app: String,
    env: String,
    at: Date,
    /// `None` when the file had been ingested before.
    scans: Option<Vec<(String, ScanOutcome, threatokr_store::IngestSummary)>>,
}

impl FileResult {
    fn json(&self) -> serde_json::Value {
        let ingested = self.scans.as_ref().map(|scans| {
            scans
                .iter()
                .map(|(tool, outcome, s)| {
                    serde_json::json!({"tool": tool, "complete": *outcome == ScanOutcome::Complete,
                        "new": s.new, "still_open": s.still_open, "fixed": s.fixed, "reopened": s.reopened})
                })
                .collect::<Vec<_>>()
        });
        serde_json::json!({"file": self.file, "app": self.app, "env": self.env, "at": self.at.to_string(),
            "skipped": ingested.is_none(), "ingested": ingested.unwrap_or_default()})
    }

    fn text(&self) -> String {
        let Some(scans) = &self.scans else {
            return format!("{}: already ingested, skipped", self.file);
        };
        let mut lines = Vec::new();
        for (tool, outcome, s) in scans {
            let incomplete = match outcome {
                ScanOutcome::Complete => "",
                ScanOutcome::Incomplete => " (the scan did not complete: nothing marked fixed)",
            };
            lines.push(format!(
                "{}: {}/{} {} {tool}: {} new, {} still open, {} fixed, {} reopened{incomplete}",
                self.file, self.app, self.env, self.at, s.new, s.still_open, s.fixed, s.reopened
            ));
        }
        if lines.is_empty() {
            lines
                .push(format!("{}: {}/{} {}: no tool ran", self.file, self.app, self.env, self.at));
        }
        lines.join("\n")
    }
}

/// The store and the workspace's apps, read once for all the files of one command.
struct Session {
    root: PathBuf,
    store: Store,
    apps: Vec<App>,
    today: Date,
}

impl Session {
    fn new(root: &Path) -> Result<Self> {
        let apps = read_apps(root)?;
        let store = open_store(root)?;
        Ok(Self { root: root.to_owned(), store, apps, today: today() })
    }

    /// Ingests one file in one transaction; `None` when it has errors (printed) and was left out.
    fn ingest(
        &mut self,
        base: &Path,
        file: &Planned,
        options: &Options,
    ) -> Result<Option<FileResult>> {
        let (Some(app), Some(env)) = (&file.app, &file.env) else {
            bail!(
                "{}: give --app and --env, or put the file at evidence/sarif/<app>/<env>/<date>.sarif (or --dry-run to only read it)",
                file.path.display()
            );
        };
        let found = self.app(app)?;
        check_environment(&found, env)?;
        let ReadFile { name, log, human, hash, .. } = read_file(base, &file.path)?;
        eprint(&human);
        let Some(hash) = hash else {
            eprint(&format!(
                "nothing was ingested from {name}: fix the errors above and run again\n"
            ));
            return Ok(None);
        };
        let at = match file.at {
            Some(at) => at,
            None => {
                eprint(&format!(
                    "note: {name} is dated today ({}): neither --at nor its path (evidence/sarif/<app>/<env>/<date>.sarif) gives its date\n",
                    self.today
                ));
                self.today
            }
        };
        let result = |scans| FileResult {
            file: name.clone(),
            app: app.clone(),
            env: env.clone(),
            at,
            scans,
        };
        if self.store.is_ingested(&hash, app, env)? {
            return Ok(Some(result(None)));
        }
        check_not_in_future(at, self.today, "scan date", options.force)?;
        if !options.force {
            check_repository(&found, &self.apps, &log, &name)?;
            check_fingerprints(&self.store, app, &log, &name)?;
        }
        let scans = scans_by_tool(app, env, at, log);
        let record = IngestedFile {
            hash,
            name: name.clone(),
            app: app.clone(),
            environment: env.clone(),
            at,
        };
        let summaries = self
            .store
            .ingest_scans(&scans, Some(&record))
            .with_context(|| format!("ingesting {name} (nothing of it was stored)"))?;
        let rows =
            scans.into_iter().zip(summaries).map(|(s, summary)| (s.tool, s.outcome, summary));
        Ok(Some(result(Some(rows.collect()))))
    }

    /// The app, so that findings are never filed under a typo. An app defined only by a model
    /// (no entry in threatokr.yaml) needs the whole workspace, read only then.
    fn app(&mut self, id: &str) -> Result<App> {
        if let Some(app) = self.apps.iter().find(|a| a.id.as_str() == id) {
            return Ok(app.clone());
        }
        let workspace = open_session(&self.root)?.load()?.workspace;
        let Some(found) = workspace.config.app(id) else {
            let known: Vec<&str> = workspace.config.apps.iter().map(|a| a.id.as_str()).collect();
            bail!("there is no app `{id}` in threatokr.yaml (apps: {})", known.join(", "));
        };
        let found = found.clone();
        self.apps = workspace.config.apps;
        Ok(found)
    }
}

/// The apps of `threatokr.yaml`, without reading the models or the OKRs.
fn read_apps(root: &Path) -> Result<Vec<App>> {
    let reader = open_session(root)?.reader()?;
    let mut files = Files::new();
    let Some(id) = reader.read(&mut files, &root.join("threatokr.yaml"), &mut Vec::new())? else {
        bail!("{} cannot be read as text", root.join("threatokr.yaml").display());
    };
    Ok(lower_workspace_config(&files, id).0.apps)
}

fn check_environment(app: &App, env: &str) -> Result<()> {
    if !app.environments.is_empty() && !app.environments.iter().any(|e| e == env) {
        bail!(
            "the app `{}` has no environment `{env}` (environments: {})",
            app.id,
            app.environments.join(", ")
        );
    }
    Ok(())
}

/// A file that names the repository it scanned must name one of the app's (when the app lists any).
fn check_repository(app: &App, apps: &[App], log: &SarifLog, name: &str) -> Result<()> {
    if app.repos.is_empty() || log.repositories.is_empty() {
        return Ok(());
    }
    let matches =
        |a: &App| log.repositories.iter().any(|r| a.repos.iter().any(|o| same_repository(r, o)));
    if matches(app) {
        return Ok(());
    }
    let owner = apps
        .iter()
        .find(|a| matches(a))
        .map_or_else(String::new, |a| format!(", a repository of app `{}`", a.id));
    bail!(
        "refusing {name}: it scanned {}{owner}, not a repository of app `{}` ({}); check --app, or pass --force to ingest it anyway",
        log.repositories.join(", "),
        app.id,
        app.repos.join(", ")
    );
}

/// Whether two repository names (URLs, `git@host:owner/name`, or local paths) are the same
/// repository: the same name, and the same owner when both are remote.
fn same_repository(a: &str, b: &str) -> bool {
    let (a, remote_a) = repository_segments(a);
    let (b, remote_b) = repository_segments(b);
    let tail = |s: &[String], n: usize| s.iter().rev().take(n).cloned().collect::<Vec<_>>();
    let n = if remote_a && remote_b { 2 } else { 1 };
    !a.is_empty() && !b.is_empty() && tail(&a, n) == tail(&b, n)
}

/// Lowercase path segments of a repository name without scheme, credentials, host and `.git`;
/// and whether it was remote.
fn repository_segments(repository: &str) -> (Vec<String>, bool) {
    let text = repository.trim().to_lowercase();
    let (path, remote) = match text.split_once("://") {
        Some((_, rest)) => (rest.split_once('/').map_or("", |(_, path)| path).to_owned(), true),
        None => match text.split_once(':') {
            // `git@github.com:owner/name.git`
            Some((host, path)) if host.contains('@') || host.contains('.') => {
                (path.to_owned(), true)
            }
            _ => (text.clone(), false),
        },
    };
    let segments = path
        .split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .map(|s| s.strip_suffix(".git").unwrap_or(s).to_owned())
        .collect();
    (segments, remote)
}

/// A file most of whose findings the store already holds under one other app was most likely
/// filed under the wrong one.
fn check_fingerprints(store: &Store, app: &str, log: &SarifLog, name: &str) -> Result<()> {
    let mut by_tool: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for finding in &log.findings {
        by_tool.entry(finding.tool.as_str()).or_default().push(finding.fingerprint.as_str());
    }
    for (tool, fingerprints) in by_tool {
        let elsewhere = store.fingerprints_elsewhere(tool, app, &fingerprints)?;
        if let Some((other, count)) = elsewhere.into_iter().max_by_key(|(_, count)| *count)
            && count * 2 >= fingerprints.len()
        {
            bail!(
                "refusing {name}: {count} of its {} {tool} findings are already filed under app `{other}`, not `{app}`; check --app, or pass --force to ingest it anyway",
                fingerprints.len()
            );
        }
    }
    Ok(())
}

/// One store scan per tool that ran: a tool that ran and found nothing still gets its (empty)
/// scan, so the findings it reported before are marked fixed, unless its run did not complete.
pub(crate) fn scans_by_tool(app: &str, env: &str, at: Date, log: SarifLog) -> Vec<ScanInput> {
    let mut by_tool: BTreeMap<String, Vec<FindingInput>> =
        log.tools.into_iter().map(|t| (t, Vec::new())).collect();
    for finding in log.findings {
        by_tool.entry(finding.tool.clone()).or_default().push(FindingInput {
            fingerprint: finding.fingerprint,
            rule_id: finding.rule_id,
            severity: finding.severity.as_str().to_owned(),
            score: finding.score,
            cwes: finding.cwes,
            file: finding.file,
            line: finding.line,
            message: finding.message,
        });
    }
    by_tool
        .into_iter()
        .map(|(tool, findings)| ScanInput {
            outcome: if log.incomplete.contains(&tool) {
                ScanOutcome::Incomplete
            } else {
                ScanOutcome::Complete
            },
            tool,
            app: app.to_owned(),
            environment: env.to_owned(),
            at,
            findings,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_evidence_layout_gives_app_environment_and_date() {
        let layout = path_layout(Path::new("ws/evidence/sarif/checkout/prod/2027-01-10.sarif"));
        assert_eq!(layout, Some(("checkout".into(), "prod".into(), "2027-01-10".parse().unwrap())));
        assert!(path_layout(Path::new("evidence/sarif/checkout/prod/latest.sarif")).is_none());
        assert!(path_layout(Path::new("scans/checkout/prod/2027-01-10.sarif")).is_none());
    }

    #[test]
    fn repositories_match_by_owner_and_name_across_url_forms() {
        assert!(same_repository("https://github.com/Acme/Shop.git", "git@github.com:acme/shop"));
        assert!(same_repository(
            "https://github.com/acme/shop/",
            "https://gitlab.example/acme/shop"
        ));
        assert!(!same_repository("https://github.com/acme/shop", "https://github.com/other/shop"));
        assert!(!same_repository("https://github.com/acme/blog", "https://github.com/acme/shop"));
        // A local path names only the repository.
        assert!(same_repository("https://github.com/acme/checkout", "evidence/ci/checkout"));
        assert!(!same_repository("https://github.com/acme/storefront", "evidence/ci/checkout"));
    }
}
