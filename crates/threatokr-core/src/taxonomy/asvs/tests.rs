//! Tests for the ASVS table: drift against the official exports, counts, lookups and id parsing.

use super::*;
use crate::test_support::{read_sample, sample_path};
use serde_json::Value;

const HEADER: &str = "\
# OWASP Application Security Verification Standard (ASVS) 5.0.0 and 4.0.3: requirement ids, levels and chapter names.
# Read by src/taxonomy/asvs.rs.
#
# Source: OWASP ASVS, https://github.com/OWASP/ASVS (snapshot commit fe04986146b0db0a54d3eb2b9c755c78874ce910),
#   5.0/docs_en/OWASP_Application_Security_Verification_Standard_5.0.0_en.json and
#   4.0/docs_en/OWASP Application Security Verification Standard 4.0.3-en.json.
# Copyright © 2008-2025 The OWASP Foundation. Licensed under Creative Commons Attribution-ShareAlike 4.0
#   International (CC BY-SA 4.0), https://creativecommons.org/licenses/by-sa/4.0/
#   (the 4.0.3 document itself names CC BY-SA 3.0).
# Derived: ids, levels and chapter names only; no requirement text. Changes made: ids are written
#   `v<version>-<chapter>.<section>.<requirement>`; a 4.0.3 requirement's level is the lowest level whose `Required` flag
#   is true (marked ✓, or carrying a note such as \"OS assisted\");
#   4.0.3's eight `[DELETED, ...]` placeholders are left out.
# This file is a derivative of the ASVS data and is shared under the same licence, CC BY-SA 4.0.
# A test (taxonomy::asvs::tests) regenerates it from the official exports and fails when it drifts.
#
# id\tlevel\tchapter\tchapter name
";

/// What one export walk found.
struct Walk {
    rows: Vec<String>,
    skipped_without_level: Vec<String>,
}

/// Walks an official nested export (`Requirements` → chapters → sections → requirements).
fn walk(export: &str) -> Walk {
    let root: Value = serde_json::from_str(export).expect("the export is JSON");
    let version = root["Version"].as_str().expect("the export has a Version");
    let mut walk = Walk { rows: Vec::new(), skipped_without_level: Vec::new() };
    for chapter in root["Requirements"].as_array().expect("Requirements") {
        let code = chapter["Shortcode"].as_str().expect("chapter Shortcode");
        let name = chapter["Name"].as_str().expect("chapter Name");
        for section in chapter["Items"].as_array().expect("sections") {
            for requirement in section["Items"].as_array().expect("requirements") {
                let shortcode = requirement["Shortcode"].as_str().expect("requirement Shortcode");
                let id = format!("v{version}-{}", shortcode.trim_start_matches('V'));
                let level = match requirement.get("L") {
                    Some(level) => level.as_str().map(str::to_owned),
                    // 4.0.3: the lowest level whose `Required` flag is set. Most such cells read "✓"; six carry
                    // a note instead ("OS assisted", "30 days", "Optional") and still count as required.
                    None => ["L1", "L2", "L3"]
                        .iter()
                        .position(|l| requirement[*l]["Required"] == true)
                        .map(|i| (i + 1).to_string()),
                };
                match level {
                    Some(level) => walk.rows.push(format!("{id}\t{level}\t{code}\t{name}")),
                    None => walk
                        .skipped_without_level
                        .push(requirement["Description"].as_str().unwrap_or_default().to_owned()),
                }
            }
        }
    }
    walk
}

fn regenerate() -> (String, Walk, Walk) {
    let v5 =
        walk(&read_sample("asvs/OWASP_Application_Security_Verification_Standard_5.0.0_en.json"));
    let v4 =
        walk(&read_sample("asvs/OWASP_Application_Security_Verification_Standard_4.0.3_en.json"));
    let mut text = HEADER.to_owned();
    for row in v5.rows.iter().chain(&v4.rows) {
        text.push_str(row);
        text.push('\n');
    }
    (text, v5, v4)
}

#[test]
fn committed_table_matches_the_official_exports() {
    let (expected, _, _) = regenerate();
    if expected != ASVS_TSV {
        // Leave the regenerated table where a maintainer can review and copy it.
        let out = std::env::temp_dir().join("threatokr-asvs.tsv");
        std::fs::write(&out, &expected).expect("writing the regenerated table");
        let first_difference = expected
            .lines()
            .zip(ASVS_TSV.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}: expected `{a}`, found `{b}`", i + 1));
        panic!(
            "data/asvs.tsv has drifted from {} ({}); the regenerated table is in {}",
            sample_path("asvs").display(),
            first_difference.unwrap_or_else(|| "different length".into()),
            out.display()
        );
    }
}

#[test]
fn export_walk_skips_exactly_the_deleted_placeholders() {
    let (_, v5, v4) = regenerate();
    assert!(v5.skipped_without_level.is_empty());
    assert_eq!(v4.skipped_without_level.len(), 8);
    assert!(
        v4.skipped_without_level.iter().all(|d| d.starts_with("[DELETED")),
        "{:?}",
        v4.skipped_without_level
    );
}

#[test]
fn committed_table_parses_without_bad_lines() {
    let (rows, bad) = parse_table(ASVS_TSV);
    assert_eq!(bad, []);
    assert_eq!(rows.len(), 345 + 278);
    let mut ids: Vec<&str> = rows.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rows.len(), "ids are unique");
}

#[test]
fn table_keeps_the_attribution() {
    assert!(ASVS_TSV.contains("© 2008-2025 The OWASP Foundation"));
    assert!(ASVS_TSV.contains("CC BY-SA 4.0"));
    assert!(ASVS_TSV.contains("https://creativecommons.org/licenses/by-sa/4.0/"));
    assert!(ASVS_TSV.contains("ids, levels and chapter names only"));
}

fn count(version: AsvsVersion, level: u8) -> usize {
    asvs_requirements(version, 3, &[]).filter(|r| r.level == level).count()
}

#[test]
fn counts_requirements_per_level_as_the_standard_does() {
    assert_eq!(asvs_requirements(AsvsVersion::V5_0_0, 3, &[]).count(), 345);
    assert_eq!(
        (
            count(AsvsVersion::V5_0_0, 1),
            count(AsvsVersion::V5_0_0, 2),
            count(AsvsVersion::V5_0_0, 3)
        ),
        (70, 183, 92)
    );
    assert_eq!(asvs_requirements(AsvsVersion::V5_0_0, 2, &[]).count(), 253);
    assert_eq!(asvs_requirements(AsvsVersion::V4_0_3, 3, &[]).count(), 278);
    assert_eq!(
        (
            count(AsvsVersion::V4_0_3, 1),
            count(AsvsVersion::V4_0_3, 2),
            count(AsvsVersion::V4_0_3, 3)
        ),
        (128, 131, 19)
    );
    assert_eq!(asvs_requirements(AsvsVersion::V4_0_3, 1, &[]).count(), 128);
}

#[test]
fn filters_requirements_by_chapter_and_level() {
    let v8: Vec<AsvsRequirement> = asvs_requirements(AsvsVersion::V5_0_0, 3, &["V8"]).collect();
    assert_eq!(v8.len(), 13);
    assert!(v8.iter().all(|r| r.chapter == "V8" && r.chapter_name == "Authorization"));
    assert_eq!(v8[0].id, "v5.0.0-8.1.1");
    let auth_l1: usize = asvs_requirements(AsvsVersion::V5_0_0, 1, &["V6", "V7", "V8"]).count();
    let auth_l2: usize = asvs_requirements(AsvsVersion::V5_0_0, 2, &["V6", "V7", "V8"]).count();
    assert!(auth_l1 < auth_l2);
    assert_eq!(asvs_requirements(AsvsVersion::V5_0_0, 3, &["V99"]).count(), 0);
    assert_eq!(asvs_requirements(AsvsVersion::V5_0_0, 0, &[]).count(), 0);
}

#[test]
fn looks_requirements_up_by_versioned_id() {
    let r = asvs_requirement("v5.0.0-1.2.5").expect("present");
    assert_eq!(
        (r.version, r.chapter, r.chapter_name),
        (AsvsVersion::V5_0_0, "V1", "Encoding and Sanitization")
    );
    let r = asvs_requirement("v4.0.3-1.1.1").expect("present");
    assert_eq!((r.version, r.chapter, r.level), (AsvsVersion::V4_0_3, "V1", 2));
    assert_eq!(asvs_requirement("v4.0.3-1.4.2"), None, "deleted placeholder");
    assert_eq!(asvs_requirement("V1.2.5"), None);
    assert_eq!(asvs_requirement("v5.0.0-99.1.1"), None);
}

#[test]
fn names_chapters_as_the_official_exports_do() {
    use AsvsVersion::{V4_0_3, V5_0_0};
    let pinned = [
        (V5_0_0, "V1", "Encoding and Sanitization"),
        (V5_0_0, "V6", "Authentication"),
        (V5_0_0, "V7", "Session Management"),
        (V5_0_0, "V8", "Authorization"),
        (V5_0_0, "V9", "Self-contained Tokens"),
        (V5_0_0, "V10", "OAuth and OIDC"),
        (V5_0_0, "V16", "Security Logging and Error Handling"),
        (V5_0_0, "V17", "WebRTC"),
        (V4_0_3, "V1", "Architecture, Design and Threat Modeling"),
        (V4_0_3, "V2", "Authentication"),
        (V4_0_3, "V3", "Session Management"),
        (V4_0_3, "V4", "Access Control"),
        (V4_0_3, "V5", "Validation, Sanitization and Encoding"),
        (V4_0_3, "V14", "Configuration"),
    ];
    for (version, chapter, name) in pinned {
        assert_eq!(asvs_chapter_name(version, chapter), Some(name), "{version} {chapter}");
    }
    assert_eq!(asvs_chapter_name(V4_0_3, "V15"), None);
}

#[test]
fn every_theme_maps_to_existing_chapters_in_both_versions() {
    for &version in AsvsVersion::ALL {
        for &theme in Theme::ALL {
            let chapters = asvs_chapters(theme, version);
            assert!(!chapters.is_empty(), "{theme} has no {version} chapter");
            for chapter in chapters {
                assert!(
                    asvs_chapter_name(version, chapter).is_some(),
                    "{theme}: {version} has no chapter {chapter}"
                );
            }
        }
    }
}

#[test]
fn every_chapter_but_webrtc_belongs_to_some_theme() {
    for &version in AsvsVersion::ALL {
        let mut uncovered: Vec<&str> =
            asvs_requirements(version, 3, &[]).map(|r| r.chapter).collect();
        uncovered.dedup();
        uncovered.retain(|chapter| {
            !Theme::ALL.iter().any(|&theme| asvs_chapters(theme, version).contains(chapter))
        });
        let expected: &[&str] = if version == AsvsVersion::V5_0_0 { &["V17"] } else { &[] };
        assert_eq!(uncovered, expected, "{version}");
    }
}

#[test]
fn pins_the_theme_chapter_spot_checks() {
    assert_eq!(asvs_chapters(Theme::AccessControl, AsvsVersion::V5_0_0), ["V8"]);
    assert_eq!(asvs_chapters(Theme::AccessControl, AsvsVersion::V4_0_3), ["V4"]);
    assert_eq!(asvs_chapters(Theme::Authentication, AsvsVersion::V5_0_0), ["V6", "V10"]);
    assert_eq!(asvs_chapters(Theme::Authentication, AsvsVersion::V4_0_3), ["V2"]);
    assert_eq!(asvs_chapters(Theme::SessionManagement, AsvsVersion::V5_0_0), ["V7", "V9"]);
    assert_eq!(asvs_chapters(Theme::SessionManagement, AsvsVersion::V4_0_3), ["V3"]);
}

#[test]
fn parses_versioned_ids() {
    assert_eq!(
        parse_asvs_id("v5.0.0-1.2.5"),
        Ok(AsvsId { version: AsvsVersion::V5_0_0, chapter: 1, section: 2, requirement: 5 })
    );
    assert_eq!(
        parse_asvs_id("v4.0.3-14.5.3").map(|id| id.to_string()),
        Ok("v4.0.3-14.5.3".to_owned())
    );
    assert_eq!(parse_asvs_id("v5.0.0-10.4.16").map(|id| id.chapter_code()), Ok("V10".to_owned()));
}

#[test]
fn rejects_ids_that_are_not_versioned_canonical_ids() {
    assert_eq!(parse_asvs_id(""), Err(AsvsIdError::Empty));
    assert_eq!(parse_asvs_id("1.2.5"), Err(AsvsIdError::MissingVersion));
    assert_eq!(parse_asvs_id("V1.2.5"), Err(AsvsIdError::MissingVersion));
    assert_eq!(parse_asvs_id("V5.0.0-1.2.5"), Err(AsvsIdError::UppercaseV));
    assert_eq!(
        parse_asvs_id("v3.0.1-1.2.5"),
        Err(AsvsIdError::UnknownVersion { version: "3.0.1".into() })
    );
    for malformed in [
        "v5.0.0-1.2",
        "v5.0.0-1.2.5.6",
        "v5.0.0-01.2.5",
        "v5.0.0-0.2.5",
        "v5.0.0-1.2.x",
        " v5.0.0-1.2.5",
        "v5.0.0-1.2.5 ",
        "v5-1.2.5",
        "v5.0.0_1.2.5",
        "x",
        "v5.0.0-",
        "v5.0.0-1..5",
        "v5.0.0--1.2.5",
    ] {
        assert_eq!(parse_asvs_id(malformed), Err(AsvsIdError::Malformed), "{malformed:?}");
    }
    assert!(AsvsIdError::MissingVersion.to_string().contains("v5.0.0-1.2.5"));
}

proptest::proptest! {
    #[test]
    fn id_parsing_never_panics_and_round_trips(text in "\\PC{0,24}") {
        if let Ok(id) = parse_asvs_id(&text) {
            proptest::prop_assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn valid_ids_round_trip(chapter in 1u16..30, section in 1u16..30, requirement in 1u16..30) {
        let text = format!("v5.0.0-{chapter}.{section}.{requirement}");
        proptest::prop_assert_eq!(parse_asvs_id(&text).map(|id| id.to_string()), Ok(text));
    }
}
