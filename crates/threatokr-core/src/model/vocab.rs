//! The closed vocabularies of DESIGN.md §3. Sources' raw values are always kept beside these.

/// Declares a closed vocabulary: an enum with `ALL`, `as_str`, `FromStr` and `Display`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The canonical snake_case name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }

            /// The canonical names, for "expected one of" messages and schemas.
            pub fn names() -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().map(|v| v.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::model::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(crate::model::UnknownValue { value: s.to_owned(), expected: Self::ALL.iter().map(|v| v.as_str()).collect() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

vocabulary! {
    /// Microsoft's STRIDE threat categories.
    Stride {
        /// Pretending to be someone or something else (authentication).
        Spoofing => "spoofing",
        /// Modifying data or code (integrity).
        Tampering => "tampering",
        /// Denying having done something (non-repudiation).
        Repudiation => "repudiation",
        /// Exposing information to someone not allowed to see it (confidentiality).
        InformationDisclosure => "information_disclosure",
        /// Denying or degrading service (availability).
        DenialOfService => "denial_of_service",
        /// Gaining capabilities without authorization.
        ElevationOfPrivilege => "elevation_of_privilege",
    }
}

vocabulary! {
    /// What an objective is about; threats map to themes through CWE first, STRIDE second.
    Theme {
        /// Authorization: who may do what to which object.
        AccessControl => "access_control",
        /// Proving identity.
        Authentication => "authentication",
        /// Sessions and tokens after login.
        SessionManagement => "session_management",
        /// Injection and input handling.
        InputValidationInjection => "input_validation_injection",
        /// Output encoding and cross-site scripting.
        OutputEncodingXss => "output_encoding_xss",
        /// Algorithms, keys and randomness.
        Cryptography => "cryptography",
        /// Sensitive data at rest and in use.
        DataProtection => "data_protection",
        /// Data in transit.
        CommunicationSecurity => "communication_security",
        /// Hardening, configuration and secrets.
        ConfigurationSecrets => "configuration_secrets",
        /// Logging, monitoring and non-repudiation.
        LoggingMonitoring => "logging_monitoring",
        /// Dependencies, build and deployment.
        SupplyChain => "supply_chain",
        /// Resource exhaustion and resilience.
        Availability => "availability",
        /// Abuse of legitimate flows.
        BusinessLogic => "business_logic",
        /// Uploads, paths and files.
        FileHandling => "file_handling",
        /// API-specific weaknesses.
        ApiSecurity => "api_security",
        /// Design-level weaknesses: segmentation, trust boundaries.
        Architecture => "architecture",
    }
}

vocabulary! {
    /// Where a threat is in its life.
    ThreatStatus {
        /// Found, nothing decided.
        Identified => "identified",
        /// Being discussed.
        InReview => "in_review",
        /// Mitigation under way.
        InProgress => "in_progress",
        /// A mitigation is in place.
        Mitigated => "mitigated",
        /// The mitigation was verified (tested, reviewed).
        Verified => "verified",
        /// The risk is accepted by its owner.
        Accepted => "accepted",
        /// The risk is transferred (insurance, a supplier).
        Transferred => "transferred",
        /// The feature was changed so the threat cannot happen.
        Avoided => "avoided",
        /// Does not apply to this system.
        NotApplicable => "not_applicable",
        /// Not a real threat.
        FalsePositive => "false_positive",
        /// The source's status could not be mapped.
        Unknown => "unknown",
    }
}

impl ThreatStatus {
    /// Open threats still carry risk: identified, in_review, in_progress, unknown.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Identified | Self::InReview | Self::InProgress | Self::Unknown)
    }

    /// Mitigated or verified.
    pub fn is_mitigated(self) -> bool {
        matches!(self, Self::Mitigated | Self::Verified)
    }

    /// Left out of "in scope" denominators.
    pub fn is_out_of_scope(self) -> bool {
        matches!(self, Self::NotApplicable | Self::FalsePositive)
    }
}

vocabulary! {
    /// Qualitative severity.
    Severity {
        /// CVSS 9.0–10.0.
        Critical => "critical",
        /// CVSS 7.0–8.9.
        High => "high",
        /// CVSS 4.0–6.9.
        Medium => "medium",
        /// CVSS 0.1–3.9.
        Low => "low",
        /// Informational.
        Info => "info",
        /// Not stated or not mappable.
        Unknown => "unknown",
    }
}

impl Severity {
    /// The CVSS band of a 0–10 score: low 0.1–3.9, medium 4.0–6.9, high 7.0–8.9, critical 9.0–10.0.
    pub fn from_score(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else if score > 0.0 {
            Self::Low
        } else {
            Self::Info
        }
    }

    /// A representative 0–10 score for a band, used when a threat has nothing better.
    pub fn representative_score(self) -> Option<f64> {
        match self {
            Self::Critical => Some(9.5),
            Self::High => Some(8.0),
            Self::Medium => Some(5.5),
            Self::Low => Some(2.0),
            Self::Info => Some(0.0),
            Self::Unknown => None,
        }
    }
}

vocabulary! {
    /// Qualitative likelihood or impact.
    Level {
        /// Very low.
        VeryLow => "very_low",
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
        /// Very high.
        VeryHigh => "very_high",
    }
}

impl Level {
    /// 1 (very low) to 5 (very high).
    pub fn rank(self) -> u8 {
        match self {
            Self::VeryLow => 1,
            Self::Low => 2,
            Self::Medium => 3,
            Self::High => 4,
            Self::VeryHigh => 5,
        }
    }
}

vocabulary! {
    /// Where a control is in its life (TM-BOM's lifecycle plus evidence).
    ControlStatus {
        /// Proposed, not decided.
        Suggested => "suggested",
        /// Decided, not started.
        Planned => "planned",
        /// Being built.
        InProgress => "in_progress",
        /// In place.
        Implemented => "implemented",
        /// In place and verified by evidence.
        Verified => "verified",
        /// Verification failed.
        Failed => "failed",
        /// Does not apply.
        NotApplicable => "not_applicable",
        /// Decided against.
        WontDo => "wont_do",
    }
}

impl ControlStatus {
    /// Implemented or verified.
    pub fn is_implemented(self) -> bool {
        matches!(self, Self::Implemented | Self::Verified)
    }
}

vocabulary! {
    /// Data-flow diagram element kinds.
    ElementKind {
        /// A process or service.
        Process => "process",
        /// A database, queue, bucket, file.
        DataStore => "data_store",
        /// A user or system outside our control.
        ExternalEntity => "external_entity",
    }
}

vocabulary! {
    /// The four kinds of key result (DESIGN.md §5).
    KrType {
        /// Move a number from start to target.
        Metric => "metric",
        /// Stay at most / at least a value.
        Threshold => "threshold",
        /// A weighted checklist.
        Milestones => "milestones",
        /// Done or not.
        Binary => "binary",
    }
}

vocabulary! {
    /// Strategic (long-term capability) or tactical (this quarter's fix).
    KrKind {
        /// Builds a lasting capability.
        Strategic => "strategic",
        /// Fixes something now.
        Tactical => "tactical",
    }
}

vocabulary! {
    /// Committed (expected 1.0) or aspirational (expected 0.7).
    Commitment {
        /// Must be done in full.
        Committed => "committed",
        /// A stretch: 0.7 is success.
        Aspirational => "aspirational",
    }
}

vocabulary! {
    /// Where an objective sits in the organisation.
    ObjectiveLevel {
        /// The whole company.
        Company => "company",
        /// A department (security, sales, ...).
        Department => "department",
        /// One team.
        Team => "team",
        /// One person.
        Individual => "individual",
    }
}

vocabulary! {
    /// How an objective relates to a parent.
    LinkKind {
        /// Feeds the parent's progress.
        Contributes => "contributes",
        /// Shown next to the parent; never changes its percentage.
        Supports => "supports",
    }
}

vocabulary! {
    /// Whether a metric should go up or down.
    Direction {
        /// Higher is better.
        Increase => "increase",
        /// Lower is better.
        Decrease => "decrease",
    }
}

vocabulary! {
    /// The comparison of a threshold key result.
    Comparison {
        /// value <= limit.
        AtMost => "at_most",
        /// value >= limit.
        AtLeast => "at_least",
        /// value < limit.
        Below => "below",
        /// value > limit.
        Above => "above",
    }
}

impl Comparison {
    /// Whether `value` satisfies the comparison against `limit`.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Self::AtMost => value <= limit,
            Self::AtLeast => value >= limit,
            Self::Below => value < limit,
            Self::Above => value > limit,
        }
    }
}

vocabulary! {
    /// What a scanner finding is about, so that security key results count vulnerabilities and
    /// not code-quality or licence issues reported in the same SARIF (`evidence::sarif::classify`).
    FindingClass {
        /// A weakness or vulnerability.
        Security => "security",
        /// Code quality: correctness, maintainability, best practice, performance, style.
        Quality => "quality",
        /// A dependency's licence.
        License => "license",
    }
}
