//! Title keywords → theme: the last fallback, for threats with neither a known CWE nor a STRIDE
//! category.
//!
//! Matching is case-insensitive on words: the title is lowercased and every run of characters
//! that are not letters or digits becomes one space, so "Cross-Site Scripting" reads
//! "cross site scripting". A keyword matches where a word starts with it ("authoriz" matches
//! "authorization" but not "unauthorized", which has its own entry); a keyword written with a
//! trailing space must match a whole word ("log " matches "log" but not "login").
//! The table is tried in order and the first keyword found wins, so more specific keywords come
//! before the general ones ("sql injection" before "session").

use crate::model::Theme;

/// The keyword table, in priority order.
pub const KEYWORDS: &[(&str, Theme)] = &[
    // Output encoding first: "stored XSS via injection" is about encoding.
    ("xss", Theme::OutputEncodingXss),
    ("cross site scripting", Theme::OutputEncodingXss),
    ("clickjack", Theme::OutputEncodingXss),
    // Injection.
    ("sql", Theme::InputValidationInjection),
    ("nosql", Theme::InputValidationInjection),
    ("inject", Theme::InputValidationInjection),
    ("ssrf", Theme::InputValidationInjection),
    ("server side request forgery", Theme::InputValidationInjection),
    ("deserializ", Theme::InputValidationInjection),
    ("xxe", Theme::InputValidationInjection),
    ("input validation", Theme::InputValidationInjection),
    // Access control.
    ("idor", Theme::AccessControl),
    ("insecure direct object", Theme::AccessControl),
    ("authoriz", Theme::AccessControl),
    ("unauthoriz", Theme::AccessControl),
    ("authoris", Theme::AccessControl),
    ("unauthoris", Theme::AccessControl),
    ("privilege", Theme::AccessControl),
    ("access control", Theme::AccessControl),
    ("permission", Theme::AccessControl),
    ("csrf", Theme::AccessControl),
    ("cross site request forgery", Theme::AccessControl),
    // Authentication.
    ("login", Theme::Authentication),
    ("log in", Theme::Authentication),
    ("logon", Theme::Authentication),
    ("password", Theme::Authentication),
    ("mfa", Theme::Authentication),
    ("2fa", Theme::Authentication),
    ("multi factor", Theme::Authentication),
    ("authenticat", Theme::Authentication),
    ("unauthenticat", Theme::Authentication),
    ("credential", Theme::Authentication),
    ("brute force", Theme::Authentication),
    ("impersonat", Theme::Authentication),
    ("spoof", Theme::Authentication),
    ("sso", Theme::Authentication),
    ("oauth", Theme::Authentication),
    ("oidc", Theme::Authentication),
    // Sessions and tokens.
    ("session", Theme::SessionManagement),
    ("token", Theme::SessionManagement),
    ("cookie", Theme::SessionManagement),
    ("jwt", Theme::SessionManagement),
    // Transport.
    ("tls", Theme::CommunicationSecurity),
    ("ssl", Theme::CommunicationSecurity),
    ("https", Theme::CommunicationSecurity),
    ("certificate", Theme::CommunicationSecurity),
    ("in transit", Theme::CommunicationSecurity),
    ("man in the middle", Theme::CommunicationSecurity),
    ("mitm", Theme::CommunicationSecurity),
    ("eavesdrop", Theme::CommunicationSecurity),
    ("sniff", Theme::CommunicationSecurity),
    // Cryptography.
    ("encrypt", Theme::Cryptography),
    ("unencrypt", Theme::Cryptography),
    ("decrypt", Theme::Cryptography),
    ("crypto", Theme::Cryptography),
    ("cipher", Theme::Cryptography),
    ("hash", Theme::Cryptography),
    ("random", Theme::Cryptography),
    // Secrets and configuration.
    ("secret", Theme::ConfigurationSecrets),
    ("api key", Theme::ConfigurationSecrets),
    ("hardcoded", Theme::ConfigurationSecrets),
    ("hard coded", Theme::ConfigurationSecrets),
    ("misconfig", Theme::ConfigurationSecrets),
    ("configuration", Theme::ConfigurationSecrets),
    ("hardening", Theme::ConfigurationSecrets),
    ("debug", Theme::ConfigurationSecrets),
    // Files.
    ("upload", Theme::FileHandling),
    ("path traversal", Theme::FileHandling),
    ("directory traversal", Theme::FileHandling),
    ("file", Theme::FileHandling),
    // Logging.
    ("logging", Theme::LoggingMonitoring),
    ("log ", Theme::LoggingMonitoring),
    ("logs ", Theme::LoggingMonitoring),
    ("audit", Theme::LoggingMonitoring),
    ("monitor", Theme::LoggingMonitoring),
    ("repudiat", Theme::LoggingMonitoring),
    ("non repudiat", Theme::LoggingMonitoring),
    // Supply chain.
    ("dependenc", Theme::SupplyChain),
    ("supply chain", Theme::SupplyChain),
    ("third party", Theme::SupplyChain),
    ("library", Theme::SupplyChain),
    ("libraries", Theme::SupplyChain),
    ("backdoor", Theme::SupplyChain),
    ("pipeline", Theme::SupplyChain),
    ("outdated", Theme::SupplyChain),
    // Availability.
    ("denial of service", Theme::Availability),
    ("dos ", Theme::Availability),
    ("ddos", Theme::Availability),
    ("rate limit", Theme::Availability),
    ("exhaust", Theme::Availability),
    ("flood", Theme::Availability),
    ("outage", Theme::Availability),
    // Data.
    ("pii", Theme::DataProtection),
    ("personal data", Theme::DataProtection),
    ("sensitive data", Theme::DataProtection),
    ("data leak", Theme::DataProtection),
    ("disclos", Theme::DataProtection),
    ("exfiltrat", Theme::DataProtection),
    ("privacy", Theme::DataProtection),
    // Business logic and APIs.
    ("business logic", Theme::BusinessLogic),
    ("race condition", Theme::BusinessLogic),
    ("workflow", Theme::BusinessLogic),
    ("fraud", Theme::BusinessLogic),
    ("mass assignment", Theme::ApiSecurity),
    ("graphql", Theme::ApiSecurity),
    ("api", Theme::ApiSecurity),
];

/// The first keyword of [`KEYWORDS`] found in `title`, with its theme.
pub fn match_title(title: &str) -> Option<(&'static str, Theme)> {
    let words = normalize(title);
    KEYWORDS.iter().find(|(keyword, _)| words.contains(&format!(" {keyword}"))).copied()
}

/// Lowercased words separated by single spaces, with a space at both ends.
fn normalize(title: &str) -> String {
    let mut words = String::with_capacity(title.len() + 2);
    words.push(' ');
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            words.push(c);
        } else if !words.ends_with(' ') {
            words.push(' ');
        }
    }
    if !words.ends_with(' ') {
        words.push(' ');
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(title: &str) -> Option<Theme> {
        match_title(title).map(|(_, theme)| theme)
    }

    #[test]
    fn matches_the_documented_keywords() {
        assert_eq!(theme("Missing authorization check on /orders"), Some(Theme::AccessControl));
        assert_eq!(theme("IDOR in invoice download"), Some(Theme::AccessControl));
        assert_eq!(theme("Unauthorized access to admin panel"), Some(Theme::AccessControl));
        assert_eq!(theme("Privilege escalation via role parameter"), Some(Theme::AccessControl));
        assert_eq!(theme("Weak password policy"), Some(Theme::Authentication));
        assert_eq!(theme("No MFA for operators"), Some(Theme::Authentication));
        assert_eq!(theme("Login form brute force"), Some(Theme::Authentication));
        assert_eq!(theme("Session not invalidated"), Some(Theme::SessionManagement));
        assert_eq!(theme("Token stored in localStorage"), Some(Theme::SessionManagement));
        assert_eq!(theme("SQL injection in search"), Some(Theme::InputValidationInjection));
        assert_eq!(theme("Stored XSS in comments"), Some(Theme::OutputEncodingXss));
        assert_eq!(theme("Cross-Site Scripting in profile"), Some(Theme::OutputEncodingXss));
        assert_eq!(theme("TLS 1.0 still enabled"), Some(Theme::CommunicationSecurity));
        assert_eq!(theme("Backups are not encrypted"), Some(Theme::Cryptography));
        assert_eq!(theme("Audit log can be deleted"), Some(Theme::LoggingMonitoring));
    }

    #[test]
    fn matches_word_starts_and_whole_words_only() {
        // "log " must be a whole word: "catalog" and "blog" do not match it.
        assert_eq!(theme("Catalog blog"), None);
        assert_eq!(theme("Nothing is written to the log"), Some(Theme::LoggingMonitoring));
        // "api" starts "apis" but does not occur inside "rapid".
        assert_eq!(theme("Rapid growth"), None);
        assert_eq!(theme("Public APIs lack schema"), Some(Theme::ApiSecurity));
    }

    #[test]
    fn earlier_table_rows_win() {
        // Both "sql" and "session" occur: injection comes first in the table.
        assert_eq!(
            match_title("Session id used in SQL query"),
            Some(("sql", Theme::InputValidationInjection))
        );
        assert_eq!(match_title("Login page has XSS"), Some(("xss", Theme::OutputEncodingXss)));
    }

    #[test]
    fn handles_empty_and_odd_text() {
        assert_eq!(match_title(""), None);
        assert_eq!(match_title("   \n\t"), None);
        assert_eq!(theme("ÉCHEC D'AUTHENTIFICATION"), None);
        assert_eq!(theme("Passwörd"), None);
    }
}
