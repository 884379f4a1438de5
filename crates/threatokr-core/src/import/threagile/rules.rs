//! Threagile's 42 built-in risk rules: category id, title, STRIDE and CWE, so that the risks
//! in `risks.json` (which name only their category id) carry CWE and STRIDE.
//!
//! Source: Threagile/threagile @ 74e323e `pkg/risks/builtin/*_rule.go`, as tabulated in
//! `standards-and-crates.md` §2 (one STRIDE category and one CWE per rule).

use crate::model::Stride;

/// A built-in risk category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BuiltinRule {
    /// The category id used in synthetic risk ids.
    pub(super) id: &'static str,
    /// The category's title.
    pub(super) title: &'static str,
    /// Its STRIDE category.
    pub(super) stride: Stride,
    /// Its CWE.
    pub(super) cwe: u32,
}

const fn rule(id: &'static str, title: &'static str, stride: Stride, cwe: u32) -> BuiltinRule {
    BuiltinRule { id, title, stride, cwe }
}

use Stride::{
    DenialOfService as D, ElevationOfPrivilege as E, InformationDisclosure as I, Spoofing as S,
    Tampering as T,
};

/// Every built-in rule, sorted by id (looked up by binary search).
pub(super) const BUILTIN_RULES: [BuiltinRule; 42] = [
    rule("accidental-secret-leak", "Accidental Secret Leak", I, 200),
    rule("code-backdooring", "Code Backdooring", T, 912),
    rule("container-baseimage-backdooring", "Container Base Image Backdooring", T, 912),
    rule("container-platform-escape", "Container Platform Escape", E, 1008),
    rule("cross-site-request-forgery", "Cross-Site Request Forgery (CSRF)", S, 352),
    rule("cross-site-scripting", "Cross-Site Scripting (XSS)", T, 79),
    rule(
        "dos-risky-access-across-trust-boundary",
        "DoS-risky Access Across Trust-Boundary",
        D,
        400,
    ),
    rule("incomplete-model", "Incomplete Model", I, 1008),
    rule("ldap-injection", "LDAP-Injection", T, 90),
    rule("missing-authentication", "Missing Authentication", E, 306),
    rule("missing-authentication-second-factor", "Missing Two-Factor Authentication (2FA)", E, 308),
    rule("missing-build-infrastructure", "Missing Build Infrastructure", T, 1127),
    rule("missing-cloud-hardening", "Missing Cloud Hardening", T, 1008),
    rule("missing-file-validation", "Missing File Validation", S, 434),
    rule("missing-hardening", "Missing Hardening", T, 16),
    rule("missing-identity-propagation", "Missing Identity Propagation", E, 284),
    rule("missing-identity-provider-isolation", "Missing Identity Provider Isolation", E, 1008),
    rule("missing-identity-store", "Missing Identity Store", S, 287),
    rule("missing-network-segmentation", "Missing Network Segmentation", E, 1008),
    rule("missing-vault", "Missing Vault (Secret Storage)", I, 522),
    rule("missing-vault-isolation", "Missing Vault Isolation", E, 1008),
    rule("missing-waf", "Missing Web Application Firewall (WAF)", T, 1008),
    rule("mixed-targets-on-shared-runtime", "Mixed Targets on Shared Runtime", E, 1008),
    rule("path-traversal", "Path-Traversal", I, 22),
    rule("push-instead-of-pull-deployment", "Push instead of Pull Deployment", T, 1127),
    rule("search-query-injection", "Search-Query Injection", T, 74),
    rule("server-side-request-forgery", "Server-Side Request Forgery (SSRF)", I, 918),
    rule("service-registry-poisoning", "Service Registry Poisoning", S, 693),
    rule("sql-nosql-injection", "SQL/NoSQL-Injection", T, 89),
    rule("unchecked-deployment", "Unchecked Deployment", T, 1127),
    rule("unencrypted-asset", "Unencrypted Technical Assets", I, 311),
    rule("unencrypted-communication", "Unencrypted Communication", I, 319),
    rule("unguarded-access-from-internet", "Unguarded Access From Internet", E, 501),
    rule("unguarded-direct-datastore-access", "Unguarded Direct Datastore Access", E, 501),
    rule("unnecessary-communication-link", "Unnecessary Communication Link", E, 1008),
    rule("unnecessary-data-asset", "Unnecessary Data Asset", E, 1008),
    rule("unnecessary-data-transfer", "Unnecessary Data Transfer", E, 1008),
    rule("unnecessary-technical-asset", "Unnecessary Technical Asset", E, 1008),
    rule("untrusted-deserialization", "Untrusted Deserialization", T, 502),
    rule("wrong-communication-link-content", "Wrong Communication Link Content", I, 1008),
    rule("wrong-trust-boundary-content", "Wrong Trust Boundary Content", E, 1008),
    rule("xml-external-entity", "XML External Entity (XXE)", I, 611),
];

/// The built-in rule with this category id.
pub(super) fn builtin_rule(id: &str) -> Option<&'static BuiltinRule> {
    BUILTIN_RULES.binary_search_by(|rule| rule.id.cmp(id)).ok().map(|index| &BUILTIN_RULES[index])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_are_sorted_unique_and_split_by_stride_as_documented() {
        assert!(BUILTIN_RULES.windows(2).all(|pair| pair[0].id < pair[1].id));
        let count =
            |stride: Stride| BUILTIN_RULES.iter().filter(|rule| rule.stride == stride).count();
        // standards-and-crates.md §2: 15 EoP, 13 Tampering, 9 Info-disclosure, 4 Spoofing, 1 DoS, 0 Repudiation.
        assert_eq!(
            [count(E), count(T), count(I), count(S), count(D), count(Stride::Repudiation)],
            [15, 13, 9, 4, 1, 0]
        );
        assert_eq!(builtin_rule("sql-nosql-injection").map(|rule| rule.cwe), Some(89));
        assert_eq!(builtin_rule("no-such-rule"), None);
    }
}
