//! The taxonomy: which theme a threat is about, which ASVS chapters verify a theme, and how much
//! risk a threat carries.
//!
//! A threat's theme comes from, in order:
//! 1. its CWE ids, through the table in `data/cwe_themes.tsv` (the most specific listed weakness
//!    decides, see [`cwe`]);
//! 2. its STRIDE categories, through the fallback table in [`stride`];
//! 3. keywords in its title, through the table in [`keyword`];
//! 4. otherwise [`Theme::Architecture`]: a threat we cannot place is a design question.
//!
//! [`theme_source`] says which of these decided, so reports can explain a theme.

pub mod asvs;
pub mod cvss;
pub mod cwe;
pub mod keyword;
pub mod risk;
pub mod stride;

pub use asvs::{
    AsvsId, AsvsIdError, AsvsRequirement, AsvsVersion, asvs_chapter_name, asvs_chapters,
    asvs_requirement, asvs_requirements, parse_asvs_id,
};
pub use cvss::{CvssError, parse_cvss};
pub use risk::{DEFAULT_RISK, Risk, RiskBasis, risk_of};

use crate::model::{Stride, Theme, Threat};

/// Why a threat got its theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ThemeSource {
    /// This CWE id, found in the CWE table.
    Cwe(u32),
    /// This STRIDE category (no CWE of the threat is in the table).
    Stride(Stride),
    /// This title keyword (no known CWE, no STRIDE category).
    Keyword(&'static str),
    /// Nothing matched: the default theme, architecture.
    Default,
}

impl ThemeSource {
    /// The kind of source: `cwe`, `stride`, `keyword` or `default`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Cwe(_) => "cwe",
            Self::Stride(_) => "stride",
            Self::Keyword(_) => "keyword",
            Self::Default => "default",
        }
    }
}

impl std::fmt::Display for ThemeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cwe(id) => write!(f, "CWE-{id}"),
            Self::Stride(stride) => write!(f, "STRIDE {stride}"),
            Self::Keyword(keyword) => write!(f, "title keyword \"{keyword}\""),
            Self::Default => f.write_str("default"),
        }
    }
}

/// The theme a threat is about (see the module documentation for the order of the rules).
pub fn theme_of(threat: &Threat) -> Theme {
    classify(threat).0
}

/// Why [`theme_of`] chose the theme it did.
pub fn theme_source(threat: &Threat) -> ThemeSource {
    classify(threat).1
}

/// The theme of a threat together with the rule that chose it.
pub fn classify(threat: &Threat) -> (Theme, ThemeSource) {
    if let Some((id, theme)) = cwe::most_specific(&threat.cwes) {
        return (theme, ThemeSource::Cwe(id));
    }
    if let Some(stride) = stride::primary(&threat.stride) {
        return (stride::theme_of_stride(stride), ThemeSource::Stride(stride));
    }
    if let Some((keyword, theme)) = keyword::match_title(&threat.title) {
        return (theme, ThemeSource::Keyword(keyword));
    }
    (Theme::Architecture, ThemeSource::Default)
}

#[cfg(test)]
pub(crate) mod tests;
