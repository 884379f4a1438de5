//! What the planner says about each theme: the id abbreviation, the training course, the noun
//! used in key-result titles and the objective's wording as an aspirational outcome.

use crate::model::Theme;

/// The planner's words for one theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThemeWords {
    /// Short upper-case abbreviation used in ids (`AC` in `O-2027-Q1-AC`, `KR-AC-TRAINING`).
    pub abbr: &'static str,
    /// The training course or topic id that `training.coverage` counts (`access-control`).
    pub course: &'static str,
    /// The theme as a noun phrase in a sentence (`access control`).
    pub noun: &'static str,
    /// The objective's wording; `{scope}` is replaced by the scope phrase
    /// (`the consumer-facing apps`, `Checkout and Storefront`).
    pub objective: &'static str,
}

/// The words of a theme. Every theme has its own wording, pinned by unit tests.
pub fn words(theme: Theme) -> ThemeWords {
    let (abbr, course, noun, objective) = match theme {
        Theme::AccessControl => (
            "AC",
            "access-control",
            "access control",
            "Implement consistent access control mechanisms across {scope}",
        ),
        Theme::Authentication => (
            "AUTHN",
            "authentication",
            "authentication",
            "Make every login to {scope} strong and centrally managed",
        ),
        Theme::SessionManagement => (
            "SESS",
            "session-management",
            "session management",
            "Keep user sessions on {scope} secure from login to logout",
        ),
        Theme::InputValidationInjection => {
            ("INJ", "injection", "injection", "Eliminate injection flaws from {scope}")
        }
        Theme::OutputEncodingXss => (
            "XSS",
            "xss",
            "cross-site scripting",
            "Make cross-site scripting impossible by default in {scope}",
        ),
        Theme::Cryptography => (
            "CRYPTO",
            "cryptography",
            "cryptography",
            "Use strong, well-managed cryptography everywhere in {scope}",
        ),
        Theme::DataProtection => (
            "DATA",
            "data-protection",
            "data protection",
            "Protect sensitive data at rest and in use in {scope}",
        ),
        Theme::CommunicationSecurity => (
            "COMMS",
            "secure-communication",
            "secure communication",
            "Encrypt and authenticate every connection of {scope}",
        ),
        Theme::ConfigurationSecrets => (
            "CONFIG",
            "secure-configuration",
            "configuration and secrets",
            "Harden the configuration and keep secrets out of the code of {scope}",
        ),
        Theme::LoggingMonitoring => (
            "LOG",
            "security-logging",
            "security logging and monitoring",
            "Detect and trace every security-relevant event in {scope}",
        ),
        Theme::SupplyChain => (
            "SUPPLY",
            "supply-chain",
            "supply chain",
            "Trust every dependency and build step of {scope}",
        ),
        Theme::Availability => {
            ("AVAIL", "availability", "availability", "Keep {scope} available under abuse and load")
        }
        Theme::BusinessLogic => (
            "LOGIC",
            "business-logic",
            "business logic",
            "Make the business rules of {scope} impossible to abuse",
        ),
        Theme::FileHandling => (
            "FILES",
            "file-handling",
            "file handling",
            "Handle every uploaded and stored file safely in {scope}",
        ),
        Theme::ApiSecurity => {
            ("API", "api-security", "API security", "Secure every API of {scope} by design")
        }
        Theme::Architecture => (
            "ARCH",
            "secure-design",
            "secure design",
            "Build security into the architecture of {scope}",
        ),
    };
    ThemeWords { abbr, course, noun, objective }
}

/// The objective's title for a theme and a scope phrase.
pub fn objective_title(theme: Theme, scope: &str) -> String {
    words(theme).objective.replace("{scope}", scope)
}
