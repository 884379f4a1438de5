//! Lowers `threatokr.yaml` into a `WorkspaceConfig`.

use super::shapes::{
    APP, COURSE, CYCLE, EVIDENCE, EVIDENCE_MAX_AGE, ORG, PERSON, SETTINGS, SLA, TEAM, WORKSPACE,
};
use super::{dedupe, id_field, objects, origin};
use crate::decode::{Decoder, MapReader};
use crate::diag::{Code, Diagnostic, FileId, Files};
use crate::model::{
    App, Course, Cycle, EvidenceFolders, EvidenceMaxAge, Org, Person, Settings, SlaDays, Team,
    WorkspaceConfig,
};
use crate::syntax::{Budget, Node, parse_yaml};

/// Reads `threatokr.yaml`. Returns the config (empty parts where the file was broken) and diagnostics.
pub fn lower_workspace_config(files: &Files, file: FileId) -> (WorkspaceConfig, Vec<Diagnostic>) {
    let (node, mut diagnostics) = parse_yaml(files, file, Budget::default());
    let mut decoder = Decoder::new(file);
    let config = node.as_ref().map(|node| lower(&mut decoder, node)).unwrap_or_default();
    diagnostics.append(&mut decoder.diagnostics);
    (config, diagnostics)
}

fn lower(decoder: &mut Decoder, node: &Node) -> WorkspaceConfig {
    let Some(root) = decoder.object(node, &WORKSPACE) else {
        return WorkspaceConfig::default();
    };
    let org = root
        .get("org")
        .and_then(|n| decoder.object(n, &ORG))
        .map(|r| lower_org(decoder, &r))
        .unwrap_or_default();
    let apps = objects(decoder, &root, "apps", &APP, |decoder, r| {
        Some(App {
            id: id_field(r, "id")?,
            name: r.text("name")?,
            team: id_field(r, "team"),
            tier: r.number("tier").map(|t| t.clamp(0.0, 255.0) as u8),
            tags: r.texts("tags"),
            repos: r.texts("repos"),
            environments: r.texts("environments"),
            models: r.texts("models"),
            origin: origin(decoder, r.node),
        })
    });
    let apps = dedupe(decoder, "app", apps, |a| (a.id.as_str().to_owned(), a.origin.span));
    let cycles = objects(decoder, &root, "cycles", &CYCLE, |decoder, r| {
        let (start, end) = (r.date("start")?, r.date("end")?);
        if end < start {
            decoder.report(
                Code::InvalidValue,
                r.span_of("end"),
                format!("the cycle ends ({end}) before it starts ({start})"),
            );
            return None;
        }
        Some(Cycle {
            id: id_field(r, "id")?,
            start,
            end,
            within: id_field(r, "within"),
            origin: origin(decoder, r.node),
        })
    });
    let cycles = dedupe(decoder, "cycle", cycles, |c| (c.id.as_str().to_owned(), c.origin.span));
    let settings = root
        .get("settings")
        .and_then(|n| decoder.object(n, &SETTINGS))
        .map(|r| lower_settings(decoder, &r))
        .unwrap_or_default();
    WorkspaceConfig { org, apps, cycles, settings }
}

fn lower_org(decoder: &mut Decoder, reader: &MapReader<'_>) -> Org {
    let teams = objects(decoder, reader, "teams", &TEAM, |decoder, r| {
        Some(Team {
            id: id_field(r, "id")?,
            name: r.text("name")?,
            lead: id_field(r, "lead"),
            origin: origin(decoder, r.node),
        })
    });
    let people = objects(decoder, reader, "people", &PERSON, |decoder, r| {
        let team = id_field(r, "team");
        Some(Person {
            id: id_field(r, "id")?,
            name: r.text("name")?,
            title: r.text("title"),
            developer: r.bool("developer").unwrap_or(team.is_some()),
            team,
            manager: id_field(r, "manager"),
            origin: origin(decoder, r.node),
        })
    });
    Org {
        name: reader.text("name").unwrap_or_default(),
        teams: dedupe(decoder, "team", teams, |t| (t.id.as_str().to_owned(), t.origin.span)),
        people: dedupe(decoder, "person", people, |p| (p.id.as_str().to_owned(), p.origin.span)),
    }
}

fn lower_settings(decoder: &mut Decoder, reader: &MapReader<'_>) -> Settings {
    let defaults = Settings::default();
    let sla = reader.get("sla_days").and_then(|n| decoder.object(n, &SLA)).map(|r| {
        let days = |key: &str, default: u32| r.number(key).map_or(default, |v| v as u32);
        let d = SlaDays::default();
        SlaDays {
            critical: days("critical", d.critical),
            high: days("high", d.high),
            medium: days("medium", d.medium),
            low: days("low", d.low),
        }
    });
    let evidence = reader.get("evidence").and_then(|n| decoder.object(n, &EVIDENCE)).map(|r| {
        let d = EvidenceFolders::default();
        let folder = |key: &str, default: String| r.text(key).unwrap_or(default);
        EvidenceFolders {
            sarif: folder("sarif", d.sarif),
            ci: folder("ci", d.ci),
            asvs: folder("asvs", d.asvs),
            training: folder("training", d.training),
            tests: folder("tests", d.tests),
        }
    });
    let max_age = reader
        .get("evidence_max_age_days")
        .and_then(|n| decoder.object(n, &EVIDENCE_MAX_AGE))
        .map(|r| {
            let d = EvidenceMaxAge::default();
            let days = |key: &str, default: u32| r.number(key).map_or(default, |v| v as u32);
            EvidenceMaxAge {
                scans: days("scans", d.scans),
                asvs: days("asvs", d.asvs),
                tests: days("tests", d.tests),
                training: days("training", d.training),
            }
        });
    let courses = objects(decoder, reader, "courses", &COURSE, |decoder, r| {
        Some(Course {
            id: r.text("id")?,
            title: r.text("title"),
            validity_days: r.number("validity_days").map(|v| v as u32),
            origin: origin(decoder, r.node),
        })
    });
    let courses = dedupe(decoder, "course", courses, |c| (c.id.clone(), c.origin.span));
    Settings {
        evidence_max_age: max_age.unwrap_or(defaults.evidence_max_age),
        courses,
        stale_after_days: reader
            .number("stale_after_days")
            .map_or(defaults.stale_after_days, |v| v as u32),
        sla_days: sla.unwrap_or(defaults.sla_days),
        asvs_version: reader.text("asvs_version").unwrap_or(defaults.asvs_version),
        evidence: evidence.unwrap_or(defaults.evidence),
        read_needs_token: reader
            .text("dashboard_read")
            .map_or(defaults.read_needs_token, |value| value == "token"),
    }
}
