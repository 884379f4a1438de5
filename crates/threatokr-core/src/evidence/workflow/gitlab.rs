//! GitLab CI pipelines: jobs with `image:`, `services:` and `script:` (through `extends:`),
//! `rules:`/`when:`/`only:` for enforcement, `allow_failure:` for blocking, and GitLab's
//! security templates and components included with `include:`.

use super::signatures::{Detection, match_image, match_script};
use super::{Category, ToolUse, is_true, merge_job_detections, normalize_path, script_texts};
use crate::diag::{Code, Diagnostic, FileId, Files};
use crate::syntax::Node;
use std::collections::{BTreeMap, BTreeSet};

/// Top-level keys that configure the pipeline rather than name a job.
const RESERVED_KEYS: &[&str] = &[
    "image",
    "services",
    "stages",
    "types",
    "variables",
    "include",
    "default",
    "workflow",
    "before_script",
    "after_script",
    "cache",
    "spec",
];

/// A GitLab security template (or CI/CD catalog component) and the job it defines.
struct Template {
    /// The template's name without `Security/` or `Jobs/`, `.latest` and `.gitlab-ci.yml`,
    /// lower case; also the catalog component's project name.
    key: &'static str,
    name: &'static str,
    category: Category,
    /// The job a pipeline overrides to change the template's rules or `allow_failure`.
    job: &'static str,
    /// The variable that switches the template off.
    disabled_by: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        key: "sast",
        name: "gitlab-sast",
        category: Category::Sast,
        job: "sast",
        disabled_by: "SAST_DISABLED",
    },
    Template {
        key: "secret-detection",
        name: "gitlab-secret-detection",
        category: Category::Secrets,
        job: "secret_detection",
        disabled_by: "SECRET_DETECTION_DISABLED",
    },
    Template {
        key: "dependency-scanning",
        name: "gitlab-dependency-scanning",
        category: Category::Sca,
        job: "gemnasium-dependency_scanning",
        disabled_by: "DEPENDENCY_SCANNING_DISABLED",
    },
    Template {
        key: "container-scanning",
        name: "gitlab-container-scanning",
        category: Category::Container,
        job: "container_scanning",
        disabled_by: "CONTAINER_SCANNING_DISABLED",
    },
    Template {
        key: "dast",
        name: "gitlab-dast",
        category: Category::Dast,
        job: "dast",
        disabled_by: "DAST_DISABLED",
    },
    Template {
        key: "dast-api",
        name: "gitlab-dast-api",
        category: Category::Dast,
        job: "dast_api",
        disabled_by: "DAST_API_DISABLED",
    },
    Template {
        key: "sast-iac",
        name: "gitlab-sast-iac",
        category: Category::Iac,
        job: "kics-iac-sast",
        disabled_by: "SAST_DISABLED",
    },
];

/// The security templates as rows for `docs/evidence.md`: (template or component name, tool,
/// category, the job a pipeline overrides, the variable that switches it off).
pub(crate) fn template_rows()
-> Vec<(&'static str, &'static str, Category, &'static str, &'static str)> {
    TEMPLATES.iter().map(|t| (t.key, t.name, t.category, t.job, t.disabled_by)).collect()
}

/// Pipeline sources that need someone (or a timer) to start them.
const ON_DEMAND_SOURCES: &[&str] = &["schedule", "web", "api", "trigger", "chat"];
/// The same for the legacy `only:` keyword.
const ON_DEMAND_REFS: &[&str] = &["schedules", "web", "api", "triggers", "chat"];

/// When a job (or the whole pipeline) runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RunMode {
    /// Never: the job is not part of any pipeline.
    Never,
    /// Only by hand, on a schedule, from the web button or the API.
    OnDemand,
    /// On pushes and merge requests.
    Automatic,
}

fn template_for_include(value: &str, is_component: bool) -> Option<&'static Template> {
    let value = value.trim().to_ascii_lowercase();
    let key = if is_component {
        // `$CI_SERVER_FQDN/components/sast/sast@~latest`: the project after `components/`.
        let path = value.split('@').next().unwrap_or_default();
        let mut segments = path.split('/');
        segments.find(|s| *s == "components")?;
        segments.next()?.to_owned()
    } else {
        let base = value.rsplit('/').next().unwrap_or_default();
        let base = base.strip_suffix(".gitlab-ci.yml").unwrap_or(base);
        let base =
            base.strip_suffix(".latest").or_else(|| base.strip_suffix(".v2")).unwrap_or(base);
        base.to_owned()
    };
    TEMPLATES.iter().find(|t| t.key == key)
}

/// Everything the pipeline's files say, gathered before jobs are read: job definitions by name
/// (for `extends:` and template overrides), variables, and whether `workflow: rules` lets the
/// pipeline run automatically.
struct Pipeline<'a> {
    definitions: BTreeMap<&'a str, &'a Node>,
    variables: BTreeMap<&'a str, &'a Node>,
    mode: RunMode,
}

/// Turns the GitLab files of one repository into tool uses.
pub(super) fn tool_uses(
    files: &Files,
    gitlab_files: &[(FileId, Node)],
    known: &BTreeSet<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ToolUse> {
    let mut pipeline = Pipeline {
        definitions: BTreeMap::new(),
        variables: BTreeMap::new(),
        mode: RunMode::Automatic,
    };
    for (file, root) in gitlab_files {
        let Some(entries) = root.as_map() else {
            diagnostics.push(Diagnostic::new(
                Code::CiWorkflowShape,
                *file,
                root.span,
                format!(
                    "a GitLab CI file is a mapping of jobs and settings, found {}",
                    root.value.kind_name()
                ),
            ));
            continue;
        };
        for (key, value) in entries {
            if !RESERVED_KEYS.contains(&&*key.text) {
                pipeline.definitions.insert(&key.text, value);
            }
        }
        if let Some(variables) = root.get("variables").and_then(Node::as_map) {
            pipeline.variables.extend(variables.iter().map(|(k, v)| (&*k.text, v)));
        }
        if let Some(rules) =
            root.get("workflow").and_then(|w| w.get("rules")).and_then(Node::as_seq)
        {
            // A pipeline that no workflow rule lets run automatically runs only on demand.
            pipeline.mode = pipeline.mode.min(rules_mode(rules).max(RunMode::OnDemand));
        }
    }
    let mut tools = Vec::new();
    for (file, root) in gitlab_files {
        let Some(entries) = root.as_map() else { continue };
        let file_name = normalize_path(files.name(*file));
        for (key, job) in entries {
            if key.text == "include" {
                tools.extend(read_includes(*file, &file_name, job, &pipeline, known, diagnostics));
                continue;
            }
            if RESERVED_KEYS.contains(&&*key.text) || key.text.starts_with('.') {
                continue; // settings, and hidden jobs that only serve as `extends:` bases
            }
            if job.as_map().is_none() {
                diagnostics.push(Diagnostic::new(
                    Code::CiWorkflowShape,
                    *file,
                    job.span,
                    format!(
                        "job `{}` must be a mapping, found {}",
                        key.text,
                        job.value.kind_name()
                    ),
                ));
                continue;
            }
            let mode = job_mode(&pipeline, job);
            if mode == RunMode::Never {
                continue;
            }
            let soft = job_allows_failure(&pipeline, job);
            let enforced = mode == RunMode::Automatic && pipeline.mode == RunMode::Automatic;
            for detection in merge_job_detections(job_detections(&pipeline, job)) {
                tools.push(ToolUse {
                    name: detection.name.to_owned(),
                    category: detection.category,
                    file: file_name.clone(),
                    job: key.text.clone().into_owned(),
                    enforced: enforced && !detection.switched_off,
                    blocking: !(soft || detection.soft_fail),
                });
            }
        }
    }
    tools
}

/// One include entry: a template, a component, a local file, or something we cannot see.
fn read_includes(
    file: FileId,
    file_name: &str,
    include: &Node,
    pipeline: &Pipeline<'_>,
    known: &BTreeSet<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ToolUse> {
    let entries: Vec<&Node> = match include.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![include],
    };
    let mut tools = Vec::new();
    for entry in entries {
        let (template, local) = if let Some(text) = entry.as_str() {
            // A bare string is a local file unless it is a URL.
            let local = (!text.contains("://")).then_some((text, entry.span));
            (None, local)
        } else if let Some(template) = entry.get("template").and_then(Node::as_str) {
            (template_for_include(template, false), None)
        } else if let Some(component) = entry.get("component").and_then(Node::as_str) {
            (template_for_include(component, true), None)
        } else if let Some(local) = entry.get("local") {
            (None, local.as_str().map(|text| (text, local.span)))
        } else {
            (None, None)
        };
        if let Some((path, span)) = local {
            let path = normalize_path(path);
            // Wildcard includes (`local: ci/*.yml`) name no single file to check.
            if !path.contains('*') && !known.contains(&path) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::CiUnresolvedWorkflow,
                        file,
                        span,
                        format!("`{path}` is not among the scanned CI files"),
                    )
                    .with_help(
                        "the tools inside it are not counted; scan the whole repository folder",
                    ),
                );
            }
        }
        let Some(template) = template else { continue };
        // `VAR: "true"` or, with a description, `VAR: {value: "true"}`.
        let disabled = pipeline
            .variables
            .get(template.disabled_by)
            .and_then(|v| v.scalar_text().or_else(|| v.get("value").and_then(Node::scalar_text)))
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1"));
        if disabled {
            continue;
        }
        // The pipeline may override the template's job; GitLab's templates set
        // `allow_failure: true` themselves, so only an explicit `false` makes them blocking.
        let overriding =
            pipeline.definitions.get(template.job).copied().filter(|job| job.as_map().is_some());
        let mode = overriding.map_or(RunMode::Automatic, |job| job_mode(pipeline, job));
        if mode == RunMode::Never {
            continue;
        }
        let blocking = overriding
            .and_then(|job| field(pipeline, job, "allow_failure"))
            .and_then(Node::as_bool)
            == Some(false);
        tools.push(ToolUse {
            name: template.name.to_owned(),
            category: template.category,
            file: file_name.to_owned(),
            job: template.job.to_owned(),
            enforced: mode == RunMode::Automatic && pipeline.mode == RunMode::Automatic,
            blocking,
        });
    }
    tools
}

/// Most job definitions one `extends:` lookup visits; GitLab itself allows 11 levels, and the
/// cap keeps hostile fan-out linear.
const MAX_EXTENDS_VISITS: usize = 64;

/// A job's key, its own or inherited through `extends:` (the last parent listed wins, as in GitLab).
fn field<'a>(pipeline: &Pipeline<'a>, job: &'a Node, key: &str) -> Option<&'a Node> {
    let mut stack = vec![job];
    let mut visited = 0;
    let mut seen = BTreeSet::new();
    while let Some(current) = stack.pop() {
        visited += 1;
        if visited > MAX_EXTENDS_VISITS {
            return None;
        }
        if let Some(value) = current.get(key) {
            return Some(value);
        }
        let parents: Vec<&str> = match current.get("extends") {
            Some(extends) => match extends.as_seq() {
                Some(items) => items.iter().filter_map(Node::as_str).collect(),
                None => extends.as_str().into_iter().collect(),
            },
            None => Vec::new(),
        };
        // Pushed in order, so the last parent is looked at first.
        for parent in parents {
            if seen.insert(parent)
                && let Some(&definition) = pipeline.definitions.get(parent)
            {
                stack.push(definition);
            }
        }
    }
    None
}

fn job_detections(pipeline: &Pipeline<'_>, job: &Node) -> Vec<Detection> {
    let mut found = Vec::new();
    let image_name = |node: &Node| {
        node.as_str().or_else(|| node.get("name").and_then(Node::as_str)).map(str::to_owned)
    };
    if let Some(image) = field(pipeline, job, "image").and_then(image_name) {
        found.extend(match_image(&image));
    }
    if let Some(services) = field(pipeline, job, "services").and_then(Node::as_seq) {
        found
            .extend(services.iter().filter_map(image_name).filter_map(|image| match_image(&image)));
    }
    for key in ["before_script", "script", "after_script"] {
        if let Some(script) = field(pipeline, job, key) {
            let mut texts = Vec::new();
            script_texts(script, &mut texts);
            for text in texts {
                found.extend(match_script(&text));
            }
        }
    }
    found
}

/// When a job runs: from its `rules:`, else its `when:` and `only:`.
fn job_mode(pipeline: &Pipeline<'_>, job: &Node) -> RunMode {
    if let Some(rules) = field(pipeline, job, "rules").and_then(Node::as_seq) {
        return rules_mode(rules);
    }
    match field(pipeline, job, "when").and_then(Node::scalar_text).map(str::trim) {
        Some("never") => return RunMode::Never,
        Some("manual") => return RunMode::OnDemand,
        _ => {}
    }
    if let Some(only) = field(pipeline, job, "only") {
        let refs = only.get("refs").unwrap_or(only);
        let mut names = Vec::new();
        script_texts(refs, &mut names);
        if !names.is_empty() && names.iter().all(|name| ON_DEMAND_REFS.contains(&name.trim())) {
            return RunMode::OnDemand;
        }
    }
    RunMode::Automatic
}

/// The best mode any rule gives (GitLab uses the first rule that matches, and any rule may).
fn rules_mode(rules: &[Node]) -> RunMode {
    if rules.is_empty() {
        return RunMode::Automatic;
    }
    rules.iter().map(rule_mode).max().unwrap_or(RunMode::Automatic)
}

fn rule_mode(rule: &Node) -> RunMode {
    match rule.get("when").and_then(Node::scalar_text).map(str::trim) {
        Some("never") => RunMode::Never,
        Some("manual") => RunMode::OnDemand,
        _ if rule
            .get("if")
            .and_then(Node::scalar_text)
            .is_some_and(restricts_to_on_demand_source) =>
        {
            RunMode::OnDemand
        }
        _ => RunMode::Automatic,
    }
}

/// True for an `if:` that requires `$CI_PIPELINE_SOURCE == "schedule"` (or web, api, ...) with
/// no `||` that could let another source through.
fn restricts_to_on_demand_source(expression: &str) -> bool {
    if expression.contains("||") {
        return false;
    }
    let mut rest = expression;
    while let Some(at) = rest.find("CI_PIPELINE_SOURCE") {
        rest = &rest[at + "CI_PIPELINE_SOURCE".len()..];
        let Some(after) = rest.trim_start().strip_prefix("==") else { continue };
        let value = after.trim_start().trim_start_matches(['"', '\'']);
        let value: String =
            value.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if ON_DEMAND_SOURCES.contains(&value.as_str()) {
            return true;
        }
    }
    false
}

/// `allow_failure: true` (or `allow_failure: {exit_codes: ...}`), on the job or on every rule
/// that lets it run automatically. A job-level `when: manual` defaults to `allow_failure: true`
/// in GitLab (a manual job inside `rules:` does not).
fn job_allows_failure(pipeline: &Pipeline<'_>, job: &Node) -> bool {
    let rules = field(pipeline, job, "rules").and_then(Node::as_seq);
    if let Some(rules) = rules {
        let automatic: Vec<&Node> =
            rules.iter().filter(|rule| rule_mode(rule) == RunMode::Automatic).collect();
        if !automatic.is_empty() && automatic.iter().all(|rule| rule.get("allow_failure").is_some())
        {
            return automatic.iter().all(|rule| is_true(rule.get("allow_failure")));
        }
    }
    match field(pipeline, job, "allow_failure") {
        Some(value) => is_true(Some(value)) || value.as_map().is_some(),
        None => {
            rules.is_none()
                && field(pipeline, job, "when").and_then(Node::scalar_text).map(str::trim)
                    == Some("manual")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_template_names_in_every_spelling() {
        let key =
            |value: &str, component: bool| template_for_include(value, component).map(|t| t.key);
        assert_eq!(key("Security/SAST.gitlab-ci.yml", false), Some("sast"));
        assert_eq!(key("Jobs/SAST.latest.gitlab-ci.yml", false), Some("sast"));
        assert_eq!(key("Security/Secret-Detection.gitlab-ci.yml", false), Some("secret-detection"));
        assert_eq!(
            key("Jobs/Dependency-Scanning.v2.gitlab-ci.yml", false),
            Some("dependency-scanning")
        );
        assert_eq!(key("Security/SAST-IaC.latest.gitlab-ci.yml", false), Some("sast-iac"));
        assert_eq!(key("Security/License-Scanning.gitlab-ci.yml", false), None);
        assert_eq!(
            key("$CI_SERVER_FQDN/components/secret-detection/secret-detection@1.1", true),
            Some("secret-detection")
        );
        assert_eq!(key("gitlab.com/acme/ci/sast@1", true), None);
    }

    #[test]
    fn pipeline_source_conditions_restrict_only_on_equality_to_on_demand_sources() {
        assert!(restricts_to_on_demand_source(r#"$CI_PIPELINE_SOURCE == "schedule""#));
        assert!(restricts_to_on_demand_source("$CI_PIPELINE_SOURCE == 'web' && $DEPLOY"));
        assert!(!restricts_to_on_demand_source(r#"$CI_PIPELINE_SOURCE != "schedule""#));
        assert!(!restricts_to_on_demand_source(
            r#"$CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "push""#
        ));
        assert!(!restricts_to_on_demand_source(r#"$CI_PIPELINE_SOURCE == "merge_request_event""#));
    }
}
