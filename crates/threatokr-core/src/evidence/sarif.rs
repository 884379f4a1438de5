//! SARIF 2.1.0 logs into findings: which results are open findings, how severe they are, which
//! CWEs they carry and a stable identity that survives re-scans.
//!
//! The log is streamed (`stream.rs`, issue 12): serde visitors over the byte stream keep only the
//! parts a finding needs, as small spanned trees (one result at a time, and the current run's rules
//! and artifacts), so a 200,000-result log is read in memory bounded by its largest result and
//! the findings. It is not read into a typed SARIF model, because typed models reject a whole file
//! for one odd value (an unknown `level`, a missing `message`), and real producers write odd values
//! (Snyk's `"security-severity": "undefined"`). Every odd value becomes a diagnostic with its
//! position and the result gets the documented fallback.
//!
//! The rules (issue 5):
//! - A finding is a result whose `kind` is absent or `fail`, that is not suppressed (a suppression
//!   whose `status` is absent or `accepted`; `underReview` and `rejected` do not suppress) and whose
//!   `baselineState` is not `absent` (SARIF: "detected in the baseline run but not in the current run").
//! - Its rule: `result.rule.toolComponent` when given (an extension by index or name), else
//!   `ruleIndex` (or `rule.index`) into the driver's rules, else `ruleId` (or `rule.id`) in the
//!   driver's rules and then in each extension's rules.
//! - Severity: `security-severity` of the result's properties, else of the rule's, when it is a
//!   number in (0, 10] (CVSS bands); else the tool's own severity (Bandit `issue_severity`); else
//!   the effective level (result `level`, else the rule's `defaultConfiguration.level`, else
//!   `warning`): error high, warning medium, note low, none info.
//! - Class: security, quality or licence, by the rule of `classify` (issue 10).
//! - CWEs: rule and result tags (`external/cwe/cwe-079`, `CWE-78: ...`, `CWE-79`), `cwe`/`cwes`
//!   properties, and `relationships`/`taxa` into a tool component named CWE.
//! - Identity: `tool:rule:file:fingerprints`, the fingerprints being the result's `fingerprints`
//!   and `partialFingerprints` as sorted `key=value` (the rule is needed because CodeQL gives two
//!   rules on one line the same line hash; the file because a line hash is only a hash of the
//!   line's text). Else, or when the fingerprint is a placeholder (Semgrep's "requires login") or
//!   shared by results at different lines of one file, `tool:hash:` and an FNV-1a hash of tool,
//!   rule, file and the flagged line's text (the first non-blank line of `region.snippet.text`,
//!   trimmed, else the start line number).
//!   Identical identities within a file get `#2`, `#3` ... in file order.
//! - A run that did not complete (issue 13) proves nothing about absence: one whose `results` is
//!   absent or null (SARIF §3.14.23: the tool failed or computed no results), or with an
//!   invocation whose `executionSuccessful` is false. Its tool is listed in `incomplete`, with a
//!   `sarif-incomplete-run` warning; its findings that are present are still read.

mod positioned;
mod stream;

pub use positioned::{Chunks, ReadChunks};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use serde_json::{Map, Value as Json};

use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::model::{FindingClass, Origin, Severity};
use crate::shared_text::SharedTexts;
use crate::syntax::{Key, Node, Value};

/// One open finding reported by a scanner.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable identity across scans of the same tool (see the module docs).
    pub fingerprint: String,
    /// The tool driver's name (`CodeQL`, `Semgrep OSS`), shared by the findings of its run.
    pub tool: Arc<str>,
    /// The rule id as the tool writes it; empty when the result names no rule. Shared by the
    /// findings that name it.
    pub rule_id: Arc<str>,
    /// A human name for the rule: its short description, else its `name` when that differs from
    /// the id. Shared by the findings of the rule.
    pub rule_name: Option<Arc<str>>,
    /// The result's message text.
    pub message: String,
    /// Severity in the model's vocabulary (never `unknown`: the level fallback always applies).
    pub severity: Severity,
    /// The `security-severity` score when that is what gave the severity.
    pub score: Option<f64>,
    /// Which rule of the severity ladder gave `severity`.
    pub severity_source: SeveritySource,
    /// CWE ids, sorted and unique.
    pub cwes: Vec<u32>,
    /// What the finding is about: security, code quality or licence (`classify`).
    pub class: FindingClass,
    /// The artifact URI of the first location, as the tool wrote it.
    pub file: Option<String>,
    /// The start line of the first location.
    pub line: Option<u32>,
    /// The result in the SARIF file.
    pub origin: Origin,
}

/// Where a finding's severity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeveritySource {
    /// A `security-severity` score (result, else rule properties).
    SecuritySeverity,
    /// The tool's own severity property (Bandit `issue_severity`).
    ToolProperty,
    /// The effective SARIF level.
    Level,
}

impl SeveritySource {
    /// `security-severity`, `tool-property` or `level`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SecuritySeverity => "security-severity",
            Self::ToolProperty => "tool-property",
            Self::Level => "level",
        }
    }
}

/// A whole SARIF log: the tools that ran (even those that found nothing) and the findings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SarifLog {
    /// The driver name of every run, sorted and deduplicated. A tool listed here with no finding
    /// ran clean: every finding it reported before is fixed.
    pub tools: Vec<String>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// The driver name of every run that did not complete, sorted and deduplicated: such a run's
    /// silence says nothing, so it fixes no finding.
    pub incomplete: Vec<String>,
    /// The repositories the runs say they scanned (`versionControlProvenance[].repositoryUri`),
    /// sorted and deduplicated.
    pub repositories: Vec<String>,
}

/// Reads one SARIF file. A JSON syntax error gives one diagnostic and no findings; a file that is
/// JSON but not SARIF gives `sarif-not-sarif`; odd values inside results give warnings and fallbacks.
pub fn parse_sarif(files: &Files, file: FileId) -> (Vec<Finding>, Vec<Diagnostic>) {
    let (log, diagnostics) = parse_sarif_log(files, file);
    (log.findings, diagnostics)
}

/// Like `parse_sarif`, and also says which tools ran.
pub fn parse_sarif_log(files: &Files, file: FileId) -> (SarifLog, Vec<Diagnostic>) {
    let bytes = files.text(file).as_bytes();
    // A syntax error is read again by serde_json's own reader, whose messages are the reference.
    let read = read_sarif_log(bytes, file).and_then(|(log, diagnostics)| {
        if diagnostics.iter().any(|d| d.code == Code::JsonSyntax) {
            read_sarif_log_with(bytes, file, true)
        } else {
            Ok((log, diagnostics))
        }
    });
    // Reading from memory cannot fail; an error here would be a bug in the reader, shown as one.
    read.unwrap_or_else(|error| {
        let message = format!("the SARIF log could not be read: {error}");
        (
            SarifLog::default(),
            vec![Diagnostic::new(Code::JsonSyntax, file, Span::default(), message)],
        )
    })
}

/// Reads a SARIF log from a byte stream as it passes, keeping only what findings need: memory is
/// bounded by the largest result and the run's rules, not by the file. Diagnostics carry byte
/// spans into the stream, sorted by position. Fails only when `input` fails.
pub fn read_sarif_log<R: std::io::Read>(
    input: R,
    file: FileId,
) -> std::io::Result<(SarifLog, Vec<Diagnostic>)> {
    read_sarif_chunks(ReadChunks(input), file)
}

/// `read_sarif_log` over chunks handed over whole (read ahead on another thread, say).
pub fn read_sarif_chunks<C: Chunks>(
    input: C,
    file: FileId,
) -> std::io::Result<(SarifLog, Vec<Diagnostic>)> {
    read_sarif_log_by(stream::Parser::<C, std::io::Empty>::Chunked(input), file)
}

/// `read_sarif_log`, through serde_json's own reader when `exact` (slower; its syntax error
/// messages are the reference).
pub fn read_sarif_log_with<R: std::io::Read>(
    input: R,
    file: FileId,
    exact: bool,
) -> std::io::Result<(SarifLog, Vec<Diagnostic>)> {
    if exact {
        read_sarif_log_by(stream::Parser::<ReadChunks<std::io::Empty>, R>::Exact(input), file)
    } else {
        read_sarif_log(input, file)
    }
}

/// A log read by `input`'s parser, into findings.
fn read_sarif_log_by<C: Chunks, R: std::io::Read>(
    input: stream::Parser<C, R>,
    file: FileId,
) -> std::io::Result<(SarifLog, Vec<Diagnostic>)> {
    let mut reader = Reader {
        file,
        diagnostics: Vec::new(),
        reported: HashSet::new(),
        tools: Vec::new(),
        incomplete: Vec::new(),
        repositories: Vec::new(),
        drafts: Vec::new(),
        identities: Vec::new(),
        rule_ids: SharedTexts::new(),
    };
    let tree_diagnostics = std::cell::RefCell::new(Vec::new());
    let outline = match stream::read_log(input, file, &mut reader, &tree_diagnostics) {
        Ok(outline) => outline,
        Err((error, position)) => {
            if error.is_io() {
                return Err(error.into());
            }
            let mut diagnostics = tree_diagnostics.into_inner();
            diagnostics.push(syntax_error(file, &error, position));
            sort_by_position(&mut diagnostics);
            return Ok((SarifLog::default(), diagnostics));
        }
    };
    reader.diagnostics.append(&mut tree_diagnostics.into_inner());
    if let Err(runs) = outline.runs {
        let span = runs.map_or(outline.span, |runs| runs.span);
        reader.diagnostics.push(
            Diagnostic::new(Code::SarifNotSarif, file, span, "this is not a SARIF log: it has no `runs` list")
                .with_help("pass a SARIF 2.1.0 file, as written by `--format sarif` or `-f sarif` of the scanner"),
        );
        // What was read before `runs` turned out not to be a list is not kept either.
        let mut diagnostics: Vec<Diagnostic> = reader
            .diagnostics
            .into_iter()
            .filter(|d| matches!(d.code, Code::SarifNotSarif | Code::DuplicateKey))
            .collect();
        sort_by_position(&mut diagnostics);
        return Ok((SarifLog::default(), diagnostics));
    }
    match outline.version {
        Some(version) if version.scalar_text() == Some("2.1.0") => {}
        Some(version) => reader.warn(
            version.span,
            format!(
                "SARIF version `{}` is not 2.1.0; read as 2.1.0",
                version.scalar_text().unwrap_or("?")
            ),
        ),
        None => {
            reader.warn(outline.span, "the log has no `version`; read as SARIF 2.1.0".to_owned())
        }
    }
    let mut findings = std::mem::take(&mut reader.drafts);
    let identities = std::mem::take(&mut reader.identities);
    assign_identities(&mut reader, &mut findings, identities);
    let mut diagnostics = reader.diagnostics;
    sort_by_position(&mut diagnostics);
    let sorted = |mut names: Vec<String>| {
        names.sort();
        names.dedup();
        names
    };
    let log = SarifLog {
        tools: sorted(reader.tools),
        findings,
        incomplete: sorted(reader.incomplete),
        repositories: sorted(reader.repositories),
    };
    Ok((log, diagnostics))
}

/// One file's diagnostics in the order `diag::sort_diagnostics` gives them.
fn sort_by_position(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary.as_ref().map(|l| (l.span.start, l.span.end));
        key(a)
            .cmp(&key(b))
            .then_with(|| a.code.as_str().cmp(b.code.as_str()))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// serde_json's message without its own "at line L column C" (the span says where).
fn syntax_error(file: FileId, error: &serde_json::Error, position: u64) -> Diagnostic {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let at = usize::try_from(position).unwrap_or(usize::MAX);
    Diagnostic::new(
        Code::JsonSyntax,
        file,
        Span::new(at.saturating_sub(1), at),
        format!("this is not valid JSON: {message}"),
    )
}

/// `{"findings", "by_class", "by_severity", "by_tool", "cwes", "diagnostics"}`: the `ingest sarif
/// --dry-run --format json` contract. Keys are sorted; `by_class` always has the three classes
/// and `by_severity` the five bands.
pub fn summary_json(findings: &[Finding], diagnostics_json: Vec<Json>) -> Json {
    let mut by_severity: BTreeMap<&str, u64> =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
            .iter()
            .map(|s| (s.as_str(), 0))
            .collect();
    let mut by_class: BTreeMap<&str, u64> = FindingClass::names().map(|c| (c, 0)).collect();
    // Tools and CWEs are counted in hash maps, CWEs as numbers, and sorted once at the end:
    // writing each CWE of each finding as text to count it was a fortieth of a dry run (issue 12).
    let mut tool_counts: HashMap<&str, u64> = HashMap::new();
    let mut cwe_counts: HashMap<u32, u64> = HashMap::new();
    for finding in findings {
        *by_severity.entry(finding.severity.as_str()).or_default() += 1;
        *by_class.entry(finding.class.as_str()).or_default() += 1;
        *tool_counts.entry(&finding.tool).or_default() += 1;
        for cwe in &finding.cwes {
            *cwe_counts.entry(*cwe).or_default() += 1;
        }
    }
    let by_tool: BTreeMap<&str, u64> = tool_counts.into_iter().collect();
    let cwes: BTreeMap<String, u64> =
        cwe_counts.into_iter().map(|(cwe, count)| (cwe.to_string(), count)).collect();
    let to_map = |entries: Vec<(String, u64)>| {
        Json::Object(entries.into_iter().map(|(k, v)| (k, Json::from(v))).collect::<Map<_, _>>())
    };
    // Inserted in key order, so the keys are sorted whether or not serde_json preserves insertion order.
    let mut summary = Map::new();
    summary.insert(
        "by_class".into(),
        to_map(by_class.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
    );
    summary.insert(
        "by_severity".into(),
        to_map(by_severity.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
    );
    summary.insert(
        "by_tool".into(),
        to_map(by_tool.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
    );
    summary.insert("cwes".into(), to_map(cwes.into_iter().collect()));
    summary.insert("diagnostics".into(), Json::Array(diagnostics_json));
    summary.insert("findings".into(), Json::from(findings.len()));
    Json::Object(summary)
}

struct Reader {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    /// Rule-level values are shared by many results; each odd one is reported once.
    reported: HashSet<(Code, Span)>,
    /// The driver name of each run.
    tools: Vec<String>,
    /// The driver name of each run that did not complete.
    incomplete: Vec<String>,
    /// The repository URI of each run's version-control provenance.
    repositories: Vec<String>,
    /// The findings so far, before identities, and beside each what its identity needs: two
    /// lists, so that the findings' list becomes the log's as it is (issue 12: copying 50,000
    /// findings out of drafts into a new list was a twentieth of reading a Semgrep log).
    drafts: Vec<Finding>,
    identities: Vec<IdentityDraft>,
    /// The rule ids of results whose rule is not in the log, each kept once.
    rule_ids: SharedTexts,
}

impl Reader {
    fn warn(&mut self, span: Span, message: String) {
        if self.reported.insert((Code::SarifInvalidValue, span)) {
            self.diagnostics.push(Diagnostic::new(
                Code::SarifInvalidValue,
                self.file,
                span,
                message,
            ));
        }
    }

    fn unreadable(&mut self, span: Span, message: String) {
        self.diagnostics.push(Diagnostic::new(
            Code::SarifUnreadableResult,
            self.file,
            span,
            message,
        ));
    }
}

/// A finding before identities are settled (they need the whole file).
struct Draft {
    finding: Finding,
    identity: IdentityDraft,
}

/// What a finding's identity is made of.
struct IdentityDraft {
    /// The identity the result's fingerprints give it, when they prove to be one.
    fingerprints: Option<Fingerprints>,
    /// The flagged line's text, or its number, for the hash.
    line_text: String,
    /// The `artifactLocation.index` of a location without a `uri`: resolved when the run's
    /// `artifacts` are known, which may be after its results.
    artifact_index: Option<usize>,
}

/// A result's identity from its fingerprints, `tool:rule:file:` and its sorted `key=value`
/// fingerprints, written once as the result is read: it is the finding's identity unless the
/// fingerprints prove not to be one (issue 12: the fingerprints' text, then the identity
/// written again from it, were two texts per result).
struct Fingerprints {
    identity: String,
    /// Where the fingerprints' text starts in `identity`.
    text_at: usize,
    /// The first fingerprint object.
    span: Span,
}

impl Fingerprints {
    /// The sorted `key=value` fingerprints.
    fn text(&self) -> &str {
        &self.identity[self.text_at..]
    }

    /// The identity with another file: a location that names its file by an artifact index
    /// learns its file at the run's end.
    fn with_file(self, tool: &str, rule_id: &str, file: &str) -> Self {
        let identity = joined(&[tool, rule_id, file, self.text()]);
        Self {
            text_at: identity.len() - (self.identity.len() - self.text_at),
            identity,
            span: self.span,
        }
    }
}

/// The tool components of one run and an index of their rules. It owns the rules (the run's
/// `tool` tree), so a result borrows a rule only while it is read.
struct RunContext {
    tool: Arc<str>,
    driver_name: Option<String>,
    driver_rules: Vec<Node>,
    /// Each extension's name and rules.
    extensions: Vec<(Option<String>, Vec<Node>)>,
    /// Rule id to (component, index): the driver's rules win over extensions' (SARIF looks in the driver first).
    rules_by_id: HashMap<String, (usize, usize)>,
    /// Per component (0 the driver, `i + 1` extension `i`), rule id to index.
    rules_by_component_and_id: Vec<HashMap<String, usize>>,
    /// Extension name to its component number.
    components_by_name: HashMap<String, usize>,
}

impl RunContext {
    fn rules(&self, component: usize) -> &[Node] {
        if component == 0 { &self.driver_rules } else { &self.extensions[component - 1].1 }
    }
}

/// The run's tool, its name (warned about when missing) and its rules, out of the `tool` tree.
fn run_context(reader: &mut Reader, tool_node: Option<Node>, run_span: Span) -> RunContext {
    let take_seq = |node: &mut Node, key: &str| -> Vec<Node> {
        let Value::Map(entries) = &mut node.value else { return Vec::new() };
        match entries.iter_mut().find(|(k, _)| k.text == key).map(|(_, v)| &mut v.value) {
            Some(Value::Seq(items)) => std::mem::take(items),
            _ => Vec::new(),
        }
    };
    let name_of = |node: &Node| node.get("name").and_then(Node::as_str).map(str::to_owned);
    let mut tool_node = tool_node;
    let mut driver = tool_node.as_mut().and_then(|t| match &mut t.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.text == "driver")
            .map(|(_, v)| std::mem::replace(v, Node { value: Value::Null, span: v.span })),
        _ => None,
    });
    let driver_name =
        driver.as_ref().and_then(name_of).map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let tool = match &driver_name {
        Some(name) => name.clone(),
        None => {
            reader.warn(driver.as_ref().map_or(run_span, |d| d.span), "the run's `tool.driver.name` is missing; findings are attributed to tool `unknown`".to_owned());
            "unknown".to_owned()
        }
    };
    reader.tools.push(tool.clone());
    let tool = Arc::from(tool);
    let driver_rules = driver.as_mut().map(|d| take_seq(d, "rules")).unwrap_or_default();
    let extensions: Vec<(Option<String>, Vec<Node>)> = tool_node
        .as_mut()
        .map(|t| take_seq(t, "extensions"))
        .unwrap_or_default()
        .into_iter()
        .map(|mut e| (name_of(&e), take_seq(&mut e, "rules")))
        .collect();
    let mut rules_by_id = HashMap::new();
    let mut rules_by_component_and_id = Vec::with_capacity(extensions.len() + 1);
    let mut components_by_name = HashMap::new();
    for (i, (name, _)) in extensions.iter().enumerate() {
        if let Some(name) = name {
            components_by_name.entry(name.clone()).or_insert(i + 1);
        }
    }
    let components = std::iter::once(&driver_rules).chain(extensions.iter().map(|(_, r)| r));
    for (component, rules) in components.enumerate() {
        let mut by_id = HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            if let Some(id) = rule.get("id").and_then(Node::as_str) {
                rules_by_id.entry(id.to_owned()).or_insert((component, index));
                by_id.entry(id.to_owned()).or_insert(index);
            }
        }
        rules_by_component_and_id.push(by_id);
    }
    RunContext {
        tool,
        driver_name,
        driver_rules,
        extensions,
        rules_by_id,
        rules_by_component_and_id,
        components_by_name,
    }
}

/// Lists the run's tool as incomplete, with a warning, when the run says it failed or has no
/// `results` at all.
fn check_completion(reader: &mut Reader, run: &stream::RunParts, run_span: Span, tool: &str) {
    let invocations = run.invocations.as_ref().and_then(Node::as_seq).unwrap_or(&[]);
    let failed = invocations.iter().find(|invocation| {
        invocation.get("executionSuccessful").and_then(Node::as_bool) == Some(false)
    });
    let (span, why) = match (failed, run.null_results, run.results_seen) {
        (Some(invocation), _, _) => {
            let error = invocation
                .get("toolExecutionNotifications")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .find_map(|n| n.get("message").and_then(|m| m.get("text")).and_then(Node::as_str));
            let why = match error {
                Some(text) => {
                    format!("the scan failed (`executionSuccessful: false`: {})", text.trim())
                }
                None => "the scan failed (`executionSuccessful: false`)".to_owned(),
            };
            (invocation.span, why)
        }
        (None, Some(span), _) => {
            (span, "its `results` is null: the tool computed no results".to_owned())
        }
        (None, None, false) => {
            (run_span, "it has no `results`: the tool computed no results".to_owned())
        }
        (None, None, true) => return,
    };
    reader.incomplete.push(tool.to_owned());
    reader.diagnostics.push(
        Diagnostic::new(
            Code::SarifIncompleteRun,
            reader.file,
            span,
            format!("the run of {tool} did not complete: {why}"),
        )
        .with_help("its findings are recorded as seen, but none is marked fixed by this scan; rerun the scanner and ingest its complete output"),
    );
}

/// Reads one result of a run whose `tool` has been seen.
fn read_one_result(reader: &mut Reader, run: &mut stream::RunParts, result: &Node) {
    if result.as_map().is_none() {
        reader.unreadable(
            result.span,
            format!("a result must be an object, found {}", result.value.kind_name()),
        );
        return;
    }
    let context = match &mut run.context {
        Some(context) => context,
        None => {
            // Results are read before the run's end only when its `tool` has a driver, so the
            // missing-name warning points at the driver and the run's span (unknown yet) is not needed.
            let context = run_context(reader, run.tool.take(), Span::default());
            run.context.insert(context)
        }
    };
    if let Some(Draft { finding, identity }) =
        read_result(reader, context, &mut run.rule_facts, result)
    {
        reader.drafts.push(finding);
        reader.identities.push(identity);
    }
}

/// At a run's end: results that waited for the tool are read, and artifact indexes are resolved.
fn finish_run(reader: &mut Reader, mut run: stream::RunParts, span: Span, first_draft: usize) {
    if run.context.is_none() {
        run.context = Some(run_context(reader, run.tool.take(), span));
    }
    for result in std::mem::take(&mut run.waiting) {
        read_one_result(reader, &mut run, &result);
    }
    let tool = run.context.as_ref().map_or("", |c| &c.tool);
    check_completion(reader, &run, span, tool);
    let provenance = run.provenance.as_ref().and_then(Node::as_seq).unwrap_or(&[]);
    for uri in provenance.iter().filter_map(|p| p.get("repositoryUri")?.as_str()) {
        reader.repositories.push(uri.trim().to_owned());
    }
    let artifacts = run.artifacts.as_ref().and_then(Node::as_seq).unwrap_or(&[]);
    let drafts = reader.drafts[first_draft..].iter_mut();
    for (finding, draft) in drafts.zip(&mut reader.identities[first_draft..]) {
        if let Some(index) = draft.artifact_index.take() {
            finding.file = artifacts
                .get(index)
                .and_then(|a| a.get("location")?.get("uri")?.as_str())
                .map(str::to_owned);
            let file = finding.file.as_deref().unwrap_or_default();
            draft.fingerprints = draft
                .fingerprints
                .take()
                .map(|f| f.with_file(&finding.tool, &finding.rule_id, file));
        }
    }
}

fn read_result(
    reader: &mut Reader,
    run: &RunContext,
    facts: &mut RuleFacts,
    result: &Node,
) -> Option<Draft> {
    if !is_failure(reader, result) || is_suppressed(reader, result) {
        return None;
    }
    if result.get("baselineState").and_then(Node::as_str) == Some("absent") {
        return None;
    }
    let rule = find_rule(reader, run, result);
    let id_text = result
        .get("ruleId")
        .and_then(Node::as_str)
        .or_else(|| result.get("rule").and_then(|r| r.get("id")).and_then(Node::as_str))
        .or_else(|| rule.and_then(|r| r.get("id")).and_then(Node::as_str))
        .unwrap_or_default();
    if id_text.is_empty() {
        reader.warn(
            result.span,
            "the result names no rule (`ruleId`, `rule.id` or a valid `ruleIndex`)".to_owned(),
        );
    }
    // The id, the rule's name and the class it gives are worked out once per rule and id.
    let (rule_facts, rule_id, rule_name, class_of_rule) = match rule {
        Some(rule) => {
            let facts = facts.of(reader, rule);
            let Named { id, name, class } = facts.named(rule, id_text).clone();
            (Some(&*facts), id, name, Some(class))
        }
        None => (None, reader.rule_ids.get(id_text), None, None),
    };
    let message = message_text(reader, result, rule)
        .unwrap_or_else(|| rule_name.as_deref().unwrap_or(&rule_id).to_owned());
    let (severity, score, severity_source) = severity(reader, result, rule);

    let mut cwes: Vec<u32> = rule_facts.map(|facts| facts.cwes.clone()).unwrap_or_default();
    let mut own_cwes = BTreeSet::new();
    collect_cwes(reader, result.get("properties"), &mut own_cwes);
    collect_taxonomy_cwes(result.get("taxa"), &mut own_cwes);
    if !own_cwes.is_empty() {
        cwes.extend(own_cwes);
        cwes.sort_unstable();
        cwes.dedup();
    }

    let physical = result
        .get("locations")
        .and_then(Node::as_seq)
        .and_then(<[Node]>::first)
        .and_then(|l| l.get("physicalLocation"));
    let artifact = physical.and_then(|p| p.get("artifactLocation"));
    let uri = artifact.and_then(|a| a.get("uri")).and_then(Node::as_str);
    let artifact_index = match uri {
        Some(_) => None,
        None => artifact.and_then(|a| a.get("index")).and_then(index_of),
    };
    let region = physical.and_then(|p| p.get("region"));
    let line = region.and_then(|r| r.get("startLine")).and_then(|node| {
        let line = index_of(node).filter(|&l| l >= 1).and_then(|l| u32::try_from(l).ok());
        if line.is_none() {
            reader.warn(
                node.span,
                format!(
                    "`startLine` must be a whole number from 1, found `{}`",
                    node.scalar_text().unwrap_or(node.value.kind_name())
                ),
            );
        }
        line
    });
    let snippet = region
        .and_then(|r| r.get("snippet"))
        .and_then(|s| s.get("text"))
        .and_then(Node::as_str)
        // The first line: a multi-line region would change identity whenever any of its lines changes.
        .and_then(|text| text.lines().map(str::trim).find(|l| !l.is_empty()));
    let line_text =
        snippet.map_or_else(|| line.map_or_else(String::new, |l| l.to_string()), str::to_owned);

    // A result with neither tags nor a security severity of its own is classed as its rule
    // classes the rule id it names, which is worked out once.
    let result_tags = tags(None, result.get("properties"));
    let result_security = has_security_severity(result.get("properties"));
    let class = match class_of_rule {
        Some(class) if result_tags.is_empty() && !result_security => class,
        _ => classify(
            &rule_id,
            &tags(rule.and_then(|r| r.get("properties")), result.get("properties")),
            result_security || has_security_severity(rule.and_then(|r| r.get("properties"))),
        ),
    };

    let file = uri.map(str::to_owned);
    let fingerprints =
        fingerprints(result, [&run.tool, &rule_id, file.as_deref().unwrap_or_default()]);
    Some(Draft {
        finding: Finding {
            fingerprint: String::new(),
            tool: run.tool.clone(),
            rule_id,
            rule_name,
            message,
            severity,
            score,
            severity_source,
            cwes,
            class,
            file,
            line,
            origin: Origin { file: reader.file, span: result.span },
        },
        identity: IdentityDraft { fingerprints, line_text, artifact_index },
    })
}

/// What a rule gives each result of it, worked out from the rule alone the first time a result
/// names it (issue 12: a log of 50,000 results of 80 rules read each rule's CWE tags and classed
/// its id again for every result, a tenth of reading it). The values and the warnings are those
/// of working them out for each result: a rule's odd values are reported once anyway.
#[derive(Default)]
pub(super) struct RuleFacts {
    /// Keyed by the rule's span, which no other rule of the log has.
    by_rule: HashMap<Span, FactsOfRule>,
}

struct FactsOfRule {
    /// The CWEs of its `properties` and its taxonomy `relationships`, ascending.
    cwes: Vec<u32>,
    /// Its `tags`.
    tags: Vec<String>,
    /// Whether its `security-severity` is a number above zero.
    security_severity: bool,
    /// What it gives each id its results named (almost always its own id alone).
    named: Vec<Named>,
}

/// What a rule gives the results that name it by one id (almost always its own id).
#[derive(Clone)]
struct Named {
    /// The id the results name.
    id: Arc<str>,
    /// The rule's short description, else its `name` when that differs from the id.
    name: Option<Arc<str>>,
    /// The class of such a result that has neither tags nor a security severity of its own.
    class: FindingClass,
}

impl RuleFacts {
    fn of(&mut self, reader: &mut Reader, rule: &Node) -> &mut FactsOfRule {
        self.by_rule.entry(rule.span).or_insert_with(|| {
            let properties = rule.get("properties");
            let mut cwes = BTreeSet::new();
            collect_cwes(reader, properties, &mut cwes);
            collect_taxonomy_cwes(rule.get("relationships"), &mut cwes);
            FactsOfRule {
                cwes: cwes.into_iter().collect(),
                tags: tags(properties, None).into_iter().map(str::to_owned).collect(),
                security_severity: has_security_severity(properties),
                named: Vec::new(),
            }
        })
    }
}

impl FactsOfRule {
    /// What `rule`, whose facts these are, gives a result that names it by `rule_id`.
    fn named(&mut self, rule: &Node, rule_id: &str) -> &Named {
        if let Some(index) = self.named.iter().position(|named| &*named.id == rule_id) {
            return &self.named[index];
        }
        let short = rule
            .get("shortDescription")
            .and_then(|d| d.get("text"))
            .and_then(Node::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let name =
            rule.get("name").and_then(Node::as_str).filter(|n| *n != rule_id && !n.is_empty());
        let tags: Vec<&str> = self.tags.iter().map(String::as_str).collect();
        let class = classify(rule_id, &tags, self.security_severity);
        self.named.push(Named {
            id: Arc::from(rule_id),
            name: short.or(name).map(Arc::from),
            class,
        });
        &self.named[self.named.len() - 1]
    }
}

/// Rule and result `tags`, as written.
fn tags<'n>(
    rule_properties: Option<&'n Node>,
    result_properties: Option<&'n Node>,
) -> Vec<&'n str> {
    [rule_properties, result_properties]
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("tags")?.as_seq())
        .flatten()
        .filter_map(Node::as_str)
        .collect()
}

/// A `security-severity` that is a number above zero (an odd one was reported by `severity`).
fn has_security_severity(properties: Option<&Node>) -> bool {
    properties
        .and_then(|p| p.get("security-severity"))
        .and_then(Node::as_f64)
        .is_some_and(|score| score > 0.0)
}

/// Code-quality categories as tools name them in tags (CodeQL) or in rule ids (Semgrep's
/// `python.lang.best-practice.open-never-close`).
const QUALITY_CATEGORIES: &[&str] = &[
    "correctness",
    "maintainability",
    "reliability",
    "best-practice",
    "best-practices",
    "performance",
    "style",
    "readability",
    "useless-code",
    "quality",
    "code-quality",
];

/// What a finding is about (issue 10), decided in this order:
/// 1. `license` when the rule id starts with `snyk:lic:` (Snyk's licence issues, which Snyk also
///    tags `security` with a `security-severity` of "undefined") or a tag is `license`/`licence`;
/// 2. `security` when a `security-severity` (result or rule) is a number above 0, or a tag is
///    `security` (CodeQL, Semgrep, Bandit and Snyk tag their security rules so);
/// 3. `quality` when a tag, or a `.`- or `/`-separated part of the rule id, names a code-quality
///    category (`correctness`, `maintainability`, `reliability`, `best-practice`, `performance`,
///    `style`, `readability`, `useless-code`, `quality`): CodeQL's quality queries and Semgrep's
///    `…correctness.return-in-init`;
/// 4. `security` otherwise: a finding with a CWE, from a security-only scanner, or with no
///    category at all is counted, so that a scanner that says nothing never hides a finding.
pub fn classify(rule_id: &str, tags: &[&str], has_security_severity: bool) -> FindingClass {
    let tagged = |names: &[&str]| {
        tags.iter().any(|t| names.iter().any(|n| t.trim().eq_ignore_ascii_case(n)))
    };
    if rule_id.starts_with("snyk:lic:") || tagged(&["license", "licence"]) {
        return FindingClass::License;
    }
    if has_security_severity || tagged(&["security"]) {
        return FindingClass::Security;
    }
    let quality_id = rule_id
        .split(['.', '/'])
        .any(|part| QUALITY_CATEGORIES.iter().any(|c| part.eq_ignore_ascii_case(c)));
    if quality_id || tagged(QUALITY_CATEGORIES) {
        return FindingClass::Quality;
    }
    FindingClass::Security
}

/// `kind` absent or `fail`. The other SARIF kinds are not findings; an unknown kind is reported and
/// read as `fail`, so that a typo never hides a finding.
fn is_failure(reader: &mut Reader, result: &Node) -> bool {
    let Some(kind) = result.get("kind") else {
        return true;
    };
    match kind.as_str() {
        Some("fail") => true,
        Some("pass" | "open" | "review" | "notApplicable" | "informational") => false,
        _ => {
            reader.warn(
                kind.span,
                format!(
                    "`kind` `{}` is not one of fail, pass, open, review, notApplicable, informational; read as fail",
                    kind.scalar_text().unwrap_or(kind.value.kind_name())
                ),
            );
            true
        }
    }
}

/// Suppressed when any suppression has no `status` or `accepted`. An unknown status does not
/// suppress (reported), so that a typo never hides a finding.
fn is_suppressed(reader: &mut Reader, result: &Node) -> bool {
    let Some(suppressions) = result.get("suppressions") else {
        return false;
    };
    if suppressions.is_null() {
        return false;
    }
    let Some(items) = suppressions.as_seq() else {
        reader.warn(
            suppressions.span,
            format!(
                "`suppressions` must be a list, found {}; the result is not suppressed",
                suppressions.value.kind_name()
            ),
        );
        return false;
    };
    let mut suppressed = false;
    for item in items {
        match item.get("status") {
            None => suppressed |= item.as_map().is_some(),
            Some(status) => match status.as_str() {
                Some("accepted") => suppressed = true,
                Some("underReview" | "rejected") => {}
                _ => reader.warn(
                    status.span,
                    format!(
                        "suppression `status` `{}` is not one of accepted, underReview, rejected; it does not suppress",
                        status.scalar_text().unwrap_or(status.value.kind_name())
                    ),
                ),
            },
        }
        if item.as_map().is_none() {
            reader.warn(
                item.span,
                format!(
                    "a suppression must be an object, found {}; ignored",
                    item.value.kind_name()
                ),
            );
        }
    }
    suppressed
}

/// A non-negative whole JSON number (SARIF indexes and line numbers); -1 (SARIF's "not given") and
/// anything else is `None`.
fn index_of(node: &Node) -> Option<usize> {
    match node.value {
        Value::Number { value, .. } if value >= 0.0 && value.fract() == 0.0 && value < 1e15 => {
            Some(value as usize)
        }
        _ => None,
    }
}

/// True for SARIF's "no index" value, -1.
fn is_minus_one(node: &Node) -> bool {
    matches!(node.value, Value::Number { value, .. } if value == -1.0)
}

fn find_rule<'n>(reader: &mut Reader, run: &'n RunContext, result: &Node) -> Option<&'n Node> {
    let reference = result.get("rule");
    let reference_id = reference.and_then(|r| r.get("id")).and_then(Node::as_str);
    let rule_id = result.get("ruleId").and_then(Node::as_str).or(reference_id);

    // An explicit tool component: the rule lives in that extension (or the driver), nowhere else.
    if let Some(component) = reference.and_then(|r| r.get("toolComponent"))
        && let Some((component, rules)) = component_rules(reader, run, component)
    {
        if let Some(index_node) =
            reference.and_then(|r| r.get("index")).filter(|n| !is_minus_one(n))
        {
            match index_of(index_node).and_then(|i| rules.get(i)) {
                Some(rule) => return Some(rule),
                None => reader.warn(
                    index_node.span,
                    format!(
                        "`rule.index` {} is not a rule of that tool component",
                        describe(index_node)
                    ),
                ),
            }
        }
        return rule_id
            .and_then(|id| run.rules_by_component_and_id[component].get(id))
            .map(|&index| &rules[index]);
    }

    let index_node = result
        .get("ruleIndex")
        .or_else(|| reference.and_then(|r| r.get("index")))
        .filter(|n| !is_minus_one(n));
    if let Some(index_node) = index_node {
        match index_of(index_node).and_then(|i| run.driver_rules.get(i)) {
            Some(rule) => {
                let indexed_id = rule.get("id").and_then(Node::as_str).unwrap_or_default();
                if let Some(id) = rule_id
                    && id != indexed_id
                    && !id.strip_prefix(indexed_id).is_some_and(|rest| rest.starts_with('/'))
                {
                    reader.warn(index_node.span, format!("`ruleIndex` points at rule `{indexed_id}` but the result names `{id}`; the indexed rule is used"));
                }
                return Some(rule);
            }
            None => reader.warn(
                index_node.span,
                format!("`ruleIndex` {} is not an index into the driver's {} rules; looked up by `ruleId` instead", describe(index_node), run.driver_rules.len()),
            ),
        }
    }
    rule_id
        .and_then(|id| run.rules_by_id.get(id))
        .map(|&(component, index)| &run.rules(component)[index])
}

/// The component number and rules of the tool component a `toolComponent` reference names;
/// `None` when it names none.
fn component_rules<'n>(
    reader: &mut Reader,
    run: &'n RunContext,
    component: &Node,
) -> Option<(usize, &'n [Node])> {
    if let Some(index_node) = component.get("index").filter(|n| !is_minus_one(n)) {
        return match index_of(index_node).filter(|&i| i < run.extensions.len()) {
            Some(i) => Some((i + 1, run.rules(i + 1))),
            None => {
                reader.warn(
                    index_node.span,
                    format!(
                        "`toolComponent.index` {} is not an index into the run's {} extensions",
                        describe(index_node),
                        run.extensions.len()
                    ),
                );
                None
            }
        };
    }
    let name = component.get("name").and_then(Node::as_str)?;
    if run.driver_name.as_deref() == Some(name) {
        return Some((0, &run.driver_rules));
    }
    let found = run.components_by_name.get(name).map(|&c| (c, run.rules(c)));
    if found.is_none() {
        reader.warn(
            component.span,
            format!("`toolComponent` names `{name}`, which is neither the driver nor an extension"),
        );
    }
    found
}

fn describe(node: &Node) -> String {
    node.scalar_text().map_or_else(|| node.value.kind_name().to_owned(), |t| format!("`{t}`"))
}

/// The message: `message.text`, else the rule's `messageStrings[message.id]`, with `{n}` replaced by
/// `message.arguments[n]`. A result without either is reported.
fn message_text(reader: &mut Reader, result: &Node, rule: Option<&Node>) -> Option<String> {
    let message = result.get("message");
    let arguments: Vec<&str> = message
        .and_then(|m| m.get("arguments"))
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::scalar_text)
        .collect();
    let template = message.and_then(|m| m.get("text")).and_then(Node::as_str).or_else(|| {
        let id = message?.get("id")?.as_str()?;
        rule?.get("messageStrings")?.get(id)?.get("text")?.as_str()
    });
    match template {
        Some(template) => Some(substitute_arguments(template, &arguments)),
        None => {
            reader.warn(
                message.map_or(result.span, |m| m.span),
                "the result has no message text; the rule's description is used".to_owned(),
            );
            None
        }
    }
}

fn substitute_arguments(template: &str, arguments: &[&str]) -> String {
    if arguments.is_empty() {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let argument =
            close.and_then(|c| after[..c].parse::<usize>().ok()).and_then(|i| arguments.get(i));
        match (close, argument) {
            (Some(c), Some(argument)) => {
                out.push_str(argument);
                rest = &after[c + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The severity ladder of the module docs.
fn severity(
    reader: &mut Reader,
    result: &Node,
    rule: Option<&Node>,
) -> (Severity, Option<f64>, SeveritySource) {
    let rule_properties = rule.and_then(|r| r.get("properties"));
    for properties in [result.get("properties"), rule_properties] {
        if let Some(score) = security_severity(reader, properties) {
            return (Severity::from_score(score), Some(score), SeveritySource::SecuritySeverity);
        }
    }
    for properties in [result.get("properties"), rule_properties] {
        if let Some(severity) = tool_severity(reader, properties) {
            return (severity, None, SeveritySource::ToolProperty);
        }
    }
    let level = sarif_level(reader, result.get("level"))
        .or_else(|| {
            sarif_level(
                reader,
                rule.and_then(|r| r.get("defaultConfiguration")).and_then(|c| c.get("level")),
            )
        })
        .unwrap_or(Severity::Medium);
    (level, None, SeveritySource::Level)
}

/// `security-severity` when it is a number in (0, 10]. Zero means "no security severity" on
/// GitHub and is passed over silently; anything else that is not such a number is reported.
fn security_severity(reader: &mut Reader, properties: Option<&Node>) -> Option<f64> {
    let node = properties?.get("security-severity")?;
    match node.as_f64() {
        Some(score) if score > 0.0 && score <= 10.0 => Some(score),
        Some(0.0) => None,
        _ => {
            reader.warn(node.span, format!("`security-severity` {} is not a score from 0.1 to 10.0; the next severity source is used", describe(node)));
            None
        }
    }
}

/// Bandit's `issue_severity` (HIGH, MEDIUM, LOW; also CRITICAL). Bandit's own `UNDEFINED` and
/// anything else is reported and passed over.
fn tool_severity(reader: &mut Reader, properties: Option<&Node>) -> Option<Severity> {
    let node = properties?.get("issue_severity")?;
    let text = node.scalar_text().unwrap_or_default().trim();
    match text.to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        _ => {
            reader.warn(
                node.span,
                format!(
                    "`issue_severity` {} is not one of HIGH, MEDIUM, LOW; the level is used",
                    describe(node)
                ),
            );
            None
        }
    }
}

/// A SARIF level in the model's vocabulary; an unknown level is reported and skipped.
fn sarif_level(reader: &mut Reader, node: Option<&Node>) -> Option<Severity> {
    let node = node?;
    match node.as_str() {
        Some("error") => Some(Severity::High),
        Some("warning") => Some(Severity::Medium),
        Some("note") => Some(Severity::Low),
        Some("none") => Some(Severity::Info),
        _ => {
            reader.warn(node.span, format!("`level` {} is not one of error, warning, note, none; the next fallback is used", describe(node)));
            None
        }
    }
}

/// CWE ids in `tags` and in `cwe`/`cwes` properties.
fn collect_cwes(reader: &mut Reader, properties: Option<&Node>, out: &mut BTreeSet<u32>) {
    let Some(entries) = properties.and_then(Node::as_map) else {
        return;
    };
    for (key, value) in entries {
        // Compared without a lowercase copy: this runs on the rule's properties for each of
        // its results (issue 12).
        let key = &*key.text;
        if key.eq_ignore_ascii_case("tags") {
            for tag in value.as_seq().unwrap_or(&[]) {
                if let Some(cwe) = tag.as_str().and_then(cwe_from_tag) {
                    out.insert(cwe);
                }
            }
        } else if key.eq_ignore_ascii_case("cwe") || key.eq_ignore_ascii_case("cwes") {
            let items = value.as_seq().map_or_else(|| vec![value], |items| items.iter().collect());
            for item in items {
                let text = item.scalar_text().unwrap_or_default().trim();
                let cwe =
                    cwe_from_tag(text).or_else(|| text.parse::<u32>().ok().filter(|&n| n > 0));
                match cwe {
                    Some(cwe) => {
                        out.insert(cwe);
                    }
                    None => reader.warn(
                        item.span,
                        format!("{} is not a CWE id (`CWE-79` or `79`)", describe(item)),
                    ),
                }
            }
        }
    }
}

/// CWE ids from SARIF taxonomy references (`rule.relationships[].target`, `result.taxa[]`) whose
/// tool component is named CWE.
fn collect_taxonomy_cwes(references: Option<&Node>, out: &mut BTreeSet<u32>) {
    for reference in references.and_then(Node::as_seq).unwrap_or(&[]) {
        let target = reference.get("target").unwrap_or(reference);
        let component =
            target.get("toolComponent").and_then(|c| c.get("name")).and_then(Node::as_str);
        if !component.is_some_and(|name| name.eq_ignore_ascii_case("cwe")) {
            continue;
        }
        if let Some(cwe) = target
            .get("id")
            .and_then(Node::scalar_text)
            .and_then(|id| cwe_from_tag(id).or_else(|| id.trim().parse().ok()))
            .filter(|&n| n > 0)
        {
            out.insert(cwe);
        }
    }
}

/// `external/cwe/cwe-079`, `CWE-78: Improper ...`, `CWE-79`, `cwe-79` (case-insensitive). The
/// digits must end the tag or be followed by a non-alphanumeric character.
pub fn cwe_from_tag(tag: &str) -> Option<u32> {
    let tag = tag.trim();
    let lower = tag
        .get(..13)
        .filter(|p| p.eq_ignore_ascii_case("external/cwe/"))
        .map_or(tag, |_| &tag[13..]);
    let rest = lower.get(..4).filter(|p| p.eq_ignore_ascii_case("cwe-"))?;
    let digits_and_more = &lower[rest.len()..];
    let end = digits_and_more.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits_and_more.len());
    if end == 0 || digits_and_more[end..].chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    digits_and_more[..end].parse::<u32>().ok().filter(|&n| n > 0)
}

/// The identity `result`'s `fingerprints` and `partialFingerprints` give it: `prefix` (tool,
/// rule and file) and the fingerprints as sorted `key=value` text, joined by `:`.
fn fingerprints(result: &Node, prefix: [&str; 3]) -> Option<Fingerprints> {
    let objects = ["fingerprints", "partialFingerprints"]
        .map(|key| result.get(key).map(|node| (node.span, node.as_map().unwrap_or(&[]))));
    let write = |pairs: &[(&str, &str)], span: Span| {
        let prefix_len: usize = prefix.iter().map(|part| part.len() + 1).sum();
        let text_len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut identity = String::with_capacity(prefix_len + text_len);
        for part in prefix {
            identity.push_str(part);
            identity.push(':');
        }
        let text_at = identity.len();
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                identity.push(',');
            }
            identity.push_str(key);
            identity.push('=');
            identity.push_str(value);
        }
        Fingerprints { identity, text_at, span }
    };
    // Most results have one fingerprint, written as it is, without a list to sort.
    if let [Some((span, [one])), None] | [None, Some((span, [one]))] = objects
        && let Some(pair) = fingerprint_pair(one)
    {
        return Some(write(&[pair], span));
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut span = None;
    for (object_span, entries) in objects.into_iter().flatten() {
        for entry in entries {
            if let Some(found) = fingerprint_pair(entry) {
                pairs.push(found);
                span.get_or_insert(object_span);
            }
        }
    }
    // Sorted and deduplicated as the `key=value` texts are.
    pairs.sort_by(|a, b| pair_order(*a, *b));
    pairs.dedup_by(|a, b| pair_order(*a, *b).is_eq());
    Some(write(&pairs, span?))
}

/// A fingerprint's key and its value's text, when it has one.
fn fingerprint_pair((key, value): &(Key, Node)) -> Option<(&str, &str)> {
    Some((&key.text, value.scalar_text()?))
}

/// The order of the texts `key=value` of two pairs, without writing them.
fn pair_order(a: (&str, &str), b: (&str, &str)) -> std::cmp::Ordering {
    if a.0 == b.0 {
        return a.1.cmp(b.1);
    }
    fn text<'t>((key, value): (&'t str, &'t str)) -> impl Iterator<Item = &'t u8> {
        key.as_bytes().iter().chain(b"=").chain(value.as_bytes())
    }
    text(a).cmp(text(b))
}

/// FNV-1a, 64 bits: fixed constants, so identities are stable across Rust releases and platforms
/// (std's `DefaultHasher` promises neither).
pub fn fnv1a64(parts: &[&str]) -> u64 {
    let mut hash = Fnv1a64::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator byte that cannot occur in text keeps ("ab","c") apart from ("a","bc").
            hash.update(&[0xff]);
        }
        hash.update(part.as_bytes());
    }
    hash.finish()
}

/// [`fnv1a64`] fed in pieces, for a file hashed as it streams past.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;

    /// A hash of nothing yet.
    pub fn new() -> Self {
        Self(Self::OFFSET)
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// The hash of everything fed.
    pub fn finish(self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self::new()
    }
}

/// A 64-bit hash of a file's bytes fed in pieces, for "already ingested": four lanes of 8-byte
/// words, each mixed by a 64×64→128-bit multiplication folded to 64 bits. Fixed constants, so
/// it is stable across Rust releases and platforms. [`Fnv1a64`] waits for one multiplication per
/// byte, which was a quarter of the time of reading a large log (issue 12); this one does one per
/// eight bytes, four at a time.
/// Not a defence against crafted collisions, no more than FNV-1a is.
#[derive(Debug, Clone)]
pub struct ContentHash {
    lanes: [u64; 4],
    /// Bytes of a block not yet complete.
    pending: [u8; 32],
    pending_len: usize,
    length: u64,
}

impl ContentHash {
    /// Odd constants from the digits of π, one per lane.
    const KEYS: [u64; 4] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7345,
        0xa409_3822_299f_31d1,
        0x082e_fa98_ec4e_6c89,
    ];

    /// A hash of nothing yet.
    pub fn new() -> Self {
        Self { lanes: Self::KEYS, pending: [0; 32], pending_len: 0, length: 0 }
    }

    fn fold(a: u64, b: u64) -> u64 {
        let product = u128::from(a) * u128::from(b);
        (product as u64) ^ ((product >> 64) as u64)
    }

    fn block(&mut self, block: &[u8; 32]) {
        for (lane, (word, key)) in self.lanes.iter_mut().zip(block.chunks_exact(8).zip(Self::KEYS))
        {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            *lane = Self::fold(*lane ^ word, key).wrapping_add(word);
        }
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.length += bytes.len() as u64;
        if self.pending_len > 0 {
            let take = (32 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in blocks.by_ref() {
            self.block(block.try_into().unwrap_or(&[0; 32]));
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// How many bytes were fed.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// The length and the hash as one text, `LENGTH:HASH` (the hash as 16 hex digits): the key
    /// by which the store knows an ingested file and a measurement's evidence.
    pub fn key(&self) -> String {
        format!("{}:{:016x}", self.length, self.finish())
    }

    /// The hash of everything fed (the length included).
    pub fn finish(&self) -> u64 {
        let mut this = self.clone();
        if this.pending_len > 0 {
            let mut block = [0; 32];
            block[..this.pending_len].copy_from_slice(&this.pending[..this.pending_len]);
            this.block(&block);
        }
        let mut hash = this.length;
        for lane in this.lanes {
            hash = Self::fold(hash ^ lane, Self::KEYS[0]).wrapping_add(lane);
        }
        Self::fold(hash, Self::KEYS[1])
    }
}

impl Default for ContentHash {
    fn default() -> Self {
        Self::new()
    }
}

/// Fingerprint values that tools write when they have no fingerprint (Semgrep OSS without a login).
const PLACEHOLDER_FINGERPRINTS: &[&str] = &["requires login"];

/// Gives `findings` their identities from `drafts` (one each, in order), and sorts them.
fn assign_identities(reader: &mut Reader, findings: &mut [Finding], drafts: Vec<IdentityDraft>) {
    // A fingerprint is not an identity when it is a known placeholder, or when results at
    // different lines of one file share it (real fingerprints such as CodeQL's line hash count
    // repeated lines, `:1`, `:2`). The decision is per fingerprint value, for the whole log.
    struct Sharing<'d> {
        first_span: Span,
        /// The file and line of the first result with the fingerprint.
        first_place: (Option<&'d str>, Option<u32>),
        results: usize,
        untrusted: bool,
    }
    let mut sharing: HashMap<&str, Sharing<'_>> = HashMap::with_capacity(findings.len());
    // The first line of a fingerprint in each other file than its first result's (rare: most
    // fingerprints are met once), so that most results are hashed once, not twice (issue 12).
    let mut first_line_elsewhere: HashMap<(Option<&str>, &str), Option<u32>> = HashMap::new();
    for (finding, draft) in findings.iter().zip(&drafts) {
        if let Some(fingerprints) = &draft.fingerprints {
            let (text, span) = (fingerprints.text(), &fingerprints.span);
            let placeholder = PLACEHOLDER_FINGERPRINTS.iter().any(|p| {
                text.split(',').any(|pair| pair.split_once('=').is_some_and(|(_, v)| v == *p))
            });
            let place = (finding.file.as_deref(), finding.line);
            let entry = sharing.entry(text).or_insert(Sharing {
                first_span: *span,
                first_place: place,
                results: 0,
                untrusted: false,
            });
            let first_line_in_file = if entry.first_place.0 == place.0 {
                entry.first_place.1
            } else {
                *first_line_elsewhere.entry((place.0, text)).or_insert(place.1)
            };
            entry.results += 1;
            entry.untrusted |= placeholder || first_line_in_file != place.1;
        }
    }
    let mut shared: Vec<(&str, &Sharing<'_>)> =
        sharing.iter().filter(|(_, s)| s.untrusted).map(|(t, s)| (*t, s)).collect();
    shared.sort_by_key(|(_, s)| s.first_span);
    for (text, group) in &shared {
        reader.diagnostics.push(
            Diagnostic::new(
                Code::SarifFingerprintNotUnique,
                reader.file,
                group.first_span,
                format!("the fingerprint `{text}` of {} results is a placeholder or is shared by results at different lines; their identity is a hash of tool, rule, file and line text", group.results),
            )
            .with_help("Semgrep writes \"requires login\" here when run without a login; such results keep their identity as long as the flagged line's text does not change"),
        );
    }
    let unusable: HashSet<String> = shared.iter().map(|(t, _)| (*t).to_owned()).collect();

    drop(shared);
    drop(sharing);
    drop(first_line_elsewhere);

    for (finding, draft) in findings.iter_mut().zip(drafts) {
        let file = finding.file.as_deref().unwrap_or_default();
        finding.fingerprint = match draft.fingerprints {
            // Most logs have no unusable fingerprint: then none is hashed to look it up.
            Some(fingerprints)
                if !fingerprints.text().is_empty()
                    && (unusable.is_empty() || !unusable.contains(fingerprints.text())) =>
            {
                fingerprints.identity
            }
            _ => {
                let hash = fnv1a64(&[&finding.tool, &finding.rule_id, file, &draft.line_text]);
                let mut identity = joined(&[&finding.tool, "hash", ""]);
                push_hex(&mut identity, hash);
                identity
            }
        };
    }
    // Counted by reference, so the identities are not copied for it.
    let mut repeats: Vec<(usize, u32)> = Vec::new();
    let mut seen: HashMap<&str, u32> = HashMap::with_capacity(findings.len());
    for (index, finding) in findings.iter().enumerate() {
        let count = seen.entry(finding.fingerprint.as_str()).or_insert(0);
        *count += 1;
        if *count > 1 {
            repeats.push((index, *count));
        }
    }
    drop(seen);
    for (index, count) in repeats {
        let finding = &mut findings[index];
        finding.fingerprint = format!("{}#{count}", finding.fingerprint);
    }
    sort_findings(findings);
}

/// `parts` joined by `:`, written once.
fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        text.push_str(part);
    }
    text
}

/// Appends `value` as 16 lowercase hex digits (`{value:016x}`).
fn push_hex(text: &mut String, value: u64) {
    for shift in (0..16).rev() {
        let digit = ((value >> (shift * 4)) & 0xf) as u8;
        text.push(char::from(if digit < 10 { b'0' + digit } else { b'a' + digit - 10 }));
    }
}

/// Sorts findings by file, line, rule and identity (ties in file order, as a stable sort
/// leaves them). The order is sorted, then applied: moving findings, which are large, at each
/// step of the sort was a tenth of reading a log (issue 12). Files are ranked first, so the
/// sort compares numbers rather than the paths that many findings share.
fn sort_findings(findings: &mut [Finding]) {
    let mut ranks: HashMap<&str, u32> = HashMap::new();
    for file in findings.iter().filter_map(|f| f.file.as_deref()) {
        ranks.entry(file).or_insert(0);
    }
    let mut files: Vec<&str> = ranks.keys().copied().collect();
    files.sort_unstable();
    for (rank, file) in (1..).zip(files) {
        ranks.insert(file, rank);
    }
    // No file sorts first, as `None` does; then no line.
    let place: Vec<(u32, u64)> = findings
        .iter()
        .map(|f| {
            let file = f.file.as_deref().and_then(|file| ranks.get(file)).copied().unwrap_or(0);
            (file, f.line.map_or(0, |line| u64::from(line) + 1))
        })
        .collect();
    drop(ranks);
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        place[a].cmp(&place[b]).then_with(|| {
            let (x, y) = (&findings[a], &findings[b]);
            (&x.rule_id, &x.fingerprint, a).cmp(&(&y.rule_id, &y.fingerprint, b))
        })
    });
    // Position `i` takes the finding at `order[i]`: each cycle of the permutation is followed
    // by swaps, and a visited position is marked with `usize::MAX`.
    for start in 0..order.len() {
        let mut current = start;
        while order[current] != usize::MAX {
            let next = order[current];
            order[current] = usize::MAX;
            if next == start {
                break;
            }
            findings.swap(current, next);
            current = next;
        }
    }
}

#[cfg(test)]
mod tests;
