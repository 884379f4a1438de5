//! CWE → theme, from the table kept as data in `data/cwe_themes.tsv`.
//!
//! The table covers every CWE named by Threagile's built-in risk rules, the member CWEs of the
//! OWASP Top Ten 2021 categories (CWE view 1344), every CWE that appears in the shared samples and
//! a few that threat models commonly use. Its header documents the default theme per OWASP
//! category and each departure from it, and carries MITRE's CWE terms-of-use notice.
//!
//! When a threat names several CWEs, the most specific entry decides: variants before bases,
//! bases before classes, classes before pillars and categories, deprecated entries last; ties go
//! to the lowest CWE id, so the answer never depends on the order the source listed them in.

use crate::model::Theme;
use std::sync::OnceLock;

/// The committed table, compiled in.
pub const CWE_THEMES_TSV: &str = include_str!("../../data/cwe_themes.tsv");

/// How general a CWE entry is (CWE's "abstraction"), ordered from least to most specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Abstraction {
    /// A deprecated entry: kept so old data still maps, but anything else wins.
    Deprecated,
    /// A category or view: a grouping, not a weakness.
    Category,
    /// A pillar: the most abstract weakness.
    Pillar,
    /// A class: abstract, independent of language or technology.
    Class,
    /// A base: specific enough to suggest a detection or fix.
    Base,
    /// A variant: tied to a language or technology.
    Variant,
}

impl Abstraction {
    /// The one-letter code used in the table.
    pub fn code(self) -> char {
        match self {
            Self::Deprecated => 'D',
            Self::Category => 'G',
            Self::Pillar => 'P',
            Self::Class => 'C',
            Self::Base => 'B',
            Self::Variant => 'V',
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "D" => Self::Deprecated,
            "G" => Self::Category,
            "P" => Self::Pillar,
            "C" => Self::Class,
            "B" => Self::Base,
            "V" => Self::Variant,
            _ => return None,
        })
    }

    /// How specific the entry is when choosing among several CWEs (pillars and categories rank
    /// the same: neither names a concrete weakness).
    fn specificity(self) -> u8 {
        match self {
            Self::Deprecated => 0,
            Self::Category | Self::Pillar => 1,
            Self::Class => 2,
            Self::Base => 3,
            Self::Variant => 4,
        }
    }
}

/// One row of the CWE table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CweEntry {
    /// The CWE id (`79` for CWE-79).
    pub id: u32,
    /// The theme it belongs to.
    pub theme: Theme,
    /// How general the entry is.
    pub abstraction: Abstraction,
    /// Why the row is in the table: `A01`..`A10`, `threagile`, `samples`, `top25-2023`, `extra`,
    /// comma-separated.
    pub sources: &'static str,
    /// The entry's name (abbreviated where long).
    pub name: &'static str,
}

impl CweEntry {
    /// Whether the row lists `source` among its reasons.
    pub fn has_source(&self, source: &str) -> bool {
        self.sources.split(',').any(|s| s == source)
    }
}

/// A line of the table that does not parse (a test keeps the committed table free of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parses a CWE table: `#` lines and blank lines are skipped; rows come back sorted by id.
/// Bad rows and duplicate ids are reported and left out.
pub fn parse_table(text: &'static str) -> (Vec<CweEntry>, Vec<BadLine>) {
    let mut entries: Vec<CweEntry> = Vec::new();
    let mut bad = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_row(line) {
            Ok(entry) => entries.push(entry),
            Err(reason) => bad.push(BadLine { line: index + 1, reason }),
        }
    }
    entries.sort_by_key(|e| e.id);
    let mut unique: Vec<CweEntry> = Vec::with_capacity(entries.len());
    for entry in entries {
        if unique.last().is_some_and(|last| last.id == entry.id) {
            bad.push(BadLine { line: 0, reason: format!("CWE-{} is listed twice", entry.id) });
        } else {
            unique.push(entry);
        }
    }
    (unique, bad)
}

fn parse_row(line: &'static str) -> Result<CweEntry, String> {
    let fields: Vec<&'static str> = line.split('\t').collect();
    let [id, theme, abstraction, sources, name] = fields[..] else {
        return Err(format!("expected 5 tab-separated fields, found {}", fields.len()));
    };
    let id = id.parse::<u32>().map_err(|_| format!("`{id}` is not a CWE number"))?;
    let theme = theme.parse::<Theme>().map_err(|e| e.to_string())?;
    let abstraction = Abstraction::from_code(abstraction)
        .ok_or_else(|| format!("`{abstraction}` is not an abstraction code"))?;
    if sources.is_empty() || name.is_empty() {
        return Err("sources and name cannot be empty".into());
    }
    Ok(CweEntry { id, theme, abstraction, sources, name })
}

/// The committed table, parsed once, sorted by id.
pub fn table() -> &'static [CweEntry] {
    static TABLE: OnceLock<Vec<CweEntry>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(CWE_THEMES_TSV).0)
}

/// The table's row for a CWE id.
pub fn entry(id: u32) -> Option<&'static CweEntry> {
    let table = table();
    table.binary_search_by_key(&id, |e| e.id).ok().map(|index| &table[index])
}

/// The theme of one CWE id, if the table knows it.
pub fn theme_of_cwe(id: u32) -> Option<Theme> {
    entry(id).map(|e| e.theme)
}

/// The CWE that decides among `ids`: the most specific known entry, ties to the lowest id.
/// Unknown ids are skipped; `None` when none is known.
pub fn most_specific(ids: &[u32]) -> Option<(u32, Theme)> {
    ids.iter()
        .filter_map(|&id| entry(id))
        .max_by(|a, b| {
            a.abstraction.specificity().cmp(&b.abstraction.specificity()).then(b.id.cmp(&a.id))
        })
        .map(|e| (e.id, e.theme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::read_sample;

    /// Every CWE id named in a text: `CWE-79`, `cwe-079`, `external/cwe/cwe-079`, `cwe: 693`,
    /// and `cwe.mitre.org/data/definitions/79.html`.
    fn cwe_ids_in(text: &str) -> Vec<u32> {
        let lower = text.to_ascii_lowercase();
        let mut ids = Vec::new();
        for marker in ["cwe", "definitions/"] {
            let mut rest = lower.as_str();
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let digits_at = if marker == "cwe" {
                    rest.len() - rest.trim_start_matches(['-', '_', '/', ' ', ':']).len()
                } else {
                    0
                };
                let digits: String =
                    rest[digits_at..].chars().take_while(char::is_ascii_digit).collect();
                if let Ok(id) = digits.parse::<u32>() {
                    ids.push(id);
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    #[test]
    fn committed_table_parses_without_bad_lines() {
        let (entries, bad) = parse_table(CWE_THEMES_TSV);
        assert_eq!(bad, []);
        assert_eq!(entries.len(), 302);
        assert_eq!(table().len(), 302);
    }

    #[test]
    fn table_keeps_the_mitre_terms_of_use_notice() {
        assert!(CWE_THEMES_TSV.contains("Copyright © 2006-2024, The MITRE Corporation"));
        assert!(CWE_THEMES_TSV.contains("non-exclusive, royalty-free license to use"));
        assert!(CWE_THEMES_TSV.contains("CWE view 1344"));
    }

    #[test]
    fn reports_bad_rows_and_duplicates() {
        let (entries, bad) = parse_table(
            "# header\n79\toutput_encoding_xss\tB\tA03\tXSS\n79\taccess_control\tB\tx\tdup\nabc\tx\n89\tnope\tB\tA03\tSQLi\n",
        );
        assert_eq!(entries.len(), 1);
        assert_eq!(bad.len(), 3);
        assert_eq!(bad[0].line, 4);
        assert_eq!(bad[1].line, 5);
        assert!(bad[2].reason.contains("CWE-79 is listed twice"));
    }

    #[test]
    fn pins_spot_checks() {
        let cases = [
            (639, Theme::AccessControl),
            (862, Theme::AccessControl),
            (863, Theme::AccessControl),
            (352, Theme::AccessControl),
            (79, Theme::OutputEncodingXss),
            (80, Theme::OutputEncodingXss),
            (89, Theme::InputValidationInjection),
            (78, Theme::InputValidationInjection),
            (287, Theme::Authentication),
            (306, Theme::Authentication),
            (384, Theme::SessionManagement),
            (613, Theme::SessionManagement),
            (311, Theme::DataProtection),
            (319, Theme::CommunicationSecurity),
            (327, Theme::Cryptography),
            (918, Theme::InputValidationInjection),
            (22, Theme::FileHandling),
            (434, Theme::FileHandling),
            (798, Theme::ConfigurationSecrets),
            (16, Theme::ConfigurationSecrets),
            (1104, Theme::SupplyChain),
            (1127, Theme::SupplyChain),
            (778, Theme::LoggingMonitoring),
            (400, Theme::Availability),
            (841, Theme::BusinessLogic),
            (915, Theme::ApiSecurity),
            (1008, Theme::Architecture),
            (502, Theme::InputValidationInjection),
        ];
        for (id, theme) in cases {
            assert_eq!(theme_of_cwe(id), Some(theme), "CWE-{id}");
        }
        assert_eq!(theme_of_cwe(100), None, "deprecated CWE-100 is left out");
        assert_eq!(theme_of_cwe(0), None);
    }

    #[test]
    fn covers_every_owasp_top_ten_2021_category_with_its_member_count() {
        // Member counts of categories 1345..1354 in CWE view 1344 (A03 without deprecated CWE-100).
        let expected = [
            ("A01", 34),
            ("A02", 29),
            ("A03", 32),
            ("A04", 40),
            ("A05", 20),
            ("A06", 3),
            ("A07", 22),
            ("A08", 10),
            ("A09", 4),
            ("A10", 1),
        ];
        for (category, count) in expected {
            assert_eq!(
                table().iter().filter(|e| e.has_source(category)).count(),
                count,
                "{category}"
            );
        }
    }

    #[test]
    fn owasp_categories_map_to_their_default_theme_unless_documented() {
        let a09: Vec<Theme> =
            table().iter().filter(|e| e.has_source("A09")).map(|e| e.theme).collect();
        assert_eq!(a09, [Theme::LoggingMonitoring; 4]);
        let a06: Vec<Theme> =
            table().iter().filter(|e| e.has_source("A06")).map(|e| e.theme).collect();
        assert_eq!(a06, [Theme::SupplyChain; 3]);
        let a01_access = table()
            .iter()
            .filter(|e| e.has_source("A01") && e.theme == Theme::AccessControl)
            .count();
        assert_eq!(a01_access, 16);
    }

    #[test]
    fn covers_every_cwe_of_threagile_builtin_rules() {
        let threagile = [
            352, 434, 287, 693, 79, 90, 89, 74, 502, 912, 16, 1127, 1008, 200, 22, 918, 311, 522,
            319, 611, 400, 306, 308, 284, 501,
        ];
        for id in threagile {
            let entry = entry(id).unwrap_or_else(|| panic!("CWE-{id} is missing"));
            assert!(entry.has_source("threagile"), "CWE-{id} should say it comes from Threagile");
        }
        assert_eq!(table().iter().filter(|e| e.has_source("threagile")).count(), threagile.len());
    }

    #[test]
    fn covers_every_cwe_named_in_the_shared_samples() {
        let files = [
            "samples/models/otm/EXAMPLE.json",
            "samples/models/otm/EXAMPLE.yaml",
            "samples/models/pytm/tm.json",
            "samples/models/threagile/example.threagile.yaml",
            "samples/models/threagile/stub.threagile.yaml",
            "samples/models/threat-composer/ThreatComposer.tc.json",
            "samples/models/threat-dragon/v1-demo.json",
            "samples/models/threat-dragon/v2-demo.json",
            "samples/models/tm-bom/hashicorp-vault-threat-model.json",
            "samples/sarif/bandit-1.9.4_werkzeug-3.1.3.sarif",
            "samples/sarif/fabasoad-sarif-to-slack_codeql-ruby.sarif",
            "samples/sarif/fabasoad-sarif-to-slack_snyk-npm.sarif",
            "samples/sarif/semgrep-1.185.0_werkzeug-3.1.3_rules-python.sarif",
        ];
        let mut all = Vec::new();
        for file in files {
            let ids = cwe_ids_in(&read_sample(file));
            let missing: Vec<u32> = ids.iter().copied().filter(|&id| entry(id).is_none()).collect();
            assert_eq!(missing, Vec::<u32>::new(), "{file} names CWEs the table lacks");
            all.extend(ids);
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 166);
        let tagged = table().iter().filter(|e| e.has_source("samples")).count();
        assert_eq!(tagged, all.len());
    }

    #[test]
    fn finds_cwe_ids_in_their_usual_spellings() {
        assert_eq!(
            cwe_ids_in(
                "CWE-79 external/cwe/cwe-089 cwe: 693 https://cwe.mitre.org/data/definitions/22.html cwe-sdk"
            ),
            [22, 79, 89, 693]
        );
    }

    #[test]
    fn most_specific_cwe_decides_with_lowest_id_breaking_ties() {
        // 116 (class, output encoding) vs 79 (base, XSS): the base wins.
        assert_eq!(most_specific(&[116, 79]), Some((79, Theme::OutputEncodingXss)));
        // 200 (class) vs 359 (base): 359.
        assert_eq!(most_specific(&[200, 359]), Some((359, Theme::DataProtection)));
        // Two bases: the lowest id, whatever the order.
        assert_eq!(most_specific(&[89, 22]), Some((22, Theme::FileHandling)));
        assert_eq!(most_specific(&[22, 89]), Some((22, Theme::FileHandling)));
        // Unknown ids are skipped.
        assert_eq!(most_specific(&[99999, 862]), Some((862, Theme::AccessControl)));
        assert_eq!(most_specific(&[99999]), None);
        assert_eq!(most_specific(&[]), None);
    }
}
