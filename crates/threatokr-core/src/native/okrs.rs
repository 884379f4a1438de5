//! Lowers `okrs/<cycle>.yaml` into an `OkrSet`, checking key results and `measure:` bindings.

use super::shapes::{KEY_RESULT, MILESTONE, OBJECTIVE, OKRS};
use super::{id_field, objects, origin, report_duplicates};
use crate::decode::{Decoder, MapReader, Reference, Target, Ty};
use crate::diag::{Code, Diagnostic, FileId, Files, Span, did_you_mean};
use crate::evidence::training::course_key;
use crate::evidence::workflow::Category;
use crate::metrics::{self, CATALOGUE, ParamSpec, Vocab};
use crate::model::{
    Commitment, Comparison, CycleId, Direction, FindingClass, KeyResult, KeyResultId, KrTarget,
    KrType, LinkKind, Measure, MeasureParam, Milestone, Objective, ObjectiveLevel, OkrSet, Origin,
    Severity, Theme,
};
use crate::syntax::{Budget, Node, parse_yaml};
use crate::taxonomy::{AsvsVersion, asvs_chapter_name};
use std::collections::BTreeMap;

/// Reads an OKR file. Returns the set (`None` when it has no usable `cycle`), the references it
/// makes (checked against the whole workspace later) and diagnostics.
pub fn lower_okrs(
    files: &Files,
    file: FileId,
) -> (Option<OkrSet>, Vec<Reference>, Vec<Diagnostic>) {
    let (node, mut diagnostics) = parse_yaml(files, file, Budget::default());
    let mut decoder = Decoder::new(file);
    let set = node.as_ref().and_then(|node| lower(&mut decoder, node));
    diagnostics.append(&mut decoder.diagnostics);
    (set, decoder.references, diagnostics)
}

fn lower(decoder: &mut Decoder, node: &Node) -> Option<OkrSet> {
    let root = decoder.object(node, &OKRS)?;
    let cycle: CycleId =
        decoder.references(&root, "cycle", Target::Cycle, "this OKR file").pop()?;
    let mut key_results: Vec<KeyResult> = Vec::new();
    let mut defined: BTreeMap<String, Span> = BTreeMap::new();
    let objectives = objects(decoder, &root, "objectives", &OBJECTIVE, |d, r| {
        lower_objective(d, r, &mut key_results, &mut defined)
    });
    // Duplicate objectives are reported; both are kept, since key results hang off each.
    let ids: Vec<(String, Span)> =
        objectives.iter().map(|o| (o.id.to_string(), o.origin.span)).collect();
    report_duplicates(decoder, "objective", ids.iter().map(|(id, span)| (id.as_str(), *span)));
    // Key results listed by no objective are still measured, but say so: they count nowhere.
    for kr in &key_results {
        if !objectives.iter().any(|o| o.key_results.contains(&kr.id)) {
            decoder.report(
                Code::KeyResultWithoutObjective,
                kr.origin.span,
                format!("no objective counts the key result `{}`", kr.id),
            );
        }
    }
    inherit_derived_from(&objectives, &mut key_results);
    let proposed = root.texts("proposed");
    Some(OkrSet {
        origin: Origin { file: decoder.file, span: node.span },
        cycle,
        objectives,
        key_results,
        proposed,
    })
}

/// A key result without a `derived_from` of its own is justified by the threats of every
/// objective that counts it (in objective order, each threat once): provenance is written once
/// per objective, and a key result lists threats only where it differs.
fn inherit_derived_from(objectives: &[Objective], key_results: &mut [KeyResult]) {
    for kr in key_results.iter_mut().filter(|kr| kr.derived_from.is_empty()) {
        for objective in objectives.iter().filter(|o| o.key_results.contains(&kr.id)) {
            for threat in &objective.derived_from {
                if !kr.derived_from.contains(threat) {
                    kr.derived_from.push(threat.clone());
                }
            }
        }
    }
}

fn lower_objective(
    decoder: &mut Decoder,
    r: &MapReader<'_>,
    key_results: &mut Vec<KeyResult>,
    defined: &mut BTreeMap<String, Span>,
) -> Option<Objective> {
    let id: crate::model::ObjectiveId = id_field(r, "id")?;
    let from = format!("objective `{id}`");
    let commitment: Commitment = r.parse("commitment").unwrap_or(Commitment::Committed);
    let mut parents = Vec::new();
    for (key, kind) in [("contributes", LinkKind::Contributes), ("supports", LinkKind::Supports)] {
        for parent in
            decoder.references::<crate::model::ObjectiveId>(r, key, Target::Objective, &from)
        {
            parents.push((kind, parent));
        }
    }
    let owner = decoder.references(r, "owner", Target::Person, &from).pop();
    let team = decoder.references(r, "team", Target::Team, &from).pop();
    let mut listed = Vec::new();
    for item in r.items("key_results") {
        let Some(kr) = decoder.object(item, &KEY_RESULT) else { continue };
        if kr.has("ref") {
            if let Some(target) =
                decoder.references::<KeyResultId>(&kr, "ref", Target::KeyResult, &from).pop()
            {
                listed.push(target);
            }
            continue;
        }
        if let Some(key_result) = lower_key_result(decoder, &kr) {
            if let Some(&first) = defined.get(key_result.id.as_str()) {
                let file = decoder.file;
                decoder
                    .report(
                        Code::DuplicateId,
                        kr.span_of("id"),
                        format!("the key result id `{}` is defined twice", key_result.id),
                    )
                    .secondary
                    .push(crate::diag::Label {
                        file,
                        span: first,
                        message: "first defined here; use `ref:` to count it again".into(),
                    });
                continue;
            }
            defined.insert(key_result.id.to_string(), kr.span_of("id"));
            listed.push(key_result.id.clone());
            key_results.push(key_result);
        }
    }
    let level: ObjectiveLevel = r.parse("level")?;
    Some(Objective {
        title: r.text("title")?,
        id,
        level,
        owner,
        team,
        commitment,
        parents,
        rollup_children: r.bool("rollup").unwrap_or(false),
        key_results: listed,
        theme: r.parse("theme"),
        description: r.text("description"),
        derived_from: decoder.references(r, "derived_from", Target::Threat, &from),
        origin: origin(decoder, r.node),
    })
}

fn lower_key_result(decoder: &mut Decoder, r: &MapReader<'_>) -> Option<KeyResult> {
    let here = r.node.span;
    let Some(id) = id_field::<KeyResultId>(r, "id") else {
        if !r.has("id") {
            decoder.report(
                Code::MissingField,
                here,
                "the key result has no `id` (or `ref:` to reuse one)",
            );
        }
        return None;
    };
    let Some(title) = r.text("title") else {
        decoder.report(Code::MissingField, here, format!("the key result `{id}` has no `title`"));
        return None;
    };
    let Some(kr_type) = r.parse::<KrType>("type") else {
        if !r.has("type") {
            decoder
                .report(Code::MissingField, here, format!("the key result `{id}` has no `type`"))
                .help = Some("metric, threshold, milestones or binary".into());
        }
        return None;
    };
    let target = lower_target(decoder, r, &id, kr_type)?;
    let weight = r.number("weight").unwrap_or(1.0);
    if weight < 0.0 {
        decoder.report(Code::InvalidValue, r.span_of("weight"), "a weight cannot be negative");
    }
    let from = format!("key result `{id}`");
    let measure = r.get("measure").and_then(|node| lower_measure(decoder, node, &from));
    Some(KeyResult {
        derived_from: decoder.references(r, "derived_from", Target::Threat, &from),
        id,
        title,
        target,
        kind: r.parse("kind"),
        commitment: r.parse("commitment"),
        weight: weight.max(0.0),
        unit: r.text("unit"),
        measure,
        lineage: r.text("lineage"),
        rationale: r.text("rationale"),
        origin: origin(decoder, r.node),
    })
}

fn lower_target(
    decoder: &mut Decoder,
    r: &MapReader<'_>,
    id: &KeyResultId,
    kr_type: KrType,
) -> Option<KrTarget> {
    match kr_type {
        KrType::Metric => {
            let (Some(start), Some(target)) = (r.number("start"), r.number("target")) else {
                decoder.report(
                    Code::MissingField,
                    r.node.span,
                    format!("the metric key result `{id}` needs `start` and `target`"),
                );
                return None;
            };
            if start == target {
                decoder.report(Code::StartEqualsTarget, r.span_of("target"), format!("the key result `{id}` starts at its target ({target}): there is no progress to make")).help =
                    Some("use a threshold key result (`at_most:` / `at_least:`) to hold a value".into());
                return None;
            }
            let direction = if target > start { Direction::Increase } else { Direction::Decrease };
            Some(KrTarget::Metric { start, target, direction })
        }
        KrType::Threshold => {
            let given: Vec<(Comparison, f64)> = Comparison::ALL
                .iter()
                .filter_map(|c| r.number(c.as_str()).map(|v| (*c, v)))
                .collect();
            match given.as_slice() {
                [(comparison, limit)] => {
                    Some(KrTarget::Threshold { comparison: *comparison, limit: *limit })
                }
                [] => {
                    decoder.report(Code::ThresholdWithoutOperator, r.node.span, format!("the threshold key result `{id}` has no operator")).help =
                        Some("write exactly one of `at_most:`, `at_least:`, `below:` or `above:` with the limit".into());
                    None
                }
                _ => {
                    decoder.report(
                        Code::InvalidValue,
                        r.node.span,
                        format!("the threshold key result `{id}` has more than one operator"),
                    );
                    None
                }
            }
        }
        KrType::Milestones => {
            let milestones = objects(decoder, r, "milestones", &MILESTONE, |_, m| {
                Some(Milestone {
                    title: m.text("title")?,
                    weight: m.number("weight").unwrap_or(1.0).max(0.0),
                    done: m.date("done"),
                })
            });
            if milestones.is_empty() {
                decoder.report(
                    Code::MissingField,
                    r.node.span,
                    format!("the milestones key result `{id}` lists no milestones"),
                );
                return None;
            }
            Some(KrTarget::Milestones(milestones))
        }
        KrType::Binary => Some(KrTarget::Binary { done: r.date("done") }),
    }
}

fn lower_measure(decoder: &mut Decoder, node: &Node, from: &str) -> Option<Measure> {
    let entries = node.as_map()?;
    let Some(metric_node) = node.get("metric") else {
        decoder.report(Code::MissingField, node.span, "`measure:` has no `metric`").help = Some(
            format!("one of {}", CATALOGUE.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")),
        );
        return None;
    };
    let name = metric_node.scalar_text().unwrap_or_default();
    let Some(spec) = metrics::metric(name) else {
        let diagnostic = decoder.report(
            Code::UnknownMetric,
            metric_node.span,
            format!("`{name}` is not a metric of the catalogue"),
        );
        diagnostic.help = Some(match did_you_mean(name, CATALOGUE.iter().map(|m| m.name)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "one of {}",
                CATALOGUE.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
            ),
        });
        return None;
    };
    let mut params = BTreeMap::new();
    for (key, value) in entries.iter().filter(|(k, _)| k.text != "metric") {
        let Some(param) = metrics::param_of(spec, &key.text) else {
            let known = metrics::params_of(spec).map(|p| p.name);
            let diagnostic = decoder.report(
                Code::InvalidMetricParameter,
                key.span,
                format!("`{}` does not take the parameter `{}`", spec.name, key.text),
            );
            if let Some(s) = did_you_mean(&key.text, known) {
                diagnostic.help = Some(format!("did you mean `{s}`?"));
            }
            continue;
        };
        match param_value(param.ty, value) {
            Some(v) => {
                check_vocabulary(decoder, param, value, from);
                params.insert(key.text.clone().into_owned(), v);
            }
            None => {
                decoder.report(
                    Code::InvalidMetricParameter,
                    value.span,
                    format!(
                        "`{}` of `{}`: expected {}",
                        key.text,
                        spec.name,
                        describe_param(param.ty)
                    ),
                );
            }
        }
    }
    Some(Measure { metric: spec.name.to_owned(), params })
}

/// Checks that a parameter's values name what its [`Vocab`] says, at each value's position:
/// closed vocabularies here, ids of the workspace as references checked once every file is read.
fn check_vocabulary(decoder: &mut Decoder, param: &ParamSpec, node: &Node, from: &str) {
    let items: Vec<&Node> = match node.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![node],
    };
    for item in items {
        let text = item.scalar_text().unwrap_or_default().trim();
        let mut refer = |target: Target, id: String| {
            decoder.references.push(Reference {
                target,
                id,
                file: decoder.file,
                span: item.span,
                from: from.to_owned(),
            });
        };
        let known: Vec<String> = match param.vocab {
            Vocab::Free => return,
            Vocab::App => {
                match text.strip_prefix("tag:") {
                    Some(tag) => refer(Target::AppTag, tag.trim().to_owned()),
                    None => refer(Target::App, text.to_owned()),
                }
                continue;
            }
            Vocab::Team => {
                refer(Target::Team, text.to_owned());
                continue;
            }
            Vocab::Environment => {
                refer(Target::Environment, text.to_owned());
                continue;
            }
            Vocab::Course => {
                refer(Target::Course, course_key(text));
                continue;
            }
            Vocab::ScoreCondition => {
                let is_text = !matches!(item.value, crate::syntax::Value::Number { .. });
                if !is_text || parse_score_condition(text).is_none() {
                    decoder
                        .report(
                            Code::ThresholdWithoutOperator,
                            item.span,
                            format!("`score: {text}` needs an explicit operator and a score from 0 to 10"),
                        )
                        .help = Some(
                        "write `\">= 4.0\"` (medium and above) or `\"> 4.0\"`, quoted: a bare number is ambiguous"
                            .into(),
                    );
                }
                continue;
            }
            Vocab::Window => {
                let days = text.strip_suffix('d').and_then(|n| n.trim().parse::<u32>().ok());
                if !(matches!(text, "cycle" | "all")
                    || days.is_some_and(|d| (1..=36_500).contains(&d)))
                {
                    decoder
                        .report(
                            Code::InvalidMetricParameter,
                            item.span,
                            format!("`window: {text}` is not `cycle`, `all` or `<N>d`"),
                        )
                        .help = Some("for example `window: 90d` for the last 90 days".into());
                }
                continue;
            }
            Vocab::AsvsLevel => {
                if !item.as_f64().is_some_and(|l| [1.0, 2.0, 3.0].contains(&l)) {
                    decoder.report(
                        Code::InvalidMetricParameter,
                        item.span,
                        format!("ASVS `level: {text}` is not 1, 2 or 3"),
                    );
                }
                continue;
            }
            Vocab::Theme => Theme::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
            Vocab::Severity => Severity::ALL
                .iter()
                .filter(|s| **s != Severity::Unknown)
                .map(|s| s.as_str().to_owned())
                .collect(),
            Vocab::FindingClass => {
                FindingClass::ALL.iter().map(|c| c.as_str().to_owned()).collect()
            }
            Vocab::CiCategory => Category::ALL.iter().map(|c| c.as_str().to_owned()).collect(),
            Vocab::AsvsChapter => {
                let chapter = format!("V{}", text.trim_start_matches(['v', 'V']));
                let exists = [AsvsVersion::V5_0_0, AsvsVersion::V4_0_3]
                    .into_iter()
                    .any(|version| asvs_chapter_name(version, &chapter).is_some());
                if !exists {
                    decoder.report(
                        Code::InvalidMetricParameter,
                        item.span,
                        format!("`{text}` is not an ASVS chapter (V1 to V17)"),
                    );
                }
                continue;
            }
        };
        if !known.iter().any(|k| k == text) {
            let diagnostic = decoder.report(
                Code::InvalidMetricParameter,
                item.span,
                format!("`{}: {text}`: `{text}` is not one of {}", param.name, known.join(", ")),
            );
            if let Some(s) = did_you_mean(text, known.iter().map(String::as_str)) {
                diagnostic.help = Some(format!("did you mean `{s}`?"));
            }
        }
    }
}

/// Parses `">= 4.0"` or `"> 7"` into a comparison and a score.
pub fn parse_score_condition(text: &str) -> Option<(Comparison, f64)> {
    let text = text.trim();
    let (comparison, rest) = if let Some(rest) = text.strip_prefix(">=") {
        (Comparison::AtLeast, rest)
    } else if let Some(rest) = text.strip_prefix('>') {
        (Comparison::Above, rest)
    } else {
        return None;
    };
    rest.trim().parse().ok().filter(|v: &f64| (0.0..=10.0).contains(v)).map(|v| (comparison, v))
}

fn param_value(ty: Ty, node: &Node) -> Option<MeasureParam> {
    match ty {
        Ty::Bool => node.as_bool().map(MeasureParam::Bool),
        Ty::Count | Ty::Number => node.as_f64().map(MeasureParam::Number),
        Ty::Enum(names) => node
            .scalar_text()
            .filter(|t| names().contains(t))
            .map(|t| MeasureParam::Text(t.to_owned())),
        Ty::OneOrList(_) | Ty::List(_) => match node.as_seq() {
            Some(items) => items
                .iter()
                .map(|i| i.scalar_text().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(MeasureParam::List),
            None => node.scalar_text().map(|t| MeasureParam::List(vec![t.to_owned()])),
        },
        _ => match &node.value {
            crate::syntax::Value::Number { value, .. } => Some(MeasureParam::Number(*value)),
            _ => node.scalar_text().map(|t| MeasureParam::Text(t.to_owned())),
        },
    }
}

fn describe_param(ty: Ty) -> String {
    match ty {
        Ty::Bool => "true or false".into(),
        Ty::Count | Ty::Number => "a number".into(),
        Ty::Enum(names) => format!("one of {}", names().join(", ")),
        Ty::OneOrList(_) | Ty::List(_) => "text or a list of texts".into(),
        _ => "text".into(),
    }
}
