//! OWASP ASVS: requirement ids, levels and chapters (5.0.0 and 4.0.3), and theme → chapters.
//!
//! The requirement table `data/asvs.tsv` is derived from the official exports (OWASP ASVS,
//! © OWASP Foundation, CC BY-SA 4.0) and holds ids, levels and chapter names only, no requirement
//! text. A test regenerates it from the exports kept in `test_data/asvs` and fails when the committed file drifts.
//!
//! Ids follow the standard's own advice for use outside the document:
//! `v<version>-<chapter>.<section>.<requirement>` with a lowercase `v`, e.g. `v5.0.0-1.2.5`.
//! Levels are cumulative: an L2 application must meet every L1 and L2 requirement. In 4.0.3 a
//! requirement's level is the lowest level whose `Required` flag is true (marked ✓, or carrying a
//! note such as "OS assisted"); 4.0.3's eight `[DELETED, …]` placeholders
//! have no level and are not in the table.

use crate::model::Theme;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The committed requirement table, compiled in.
pub const ASVS_TSV: &str = include_str!("../../data/asvs.tsv");

/// An ASVS release threatokr knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AsvsVersion {
    /// 5.0.0 (May 2025), 17 chapters, the default.
    V5_0_0,
    /// 4.0.3 (October 2021), 14 chapters.
    V4_0_3,
}

impl AsvsVersion {
    /// Every version, newest first.
    pub const ALL: &'static [Self] = &[Self::V5_0_0, Self::V4_0_3];

    /// The newest version: what an id or setting without a version means.
    pub const LATEST: Self = Self::V5_0_0;

    /// The version number as the standard writes it: `5.0.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V5_0_0 => "5.0.0",
            Self::V4_0_3 => "4.0.3",
        }
    }
}

impl fmt::Display for AsvsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AsvsVersion {
    type Err = AsvsIdError;

    /// Accepts `5.0.0` or `4.0.3`.
    fn from_str(s: &str) -> Result<Self, AsvsIdError> {
        match s {
            "5.0.0" => Ok(Self::V5_0_0),
            "4.0.3" => Ok(Self::V4_0_3),
            _ => Err(AsvsIdError::UnknownVersion { version: s.to_owned() }),
        }
    }
}

impl serde::Serialize for AsvsVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One ASVS requirement: its id, chapter and level, without its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsvsRequirement {
    /// The versioned id, `v5.0.0-1.2.5`.
    pub id: &'static str,
    /// The release.
    pub version: AsvsVersion,
    /// The chapter code, `V1`.
    pub chapter: &'static str,
    /// The chapter's name, `Encoding and Sanitization`.
    pub chapter_name: &'static str,
    /// The lowest level that requires it: 1, 2 or 3.
    pub level: u8,
}

/// A parsed ASVS requirement id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsvsId {
    /// The release.
    pub version: AsvsVersion,
    /// Chapter number (`1` in `v5.0.0-1.2.5`).
    pub chapter: u16,
    /// Section number within the chapter.
    pub section: u16,
    /// Requirement number within the section.
    pub requirement: u16,
}

impl AsvsId {
    /// The chapter code used in the table and in [`asvs_chapters`]: `V1`.
    pub fn chapter_code(&self) -> String {
        format!("V{}", self.chapter)
    }
}

impl fmt::Display for AsvsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}-{}.{}.{}", self.version, self.chapter, self.section, self.requirement)
    }
}

/// Why a text is not an ASVS requirement id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsvsIdError {
    /// Nothing there.
    Empty,
    /// An id without a version, like `1.2.5` or the standard's own shortcode `V1.2.5`.
    MissingVersion,
    /// The version prefix uses an uppercase `V` (`V5.0.0-1.2.5`); the standard says lowercase.
    UppercaseV,
    /// A version threatokr has no table for.
    UnknownVersion {
        /// The version as written.
        version: String,
    },
    /// Not of the form `v<version>-<chapter>.<section>.<requirement>`.
    Malformed,
}

impl fmt::Display for AsvsIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("an ASVS requirement id cannot be empty"),
            Self::MissingVersion => {
                f.write_str("an ASVS requirement id needs its version, as in `v5.0.0-1.2.5`, so that it keeps its meaning when the standard is renumbered")
            }
            Self::UppercaseV => f.write_str("the version prefix of an ASVS id is a lowercase `v`, as in `v5.0.0-1.2.5`"),
            Self::UnknownVersion { version } => write!(f, "ASVS version `{version}` is not known; known versions are 5.0.0 and 4.0.3"),
            Self::Malformed => f.write_str("an ASVS requirement id looks like `v5.0.0-1.2.5` (version, then chapter.section.requirement)"),
        }
    }
}

impl std::error::Error for AsvsIdError {}

/// Parses `v<version>-<chapter>.<section>.<requirement>` (`v5.0.0-1.2.5`). The text must be
/// exactly the id: no surrounding whitespace, no leading zeros, numbers from 1.
pub fn parse_asvs_id(text: &str) -> Result<AsvsId, AsvsIdError> {
    if text.is_empty() {
        return Err(AsvsIdError::Empty);
    }
    let Some((prefix, numbers)) = text.split_once('-') else {
        let bare = text.strip_prefix('V').unwrap_or(text);
        return Err(if parse_triple(bare).is_some() {
            AsvsIdError::MissingVersion
        } else {
            AsvsIdError::Malformed
        });
    };
    let version = match prefix.strip_prefix('v') {
        Some(version) => version,
        None if prefix
            .strip_prefix('V')
            .is_some_and(|v| parse_triple_allowing_zero(v).is_some()) =>
        {
            return Err(AsvsIdError::UppercaseV);
        }
        None => return Err(AsvsIdError::Malformed),
    };
    if parse_triple_allowing_zero(version).is_none() {
        return Err(AsvsIdError::Malformed);
    }
    let version = version.parse::<AsvsVersion>()?;
    let (chapter, section, requirement) = parse_triple(numbers).ok_or(AsvsIdError::Malformed)?;
    Ok(AsvsId { version, chapter, section, requirement })
}

/// `a.b.c` of positive numbers without leading zeros.
fn parse_triple(text: &str) -> Option<(u16, u16, u16)> {
    let (a, b, c) = parse_triple_allowing_zero(text)?;
    (a > 0 && b > 0 && c > 0).then_some((a, b, c))
}

/// `a.b.c` of numbers without leading zeros (a single `0` is fine: version numbers have them).
fn parse_triple_allowing_zero(text: &str) -> Option<(u16, u16, u16)> {
    let mut parts = text.split('.');
    let mut next = || -> Option<u16> {
        let part = parts.next()?;
        let canonical = !part.is_empty()
            && part.len() <= 4
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if canonical { part.parse().ok() } else { None }
    };
    let triple = (next()?, next()?, next()?);
    parts.next().is_none().then_some(triple)
}

/// The parsed table with an index by id.
struct Table {
    rows: Vec<AsvsRequirement>,
    by_id: HashMap<&'static str, usize>,
}

/// A line of the requirement table that does not parse (a test keeps the committed file free of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parses a requirement table (`id<TAB>level<TAB>chapter<TAB>chapter name`, `#` comments).
pub fn parse_table(text: &'static str) -> (Vec<AsvsRequirement>, Vec<BadLine>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_row(line) {
            Ok(row) => rows.push(row),
            Err(reason) => bad.push(BadLine { line: index + 1, reason }),
        }
    }
    (rows, bad)
}

fn parse_row(line: &'static str) -> Result<AsvsRequirement, String> {
    let fields: Vec<&'static str> = line.split('\t').collect();
    let [id, level, chapter, chapter_name] = fields[..] else {
        return Err(format!("expected 4 tab-separated fields, found {}", fields.len()));
    };
    let parsed = parse_asvs_id(id).map_err(|e| format!("`{id}`: {e}"))?;
    if parsed.chapter_code() != chapter {
        return Err(format!("`{id}` is not in chapter {chapter}"));
    }
    let level = match level {
        "1" => 1,
        "2" => 2,
        "3" => 3,
        _ => return Err(format!("`{level}` is not a level (1, 2 or 3)")),
    };
    if chapter_name.is_empty() {
        return Err("the chapter name is empty".into());
    }
    Ok(AsvsRequirement { id, version: parsed.version, chapter, chapter_name, level })
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let rows = parse_table(ASVS_TSV).0;
        let by_id = rows.iter().enumerate().map(|(index, row)| (row.id, index)).collect();
        Table { rows, by_id }
    })
}

/// The requirement with this exact versioned id (`v5.0.0-8.2.1`).
pub fn asvs_requirement(id: &str) -> Option<AsvsRequirement> {
    let table = table();
    table.by_id.get(id).map(|&index| table.rows[index])
}

/// The requirements of `version` that an application at `max_level` must meet (level ≤
/// `max_level`), in the chapters listed (`["V6", "V8"]`; an empty list means every chapter), in
/// the standard's order.
pub fn asvs_requirements<'a>(
    version: AsvsVersion,
    max_level: u8,
    chapters: &'a [&'a str],
) -> impl Iterator<Item = AsvsRequirement> + 'a {
    table()
        .rows
        .iter()
        .filter(move |r| {
            r.version == version
                && r.level <= max_level
                && (chapters.is_empty() || chapters.contains(&r.chapter))
        })
        .copied()
}

/// The name of a chapter (`V8` → `Authorization` in 5.0.0), as the official export spells it.
pub fn asvs_chapter_name(version: AsvsVersion, chapter: &str) -> Option<&'static str> {
    table()
        .rows
        .iter()
        .find(|r| r.version == version && r.chapter == chapter)
        .map(|r| r.chapter_name)
}

/// The chapters that verify a theme.
///
/// threatokr's own judgement, checked against the chapter names of the official exports.
/// 5.0.0: V1 Encoding and Sanitization, V2 Validation and Business Logic, V3 Web Frontend Security,
/// V4 API and Web Service, V5 File Handling, V6 Authentication, V7 Session Management,
/// V8 Authorization, V9 Self-contained Tokens, V10 OAuth and OIDC, V11 Cryptography,
/// V12 Secure Communication, V13 Configuration, V14 Data Protection, V15 Secure Coding and
/// Architecture, V16 Security Logging and Error Handling; V17 WebRTC belongs to no theme (it applies
/// only to WebRTC applications). 4.0.3: V1 Architecture, Design and Threat Modeling,
/// V2 Authentication, V3 Session Management, V4 Access Control, V5 Validation, Sanitization and
/// Encoding, V6 Stored Cryptography, V7 Error Handling and Logging, V8 Data Protection,
/// V9 Communication, V10 Malicious Code, V11 Business Logic, V12 Files and Resources,
/// V13 API and Web Service, V14 Configuration.
pub fn asvs_chapters(theme: Theme, version: AsvsVersion) -> &'static [&'static str] {
    match version {
        AsvsVersion::V5_0_0 => match theme {
            Theme::AccessControl => &["V8"],
            // OAuth and OIDC is how most products authenticate users today.
            Theme::Authentication => &["V6", "V10"],
            // Self-contained tokens (JWTs) carry sessions.
            Theme::SessionManagement => &["V7", "V9"],
            Theme::InputValidationInjection => &["V1", "V2"],
            Theme::OutputEncodingXss => &["V1", "V3"],
            Theme::Cryptography => &["V11"],
            Theme::DataProtection => &["V14"],
            Theme::CommunicationSecurity => &["V12"],
            Theme::ConfigurationSecrets => &["V13"],
            Theme::LoggingMonitoring => &["V16"],
            // V15.2 "Security Architecture and Dependencies".
            Theme::SupplyChain => &["V15"],
            // V2.4 anti-automation and V15.2.2 availability defenses.
            Theme::Availability => &["V2", "V15"],
            Theme::BusinessLogic => &["V2"],
            Theme::FileHandling => &["V5"],
            Theme::ApiSecurity => &["V4"],
            Theme::Architecture => &["V15"],
        },
        AsvsVersion::V4_0_3 => match theme {
            Theme::AccessControl => &["V4"],
            Theme::Authentication => &["V2"],
            Theme::SessionManagement => &["V3"],
            Theme::InputValidationInjection => &["V5"],
            Theme::OutputEncodingXss => &["V5"],
            Theme::Cryptography => &["V6"],
            Theme::DataProtection => &["V8"],
            Theme::CommunicationSecurity => &["V9"],
            Theme::ConfigurationSecrets => &["V14"],
            Theme::LoggingMonitoring => &["V7"],
            // V10 Malicious Code and V14.2 Dependency.
            Theme::SupplyChain => &["V10", "V14"],
            // V11.1.4 anti-automation.
            Theme::Availability => &["V11"],
            Theme::BusinessLogic => &["V11"],
            Theme::FileHandling => &["V12"],
            Theme::ApiSecurity => &["V13"],
            Theme::Architecture => &["V1"],
        },
    }
}

#[cfg(test)]
mod tests;
