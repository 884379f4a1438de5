//! Lowers `models/*.tm.yaml` into a `ThreatModel`.

use super::shapes::{BOUNDARY, CONTROL, DATA_ASSET, ELEMENT, FLOW, TEST, THREAT, THREAT_MODEL};
use super::{dedupe, id_field, objects, origin};
use crate::decode::{Decoder, Target};
use crate::diag::{Code, Diagnostic, FileId, Files};
use crate::model::{
    Control, DataAsset, Element, Flow, Level, Origin, Severity, SourceFormat, TestScenario, Threat,
    ThreatModel, TrustBoundary,
};
use crate::syntax::{Budget, parse_yaml};

/// Reads a native threat model. `None` when the file is not even a mapping. The references
/// inside the model (threat to element, control to threat, ...) are returned for checking.
pub fn lower_threat_model(
    files: &Files,
    file: FileId,
) -> (Option<ThreatModel>, Vec<crate::decode::Reference>, Vec<Diagnostic>) {
    let (node, mut diagnostics) = parse_yaml(files, file, Budget::default());
    let mut decoder = Decoder::new(file);
    let model = node.as_ref().and_then(|node| {
        let root = decoder.object(node, &THREAT_MODEL)?;
        let elements = objects(&mut decoder, &root, "elements", &ELEMENT, |d, r| {
            Some(Element {
                id: id_field(r, "id")?,
                name: r.text("name")?,
                kind: r.parse("kind")?,
                internet_facing: r.bool("internet_facing").unwrap_or(false),
                data: r.texts("data"),
                origin: origin(d, r.node),
            })
        });
        let boundaries = objects(&mut decoder, &root, "boundaries", &BOUNDARY, |d, r| {
            let id: crate::model::ElementId = id_field(r, "id")?;
            let elements =
                d.references(r, "elements", Target::Element, &format!("boundary `{id}`"));
            Some(TrustBoundary { id, name: r.text("name")?, elements, origin: origin(d, r.node) })
        });
        let flows = objects(&mut decoder, &root, "flows", &FLOW, |d, r| {
            let id: crate::model::ElementId = id_field(r, "id")?;
            let from = format!("flow `{id}`");
            let source = d.references(r, "from", Target::Element, &from).pop()?;
            let target = d.references(r, "to", Target::Element, &from).pop()?;
            Some(Flow {
                name: r.text("name").unwrap_or_else(|| id.to_string()),
                id,
                source,
                target,
                protocol: r.text("protocol"),
                origin: origin(d, r.node),
            })
        });
        let data_assets = objects(&mut decoder, &root, "data_assets", &DATA_ASSET, |d, r| {
            Some(DataAsset {
                id: r.text("id")?,
                name: r.text("name")?,
                classification: r.text("classification"),
                origin: origin(d, r.node),
            })
        });
        let threats = objects(&mut decoder, &root, "threats", &THREAT, lower_threat);
        let controls = objects(&mut decoder, &root, "controls", &CONTROL, |d, r| {
            let status: crate::model::ControlStatus = r.parse("status")?;
            let asvs = r.texts("asvs");
            for item in r.items("asvs") {
                if let Some(text) = item.scalar_text()
                    && let Err(why) = check_asvs_id(text)
                {
                    d.report(
                        Code::InvalidAsvsId,
                        item.span,
                        format!("`{text}` is not an ASVS requirement id: {why}"),
                    )
                    .help = Some(
                        "write v<version>-<chapter>.<section>.<requirement>, e.g. v5.0.0-8.2.1"
                            .into(),
                    );
                }
            }
            let id: crate::model::ControlId = id_field(r, "id")?;
            let threats =
                d.references(r, "addresses", Target::LocalThreat, &format!("control `{id}`"));
            Some(Control {
                id,
                title: r.text("title")?,
                status_raw: r.text("status_raw").unwrap_or_else(|| status.as_str().to_owned()),
                status,
                asvs,
                tags: r.texts("tags"),
                threats,
                origin: origin(d, r.node),
            })
        });
        let tests = objects(&mut decoder, &root, "tests", &TEST, |d, r| {
            let id: crate::model::TestId = id_field(r, "id")?;
            let threats =
                d.references(r, "threats", Target::LocalThreat, &format!("test scenario `{id}`"));
            Some(TestScenario {
                id,
                title: r.text("title")?,
                threats,
                kind: r.text("kind").unwrap_or_else(|| "manual".into()),
                origin: origin(d, r.node),
            })
        });
        let format = r_format(&root);
        let mut model = ThreatModel {
            origin: Origin { file, span: node.span },
            format,
            app: id_field(&root, "app"),
            title: root.text("title").unwrap_or_default(),
            reviewed: root.date("reviewed"),
            elements: dedupe(&mut decoder, "element", elements, |e| {
                (e.id.to_string(), e.origin.span)
            }),
            flows: dedupe(&mut decoder, "flow", flows, |f| (f.id.to_string(), f.origin.span)),
            boundaries: dedupe(&mut decoder, "boundary", boundaries, |b| {
                (b.id.to_string(), b.origin.span)
            }),
            data_assets: dedupe(&mut decoder, "data asset", data_assets, |a| {
                (a.id.clone(), a.origin.span)
            }),
            threats: dedupe(&mut decoder, "threat", threats, |t| (t.id.to_string(), t.origin.span)),
            controls: dedupe(&mut decoder, "control", controls, |c| {
                (c.id.to_string(), c.origin.span)
            }),
            tests: dedupe(&mut decoder, "test scenario", tests, |t| {
                (t.id.to_string(), t.origin.span)
            }),
        };
        link_controls(&mut model);
        Some(model)
    });
    diagnostics.append(&mut decoder.diagnostics);
    (model, decoder.references, diagnostics)
}

fn r_format(root: &crate::decode::MapReader<'_>) -> SourceFormat {
    root.text("source_format")
        .and_then(|name| SourceFormat::ALL.iter().copied().find(|f| f.as_str() == name))
        .unwrap_or(SourceFormat::Native)
}

fn lower_threat(decoder: &mut Decoder, r: &crate::decode::MapReader<'_>) -> Option<Threat> {
    let status: crate::model::ThreatStatus = r.parse("status")?;
    let likelihood: Option<Level> = r.parse("likelihood");
    let impact: Option<Level> = r.parse("impact");
    let cvss = r.text("cvss").and_then(|vector| match crate::taxonomy::parse_cvss(&vector) {
        Ok(score) => Some(score),
        Err(why) => {
            decoder.report(Code::InvalidCvss, r.span_of("cvss"), why.to_string()).help =
                Some("write a complete CVSS:3.1/… or CVSS:4.0/… base vector".into());
            None
        }
    });
    let stated: Option<Severity> = r.parse("severity");
    // The most objective source wins: a CVSS score, then the stated band, then likelihood × impact.
    let severity = match (&cvss, stated, likelihood, impact) {
        (Some(c), _, _, _) => Severity::from_score(c.score),
        (None, Some(s), _, _) => s,
        (None, None, Some(l), Some(i)) => severity_from_matrix(l, i),
        _ => Severity::Unknown,
    };
    let id: crate::model::ThreatId = id_field(r, "id")?;
    let elements = decoder.references(r, "elements", Target::Element, &format!("threat `{id}`"));
    Some(Threat {
        id,
        title: r.text("title")?,
        description: r.text("description"),
        stride: r.texts("stride").iter().filter_map(|s| s.parse().ok()).collect(),
        cwes: r.cwes("cwe"),
        elements,
        status_raw: r.text("status_raw").unwrap_or_else(|| status.as_str().to_owned()),
        status,
        severity_raw: r.text("severity_raw").or_else(|| r.text("severity")).unwrap_or_default(),
        severity,
        likelihood,
        impact,
        cvss,
        owner: r.text("owner"),
        ticket: r.text("ticket"),
        created: r.date("created"),
        updated: r.date("updated"),
        controls: Vec::new(),
        origin: origin(decoder, r.node),
    })
}

/// Likelihood × impact on 1..5 ranks: 20+ critical, 12+ high, 6+ medium, else low.
pub(crate) fn severity_from_matrix(likelihood: Level, impact: Level) -> Severity {
    match likelihood.rank() * impact.rank() {
        20.. => Severity::Critical,
        12.. => Severity::High,
        6.. => Severity::Medium,
        _ => Severity::Low,
    }
}

/// Fills `Threat::controls` from the controls' `addresses`, so both directions agree.
fn link_controls(model: &mut ThreatModel) {
    let index: std::collections::HashMap<String, usize> =
        model.threats.iter().enumerate().map(|(i, t)| (t.id.to_string(), i)).collect();
    for control in &model.controls {
        for threat in &control.threats {
            if let Some(&i) = index.get(threat.as_str())
                && !model.threats[i].controls.contains(&control.id)
            {
                model.threats[i].controls.push(control.id.clone());
            }
        }
    }
}

/// Checks an ASVS requirement id: its form, and that the version's table has it.
pub(crate) fn check_asvs_id(text: &str) -> Result<(), String> {
    crate::taxonomy::parse_asvs_id(text).map_err(|e| e.to_string())?;
    if crate::taxonomy::asvs_requirement(text).is_none() {
        return Err("that requirement does not exist in this ASVS version".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asvs_ids_need_version_and_three_numbers() {
        assert!(check_asvs_id("v5.0.0-8.2.1").is_ok());
        assert!(check_asvs_id("V5.0.0-8.2.1").is_err());
        assert!(check_asvs_id("v5.0.0-8.2").is_err());
        assert!(check_asvs_id("v6.0.0-8.2.1").is_err());
        assert_eq!(
            check_asvs_id("v5.0.0-8.9.9"),
            Err("that requirement does not exist in this ASVS version".into())
        );
    }
}
