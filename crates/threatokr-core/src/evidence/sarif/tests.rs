//! Tests of the SARIF reader: the four real samples with counts from a careful reading, and small
//! fixtures for each rule (suppressions, kinds, rule lookup, CWE spellings, identity, junk values).

use super::*;
use crate::diag::Files;
use crate::test_support::read_sample;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

fn parse(name: &str, text: &str) -> (Vec<Finding>, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files.add(name, text);
    parse_sarif(&files, file)
}

fn sample(name: &str) -> (Vec<Finding>, Vec<Diagnostic>) {
    parse(name, &read_sample(&format!("samples/sarif/{name}")))
}

fn severities(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.severity.as_str()).or_default() += 1;
    }
    counts
}

fn cwe_counts(findings: &[Finding]) -> BTreeMap<u32, usize> {
    let mut counts = BTreeMap::new();
    for cwe in findings.iter().flat_map(|f| &f.cwes) {
        *counts.entry(*cwe).or_default() += 1;
    }
    counts
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn by_message<'a>(findings: &'a [Finding], start: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.message.starts_with(start))
        .unwrap_or_else(|| panic!("no finding with message `{start}`"))
}

fn unique_fingerprints(findings: &[Finding]) -> usize {
    findings.iter().map(|f| f.fingerprint.as_str()).collect::<BTreeSet<_>>().len()
}

// The sample figures below come from this reading of the files (python3, run in samples/sarif):
//
//   import json,re,sys,collections
//   def num(v):
//       try: x=float(v)
//       except: return None
//       return x if 0<x<=10 else None
//   def band(s): return 'critical' if s>=9 else 'high' if s>=7 else 'medium' if s>=4 else 'low'
//   LV={'error':'high','warning':'medium','note':'low','none':'info'}
//   def cwes(tags):
//       out=set()
//       for t in tags or []:
//           m=re.match(r'(?i)^(?:external/cwe/)?cwe-0*(\d+)\b',t)
//           if m and int(m.group(1))>0: out.add(int(m.group(1)))
//       return out
//   for f in sys.argv[1:]:
//       d=json.load(open(f)); sev=collections.Counter(); tools=collections.Counter(); cw=collections.Counter(); n=0
//       for run in d['runs']:
//           drv=run['tool']['driver']; rules=drv.get('rules',[]); byid={r['id']:r for r in rules}
//           for r in run.get('results',[]):
//               if r.get('kind','fail')!='fail': continue
//               if any(s.get('status','accepted')=='accepted' for s in r.get('suppressions',[])): continue
//               rule=rules[r['ruleIndex']] if 'ruleIndex' in r else byid.get(r.get('ruleId'),{})
//               n+=1; tools[drv['name']]+=1
//               s=num(r.get('properties',{}).get('security-severity')) or num(rule.get('properties',{}).get('security-severity'))
//               if s: v=band(s)
//               elif r.get('properties',{}).get('issue_severity','').lower() in ('high','medium','low'): v=r['properties']['issue_severity'].lower()
//               else: v=LV[r.get('level') or rule.get('defaultConfiguration',{}).get('level') or 'warning']
//               sev[v]+=1
//               for c in cwes(rule.get('properties',{}).get('tags'))|cwes(r.get('properties',{}).get('tags')): cw[c]+=1
//       print(f, n, dict(sorted(sev.items())), dict(tools), dict(sorted(cw.items())))
//
// which prints (none of the four has suppressions, a non-fail kind or rules in extensions):
//   bandit  28 {high 3, low 21, medium 4} {Bandit: 28} {78: 8, 327: 3, 330: 1, 605: 2, 703: 14}
//   codeql   4 {critical 3, high 1} {CodeQL: 4} {73: 2, 78: 2, 88: 2, 352: 1, 918: 1}
//   snyk    14 {high 6, low 2, medium 6} {Snyk Open Source: 14} {79: 4, 200: 1, 405: 1, 601: 1, 1321: 1, 1333: 2}
//   semgrep 46 {high 9, medium 37} {Semgrep OSS: 46} {78: 1, 95: 2, 295: 1, 327: 3}

#[test]
fn reads_bandit_severity_from_issue_severity_including_medium_results_without_level() {
    let (findings, diagnostics) = sample("bandit-1.9.4_werkzeug-3.1.3.sarif");
    assert_eq!(diagnostics, vec![]);
    assert_eq!(findings.len(), 28);
    assert_eq!(severities(&findings), BTreeMap::from([("high", 3), ("low", 21), ("medium", 4)]));
    assert!(findings.iter().all(|f| &*f.tool == "Bandit"
        && f.severity_source == SeveritySource::ToolProperty
        && f.score.is_none()));
    assert_eq!(
        cwe_counts(&findings),
        BTreeMap::from([(78, 8), (327, 3), (330, 1), (605, 2), (703, 14)])
    );
    // Bandit writes no fingerprints: every identity is a hash, and all 28 differ.
    assert!(findings.iter().all(|f| f.fingerprint.starts_with("Bandit:hash:")));
    assert_eq!(unique_fingerprints(&findings), 28);
    let first = by_message(&findings, "Use of assert detected");
    assert_eq!(&*first.rule_id, "B101");
    assert_eq!(first.rule_name.as_deref(), Some("assert_used"));
    assert_eq!(first.file.as_deref(), Some("werkzeug-3.1.3/src/werkzeug/_internal.py"));
    assert_eq!(first.line, Some(39));
    assert_eq!(first.cwes, vec![703]);
}

#[test]
fn reads_codeql_security_severity_and_keeps_two_rules_on_one_line_apart() {
    let (findings, diagnostics) = sample("fabasoad-sarif-to-slack_codeql-ruby.sarif");
    assert_eq!(diagnostics, vec![]);
    assert_eq!(findings.len(), 4);
    assert_eq!(severities(&findings), BTreeMap::from([("critical", 3), ("high", 1)]));
    assert_eq!(
        cwe_counts(&findings),
        BTreeMap::from([(73, 2), (78, 2), (88, 2), (352, 1), (918, 1)])
    );
    let forgery =
        findings.iter().find(|f| &*f.rule_id == "rb/request-forgery").expect("request forgery");
    assert_eq!(
        (forgery.score, forgery.severity, forgery.severity_source),
        (Some(9.1), Severity::Critical, SeveritySource::SecuritySeverity)
    );
    assert_eq!(forgery.rule_name.as_deref(), Some("Server-side request forgery"));
    assert_eq!(
        forgery.fingerprint,
        "CodeQL:rb/request-forgery:script.rb:primaryLocationLineHash=f756b044c287db7:1,primaryLocationStartColumnFingerprint=5"
    );
    // rb/request-forgery and rb/kernel-open have identical partial fingerprints (same line and column).
    assert_eq!(unique_fingerprints(&findings), 4);
}

#[test]
fn reports_snyk_undefined_security_severity_and_falls_back_to_the_level() {
    let (findings, diagnostics) = sample("fabasoad-sarif-to-slack_snyk-npm.sarif");
    assert_eq!(findings.len(), 14);
    assert_eq!(severities(&findings), BTreeMap::from([("high", 6), ("low", 2), ("medium", 6)]));
    assert_eq!(
        cwe_counts(&findings),
        BTreeMap::from([(79, 4), (200, 1), (405, 1), (601, 1), (1321, 1), (1333, 2)])
    );
    // One warning per rule with "undefined" (4 licence rules), each result still a finding at level error.
    assert_eq!(codes(&diagnostics), vec!["sarif-invalid-value"; 4]);
    assert!(diagnostics.iter().all(|d| d.message.contains("`undefined`")));
    let licence =
        findings.iter().filter(|f| f.rule_id.starts_with("snyk:lic:")).collect::<Vec<_>>();
    assert_eq!(licence.len(), 4);
    assert!(
        licence
            .iter()
            .all(|f| f.severity == Severity::High && f.severity_source == SeveritySource::Level)
    );
    assert_eq!(
        findings.iter().filter(|f| f.severity_source == SeveritySource::SecuritySeverity).count(),
        10
    );
}

#[test]
fn reads_semgrep_levels_from_rules_and_does_not_trust_the_requires_login_fingerprint() {
    let (findings, diagnostics) = sample("semgrep-1.185.0_werkzeug-3.1.3_rules-python.sarif");
    assert_eq!(findings.len(), 46);
    assert_eq!(severities(&findings), BTreeMap::from([("high", 9), ("medium", 37)]));
    assert_eq!(cwe_counts(&findings), BTreeMap::from([(78, 1), (95, 2), (295, 1), (327, 3)]));
    assert!(
        findings
            .iter()
            .all(|f| &*f.tool == "Semgrep OSS" && f.severity_source == SeveritySource::Level)
    );
    assert_eq!(codes(&diagnostics), vec!["sarif-fingerprint-not-unique"]);
    assert!(diagnostics[0].message.contains("of 46 results"), "{}", diagnostics[0].message);
    // Two pairs of results flag the same rule on identical line text in one file: `#2` keeps them apart.
    assert!(findings.iter().all(|f| f.fingerprint.starts_with("Semgrep OSS:hash:")));
    assert_eq!(findings.iter().filter(|f| f.fingerprint.ends_with("#2")).count(), 2);
    assert_eq!(unique_fingerprints(&findings), 46);
}

#[test]
fn summarizes_the_snyk_sample_as_the_dry_run_json_contract() {
    let (findings, _) = sample("fabasoad-sarif-to-slack_snyk-npm.sarif");
    let summary = summary_json(&findings, vec![json!({"code": "x"})]);
    assert_eq!(
        summary.to_string(),
        r#"{"by_class":{"license":4,"quality":0,"security":10},"by_severity":{"critical":0,"high":6,"info":0,"low":2,"medium":6},"by_tool":{"Snyk Open Source":14},"cwes":{"1321":1,"1333":2,"200":1,"405":1,"601":1,"79":4},"diagnostics":[{"code":"x"}],"findings":14}"#
    );
}

fn classes(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.class.as_str()).or_default() += 1;
    }
    counts
}

#[test]
fn classifies_bandit_findings_as_security_by_their_security_tag() {
    let (findings, _) = sample("bandit-1.9.4_werkzeug-3.1.3.sarif");
    assert_eq!(classes(&findings), BTreeMap::from([("security", 28)]));
}

#[test]
fn classifies_codeql_findings_as_security_by_their_score_even_when_also_tagged_correctness() {
    let (findings, _) = sample("fabasoad-sarif-to-slack_codeql-ruby.sarif");
    assert_eq!(classes(&findings), BTreeMap::from([("security", 4)]));
    // rb/kernel-open is tagged both `correctness` and `security`, with a score.
    assert!(
        findings
            .iter()
            .any(|f| &*f.rule_id == "rb/kernel-open" && f.class == FindingClass::Security)
    );
}

#[test]
fn classifies_snyk_licence_issues_apart_from_its_vulnerabilities() {
    let (findings, _) = sample("fabasoad-sarif-to-slack_snyk-npm.sarif");
    assert_eq!(classes(&findings), BTreeMap::from([("license", 4), ("security", 10)]));
    assert!(
        findings
            .iter()
            .filter(|f| f.class == FindingClass::License)
            .all(|f| f.rule_id.starts_with("snyk:lic:"))
    );
}

#[test]
fn classifies_semgrep_best_practice_and_maintainability_rules_as_quality() {
    let (findings, _) = sample("semgrep-1.185.0_werkzeug-3.1.3_rules-python.sarif");
    assert_eq!(classes(&findings), BTreeMap::from([("quality", 39), ("security", 7)]));
    let class_of = |rule: &str| findings.iter().find(|f| f.rule_id.contains(rule)).map(|f| f.class);
    assert_eq!(class_of("correctness.return-in-init"), Some(FindingClass::Quality));
    assert_eq!(class_of("best-practice.open-never-close"), Some(FindingClass::Quality));
    assert_eq!(class_of("security.audit.exec-detected"), Some(FindingClass::Security));
}

#[test]
fn classifies_by_the_documented_order() {
    use FindingClass::*;
    assert_eq!(classify("snyk:lic:npm:x:GPL-3.0", &["security"], false), License);
    assert_eq!(classify("x", &["License"], true), License);
    assert_eq!(classify("js/unused", &["maintainability"], true), Security);
    assert_eq!(classify("js/unused", &["maintainability", "security"], false), Security);
    assert_eq!(classify("js/unused", &["maintainability", "external/cwe/cwe-561"], false), Quality);
    assert_eq!(classify("go.lang.performance.x", &[], false), Quality);
    // A CWE only, or nothing at all: counted as security, never hidden.
    assert_eq!(classify("B101", &["external/cwe/cwe-703"], false), Security);
    assert_eq!(classify("gitleaks-aws-key", &[], false), Security);
}

#[test]
fn issue_12_results_of_one_rule_take_its_class_and_cwes_once_worked_out_and_add_their_own() {
    let log = json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "scan", "rules": [
                {"id": "py.correctness.a", "name": "A", "properties": {"tags": ["CWE-79: xss"], "cwe": ["oops"]}},
                {"id": "py.b", "properties": {"security-severity": "8.0"}}
            ]}},
            "results": [
                {"ruleId": "py.correctness.a", "message": {"text": "first"}},
                {"ruleId": "py.correctness.a", "message": {"text": "tagged"},
                 "properties": {"tags": ["security"], "cwe": "89"}},
                {"ruleId": "py.correctness.a", "message": {"text": "again"}},
                {"ruleIndex": 0, "ruleId": "py.other", "message": {"text": "indexed"}},
                {"ruleId": "py.b", "message": {"text": "scored"}},
                {"ruleId": "py.correctness.a", "message": {"text": "last"}}
            ]
        }]
    });
    let (findings, diagnostics) = parse("facts.sarif", &log.to_string());
    let of = |start: &str| {
        let finding = by_message(&findings, start);
        (finding.class, finding.cwes.clone())
    };
    use FindingClass::*;
    // The rule's id classes its results as quality; its CWE tag is each result's.
    assert_eq!(of("first"), (Quality, vec![79]));
    assert_eq!(of("again"), (Quality, vec![79]));
    assert_eq!(of("last"), (Quality, vec![79]));
    // A result's own tags and CWEs join the rule's.
    assert_eq!(of("tagged"), (Security, vec![79, 89]));
    // Classed by the id it names, which names no quality category, not by its rule's id.
    assert_eq!(of("indexed"), (Security, vec![79]));
    assert_eq!(of("scored"), (Security, vec![]));
    // The rule's odd CWE value is reported once, not once per result.
    let odd: Vec<_> = diagnostics.iter().filter(|d| d.message.contains("`oops`")).collect();
    assert_eq!(odd.len(), 1, "{diagnostics:?}");

    // The findings of a rule share its id and name, and those of a run its tool: one text each.
    let (first, last) = (by_message(&findings, "first"), by_message(&findings, "last"));
    assert_eq!((&*first.rule_id, first.rule_name.as_deref()), ("py.correctness.a", Some("A")));
    assert!(Arc::ptr_eq(&first.rule_id, &last.rule_id));
    assert!(
        first
            .rule_name
            .as_ref()
            .zip(last.rule_name.as_ref())
            .is_some_and(|(a, b)| Arc::ptr_eq(a, b))
    );
    assert!(findings.iter().all(|f| Arc::ptr_eq(&f.tool, &first.tool) && &*f.tool == "scan"));
    // A result naming another id than its rule's keeps the id it names.
    let indexed = by_message(&findings, "indexed");
    assert_eq!((&*indexed.rule_id, indexed.rule_name.as_deref()), ("py.other", Some("A")));
}

#[test]
fn counts_only_unsuppressed_failures() {
    let (findings, diagnostics) = parse(
        "a.sarif",
        include_str!("../../../test_data/evidence/sarif/0001_suppressions_and_kinds.sarif.json"),
    );
    let mut messages: Vec<&str> =
        findings.iter().map(|f| f.message.split(':').next().unwrap_or_default()).collect();
    messages.sort_unstable();
    assert_eq!(
        messages,
        vec![
            "empty suppressions",
            "kind fail",
            "new in this run",
            "plain result",
            "suppression rejected",
            "suppression under review",
            "unknown kind",
            "unknown suppression status"
        ]
    );
    assert_eq!(codes(&diagnostics), vec!["sarif-invalid-value", "sarif-invalid-value"]);
    assert!(diagnostics[0].message.contains("`failed`"));
    assert!(diagnostics[1].message.contains("`waived`"));
    assert!(findings.iter().all(|f| f.severity == Severity::High));
}

#[test]
fn finds_rules_by_index_id_and_tool_component() {
    let (findings, diagnostics) = parse(
        "b.sarif",
        include_str!("../../../test_data/evidence/sarif/0002_rule_lookup.sarif.json"),
    );
    let got = |start: &str| {
        let f = by_message(&findings, start);
        (&*f.rule_id, f.rule_name.as_deref(), f.severity, f.cwes.clone())
    };
    assert_eq!(got("by ruleIndex into"), ("D1", Some("driver-one"), Severity::Low, vec![]));
    assert_eq!(got("by ruleId, found"), ("E0", None, Severity::Critical, vec![89]));
    assert_eq!(got("by rule.index"), ("F1", None, Severity::High, vec![]));
    assert_eq!(got("by rule.id"), ("F0", None, Severity::Low, vec![]));
    assert_eq!(
        got("ruleIndex out of range"),
        ("D0", Some("Driver rule zero"), Severity::High, vec![])
    );
    assert_eq!(got("ruleIndex -1"), ("D1", Some("driver-one"), Severity::Low, vec![]));
    assert_eq!(got("ruleIndex only"), ("D0", Some("Driver rule zero"), Severity::High, vec![]));
    assert_eq!(got("a rule no component"), ("nowhere", None, Severity::Medium, vec![]));
    assert_eq!(findings.len(), 8);
    assert_eq!(codes(&diagnostics), vec!["sarif-invalid-value"]);
    assert!(diagnostics[0].message.contains("`ruleIndex` `7`"), "{}", diagnostics[0].message);
}

#[test]
fn reports_a_tool_component_that_does_not_exist_and_falls_back_to_the_rule_id() {
    let text = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": [{"id": "a", "defaultConfiguration": {"level": "error"}}]}, "extensions": [{"name": "x", "rules": []}]},
        "results": [
          {"ruleId": "a", "rule": {"id": "a", "toolComponent": {"index": 3}}, "message": {"text": "index out of range"}},
          {"ruleId": "a", "rule": {"id": "a", "toolComponent": {"name": "nope"}}, "message": {"text": "unknown name"}},
          {"ruleId": "a", "rule": {"id": "a", "index": 5, "toolComponent": {"name": "x"}}, "message": {"text": "rule index out of range in a known extension"}}
        ]}]}"#;
    let (findings, diagnostics) = parse("x.sarif", text);
    let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    // The first two fall back to the driver's rule `a` (error, high); the third names extension
    // `x`, which has no rule `a`, so it has no rule and gets the default level (medium).
    assert_eq!(severities, vec![Severity::High, Severity::High, Severity::Medium]);
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(diagnostics.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("`toolComponent.index` `3`"));
    assert!(messages[1].starts_with("`toolComponent` names `nope`"));
    assert!(messages[2].starts_with("`rule.index` `5`"));
}

#[test]
fn reads_cwes_in_every_spelling_and_rejects_look_alikes() {
    let (findings, diagnostics) = parse(
        "c.sarif",
        include_str!("../../../test_data/evidence/sarif/0003_cwe_spellings.sarif.json"),
    );
    let cwes: BTreeMap<&str, Vec<u32>> =
        findings.iter().map(|f| (&*f.rule_id, f.cwes.clone())).collect();
    assert_eq!(
        cwes,
        BTreeMap::from([
            ("codeql-style", vec![79, 116]),
            ("semgrep-style", vec![78]),
            ("snyk-style", vec![89, 434]),
            ("property-style", vec![22, 200, 352]),
            ("taxonomy-style", vec![611, 918]),
            ("not-cwes", vec![]),
            ("junk-property", vec![94]),
        ])
    );
    assert_eq!(codes(&diagnostics), vec!["sarif-invalid-value"]);
    assert!(diagnostics[0].message.contains("`injection`"));
}

#[test]
fn parses_cwe_tags_by_their_exact_spellings() {
    assert_eq!(cwe_from_tag("external/cwe/cwe-079"), Some(79));
    assert_eq!(cwe_from_tag("EXTERNAL/CWE/CWE-1333"), Some(1333));
    assert_eq!(cwe_from_tag("CWE-78: Improper Neutralization"), Some(78));
    assert_eq!(cwe_from_tag("CWE-79"), Some(79));
    assert_eq!(cwe_from_tag("CWE-79x"), None);
    assert_eq!(cwe_from_tag("CWE-0"), None);
    assert_eq!(cwe_from_tag("OWASP-A03:2021 - Injection"), None);
    assert_eq!(cwe_from_tag("79"), None);
}

#[test]
fn identifies_by_fingerprints_else_by_a_stable_hash() {
    let (findings, diagnostics) = parse(
        "d.sarif",
        include_str!("../../../test_data/evidence/sarif/0004_identity.sarif.json"),
    );
    let line_hash =
        "primaryLocationLineHash=f756b044c287db7:1,primaryLocationStartColumnFingerprint=5";
    let hash = |rule: &str, uri: &str, text: &str| {
        format!("Scanner:hash:{:016x}", fnv1a64(&["Scanner", rule, uri, text]))
    };
    let got: Vec<(Option<&str>, Option<u32>, &str)> =
        findings.iter().map(|f| (f.file.as_deref(), f.line, f.fingerprint.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (Some("a.py"), Some(3), hash("C", "a.py", "eval(x)").as_str()),
            (Some("app.rb"), Some(6), format!("Scanner:A:app.rb:{line_hash}").as_str()),
            (Some("app.rb"), Some(6), format!("Scanner:B:app.rb:{line_hash}").as_str()),
            (Some("b.py"), Some(9), hash("C", "b.py", "eval(y)").as_str()),
            (Some("c.py"), Some(10), hash("D", "c.py", "assert x").as_str()),
            (Some("c.py"), Some(20), format!("{}#2", hash("D", "c.py", "assert x")).as_str()),
            (Some("c.py"), Some(30), hash("D", "c.py", "30").as_str()),
            (Some("d.py"), Some(1), hash("E", "d.py", "x = 1").as_str()),
            (Some("d.py"), Some(2), hash("E", "d.py", "x = 2").as_str()),
            (Some("e.py"), Some(4), "Scanner:F:e.py:lineHash=abc:1"),
            (Some("f.py"), Some(4), "Scanner:F:f.py:lineHash=abc:1"),
            (Some("g.py"), Some(7), hash("G", "g.py", "call(").as_str()),
        ]
    );
    assert_eq!(codes(&diagnostics), vec!["sarif-fingerprint-not-unique"; 2]);
    assert!(diagnostics[0].message.contains("`matchBasedId/v1=requires login` of 2 results"));
    assert!(diagnostics[1].message.contains("`id=same` of 2 results"));
}

#[test]
fn hashes_with_the_published_fnv1a_constants() {
    // Test vectors from the FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/).
    assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(&["foobar"]), 0x8594_4171_f739_67e8);
    assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
}

#[test]
fn keeps_results_with_junk_values_and_reports_each_once() {
    let (findings, diagnostics) = parse(
        "e.sarif",
        include_str!("../../../test_data/evidence/sarif/0005_junk_values.sarif.json"),
    );
    assert_eq!(findings.len(), 9);
    assert_eq!(severities(&findings), BTreeMap::from([("high", 3), ("low", 1), ("medium", 5)]));
    let mut got = codes(&diagnostics);
    got.sort_unstable();
    assert_eq!(got, [vec!["sarif-invalid-value"; 7], vec!["sarif-unreadable-result"; 2]].concat());
    let text = diagnostics.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("\n");
    for expected in [
        "`undefined`",
        "`11`",
        "`info`",
        "`UNDEFINED`",
        "`startLine`",
        "no message text",
        "`ruleIndex` `1`",
        "found text",
        "found a number",
    ] {
        assert!(text.contains(expected), "no diagnostic mentions {expected}:\n{text}");
    }
    assert_eq!(by_message(&findings, "result score out of range").score, Some(6.5));
    assert_eq!(by_message(&findings, "line zero").line, None);
    assert_eq!(
        findings.iter().find(|f| f.message == "X").map(|f| f.severity),
        Some(Severity::Medium)
    );
}

#[test]
fn climbs_the_severity_ladder() {
    let (findings, diagnostics) = parse(
        "f.sarif",
        include_str!("../../../test_data/evidence/sarif/0006_severity_ladder.sarif.json"),
    );
    assert_eq!(diagnostics, vec![]);
    let got = |start: &str| {
        let f = by_message(&findings, start);
        (f.severity, f.score, f.severity_source)
    };
    assert_eq!(
        got("result score 9.0"),
        (Severity::Critical, Some(9.0), SeveritySource::SecuritySeverity)
    );
    assert_eq!(
        got("rule score 7.0"),
        (Severity::High, Some(7.0), SeveritySource::SecuritySeverity)
    );
    assert_eq!(
        got("result score 3.9"),
        (Severity::Low, Some(3.9), SeveritySource::SecuritySeverity)
    );
    assert_eq!(got("tool severity"), (Severity::Medium, None, SeveritySource::ToolProperty));
    assert_eq!(got("rule default level note"), (Severity::Low, None, SeveritySource::Level));
    assert_eq!(got("result level beats"), (Severity::High, None, SeveritySource::Level));
    assert_eq!(got("level none"), (Severity::Info, None, SeveritySource::Level));
    assert_eq!(got("no level anywhere"), (Severity::Medium, None, SeveritySource::Level));
}

#[test]
fn reports_a_file_that_is_not_sarif() {
    for text in [r#"{"version": "2.1.0"}"#, "[1, 2]", r#"{"runs": {"a": 1}}"#] {
        let (findings, diagnostics) = parse("x.sarif", text);
        assert_eq!((findings.len(), codes(&diagnostics)), (0, vec!["sarif-not-sarif"]), "{text}");
    }
}

#[test]
fn reports_a_json_syntax_error_and_imports_nothing() {
    let (findings, diagnostics) =
        parse("x.sarif", r#"{"version": "2.1.0", "runs": [ {"results": [}"#);
    assert_eq!((findings.len(), codes(&diagnostics)), (0, vec!["json-syntax"]));
}

#[test]
fn warns_about_another_sarif_version_and_reads_it() {
    let (findings, diagnostics) = parse(
        "x.sarif",
        r#"{"version": "2.0.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "a", "message": {"text": "m"}}]}]}"#,
    );
    assert_eq!((findings.len(), codes(&diagnostics)), (1, vec!["sarif-invalid-value"]));
}

#[test]
fn fills_message_placeholders_from_the_rule_message_strings() {
    let text = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": [{"id": "a", "messageStrings": {"default": {"text": "{0} flows to {1} ({2})"}}}]}},
        "results": [{"ruleId": "a", "message": {"id": "default", "arguments": ["input", "eval"]}}]}]}"#;
    let (findings, diagnostics) = parse("x.sarif", text);
    assert_eq!(diagnostics, vec![]);
    assert_eq!(findings[0].message, "input flows to eval ({2})");
}

fn json_leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        (-3i64..50).prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        prop::sample::select(vec![
            "error",
            "warning",
            "note",
            "none",
            "info",
            "fail",
            "pass",
            "accepted",
            "underReview",
            "undefined",
            "9.8",
            "-1",
            "0",
            "CWE-79",
            "external/cwe/cwe-089",
            "requires login",
            "HIGH",
            "",
            "{0}",
            "R1",
        ])
        .prop_map(Json::from),
    ]
}

fn json_value() -> impl Strategy<Value = Json> {
    let keys = prop::sample::select(vec![
        "ruleId",
        "ruleIndex",
        "rule",
        "index",
        "toolComponent",
        "id",
        "name",
        "level",
        "kind",
        "suppressions",
        "status",
        "properties",
        "security-severity",
        "issue_severity",
        "tags",
        "cwe",
        "locations",
        "physicalLocation",
        "artifactLocation",
        "uri",
        "region",
        "startLine",
        "snippet",
        "text",
        "message",
        "arguments",
        "fingerprints",
        "partialFingerprints",
        "baselineState",
        "taxa",
        "target",
        "relationships",
        "defaultConfiguration",
        "messageStrings",
    ]);
    json_leaf().prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|entries| Json::Object(
                entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in ".{0,300}") {
        let _ = parse("x.sarif", &text);
    }

    #[test]
    fn never_panics_on_arbitrary_results_and_rules(
        results in prop::collection::vec(json_value(), 0..6),
        rules in prop::collection::vec(json_value(), 0..4),
        extensions in prop::collection::vec(json_value(), 0..2),
    ) {
        let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": rules}, "extensions": extensions}, "results": results}]});
        let (findings, _) = parse("x.sarif", &log.to_string());
        prop_assert!(findings.len() <= 6);
        prop_assert_eq!(unique_fingerprints(&findings), findings.len());
    }
}

/// Everything the reader says about one file, as text: each finding's every field and each
/// diagnostic's code, position and message. The snapshots were recorded with the first reader
/// (a whole-file spanned tree) before the streaming reader replaced it, so they pin the streaming
/// reader to the same findings and diagnostics on every sample and fixture.
fn everything_read(name: &str, text: &str) -> String {
    let mut files = Files::new();
    let file = files.add(name, text);
    let (log, diagnostics) = parse_sarif_log(&files, file);
    let mut out = format!("tools: {:?}\n", log.tools);
    for finding in &log.findings {
        let Finding { origin, .. } = finding;
        let position = files.get(file).line_col(origin.span.start);
        // The class came after the recording (issue 10) and has tests of its own.
        let debug = format!(
            "{:?}",
            Finding { origin: Origin { file, span: Span::default() }, ..finding.clone() }
        )
        .replace(&format!("class: {:?}, ", finding.class), "");
        out.push_str(&format!("{}:{} {debug}\n", position.line, position.column));
    }
    for diagnostic in &diagnostics {
        let label = diagnostic.primary.as_ref().expect("every SARIF diagnostic has a position");
        let position = files.get(file).line_col(label.span.start);
        out.push_str(&format!(
            "{}:{} {} {}\n",
            position.line,
            position.column,
            diagnostic.code.as_str(),
            diagnostic.message
        ));
    }
    out
}

#[test]
fn reads_every_sample_and_fixture_as_the_first_reader_did() {
    let samples = ["samples/sarif", "../crates/threatokr-core/test_data/evidence/sarif"];
    for folder in samples {
        let mut paths: Vec<_> = std::fs::read_dir(crate::test_support::sample_path(folder))
            .expect("the SARIF test folders exist")
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 name").to_owned();
            let text = std::fs::read_to_string(&path).expect("a readable sample");
            insta::assert_snapshot!(format!("read_{name}"), everything_read(&name, &text));
        }
    }
}

fn parse_log(text: &str) -> (SarifLog, Vec<Diagnostic>) {
    let mut files = Files::new();
    let id = files.add("scan.sarif", text.to_owned());
    parse_sarif_log(&files, id)
}

#[test]
fn issue_13_a_failed_bandit_run_is_incomplete_and_still_reports_what_it_found() {
    // The real Bandit sample, as it would look had Bandit crashed partway through.
    let text = read_sample("samples/sarif/bandit-1.9.4_werkzeug-3.1.3.sarif").replace(
        "\"executionSuccessful\": true",
        "\"executionSuccessful\": false, \"toolExecutionNotifications\": [{\"level\": \"error\", \"message\": {\"text\": \"syntax error while parsing AST\"}}]",
    );
    let (log, diagnostics) = parse_log(&text);
    assert_eq!(log.findings.len(), 28);
    assert_eq!(log.tools, ["Bandit"]);
    assert_eq!(log.incomplete, ["Bandit"]);
    assert_eq!(codes(&diagnostics), ["sarif-incomplete-run"]);
    assert_eq!(
        diagnostics[0].message,
        "the run of Bandit did not complete: the scan failed (`executionSuccessful: false`: syntax error while parsing AST)"
    );
}

#[test]
fn issue_13_a_run_with_null_or_absent_results_is_incomplete_and_an_empty_list_is_not() {
    let run = |results: &str| {
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "Semgrep OSS"}}}}{results}}}]}}"#
        )
    };
    for results in [r#", "results": null"#, ""] {
        let (log, diagnostics) = parse_log(&run(results));
        assert_eq!(log.incomplete, ["Semgrep OSS"], "{results}");
        assert_eq!(codes(&diagnostics), ["sarif-incomplete-run"], "{results}");
    }
    let (log, diagnostics) = parse_log(&run(r#", "results": []"#));
    assert_eq!((log.tools.len(), log.incomplete.len(), diagnostics.len()), (1, 0, 0));
}

#[test]
fn reads_the_repositories_of_version_control_provenance() {
    let (log, _) = parse_log(
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL"}}, "results": [],
            "versionControlProvenance": [{"repositoryUri": "https://github.com/acme/shop"}]}]}"#,
    );
    assert_eq!(log.repositories, ["https://github.com/acme/shop"]);
}

#[test]
fn reads_results_written_before_the_tool_and_artifacts_written_after_the_results() {
    // Key order is free in JSON: results that come before the run's rules wait for them, and an
    // artifact index is resolved once the run's artifacts have been read.
    let text = r#"{"version": "2.1.0", "runs": [{
        "results": [{"ruleIndex": 0, "message": {"text": "m"}, "partialFingerprints": {"h": "9f", "a": "1"},
            "locations": [{"physicalLocation": {"artifactLocation": {"index": 1}, "region": {"startLine": 3}}}]}],
        "tool": {"driver": {"name": "T", "rules": [{"id": "r1", "properties": {"security-severity": "9.1"}}]}},
        "artifacts": [{"location": {"uri": "a.py"}}, {"location": {"uri": "b.py"}}]}]}"#;
    let (findings, diagnostics) = parse("x.sarif", text);
    assert_eq!(diagnostics, vec![]);
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(
        (&*finding.rule_id, finding.severity, finding.file.as_deref(), finding.line),
        ("r1", Severity::Critical, Some("b.py"), Some(3))
    );
    // Its identity names the file it learnt at the run's end, and its fingerprints sorted.
    assert_eq!(finding.fingerprint, "T:r1:b.py:a=1,h=9f");
}

#[test]
fn skips_a_byte_order_mark_and_keeps_positions_in_the_file() {
    let text = "\u{feff}{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"T\"}},\n\"results\": [{\"ruleId\": \"a\", \"message\": {\"text\": \"m\"}, \"level\": \"loud\"}]}]}";
    let mut files = Files::new();
    let file = files.add("bom.sarif", text);
    let (findings, diagnostics) = parse_sarif(&files, file);
    assert_eq!(findings.len(), 1);
    let label = diagnostics[0].primary.as_ref().expect("a position");
    assert_eq!(&text[label.span.range()], "\"loud\"");
}

/// What a reader says about bytes, for comparing the two readers: findings and diagnostics.
fn read_with_both(bytes: &[u8]) -> [String; 2] {
    let mut files = Files::new();
    let file = files.add("x.sarif", "");
    [false, true].map(|exact| {
        let (log, diagnostics) =
            read_sarif_log_with(bytes, file, exact).expect("bytes in memory read");
        let mut out = format!("{log:?}\n");
        for d in &diagnostics {
            let span = d.primary.as_ref().map(|l| l.span);
            out.push_str(&format!("{span:?} {} {}\n", d.code.as_str(), d.message));
        }
        out
    })
}

/// The fast reader gives serde_json's findings, spans and syntax errors: on every sample and
/// fixture, cut short at many places, and with bytes changed into each kind of JSON mistake.
#[test]
fn reads_broken_and_whole_files_as_serde_json_does() {
    let folders = ["samples/sarif", "../crates/threatokr-core/test_data/evidence/sarif"];
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for folder in folders {
        for entry in std::fs::read_dir(crate::test_support::sample_path(folder)).expect("a folder")
        {
            texts.push(std::fs::read(entry.expect("an entry").path()).expect("a readable file"));
        }
    }
    for odd in [
        "{\"a\":\"x\\4y\"}",
        "{\"version\":\"x\\4y\"}",
        "",
        " ",
        "[",
        "{",
        "{\"runs\"",
        "{\"runs\":",
        "{\"runs\":[",
        "{\"runs\":[]",
        "{\"runs\":[]} x",
        "{\"runs\":[],}",
        "{\"runs\":[1,]}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":1e}",
        "{\"a\":-}",
        "{\"a\":1e999}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":tru}",
        "{\"a\" 1}",
        "{1:2}",
        "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"\\u00e9\\ud83d\\ude00\"}},\"results\":[]}]}",
        "\u{feff}{\"runs\":[]}",
        "\u{feff}",
        "\u{feff}1",
        "\u{feff}-",
        "\u{feff}\"",
        "{\"a\":-0,\"b\":18446744073709551616,\"c\":-9223372036854775809}",
    ] {
        let [fast, exact] = read_with_both(odd.as_bytes());
        assert_eq!(fast, exact, "on {odd:?}");
    }
    let mut cases = 0;
    for text in &texts {
        let step = (text.len() / 5).max(1);
        let mut variants: Vec<Vec<u8>> = vec![text.clone()];
        for at in (0..text.len()).step_by(step) {
            variants.push(text[..at].to_vec());
            for replacement in
                [b"}".as_slice(), b",", b"]", b"\"", b"x", b"\\", b"0", b"-", b"\x01", b"{"]
            {
                let mut changed = text.clone();
                changed.splice(at..at + 1, replacement.iter().copied());
                variants.push(changed);
            }
        }
        for variant in variants {
            let [fast, exact] = read_with_both(&variant);
            let first_difference =
                (0..variant.len().min(text.len())).find(|&i| variant[i] != text[i]).unwrap_or(0);
            assert_eq!(
                fast,
                exact,
                "at {first_difference} on {:?}",
                String::from_utf8_lossy(
                    &variant[first_difference.saturating_sub(20)
                        ..(first_difference + 20).min(variant.len())]
                )
            );
            cases += 1;
        }
    }
    let deep = format!(
        "{{\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"T\",\"rules\":[{{\"properties\":{}1{}}}]}}}}}}]}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    let [fast, exact] = read_with_both(deep.as_bytes());
    assert_eq!(fast, exact);
    assert!(cases > 200, "{cases} cases");
}

/// A large pretty-printed log (more than two of the reader's chunks, values indented by dozens
/// of spaces, results in no particular order, repeated identities): both readers give the same
/// findings and diagnostics, the odd value of a result deep in the file is pointed at exactly,
/// and findings come sorted by file, line, rule and identity.
#[test]
fn a_result_deep_in_a_large_indented_log_is_read_and_pointed_at_exactly() {
    let indent = " ".repeat(44);
    let mut results = Vec::new();
    for i in 0..1500 {
        let level = if i == 1400 { "severe" } else { "warning" };
        // Result 11 is result 10 again (rule, file, line, fingerprint): its identity gets `#2`.
        let same = if i == 11 { 10 } else { i };
        let hash = same;
        results.push(format!(
            "{{\n{indent}\"ruleId\": \"r{rule}\",\n{indent}\"level\": \"{level}\",\n{indent}\"message\": {{\"text\": \"m{i}\"}},\n{indent}\"partialFingerprints\": {{\"h\": \"{hash:x}\", \"a\": \"{hash}\"}},\n{indent}\"codeFlows\": [{{\"threadFlows\": [{{\"locations\": [\n{indent}{indent}{{\"location\": {{\"message\": {{\"text\": \"step of {i}\"}}}}}}]}}]}}],\n{indent}\"locations\": [{{\"physicalLocation\": {{\"artifactLocation\": {{\"uri\": \"f{file}.py\"}}, \"region\": {{\"startLine\": {line}}}}}}}]\n{indent}}}",
            rule = same % 7,
            file = (same * 7919) % 13,
            line = (same * 31) % 97 + 1,
        ));
    }
    let text = format!(
        "{{\"version\": \"2.1.0\", \"runs\": [{{\"tool\": {{\"driver\": {{\"name\": \"T\"}}}},\n  \"results\": [\n{}]}}]}}",
        results.join(",\n")
    );
    assert!(text.len() > 3 * (128 << 10), "{} bytes", text.len());
    let [fast, exact] = read_with_both(text.as_bytes());
    assert_eq!(fast, exact);

    let (findings, diagnostics) = parse("large.sarif", &text);
    assert_eq!(findings.len(), 1500);
    assert_eq!(codes(&diagnostics), ["sarif-invalid-value"]);
    let label = diagnostics[0].primary.as_ref().expect("a position");
    assert_eq!(&text[label.span.range()], "\"severe\"");
    let result_1400 = text.find("\"m1400\"").expect("result 1400");
    let at = label.span.range().start;
    assert!(at < result_1400 && result_1400 - at < 200, "{at} {result_1400}");
    let key = |f: &Finding| (f.file.clone(), f.line, f.rule_id.clone(), f.fingerprint.clone());
    assert!(findings.windows(2).all(|pair| key(&pair[0]) < key(&pair[1])));
    // Fingerprints are sorted `key=value` pairs whatever their order in the file.
    let tenth = findings.iter().find(|f| f.message == "m10").expect("result 10");
    assert_eq!(tenth.fingerprint, "T:r3:f7.py:a=10,h=a");
    let eleventh = findings.iter().find(|f| f.message == "m11").expect("result 11");
    assert_eq!(eleventh.fingerprint, "T:r3:f7.py:a=10,h=a#2");
}

#[test]
fn a_content_hash_is_the_same_however_the_bytes_are_cut_and_differs_on_any_change() {
    let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
    let whole = |bytes: &[u8]| {
        let mut hash = ContentHash::new();
        hash.update(bytes);
        hash.finish()
    };
    let expected = whole(&bytes);
    for cut in [1, 7, 31, 32, 33, 64, 333] {
        let mut hash = ContentHash::new();
        for piece in bytes.chunks(cut) {
            hash.update(piece);
        }
        assert_eq!(hash.finish(), expected, "pieces of {cut}");
        assert_eq!(hash.length(), 1000);
    }
    for at in [0, 31, 32, 500, 999] {
        let mut changed = bytes.clone();
        changed[at] ^= 1;
        assert_ne!(whole(&changed), expected, "byte {at}");
    }
    // A trailing zero is not the same as nothing: the length counts.
    assert_ne!(whole(&bytes[..999]), whole(&[&bytes[..999], &[0]].concat()));
    // Stored identities depend on these values never changing.
    assert_eq!(
        format!("{:016x} {:016x}", whole(b""), whole(b"{}")),
        "f64b5d26e885f568 d7757bb43b040dfc"
    );
}

/// Keys are matched as bytes (issue 12): a key written with escapes is still the key it spells,
/// a key that is not UTF-8 is the same error as serde_json's whether the reader keeps it or
/// skips it, and a key cut by the end of a chunk is read whole, with its exact span.
#[test]
fn keys_are_matched_as_bytes_whatever_their_escapes_or_chunks() {
    let log = |result: &str| {
        format!(
            "{{\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"T\"}}}},\"results\":[{result}]}}]}}"
        )
    };
    // `\u0049` is `I`: the key is `ruleId`, and the escaped duplicate `l\u0065vel` is reported
    // where it ends (its start assumes the shortest escapes, as every span of a string does).
    let escaped = log(
        "{\"rule\\u0049d\":\"r1\",\"message\":{\"text\":\"m\"},\"level\":\"note\",\"l\\u0065vel\":\"error\",\"é\":1}",
    );
    let [fast, exact] = read_with_both(escaped.as_bytes());
    assert_eq!(fast, exact);
    let (findings, diagnostics) = parse("escaped.sarif", &escaped);
    assert_eq!(&*findings[0].rule_id, "r1");
    assert_eq!(findings[0].severity, Severity::Low);
    assert_eq!(codes(&diagnostics), ["duplicate-key"]);
    let label = diagnostics[0].primary.as_ref().expect("a position");
    let key_end = escaped.find("\"l\\u0065vel\"").expect("the key") + "\"l\\u0065vel\"".len();
    assert_eq!(label.span.range().end, key_end);
    assert_eq!(label.span.range().len(), "\"level\"".len());

    // Not UTF-8: a skipped key of a result, a kept key inside `properties`.
    for result in ["{\"~\":1}", "{\"properties\":{\"~\":1}}"] {
        let mut bytes = log("@").into_bytes();
        let at = bytes.iter().position(|&b| b == b'@').expect("the place of the result");
        let result = result.as_bytes().iter().map(|&b| if b == b'~' { 0xFF } else { b });
        bytes.splice(at..=at, result.collect::<Vec<u8>>());
        let [fast, exact] = read_with_both(&bytes);
        assert!(fast.contains("json-syntax"), "{fast}");
        assert_eq!(fast, exact);
    }

    // Wanted keys, a string and kept keys across the end of the first chunk, at each byte.
    let chunk = 128 << 10;
    for cut in 0..40 {
        let head = log(
            "{\"x\":\"@\",\"level\":\"loud\",\"properties\":{\"tags\":[\"a\"]},\"ruleId\":\"r\",\"message\":{\"text\":\"m\"}}",
        );
        let pad = chunk - cut - head.find('@').expect("the pad");
        let text = head.replace('@', &"p".repeat(pad));
        assert_eq!(&text[chunk - cut..chunk - cut + 1], "\"");
        let [fast, exact] = read_with_both(text.as_bytes());
        assert_eq!(fast, exact, "cut {cut}");
        let (findings, diagnostics) = parse("cut.sarif", &text);
        assert_eq!(findings.len(), 1);
        let label = diagnostics[0].primary.as_ref().expect("a position");
        assert_eq!(&text[label.span.range()], "\"loud\"", "cut {cut}");
    }
}

/// The property names `tags`, `cwe` and `cwes` are read in any case, on the rule and on the
/// result, without a lowercase copy of every property name (issue 12).
#[test]
fn reads_cwe_properties_whatever_the_case_of_their_names() {
    let text = json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "T", "rules": [
                {"id": "r", "properties": {"TAGS": ["external/cwe/cwe-079"], "Cwe": "CWE-78"}}
            ]}},
            "results": [{
                "ruleId": "r",
                "message": {"text": "m"},
                "properties": {"Tags": ["CWE-22"], "CWES": ["89", "nope"], "tagsX": ["CWE-1"]}
            }]
        }]
    })
    .to_string();
    let (findings, diagnostics) = parse("case.sarif", &text);
    assert_eq!(findings[0].cwes, [22, 78, 79, 89]);
    assert_eq!(codes(&diagnostics), ["sarif-invalid-value"]);
    assert!(
        diagnostics[0].message.contains("`nope` is not a CWE id"),
        "{}",
        diagnostics[0].message
    );
}

/// A fingerprint is an identity while, in each file, its results are on one line: checked for
/// its first file and for every other file apart (issue 12 keeps one lookup for the first).
#[test]
fn a_fingerprint_is_untrusted_when_its_lines_differ_in_a_file_other_than_its_first() {
    let result = |fingerprint: &str, uri: &str, line: u32| {
        json!({
            "ruleId": "r", "message": {"text": "m"},
            "partialFingerprints": {"h": fingerprint},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri}, "region": {"startLine": line}}}]
        })
    };
    let text = json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "T"}}, "results": [
            result("kept", "a.py", 1), result("kept", "b.py", 5), result("kept", "b.py", 5),
            result("moved", "a.py", 1), result("moved", "b.py", 5), result("moved", "b.py", 6),
        ]}]
    })
    .to_string();
    let (findings, diagnostics) = parse("places.sarif", &text);
    let kept: Vec<&str> =
        findings.iter().map(|f| f.fingerprint.as_str()).filter(|f| f.contains("h=kept")).collect();
    assert_eq!(kept, ["T:r:a.py:h=kept", "T:r:b.py:h=kept", "T:r:b.py:h=kept#2"]);
    assert_eq!(codes(&diagnostics), ["sarif-fingerprint-not-unique"]);
    assert!(
        diagnostics[0].message.contains("`h=moved` of 3 results"),
        "{}",
        diagnostics[0].message
    );
}

/// Each result's tree is built in the lists and texts of the results read before it (issue 12):
/// a long text, a number and a list of one result leave nothing of themselves in the next.
#[test]
fn results_built_in_spare_allocations_keep_only_their_own_values() {
    let result = |file: &str, line: u32, message: &str, tags: &str| {
        format!(
            "{{\"ruleId\":\"r\",\"message\":{{\"text\":\"{message}\"}},\"properties\":{{\"tags\":[{tags}]}},\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":\"{file}\"}},\"region\":{{\"startLine\":{line}}}}}}}]}}"
        )
    };
    let results = [
        result(
            "a.py",
            123456,
            "a long message that leaves a long spare text behind",
            "\"CWE-79\",\"security\"",
        ),
        result("b.py", 7, "m", "\"CWE-89\""),
        result("c.py", 1, "x", ""),
    ];
    let log = format!(
        "{{\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"T\"}}}},\"results\":[{}]}}]}}",
        results.join(",")
    );
    let [fast, exact] = read_with_both(log.as_bytes());
    assert_eq!(fast, exact);
    let (findings, diagnostics) = parse("spare.sarif", &log);
    assert_eq!(codes(&diagnostics), Vec::<&str>::new());
    let seen: Vec<_> = findings
        .iter()
        .map(|f| (f.file.as_deref(), f.line, f.message.as_str(), f.cwes.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                Some("a.py"),
                Some(123456),
                "a long message that leaves a long spare text behind",
                vec![79]
            ),
            (Some("b.py"), Some(7), "m", vec![89]),
            (Some("c.py"), Some(1), "x", vec![]),
        ]
    );
}

/// A reader that hands over at most `step` bytes a call, so that chunks end everywhere: inside a
/// line break's indentation, a key, an escape.
struct Trickle<'b> {
    bytes: &'b [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(out.len()).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Pretty-printed samples read in chunks of a few bytes give what they give read whole: the
/// reader's shortcuts (a line break and its indentation, one space after a colon) hold only
/// inside a chunk and fall back at its end (issue 12).
#[test]
fn samples_read_in_chunks_of_a_few_bytes_are_read_as_whole() {
    let mut files = Files::new();
    let file = files.add("x.sarif", "");
    let folder = crate::test_support::sample_path("samples/sarif");
    let mut paths: Vec<_> = std::fs::read_dir(folder)
        .expect("the samples")
        .map(|e| e.expect("an entry").path())
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).expect("a readable sample");
        let whole = format!("{:?}", read_sarif_log(bytes.as_slice(), file).expect("read"));
        for step in [1, 2, 3, 7, 13] {
            let trickle = Trickle { bytes: &bytes, step };
            let read = format!("{:?}", read_sarif_log(trickle, file).expect("read"));
            assert!(read == whole, "{} in chunks of {step}", path.display());
        }
    }
}
