//! GitHub Actions workflows: triggers, jobs and steps, and enforcement through reusable
//! workflows called with a job-level `uses: ./.github/workflows/x.yml`.

use super::signatures::{Detection, match_action, match_image, match_script};
use super::{ToolUse, is_false, is_true, merge_job_detections, normalize_path, script_texts};
use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::syntax::Node;
use std::collections::{BTreeMap, BTreeSet};

/// Events that run a workflow on every change, without anyone pressing a button.
const AUTOMATIC_EVENTS: &[&str] = &["push", "pull_request", "pull_request_target", "merge_group"];

/// What one workflow file says, before reusable calls are followed.
#[derive(Debug)]
pub(super) struct Workflow {
    file: FileId,
    /// `on:` names an automatic event.
    automatic: bool,
    /// Local reusable workflows called by job-level `uses:`, normalized, with where.
    calls: Vec<(String, Span)>,
    /// Job id and the tools in it.
    jobs: Vec<(String, Vec<Detection>)>,
}

fn shape(file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::CiWorkflowShape, file, span, message)
}

/// Reads one parsed workflow file; shape problems are reported and the sound parts kept.
pub(super) fn read_workflow(
    file: FileId,
    root: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Workflow {
    let mut workflow = Workflow { file, automatic: false, calls: Vec::new(), jobs: Vec::new() };
    if root.as_map().is_none() {
        diagnostics.push(
            shape(
                file,
                root.span,
                format!(
                    "a GitHub workflow is a mapping with `on:` and `jobs:`, found {}",
                    root.value.kind_name()
                ),
            )
            .with_help("check that this is a workflow file"),
        );
        return workflow;
    }
    match root.get("on") {
        Some(on) => {
            workflow.automatic = trigger_names(file, on, diagnostics)
                .iter()
                .any(|event| AUTOMATIC_EVENTS.contains(&event.as_str()))
        }
        None => diagnostics.push(
            shape(
                file,
                Span { start: root.span.start, end: root.span.start },
                "this workflow has no `on:` triggers, so GitHub never starts it",
            )
            .with_help("its tools are counted as present, not enforced"),
        ),
    }
    match root.get("jobs") {
        Some(jobs) => match jobs.as_map() {
            Some(entries) => {
                for (id, job) in entries {
                    let detections =
                        read_job(file, &id.text, job, &mut workflow.calls, diagnostics);
                    workflow
                        .jobs
                        .push((id.text.clone().into_owned(), merge_job_detections(detections)));
                }
            }
            None => diagnostics.push(shape(
                file,
                jobs.span,
                format!("`jobs` must be a mapping of job ids, found {}", jobs.value.kind_name()),
            )),
        },
        None => diagnostics.push(shape(
            file,
            Span { start: root.span.start, end: root.span.start },
            "this workflow has no `jobs:`",
        )),
    }
    workflow
}

/// The event names of `on:`: `on: push`, `on: [push, pull_request]` or `on: {push: {...}}`.
fn trigger_names(file: FileId, on: &Node, diagnostics: &mut Vec<Diagnostic>) -> Vec<String> {
    if let Some(name) = on.scalar_text() {
        return vec![name.trim().to_owned()];
    }
    if let Some(items) = on.as_seq() {
        return items.iter().filter_map(Node::scalar_text).map(|s| s.trim().to_owned()).collect();
    }
    if let Some(entries) = on.as_map() {
        return entries.iter().map(|(key, _)| key.text.trim().to_owned()).collect();
    }
    diagnostics.push(shape(
        file,
        on.span,
        format!("`on` must name events, found {}", on.value.kind_name()),
    ));
    Vec::new()
}

/// The image of `container: img` or `container: {image: img}` (also a service).
fn image_of(node: &Node) -> Option<&str> {
    node.as_str().or_else(|| node.get("image").and_then(Node::as_str))
}

fn read_job(
    file: FileId,
    id: &str,
    job: &Node,
    calls: &mut Vec<(String, Span)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Detection> {
    if job.as_map().is_none() {
        diagnostics.push(shape(
            file,
            job.span,
            format!("job `{id}` must be a mapping, found {}", job.value.kind_name()),
        ));
        return Vec::new();
    }
    let job_soft = is_true(job.get("continue-on-error"));
    let job_off = is_false(job.get("if"));
    let mut found = Vec::new();
    if let Some(uses) = job.get("uses") {
        match uses.as_str() {
            Some(target) if target.trim_start().starts_with("./") => {
                let path = target.trim().split('@').next().unwrap_or_default();
                calls.push((normalize_path(path), uses.span));
            }
            Some(target) => found.extend(match_action(target, job.get("with"))),
            None => diagnostics.push(shape(
                file,
                uses.span,
                format!("`uses` of job `{id}` must be text, found {}", uses.value.kind_name()),
            )),
        }
    }
    if let Some(image) = job.get("container").and_then(image_of) {
        found.extend(match_image(image));
    }
    if let Some(services) = job.get("services").and_then(Node::as_map) {
        found.extend(
            services.iter().filter_map(|(_, service)| image_of(service)).filter_map(match_image),
        );
    }
    if let Some(steps) = job.get("steps") {
        match steps.as_seq() {
            Some(steps) => {
                for step in steps {
                    found.extend(read_step(file, id, step, diagnostics));
                }
            }
            None => diagnostics.push(shape(
                file,
                steps.span,
                format!("`steps` of job `{id}` must be a list, found {}", steps.value.kind_name()),
            )),
        }
    }
    for detection in &mut found {
        detection.soft_fail |= job_soft;
        detection.switched_off |= job_off;
    }
    found
}

fn read_step(
    file: FileId,
    job_id: &str,
    step: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Detection> {
    if step.as_map().is_none() {
        diagnostics.push(shape(
            file,
            step.span,
            format!("a step of job `{job_id}` must be a mapping, found {}", step.value.kind_name()),
        ));
        return Vec::new();
    }
    let mut found = Vec::new();
    if let Some(uses) = step.get("uses").and_then(Node::as_str) {
        let uses = uses.trim();
        if let Some(image) = uses.strip_prefix("docker://") {
            // A `docker://` step runs the image as its command: it is a run, not just an image.
            found.extend(match_image(image).map(|d| Detection { image_only: false, ..d }));
        } else if !uses.starts_with("./") {
            found.extend(match_action(uses, step.get("with")));
        }
    }
    if let Some(run) = step.get("run") {
        let mut texts = Vec::new();
        script_texts(run, &mut texts);
        for text in texts {
            found.extend(match_script(&text));
        }
    }
    let step_soft = is_true(step.get("continue-on-error"));
    let step_off = is_false(step.get("if"));
    for detection in &mut found {
        detection.soft_fail |= step_soft;
        detection.switched_off |= step_off;
    }
    found
}

/// Follows reusable calls from the automatic workflows and turns every job's tools into
/// `ToolUse`s. A call to a local workflow that is not among the files is noted.
pub(super) fn tool_uses(
    files: &Files,
    workflows: &[Workflow],
    known: &BTreeSet<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ToolUse> {
    let index: BTreeMap<String, usize> = workflows
        .iter()
        .enumerate()
        .map(|(i, w)| (normalize_path(files.name(w.file)), i))
        .collect();
    let mut enforced: Vec<bool> = workflows.iter().map(|w| w.automatic).collect();
    let mut queue: Vec<usize> = (0..workflows.len()).filter(|&i| enforced[i]).collect();
    // Each workflow enters the queue at most once, so this is linear in files plus calls.
    while let Some(caller) = queue.pop() {
        for (target, _) in &workflows[caller].calls {
            if let Some(&callee) = index.get(target)
                && !enforced[callee]
            {
                enforced[callee] = true;
                queue.push(callee);
            }
        }
    }
    let mut tools = Vec::new();
    for (workflow, &enforced) in workflows.iter().zip(&enforced) {
        for (target, span) in &workflow.calls {
            // A file that was given but did not parse already has its syntax error.
            if !index.contains_key(target) && !known.contains(target) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::CiUnresolvedWorkflow,
                        workflow.file,
                        *span,
                        format!("`{target}` is not among the scanned workflow files"),
                    )
                    .with_help(
                        "the tools inside it are not counted; scan the whole repository folder",
                    ),
                );
            }
        }
        let file = normalize_path(files.name(workflow.file));
        for (job, detections) in &workflow.jobs {
            tools.extend(detections.iter().map(|d| ToolUse {
                name: d.name.to_owned(),
                category: d.category,
                file: file.clone(),
                job: job.clone(),
                enforced: enforced && !d.switched_off,
                blocking: !d.soft_fail,
            }));
        }
    }
    tools
}
