//! CI pipeline scanner (`threatokr scan-ci`): which security tools a repository's GitHub Actions
//! workflows and GitLab CI pipeline run, in which category, and whether they are enforced
//! (run automatically on push or pull request) and blocking (a failure fails the pipeline).
//!
//! Pure: the CLI walks the repository and hands over the workflow files; names are relative to
//! the repository. Files under `.github/workflows/` are read as GitHub Actions, every other file
//! (`.gitlab-ci.yml` and its `include: local:` files) as GitLab CI.
//!
//! GitHub: a workflow is *automatic* when `on:` names `push`, `pull_request`,
//! `pull_request_target` or `merge_group`; a reusable workflow (`on: workflow_call`) is automatic
//! through a job-level `uses: ./.github/workflows/x.yml` of an automatic workflow (transitively).
//! A tool is blocking unless its step or job has a literal `continue-on-error: true`, its command
//! ends in `|| true` (or `|| :`, `|| exit 0`, `|| echo`), or the action is told not to fail
//! (see `signatures::SOFT_FAIL_INPUTS`). A tool switched off by `if: false` on its step or job, or
//! by its own skip flag (`signatures::SWITCH_OFF_ARGS`), does not run, so it is not enforced.
//!
//! A category is *enforced* only by a tool that runs automatically, is not switched off, and is
//! blocking: a scan allowed to fail (`continue-on-error`, `|| true`, `allow_failure`) changes
//! nothing when it finds something.
//!
//! GitLab: a job is enforced unless every one of its rules restricts it to schedules, the web
//! button or the API, or to `when: manual` (`when: never` rules drop the job). It is blocking
//! unless `allow_failure` is set. GitLab's own security templates set `allow_failure: true` on
//! their jobs, so a template is non-blocking unless the pipeline overrides its job.

mod github;
mod gitlab;
mod signatures;

use crate::diag::{Diagnostic, FileId, Files};
use crate::syntax::{Budget, Node, parse_yaml};
use serde_json::{Value, json};
use signatures::Detection;
use std::collections::{BTreeMap, BTreeSet};

/// A category of security scanning that a key result can require. Serialized as [`Category::as_str`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Static analysis of the source code.
    Sast,
    /// Secrets committed to the repository.
    Secrets,
    /// Software composition analysis: vulnerable dependencies.
    Sca,
    /// Dynamic testing of the running application.
    Dast,
    /// Vulnerabilities in container images.
    Container,
    /// Misconfiguration in infrastructure as code (Terraform, Kubernetes, Dockerfiles, ...).
    Iac,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Self; 6] =
        [Self::Sast, Self::Secrets, Self::Sca, Self::Dast, Self::Container, Self::Iac];

    /// The lowercase name used in JSON and in `measure:` parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sast => "sast",
            Self::Secrets => "secrets",
            Self::Sca => "sca",
            Self::Dast => "dast",
            Self::Container => "container",
            Self::Iac => "iac",
        }
    }
}

impl std::str::FromStr for Category {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or(())
    }
}

/// How well a repository covers a category. Ordered so that `max()` gives the best. Serialized
/// as [`Presence::as_str`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// No tool of the category anywhere in the pipelines.
    Absent,
    /// A tool runs, but only by hand, on a schedule or in a workflow nothing automatic calls.
    Present,
    /// A tool runs automatically on push or pull/merge request.
    Enforced,
}

impl Presence {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Present => "present",
            Self::Enforced => "enforced",
        }
    }
}

/// One security tool in one job of one workflow file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ToolUse {
    /// Short lowercase tool name (`codeql`, `gitleaks`, `gitlab-sast`, ...).
    pub name: String,
    /// What kind of scanning it does there.
    pub category: Category,
    /// The workflow file, relative to the repository.
    pub file: String,
    /// The job id (the key under `jobs:`, or the GitLab job name).
    pub job: String,
    /// Runs automatically on push or pull/merge request.
    pub enforced: bool,
    /// A failure of the tool fails the pipeline.
    pub blocking: bool,
}

/// What one repository's pipelines run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepoScan {
    /// The repository path as given by the caller.
    pub path: String,
    /// Every tool use, sorted by file, job, name and category.
    pub tools: Vec<ToolUse>,
    /// Every category, with the best presence among its tools.
    pub categories: BTreeMap<Category, Presence>,
}

/// Scans the workflow files of one repository. A file that does not parse is reported and
/// skipped; the other files are still scanned.
pub fn scan_repository(
    files: &Files,
    repo_path: &str,
    workflow_files: &[FileId],
) -> (RepoScan, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let known: BTreeSet<String> =
        workflow_files.iter().map(|&id| normalize_path(files.name(id))).collect();
    let mut github_workflows = Vec::new();
    let mut gitlab_files = Vec::new();
    for &file in workflow_files {
        let (root, parse_diagnostics) = parse_yaml(files, file, Budget::default());
        diagnostics.extend(parse_diagnostics);
        let Some(root) = root else { continue };
        if is_github_workflow(files.name(file)) {
            github_workflows.push(github::read_workflow(file, &root, &mut diagnostics));
        } else {
            gitlab_files.push((file, root));
        }
    }
    let mut tools = github::tool_uses(files, &github_workflows, &known, &mut diagnostics);
    tools.extend(gitlab::tool_uses(files, &gitlab_files, &known, &mut diagnostics));
    tools.sort_by(|a, b| {
        (&a.file, &a.job, &a.name, a.category).cmp(&(&b.file, &b.job, &b.name, b.category))
    });
    tools.dedup();
    let categories = Category::ALL
        .into_iter()
        .map(|category| {
            let best = tools
                .iter()
                .filter(|tool| tool.category == category)
                // Allowed to fail is not enforced: a failure would change nothing.
                .map(|tool| {
                    if tool.enforced && tool.blocking {
                        Presence::Enforced
                    } else {
                        Presence::Present
                    }
                })
                .max()
                .unwrap_or(Presence::Absent);
            (category, best)
        })
        .collect();
    (RepoScan { path: repo_path.to_owned(), tools, categories }, diagnostics)
}

/// The `scan-ci --format json` document: `{"repos": [{"path", "tools": [...], "categories": {...}}]}`.
pub fn scan_json(scans: &[RepoScan]) -> Value {
    let repos: Vec<Value> = scans
        .iter()
        .map(|scan| {
            let tools: Vec<Value> = scan
                .tools
                .iter()
                .map(|tool| {
                    json!({
                        "name": tool.name,
                        "category": tool.category.as_str(),
                        "file": tool.file,
                        "job": tool.job,
                        "enforced": tool.enforced,
                        "blocking": tool.blocking,
                    })
                })
                .collect();
            let categories: serde_json::Map<String, Value> = Category::ALL
                .into_iter()
                .map(|category| {
                    let presence =
                        scan.categories.get(&category).copied().unwrap_or(Presence::Absent);
                    (category.as_str().to_owned(), Value::from(presence.as_str()))
                })
                .collect();
            json!({ "path": scan.path, "tools": tools, "categories": categories })
        })
        .collect();
    json!({ "repos": repos })
}

/// How a tool is recognised, for `docs/evidence.md`: the signature tables the scanner reads.
#[derive(Debug, Clone)]
pub struct SignatureTables {
    /// Actions by `owner/repo[/path]`: (action, tool, category).
    pub actions: &'static [(&'static str, &'static str, Category)],
    /// Actions whose category depends on their inputs: (action, tool, how).
    pub actions_by_input: &'static [(&'static str, &'static str, &'static str)],
    /// Container images by repository path: (image, tool, category).
    pub images: &'static [(&'static str, &'static str, Category)],
    /// Commands that are a tool whatever their arguments: (command, tool, category).
    pub commands: &'static [(&'static str, &'static str, Category)],
    /// Commands whose category depends on a subcommand: (example command, tool, category).
    pub subcommands: &'static [(&'static str, &'static str, Category)],
    /// Action inputs that stop a tool from failing the job: (action prefix, input, value).
    pub soft_fail_inputs: &'static [(&'static str, &'static str, &'static str)],
    /// Arguments that switch a tool off: (tool, argument, example command).
    pub switch_off_args: &'static [(&'static str, &'static str, &'static str)],
    /// GitLab's security templates and components: (name, tool, category, the job a pipeline
    /// overrides, the variable that switches it off).
    pub gitlab_templates: Vec<(&'static str, &'static str, Category, &'static str, &'static str)>,
}

/// The signature tables the scanner reads.
pub fn signature_tables() -> SignatureTables {
    SignatureTables {
        actions: signatures::ACTIONS,
        actions_by_input: signatures::ACTIONS_BY_INPUT,
        images: signatures::IMAGES,
        commands: signatures::COMMANDS,
        subcommands: signatures::SUBCOMMAND_EXAMPLES,
        soft_fail_inputs: signatures::SOFT_FAIL_INPUTS,
        switch_off_args: signatures::SWITCH_OFF_ARGS,
        gitlab_templates: gitlab::template_rows(),
    }
}

/// True for files that GitHub reads as workflows.
fn is_github_workflow(name: &str) -> bool {
    let name = normalize_path(name);
    name.starts_with(".github/workflows/") || name.contains("/.github/workflows/")
}

/// A repository-relative path in one spelling: forward slashes, no leading `./` or `/`.
fn normalize_path(path: &str) -> String {
    let path = path.trim().replace('\\', "/");
    let mut rest = path.as_str();
    loop {
        if let Some(stripped) = rest.strip_prefix("./") {
            rest = stripped;
        } else if let Some(stripped) = rest.strip_prefix('/') {
            rest = stripped;
        } else {
            break;
        }
    }
    rest.to_owned()
}

/// The tools of one job, merged: one entry per tool and category (CodeQL's `init` and `analyze`
/// are one use), blocking when any of its places can fail the job, and an image-only detection
/// dropped when a command or action of the same tool says more about what it scans.
fn merge_job_detections(detections: Vec<Detection>) -> Vec<Detection> {
    let mut merged: Vec<Detection> = Vec::new();
    for detection in detections {
        match merged
            .iter_mut()
            .find(|m| m.name == detection.name && m.category == detection.category)
        {
            Some(existing) => {
                existing.soft_fail &= detection.soft_fail;
                existing.switched_off &= detection.switched_off;
                existing.image_only &= detection.image_only;
            }
            None => merged.push(detection),
        }
    }
    let ran: BTreeSet<&str> = merged.iter().filter(|d| !d.image_only).map(|d| d.name).collect();
    merged.iter().filter(|d| !d.image_only || !ran.contains(d.name)).copied().collect()
}

/// A literal `false` (the boolean, the text "false", or the expression `${{ false }}`): an `if:`
/// that never lets the step or job run.
fn is_false(node: Option<&Node>) -> bool {
    node.is_some_and(|n| {
        n.as_bool() == Some(false)
            || n.as_str().is_some_and(|s| {
                let s = s.trim();
                let s = s.strip_prefix("${{").and_then(|s| s.strip_suffix("}}")).unwrap_or(s);
                s.trim().eq_ignore_ascii_case("false")
            })
    })
}

/// A literal `true` (the boolean, or the text "true"); expressions like `${{ matrix.x }}` are not.
fn is_true(node: Option<&Node>) -> bool {
    node.is_some_and(|n| {
        n.as_bool() == Some(true)
            || n.as_str().is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
    })
}

/// Text lines of a `run:`/`script:` value: a string, or a list of strings (nested lists come
/// from YAML anchors in GitLab scripts).
fn script_texts(node: &Node, out: &mut Vec<String>) {
    if let Some(text) = node.scalar_text() {
        out.push(text.to_owned());
    } else if let Some(items) = node.as_seq() {
        for item in items {
            script_texts(item, out);
        }
    }
}

#[cfg(test)]
mod tests;
