//! Loading a whole workspace: every file lowered, models assigned to apps, references checked.
//!
//! The binary finds the files and reads them into `Files`; this module decides what they mean.

use crate::decode::{Reference, Target};
use crate::diag::{Code, Diagnostic, FileId, Files, Span, did_you_mean};
use crate::evidence::training::course_key;
use crate::model::{App, AppId, Origin, ThreatId, Workspace};
use crate::native::{lower_okrs, lower_threat_model, lower_workspace_config};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub mod aliases;
pub use aliases::is_alias;

/// The files of a workspace, already read.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceFiles {
    /// `threatokr.yaml`.
    pub config: Option<FileId>,
    /// Every file under `models/`: native `*.tm.yaml` and foreign files.
    pub models: Vec<FileId>,
    /// `okrs/*.yaml`.
    pub okrs: Vec<FileId>,
    /// Companion files for models (Threagile's `risks.json` beside its model).
    pub companions: HashMap<FileId, FileId>,
}

/// Whether a model file is in the native format (by name: `*.tm.yaml` or `*.tm.yml`).
pub fn is_native_model(name: &str) -> bool {
    name.ends_with(".tm.yaml") || name.ends_with(".tm.yml")
}

/// Lowers every file, assigns models to apps and checks every reference across files.
pub fn load_workspace(files: &Files, input: &WorkspaceFiles) -> (Workspace, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut references: Vec<Reference> = Vec::new();
    let mut workspace = Workspace::default();
    let (config, models) = std::thread::scope(|scope| {
        let config =
            scope.spawn(|| input.config.map(|config| lower_workspace_config(files, config)));
        let models = lower_models(files, input);
        (config.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), models)
    });
    if let Some((lowered, more)) = config {
        workspace.config = lowered;
        diagnostics.extend(more);
    }
    // Local ids per model file: elements (with flows and boundaries) and threats.
    let mut local_elements: HashMap<FileId, HashSet<String>> = HashMap::new();
    let mut local_threats: HashMap<FileId, HashSet<String>> = HashMap::new();
    for (file, (model, refs, more)) in input.models.iter().copied().zip(models) {
        references.extend(refs);
        diagnostics.extend(more);
        if let Some(model) = model {
            let elements = model
                .elements
                .iter()
                .map(|e| e.id.to_string())
                .chain(model.flows.iter().map(|f| f.id.to_string()))
                .chain(model.boundaries.iter().map(|b| b.id.to_string()));
            local_elements.insert(file, elements.collect());
            local_threats.insert(file, model.threats.iter().map(|t| t.id.to_string()).collect());
            workspace.models.push(model);
        }
    }
    assign_apps(files, &mut workspace, &mut diagnostics);
    for &file in &input.okrs {
        let (set, refs, more) = lower_okrs(files, file);
        diagnostics.extend(more);
        references.extend(refs);
        if let Some(set) = set {
            workspace.okrs.push(set);
        }
    }
    workspace.models.sort_by(|a, b| files.name(a.origin.file).cmp(files.name(b.origin.file)));
    workspace.okrs.sort_by(|a, b| a.cycle.cmp(&b.cycle));
    workspace.aliases =
        aliases::assign(&workspace.models, |m| files.name(m.origin.file).to_owned());
    check_config_references(&workspace, &mut diagnostics);
    check_references(&workspace, &references, &local_elements, &local_threats, &mut diagnostics);
    resolve_threat_aliases(&mut workspace);
    (workspace, diagnostics)
}

/// A model file lowered: the model, the references it makes, its problems.
type LoweredModel = (Option<crate::model::ThreatModel>, Vec<Reference>, Vec<Diagnostic>);

/// Lowers every model file, in the order given, on every core: files lower independently (no
/// I/O, no shared state), and a large portfolio holds thousands of them, which one core parsed
/// in a third of `validate`'s time.
fn lower_models(files: &Files, input: &WorkspaceFiles) -> Vec<LoweredModel> {
    let lower = |file: FileId| -> LoweredModel {
        if is_native_model(files.name(file)) {
            lower_threat_model(files, file)
        } else {
            let companion = input.companions.get(&file).copied();
            let (model, more) = crate::import::import(files, file, None, companion, None);
            (model, Vec::new(), more)
        }
    };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    // Small workspaces (the usual case) are not worth a thread.
    if workers < 2 || input.models.len() < 64 {
        return input.models.iter().map(|&file| lower(file)).collect();
    }
    let chunk = input.models.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = input
            .models
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|&file| lower(file)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// OKR files may name threats by alias; the model keeps the threats' own ids.
fn resolve_threat_aliases(workspace: &mut Workspace) {
    // Borrowed beside the OKR sets, not copied: a portfolio has tens of thousands of aliases.
    let aliases = &workspace.aliases;
    let resolve = |ids: &mut Vec<ThreatId>| {
        for id in ids {
            if let Some(threat) = aliases.threat(id.as_str()) {
                *id = threat.clone();
            }
        }
    };
    for set in &mut workspace.okrs {
        set.objectives.iter_mut().for_each(|o| resolve(&mut o.derived_from));
        set.key_results.iter_mut().for_each(|kr| resolve(&mut kr.derived_from));
    }
}

/// A threat reference by an id that threats of several apps have: the diagnostic names their
/// aliases, one of which says which is meant.
fn ambiguous_threat(workspace: &Workspace, reference: &Reference) -> Option<Diagnostic> {
    let holders: BTreeSet<&AppId> = workspace
        .models
        .iter()
        .filter(|m| m.threats.iter().any(|t| t.id.as_str() == reference.id))
        .filter_map(|m| m.app.as_ref())
        .collect();
    if holders.len() < 2 {
        return None;
    }
    let id: ThreatId = reference.id.parse().ok()?;
    let aliases = workspace.aliases.aliases_of(&id);
    Some(
        Diagnostic::new(
            Code::AmbiguousThreat,
            reference.file,
            reference.span,
            format!(
                "{} refers to the threat `{}`, which threats of {} apps have: {}",
                reference.from,
                reference.id,
                holders.len(),
                aliases.join(", ")
            ),
        )
        .with_help(format!(
            "name the threat by its alias; did you mean `{}`?",
            aliases.first().copied().unwrap_or_default()
        )),
    )
}

/// Each model belongs to an app: claimed by an app's `models:`, or named by the model's `app:`,
/// or else an app of its own named after the model, with a warning that says how to claim it.
fn assign_apps(files: &Files, workspace: &mut Workspace, diagnostics: &mut Vec<Diagnostic>) {
    let mut claims: BTreeMap<String, (AppId, Origin)> = BTreeMap::new();
    for app in &workspace.config.apps {
        for path in &app.models {
            let path = path.trim_start_matches("./").to_owned();
            if let Some((other, _)) = claims.get(&path) {
                diagnostics.push(Diagnostic::new(
                    Code::ModelClaimedTwice,
                    app.origin.file,
                    app.origin.span,
                    format!("the model `{path}` is claimed by both `{other}` and `{}`", app.id),
                ));
            } else {
                claims.insert(path, (app.id.clone(), app.origin));
            }
        }
    }
    let mut new_apps = Vec::new();
    for model in &mut workspace.models {
        let name = files.name(model.origin.file);
        if let Some((app, _)) = claims.get(name) {
            model.app = Some(app.clone());
            continue;
        }
        if model.app.is_some() {
            continue;
        }
        let stem = name.rsplit('/').next().unwrap_or(name).split('.').next().unwrap_or(name);
        let base =
            if model.title.trim().is_empty() { stem.to_owned() } else { model.title.clone() };
        let id: AppId = slug(&base).parse().unwrap_or_else(|_| {
            slug(stem).parse().unwrap_or_else(|_| "unnamed-app".parse().expect("a valid id"))
        });
        diagnostics.push(
            Diagnostic::new(Code::UnclaimedModel, model.origin.file, Span::new(0, 0), format!("no app claims this model; it becomes the app `{id}`"))
                .with_help(format!("add `models: [{name}]` to an app in threatokr.yaml, or `app: <id>` to a native model")),
        );
        if !workspace.config.apps.iter().any(|a| a.id == id)
            && !new_apps.iter().any(|a: &App| a.id == id)
        {
            new_apps.push(App {
                id: id.clone(),
                name: if model.title.is_empty() { stem.to_owned() } else { model.title.clone() },
                team: None,
                tier: None,
                tags: Vec::new(),
                repos: Vec::new(),
                environments: Vec::new(),
                models: vec![name.to_owned()],
                origin: model.origin,
            });
        }
        model.app = Some(id);
    }
    workspace.config.apps.extend(new_apps);
}

/// Lowercase, alphanumerics kept, everything else folded into single dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn check_config_references(workspace: &Workspace, diagnostics: &mut Vec<Diagnostic>) {
    let config = &workspace.config;
    let teams: BTreeSet<&str> = config.org.teams.iter().map(|t| t.id.as_str()).collect();
    let people: BTreeSet<&str> = config.org.people.iter().map(|p| p.id.as_str()).collect();
    let cycles: BTreeSet<&str> = config.cycles.iter().map(|c| c.id.as_str()).collect();
    let mut missing =
        |origin: Origin, noun: &str, id: &str, from: String, known: &BTreeSet<&str>| {
            if !known.contains(id) {
                let mut d = Diagnostic::new(
                    Code::DanglingReference,
                    origin.file,
                    origin.span,
                    format!("{from} refers to the {noun} `{id}`, which does not exist"),
                );
                if let Some(s) = did_you_mean(id, known.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diagnostics.push(d);
            }
        };
    for team in &config.org.teams {
        if let Some(lead) = &team.lead {
            missing(team.origin, "person", lead.as_str(), format!("team `{}`", team.id), &people);
        }
    }
    for person in &config.org.people {
        if let Some(team) = &person.team {
            missing(
                person.origin,
                "team",
                team.as_str(),
                format!("person `{}`", person.id),
                &teams,
            );
        }
        if let Some(manager) = &person.manager {
            missing(
                person.origin,
                "person",
                manager.as_str(),
                format!("person `{}`", person.id),
                &people,
            );
        }
    }
    for app in &config.apps {
        if let Some(team) = &app.team {
            missing(app.origin, "team", team.as_str(), format!("app `{}`", app.id), &teams);
        }
    }
    for cycle in &config.cycles {
        if let Some(within) = &cycle.within {
            missing(
                cycle.origin,
                "cycle",
                within.as_str(),
                format!("cycle `{}`", cycle.id),
                &cycles,
            );
        }
    }
}

fn check_references(
    workspace: &Workspace,
    references: &[Reference],
    local_elements: &HashMap<FileId, HashSet<String>>,
    local_threats: &HashMap<FileId, HashSet<String>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let config = &workspace.config;
    let set = |ids: Vec<String>| ids.into_iter().collect::<HashSet<String>>();
    // A threat is named by its id or its alias.
    let all_threats = set(workspace
        .models
        .iter()
        .flat_map(|m| m.threats.iter().map(|t| t.id.to_string()))
        .chain(workspace.aliases.aliases().map(str::to_owned))
        .collect());
    let objectives = set(workspace
        .okrs
        .iter()
        .flat_map(|s| s.objectives.iter().map(|o| o.id.to_string()))
        .collect());
    let key_results: HashMap<FileId, HashSet<String>> = workspace
        .okrs
        .iter()
        .map(|s| (s.origin.file, s.key_results.iter().map(|k| k.id.to_string()).collect()))
        .collect();
    let people = set(config.org.people.iter().map(|p| p.id.to_string()).collect());
    let teams = set(config.org.teams.iter().map(|t| t.id.to_string()).collect());
    let apps = set(config.apps.iter().map(|a| a.id.to_string()).collect());
    let cycles = set(config.cycles.iter().map(|c| c.id.to_string()).collect());
    let tags = set(config.apps.iter().flat_map(|a| a.tags.iter().cloned()).collect());
    let environments =
        set(config.apps.iter().flat_map(|a| a.environments.iter().cloned()).collect());
    let courses = set(config.settings.courses.iter().map(|c| course_key(&c.id)).collect());
    let empty = HashSet::new();
    // Without threatokr.yaml (validating a lone file), org-level references cannot be checked.
    let has_config = !config.cycles.is_empty() || !config.org.people.is_empty();
    for reference in references {
        let known: &HashSet<String> = match reference.target {
            Target::Element => local_elements.get(&reference.file).unwrap_or(&empty),
            Target::LocalThreat => local_threats.get(&reference.file).unwrap_or(&empty),
            Target::Threat => &all_threats,
            Target::Objective => &objectives,
            Target::KeyResult => key_results.get(&reference.file).unwrap_or(&empty),
            Target::Person if has_config => &people,
            Target::Team if has_config => &teams,
            Target::App if has_config => &apps,
            Target::Cycle if has_config => &cycles,
            Target::AppTag if has_config => &tags,
            // An app that lists no environments could run anywhere: only a workspace whose every
            // app lists them pins the names down.
            Target::Environment
                if has_config && config.apps.iter().all(|a| !a.environments.is_empty()) =>
            {
                &environments
            }
            // Without declared courses, the training completions say which exist (checked with
            // the evidence).
            Target::Course if !courses.is_empty() => &courses,
            Target::Person
            | Target::Team
            | Target::App
            | Target::Cycle
            | Target::AppTag
            | Target::Environment
            | Target::Course => continue,
        };
        if known.contains(&reference.id) {
            if reference.target == Target::Threat
                && let Some(diagnostic) = ambiguous_threat(workspace, reference)
            {
                diagnostics.push(diagnostic);
            }
            continue;
        }
        let code = if reference.target == Target::Cycle {
            Code::UnknownCycle
        } else {
            Code::DanglingReference
        };
        let mut diagnostic = Diagnostic::new(
            code,
            reference.file,
            reference.span,
            format!(
                "{} refers to the {} `{}`, which does not exist",
                reference.from,
                reference.target.noun(),
                reference.id
            ),
        );
        if let Some(s) =
            did_you_mean(&reference.id, known.iter().map(String::as_str).collect::<BTreeSet<_>>())
        {
            diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
        }
        diagnostics.push(diagnostic);
    }
}

#[cfg(test)]
mod tests;
