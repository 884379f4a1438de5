//! Generated SARIF logs of realistic shapes for the benchmark: CodeQL (rules with long help,
//! `security-severity`, quality queries, code flows, line-hash fingerprints), Semgrep (rules named
//! by category, snippets, match-based fingerprints) and Snyk (CVSS scores, licence issues with
//! "undefined" scores), pretty-printed as the tools write them, from a fixed seed.

use serde_json::{Value, json};
use std::io::{self, Write};

/// A small, fixed pseudo-random generator (SplitMix64), so the same seed gives the same bytes on
/// every machine and Rust release.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The scanners whose output shapes are generated.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scanner {
    CodeQl,
    Semgrep,
    Snyk,
}

impl Scanner {
    pub(crate) const ALL: [Self; 3] = [Self::CodeQl, Self::Semgrep, Self::Snyk];
}

const CWES: &[u32] = &[79, 89, 78, 22, 352, 918, 601, 327, 798, 502, 611, 200, 1333, 1321, 400];
const WORDS: &[&str] = &[
    "user",
    "input",
    "flows",
    "into",
    "query",
    "without",
    "sanitizing",
    "request",
    "handler",
    "token",
    "session",
    "render",
    "template",
    "path",
    "file",
    "command",
    "shell",
    "redirect",
];

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| WORDS[rng.below(WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
}

fn rules(scanner: Scanner, rng: &mut Rng) -> Vec<Value> {
    let count = match scanner {
        Scanner::CodeQl => 120,
        Scanner::Semgrep => 80,
        Scanner::Snyk => 40,
    };
    (0..count)
        .map(|i| {
            let cwe = CWES[i % CWES.len()];
            let quality = i % 4 == 3;
            match scanner {
                Scanner::CodeQl => {
                    let tags: Vec<Value> = if quality {
                        vec!["maintainability".into(), "useless-code".into()]
                    } else {
                        vec!["security".into(), format!("external/cwe/cwe-{cwe:03}").into()]
                    };
                    let mut properties = json!({"tags": tags, "kind": "path-problem", "precision": "high", "problem.severity": "error"});
                    if !quality {
                        properties["security-severity"] =
                            format!("{:.1}", 2.0 + (rng.below(80) as f64) / 10.0).into();
                    }
                    json!({
                        "id": format!("js/rule-{i}"),
                        "name": format!("js/rule-{i}"),
                        "shortDescription": {"text": words(rng, 5)},
                        "fullDescription": {"text": words(rng, 20)},
                        "defaultConfiguration": {"enabled": true, "level": "error"},
                        "help": {"text": words(rng, 150), "markdown": words(rng, 150)},
                        "properties": properties,
                    })
                }
                Scanner::Semgrep => {
                    let category = if quality { "correctness" } else { "security" };
                    let tags: Vec<Value> = if quality {
                        Vec::new()
                    } else {
                        vec![format!("CWE-{cwe}: {}", words(rng, 4)).into(), "security".into()]
                    };
                    json!({
                        "id": format!("python.lang.{category}.rule-{i}"),
                        "name": format!("python.lang.{category}.rule-{i}"),
                        "shortDescription": {"text": format!("Semgrep Finding: rule-{i}")},
                        "fullDescription": {"text": words(rng, 25)},
                        "defaultConfiguration": {"level": if i % 3 == 0 { "error" } else { "warning" }},
                        "help": {"text": words(rng, 40), "markdown": words(rng, 40)},
                        "helpUri": format!("https://semgrep.dev/r/rule-{i}"),
                        "properties": {"precision": "very-high", "tags": tags},
                    })
                }
                Scanner::Snyk => {
                    let licence = i % 10 == 9;
                    let id = if licence {
                        format!("snyk:lic:npm:package-{i}:Apache-2.0")
                    } else {
                        format!("SNYK-JS-PACKAGE-{}", 1_000_000 + i)
                    };
                    let score: Value = if licence {
                        "undefined".into()
                    } else {
                        format!("{:.1}", 1.0 + (rng.below(90) as f64) / 10.0).into()
                    };
                    json!({
                        "id": id,
                        "shortDescription": {"text": words(rng, 6)},
                        "fullDescription": {"text": words(rng, 8)},
                        "help": {"text": "", "markdown": words(rng, 120)},
                        "properties": {"tags": ["security", format!("CWE-{cwe}"), "npm"], "cvssv3_baseScore": 7.5, "security-severity": score},
                    })
                }
            }
        })
        .collect()
}

fn location(uri: &str, line: u64, rng: &mut Rng) -> Value {
    json!({"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%", "index": rng.below(50)},
        "region": {"startLine": line, "startColumn": 1 + rng.below(40), "endColumn": 41 + rng.below(40)}}})
}

fn result(scanner: Scanner, rules: &[Value], n: u64, rng: &mut Rng) -> Value {
    let index = rng.below(rules.len() as u64);
    let rule_id = rules[index as usize]["id"].clone();
    let uri = format!("src/module{}/file{}.js", rng.below(40), rng.below(200));
    let line = 1 + rng.below(2000);
    match scanner {
        Scanner::CodeQl => {
            let steps = 2 + rng.below(4);
            let flow: Vec<Value> = (0..steps)
                .map(|_| {
                    json!({"location": {"physicalLocation": location(&uri, 1 + rng.below(2000), rng)["physicalLocation"].clone(),
                        "message": {"text": words(rng, 2)}}})
                })
                .collect();
            json!({
                "ruleId": rule_id,
                "ruleIndex": index,
                "rule": {"id": rule_id, "index": index},
                "message": {"text": format!("{} [{}](1).", words(rng, 8), words(rng, 2))},
                "locations": [location(&uri, line, rng)],
                "partialFingerprints": {"primaryLocationLineHash": format!("{:016x}:1", rng.next()), "primaryLocationStartColumnFingerprint": "4"},
                "codeFlows": [{"threadFlows": [{"locations": flow}]}],
                "relatedLocations": [{"id": 1, "physicalLocation": location(&uri, 1 + rng.below(2000), rng)["physicalLocation"].clone(), "message": {"text": "user-provided value"}}],
            })
        }
        Scanner::Semgrep => json!({
            "ruleId": rule_id,
            "message": {"text": words(rng, 14)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line, "startColumn": 5, "endLine": line, "endColumn": 60,
                    "snippet": {"text": format!("    result = {}({})\n", words(rng, 1), n)}}}}],
            "fingerprints": {"matchBasedId/v1": format!("{:016x}{:016x}", rng.next(), rng.next())},
            "properties": {},
        }),
        Scanner::Snyk => json!({
            "ruleId": rule_id,
            "level": if rng.below(3) == 0 { "error" } else { "warning" },
            "message": {"text": format!("This file introduces a vulnerable package-{n} package with a {} severity vulnerability.", words(rng, 1))},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "package.json"}, "region": {"startLine": 1}}}],
            "fixes": [{"description": {"text": words(rng, 6)}, "artifactChanges": [{"artifactLocation": {"uri": "package.json"},
                "replacements": [{"deletedRegion": {"startLine": 1}, "insertedContent": {"text": "package@1.2.3"}}]}]}],
        }),
    }
}

/// Writes one pretty-printed SARIF log of `results` results from `scanner`; results are written
/// one by one, so any size can be generated in little memory.
pub(crate) fn write_log(
    out: &mut impl Write,
    scanner: Scanner,
    results: u64,
    seed: u64,
) -> io::Result<()> {
    write_log_window(out, scanner, 0, results, seed)
}

/// As [`write_log`], with the results numbered `skip..skip + results` of the seed's sequence:
/// two windows of one seed share the results they overlap on (a later scan of the same code).
pub(crate) fn write_log_window(
    out: &mut impl Write,
    scanner: Scanner,
    skip: u64,
    results: u64,
    seed: u64,
) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let rules = rules(scanner, &mut rng);
    let (name, version) = match scanner {
        Scanner::CodeQl => ("CodeQL", "2.19.3"),
        Scanner::Semgrep => ("Semgrep OSS", "1.185.0"),
        Scanner::Snyk => ("Snyk Open Source", "1.1293.0"),
    };
    let driver = json!({"name": name, "semanticVersion": version, "rules": rules});
    let indent = |text: String, by: &str| text.replace('\n', &format!("\n{by}"));
    let driver_text = serde_json::to_string_pretty(&driver).map_err(io::Error::other)?;
    write!(
        out,
        "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {{\n        \"driver\": {}\n      }},\n      \"results\": [",
        indent(driver_text, "        ")
    )?;
    for n in 0..skip {
        result(scanner, &rules, n, &mut rng);
    }
    for n in skip..skip + results {
        let text = serde_json::to_string_pretty(&result(scanner, &rules, n, &mut rng))
            .map_err(io::Error::other)?;
        let separator = if n == skip { "\n" } else { ",\n" };
        write!(out, "{separator}        {}", indent(text, "        "))?;
    }
    write!(
        out,
        "\n      ],\n      \"columnKind\": \"utf16CodeUnits\",\n      \"invocations\": [{{\"executionSuccessful\": true}}]\n    }}\n  ]\n}}\n"
    )
}
