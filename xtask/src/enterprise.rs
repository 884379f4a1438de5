//! The benchmark's generated enterprise workspace, sized by a factor of issue 12's enterprise (at
//! 1.0: 2,000 apps in 150 teams, 10,000 people, 20,000 threats, 248 key results, 5,000
//! repositories and 4,000 SARIF files of 250 results over two scan dates) and written from a fixed
//! seed: native and OTM threat models, OKRs of every metric family, and evidence of every kind
//! (SARIF, GitHub Actions and GitLab CI, ASVS, training, test results).

use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::sarif_gen::{Rng, Scanner, write_log_window};

/// How many of each thing the workspace holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    pub(crate) teams: usize,
    pub(crate) apps: usize,
    pub(crate) people: usize,
    pub(crate) key_results: usize,
    pub(crate) results_per_file: u64,
}

/// Threats in each app's model.
const THREATS_PER_APP: usize = 10;
/// The scan dates: each app's prod is scanned on both, the second scan fixing a tenth of the
/// first's findings and finding as many new ones.
pub(crate) const SCAN_DATES: [&str; 2] = ["2027-01-10", "2027-02-10"];
/// The day measured.
pub(crate) const AS_OF: &str = "2027-02-15";
/// The cycle measured.
pub(crate) const CYCLE: &str = "2027-Q1";
/// The key results that are not per team: the company's and the CISO's portfolio.
const PORTFOLIO_KEY_RESULTS: usize = 11;

impl Size {
    /// The enterprise scaled by `factor` (at least a handful of everything).
    pub(crate) fn of(factor: f64, results_per_file: u64) -> Self {
        let scaled = |n: f64, least: usize| ((n * factor).round() as usize).max(least);
        Self {
            teams: scaled(150.0, 2),
            apps: scaled(2_000.0, 6),
            people: scaled(10_000.0, 20),
            key_results: scaled(248.0, PORTFOLIO_KEY_RESULTS + 2),
            results_per_file,
        }
    }

    /// Repositories: two per app, three for every other app.
    pub(crate) fn repositories(&self) -> usize {
        (0..self.apps).map(repos_of).sum()
    }

    /// SARIF files: one per app and scan date.
    pub(crate) fn sarif_files(&self) -> usize {
        self.apps * SCAN_DATES.len()
    }
}

/// What was written, for the phases that name files.
pub(crate) struct Generated {
    /// Paths of the OTM models, relative to the workspace, with their app.
    pub(crate) otm_models: Vec<(String, String)>,
    /// Repository folders, relative to the workspace.
    pub(crate) repositories: Vec<String>,
    /// Bytes of SARIF written.
    pub(crate) sarif_bytes: u64,
    /// Threats in all models.
    pub(crate) threats: usize,
    /// An objective the dashboard's load phase requests.
    pub(crate) team_objective: String,
}

fn app_id(i: usize) -> String {
    format!("app-{:04}", i + 1)
}

fn team_id(t: usize) -> String {
    format!("team-{:03}", t + 1)
}

fn person_id(p: usize) -> String {
    format!("p-{:05}", p + 1)
}

fn repos_of(app: usize) -> usize {
    2 + app % 2
}

/// Every tenth app's model is an OTM file; the others are native.
fn is_otm(app: usize) -> bool {
    app % 10 == 9
}

/// A third of the apps face consumers: their ASVS verifications and sign-in controls are counted.
fn is_consumer_facing(app: usize) -> bool {
    app.is_multiple_of(3)
}

/// The team lead is the first person of each team (people are dealt to teams in turn).
fn lead_of(team: usize) -> String {
    person_id(team)
}

/// CWEs spread over the themes (access control first: the portfolio's dominant risk).
const CWES: &[(u32, &str)] = &[
    (639, "reads another user's record by changing its id"),
    (862, "calls an admin endpoint without a role check"),
    (863, "changes an order it does not own"),
    (89, "injects SQL through the search filter"),
    (79, "stores a script in a profile field"),
    (287, "replays a sign-in token"),
    (798, "finds a key committed to the repository"),
    (311, "reads records stored without encryption"),
    (918, "makes the server fetch an internal URL"),
    (352, "submits a form from another site"),
];
const STRIDE: &[&str] =
    &["elevation_of_privilege", "information_disclosure", "tampering", "spoofing", "repudiation"];
const LEVELS: &[&str] = &["low", "medium", "high", "very_high"];
const THREAT_STATUSES: &[&str] =
    &["identified", "identified", "in_progress", "mitigated", "mitigated", "verified", "accepted"];
const CONTROL_STATUSES: &[&str] = &["planned", "in_progress", "implemented", "verified"];

/// Writes the workspace into `dir` (created); `project` is the repository root, whose example CI
/// files and ASVS export are reused.
pub(crate) fn write(project: &Path, dir: &Path, size: Size) -> Result<Generated> {
    let mut rng = Rng::new(12);
    for sub in ["models", "okrs", "repos", "evidence/asvs", "evidence/training", "evidence/tests"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    std::fs::write(dir.join("threatokr.yaml"), config(size))?;
    let mut generated = Generated {
        otm_models: Vec::new(),
        repositories: Vec::new(),
        sarif_bytes: 0,
        threats: 0,
        team_objective: format!("O-{}", team_id(0).to_uppercase()),
    };
    for app in 0..size.apps {
        if is_otm(app) {
            let path = format!("models/{}.otm.json", app_id(app));
            std::fs::write(dir.join(&path), otm_model(app, &mut rng))?;
            generated.otm_models.push((path, app_id(app)));
        } else {
            std::fs::write(
                dir.join(format!("models/{}.tm.yaml", app_id(app))),
                native_model(app, size, &mut rng),
            )?;
        }
        generated.threats += THREATS_PER_APP;
    }
    std::fs::write(dir.join(format!("okrs/{CYCLE}.yaml")), okrs(size))?;
    write_training(dir, size, &mut rng)?;
    write_asvs(project, dir, size, &mut rng)?;
    write_tests(dir, size, &mut rng)?;
    generated.repositories = write_repositories(project, dir, size)?;
    generated.sarif_bytes = write_sarif(dir, size)?;
    Ok(generated)
}

fn config(size: Size) -> String {
    let mut out = String::from(
        "# Generated by `cargo xtask bench`: an enterprise portfolio of the benchmark.\norg:\n  name: Bench Corp\n  teams:\n",
    );
    for t in 0..size.teams {
        let _ = writeln!(
            out,
            "    - {{ id: {}, name: Team {}, lead: {} }}",
            team_id(t),
            t + 1,
            lead_of(t)
        );
    }
    out.push_str("  people:\n    - { id: ceo, name: The CEO, title: CEO }\n    - { id: cto, name: The CTO, title: CTO, manager: ceo }\n    - { id: ciso, name: The CISO, title: CISO, manager: ceo }\n");
    for p in 0..size.people {
        let team = p % size.teams;
        let manager = if p < size.teams { "cto".to_owned() } else { lead_of(team) };
        let _ = writeln!(
            out,
            "    - {{ id: {}, name: Person {}, team: {}, manager: {manager} }}",
            person_id(p),
            p + 1,
            team_id(team)
        );
    }
    out.push_str("\napps:\n");
    for app in 0..size.apps {
        let id = app_id(app);
        let mut tags = vec![if is_consumer_facing(app) { "consumer-facing" } else { "internal" }];
        if app % 5 == 0 {
            tags.push("pci");
        }
        let repos: Vec<String> = (1..=repos_of(app)).map(|k| format!("repos/{id}-{k}")).collect();
        let _ = write!(
            out,
            "  - id: {id}\n    name: App {}\n    team: {}\n    tier: {}\n    tags: [{}]\n    repos: [{}]\n    environments: [staging, prod]\n",
            app + 1,
            team_id(app % size.teams),
            1 + app % 3,
            tags.join(", "),
            repos.join(", ")
        );
        if is_otm(app) {
            let _ = writeln!(out, "    models: [models/{id}.otm.json]");
        }
    }
    out.push_str(
        "\ncycles:\n  - { id: \"2027\", start: 2027-01-01, end: 2027-12-31 }\n  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31, within: \"2027\" }\n\nsettings:\n  stale_after_days: 14\n  sla_days: { critical: 7, high: 30, medium: 90, low: 120 }\n  asvs_version: 5.0.0\n",
    );
    out
}

/// The threat of app `app` numbered `k` (from 1): its id and its CWE.
fn threat(app: usize, k: usize) -> (String, (u32, &'static str)) {
    (format!("T-{:04}-{k:02}", app + 1), CWES[(app + k) % CWES.len()])
}

fn native_model(app: usize, size: Size, rng: &mut Rng) -> String {
    let id = app_id(app);
    let reviewed = if app.is_multiple_of(7) { "2025-11-20" } else { "2026-11-10" };
    let mut out = format!(
        "app: {id}\ntitle: App {} service\nreviewed: {reviewed}\n\nelements:\n  - {{ id: client, kind: external_entity, name: Client }}\n  - {{ id: api, kind: process, name: API, internet_facing: true }}\n  - {{ id: db, kind: data_store, name: Database, data: [records] }}\nflows:\n  - {{ id: request, from: client, to: api, protocol: https, authn: session }}\n  - {{ id: query, from: api, to: db, protocol: jdbc-tls }}\ndata_assets:\n  - {{ id: records, name: Records, classification: confidential }}\n\nthreats:\n",
        app + 1
    );
    // People are dealt to teams in turn: team t has people t, t + teams, t + 2 × teams, ...
    let people_of_team: Vec<usize> =
        (app % size.teams..size.people).step_by(size.teams).take(8).collect();
    for k in 1..=THREATS_PER_APP {
        let (tid, (cwe, what)) = threat(app, k);
        let owner = people_of_team[rng.below(people_of_team.len() as u64) as usize];
        let _ = writeln!(
            out,
            "  - {{ id: {tid}, title: \"An attacker {what}\", stride: [{}], cwe: [{cwe}], elements: [{}], likelihood: {}, impact: {}, status: {}, owner: {} }}",
            STRIDE[rng.below(STRIDE.len() as u64) as usize],
            if k % 4 == 0 { "db" } else { "api" },
            LEVELS[rng.below(LEVELS.len() as u64) as usize],
            LEVELS[rng.below(LEVELS.len() as u64) as usize],
            THREAT_STATUSES[rng.below(THREAT_STATUSES.len() as u64) as usize],
            person_id(owner)
        );
    }
    out.push_str("\ncontrols:\n");
    for c in 1..=5 {
        let (first, _) = threat(app, 2 * c - 1);
        let (second, _) = threat(app, 2 * c);
        let tags = if c == 1 { ", tags: [sso-oidc]" } else { "" };
        let _ = writeln!(
            out,
            "  - {{ id: C-{:04}-{c}, title: Control {c} of {id}, addresses: [{first}, {second}], status: {}{tags} }}",
            app + 1,
            CONTROL_STATUSES[rng.below(CONTROL_STATUSES.len() as u64) as usize]
        );
    }
    out.push_str("\ntests:\n");
    for s in 1..=2 {
        let (tid, _) = threat(app, s);
        let _ = writeln!(
            out,
            "  - {{ id: AB-{:04}-{s}, title: \"Abuse case {s} of {id}\", threats: [{tid}], kind: pentest }}",
            app + 1
        );
    }
    out
}

fn otm_model(app: usize, rng: &mut Rng) -> String {
    let id = app_id(app);
    let mut threats = Vec::new();
    let mut instances = Vec::new();
    for k in 1..=THREATS_PER_APP {
        let (tid, (cwe, what)) = threat(app, k);
        threats.push(format!(
            "    {{\"id\": \"{tid}\", \"name\": \"An attacker {what}\", \"categories\": [\"Elevation of privilege\"], \"cwes\": [\"CWE-{cwe}\"], \"risk\": {{\"likelihood\": {}, \"impact\": {}}}}}",
            20 + rng.below(80),
            20 + rng.below(80)
        ));
        let state = if rng.below(3) == 0 { "mitigated" } else { "exposed" };
        instances.push(format!(
            "{{\"threat\": \"{tid}\", \"state\": \"{state}\", \"mitigations\": [{{\"mitigation\": \"M-{:04}-{k:02}\", \"state\": \"required\"}}]}}",
            app + 1
        ));
    }
    let mitigations: Vec<String> = (1..=THREATS_PER_APP)
        .map(|k| {
            format!(
                "    {{\"id\": \"M-{:04}-{k:02}\", \"name\": \"Mitigation {k}\", \"riskReduction\": 50}}",
                app + 1
            )
        })
        .collect();
    format!(
        "{{\n  \"otmVersion\": \"0.2.0\",\n  \"project\": {{\"name\": \"App {n}\", \"id\": \"{id}\"}},\n  \"trustZones\": [{{\"id\": \"internet\", \"name\": \"Internet\", \"risk\": {{\"trustRating\": 10}}}}, {{\"id\": \"vpc\", \"name\": \"VPC\", \"risk\": {{\"trustRating\": 80}}}}],\n  \"components\": [\n    {{\"id\": \"web\", \"name\": \"Web client\", \"type\": \"web-client\", \"parent\": {{\"trustZone\": \"internet\"}}}},\n    {{\"id\": \"api\", \"name\": \"API\", \"type\": \"web-service\", \"parent\": {{\"trustZone\": \"vpc\"}}, \"threats\": [{}]}}\n  ],\n  \"dataflows\": [{{\"id\": \"call\", \"source\": \"web\", \"destination\": \"api\"}}],\n  \"threats\": [\n{}\n  ],\n  \"mitigations\": [\n{}\n  ]\n}}\n",
        instances.join(", "),
        threats.join(",\n"),
        mitigations.join(",\n"),
        n = app + 1,
    )
}

/// The OKRs: the company's business key result, the CISO's portfolio key results (one of every
/// metric family) and team objectives taking turns over four per-team templates.
fn okrs(size: Size) -> String {
    let mut out = format!(
        "# Generated by `cargo xtask bench`.\ncycle: {CYCLE}\n\nobjectives:\n  - id: O-CEO-1\n    title: Become the brand customers trust\n    level: company\n    owner: ceo\n    key_results:\n      - {{ id: KR-CEO-1, title: Revenue from 20M to 25M USD, type: metric, start: 20, target: 25, unit: M USD, kind: strategic }}\n\n"
    );
    let consumer_apps = (0..size.apps).filter(|a| is_consumer_facing(*a)).count();
    let _ = write!(
        out,
        "  - id: O-SEC
    title: Reduce the portfolio's open risk
    level: department
    owner: ciso
    contributes: [O-CEO-1]
    rollup: true
    key_results:
      - {{ id: KR-SEC-VULNS, title: No critical production findings, type: threshold, kind: tactical, at_most: 0, measure: {{ metric: findings.open, env: prod, score: \">= 9.0\" }} }}
      - {{ id: KR-SEC-ESSENTIALS, title: 80% of developers trained on security essentials, type: metric, kind: strategic, start: 20, target: 80, unit: \"%\", measure: {{ metric: training.coverage, course: security-essentials }} }}
      - {{ id: KR-SEC-CI, title: SAST and secrets scanning in every pipeline, type: metric, kind: tactical, start: 10, target: 100, unit: \"%\", measure: {{ metric: ci.coverage, require: [sast, secrets] }} }}
      - {{ id: KR-SEC-ASVS, title: ASVS authentication to authorization verified at L2, type: metric, kind: tactical, start: 40, target: 100, unit: \"%\", measure: {{ metric: asvs.compliance, version: 5.0.0, level: 2, chapters: [V6, V7, V8], apps: \"tag:consumer-facing\" }} }}
      - {{ id: KR-SEC-AC-MITIGATED, title: Access control threats mitigated, type: metric, kind: tactical, start: 0, target: 80, unit: \"%\", measure: {{ metric: threats.mitigated, theme: access_control }} }}
      - {{ id: KR-SEC-AC-TESTED, title: Access control threats tested, type: metric, kind: tactical, start: 0, target: 60, unit: \"%\", measure: {{ metric: threats.tested, theme: access_control }} }}
      - {{ id: KR-SEC-OIDC, title: Company sign-in on consumer-facing apps, type: metric, kind: tactical, start: 0, target: {consumer_apps}, unit: apps, measure: {{ metric: controls.implemented, control_tag: sso-oidc, count: apps, apps: \"tag:consumer-facing\" }} }}
      - {{ id: KR-SEC-SLA, title: High findings fixed within the SLA, type: metric, kind: tactical, start: 50, target: 90, unit: \"%\", measure: {{ metric: findings.sla, env: prod, severity: high }} }}
      - {{ id: KR-SEC-MTTR, title: Median days to fix a finding from 60 to 20, type: metric, kind: tactical, start: 60, target: 20, unit: days, measure: {{ metric: findings.mttr, env: prod }} }}
      - {{ id: KR-SEC-MODELED, title: Every app's threat model reviewed this year, type: metric, kind: tactical, start: 50, target: 100, unit: \"%\", measure: {{ metric: apps.threat_modeled, within_days: 365 }} }}
"
    );
    let per_team = size.key_results.saturating_sub(PORTFOLIO_KEY_RESULTS);
    for t in 0..size.teams {
        // Key result n goes to team n % teams, so every team gets its share in turn.
        let mine: Vec<usize> = (t..per_team).step_by(size.teams).collect();
        if mine.is_empty() {
            continue;
        }
        let team = team_id(t);
        let _ = write!(
            out,
            "\n  - id: O-{}\n    title: Team {} closes its open risk\n    level: team\n    owner: {}\n    team: {team}\n    contributes: [O-SEC]\n    key_results:\n",
            team.to_uppercase(),
            t + 1,
            lead_of(t)
        );
        for n in mine {
            let kr = format!("KR-{}-{}", team.to_uppercase(), n / size.teams + 1);
            let line = match n / size.teams % 4 {
                0 => format!(
                    "{{ id: {kr}, title: No open high production findings, type: threshold, kind: tactical, at_most: 0, measure: {{ metric: findings.open, teams: [{team}], env: prod, severity: high }} }}"
                ),
                1 => format!(
                    "{{ id: {kr}, title: Threats of the team mitigated, type: metric, kind: tactical, start: 0, target: 80, unit: \"%\", measure: {{ metric: threats.mitigated, teams: [{team}] }} }}"
                ),
                2 => format!(
                    "{{ id: {kr}, title: Developers of the team trained on access control, type: metric, kind: strategic, start: 0, target: 80, unit: \"%\", measure: {{ metric: training.coverage, course: access-control, teams: [{team}] }} }}"
                ),
                _ => format!(
                    "{{ id: {kr}, title: Medium and worse findings fixed within the SLA, type: metric, kind: tactical, start: 50, target: 90, unit: \"%\", measure: {{ metric: findings.sla, teams: [{team}], env: prod, severity: medium }} }}"
                ),
            };
            let _ = writeln!(out, "      - {line}");
        }
    }
    out
}

fn write_training(dir: &Path, size: Size, rng: &mut Rng) -> Result<()> {
    let mut roster = String::from("person,team,active,developer\n");
    let mut completions = String::from("person,course,date\n");
    for p in 0..size.people {
        let active = if p % 50 == 49 { "false" } else { "true" };
        let _ = writeln!(roster, "{},{},{active},true", person_id(p), team_id(p % size.teams));
        for (course, share) in [("security-essentials", 7), ("access-control", 4)] {
            if rng.below(10) < share {
                let _ = writeln!(
                    completions,
                    "{},{course},2027-0{}-{:02}",
                    person_id(p),
                    1 + rng.below(2),
                    1 + rng.below(28)
                );
            }
        }
    }
    std::fs::write(dir.join("evidence/training/roster.csv"), roster)?;
    std::fs::write(dir.join("evidence/training/completions.csv"), completions)?;
    Ok(())
}

/// ASVS 5.0.0 requirements of chapters V6 to V8 up to level 2, from the official export.
fn asvs_requirements(project: &Path) -> Result<Vec<String>> {
    let path = project
        .join("test_data/asvs/OWASP_Application_Security_Verification_Standard_5.0.0_en.json");
    let export: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    let mut ids = Vec::new();
    for chapter in export["Requirements"].as_array().into_iter().flatten() {
        if !matches!(chapter["Shortcode"].as_str(), Some("V6" | "V7" | "V8")) {
            continue;
        }
        for section in chapter["Items"].as_array().into_iter().flatten() {
            for item in section["Items"].as_array().into_iter().flatten() {
                let level: u32 = item["L"].as_str().and_then(|l| l.parse().ok()).unwrap_or(3);
                if let Some(code) = item["Shortcode"].as_str()
                    && level <= 2
                {
                    ids.push(format!("v5.0.0-{}", code.trim_start_matches('V')));
                }
            }
        }
    }
    Ok(ids)
}

fn write_asvs(project: &Path, dir: &Path, size: Size, rng: &mut Rng) -> Result<()> {
    let requirements = asvs_requirements(project)?;
    for app in (0..size.apps).filter(|a| is_consumer_facing(*a)) {
        let mut out = format!(
            "app: {}\nversion: 5.0.0\ndate: 2027-02-0{}\nrequirements:\n",
            app_id(app),
            1 + app % 9
        );
        for id in &requirements {
            let status = if rng.below(10) < 7 { "pass" } else { "fail" };
            let _ = writeln!(out, "  - {{ id: {id}, status: {status} }}");
        }
        std::fs::write(dir.join(format!("evidence/asvs/{}.yaml", app_id(app))), out)?;
    }
    Ok(())
}

/// One pentest's results in CSV: the first abuse case of every other native model.
fn write_tests(dir: &Path, size: Size, rng: &mut Rng) -> Result<()> {
    let mut out = String::from("test,threats,result,date\n");
    for app in (0..size.apps).filter(|a| !is_otm(*a) && a % 2 == 0) {
        let result = if rng.below(4) == 0 { "fail" } else { "pass" };
        let _ = writeln!(
            out,
            "abuse case 1 of {},AB-{:04}-1,{result},2027-02-03",
            app_id(app),
            app + 1
        );
    }
    std::fs::write(dir.join("evidence/tests/pentest-2027-02.csv"), out)?;
    Ok(())
}

/// Each repository gets one of four CI set-ups of the example: Semgrep and Gitleaks, CodeQL and
/// TruffleHog, CodeQL alone, or GitLab's SAST and secret detection templates.
fn write_repositories(project: &Path, dir: &Path, size: Size) -> Result<Vec<String>> {
    let example = project.join("crates/threatokr/example/evidence/ci");
    let setups = [
        ("checkout/.github/workflows/security.yml", ".github/workflows/security.yml"),
        ("payments-api/.github/workflows/codeql.yml", ".github/workflows/codeql.yml"),
        ("storefront/.github/workflows/ci.yml", ".github/workflows/ci.yml"),
        ("back-office/.gitlab-ci.yml", ".gitlab-ci.yml"),
    ];
    let texts: Vec<(String, &str)> = setups
        .iter()
        .map(|(from, to)| Ok((std::fs::read_to_string(example.join(from))?, *to)))
        .collect::<Result<_>>()?;
    let mut repositories = Vec::new();
    for app in 0..size.apps {
        for k in 1..=repos_of(app) {
            let repo = format!("repos/{}-{k}", app_id(app));
            let (text, to) = &texts[(app + k) % texts.len()];
            let path = dir.join(&repo).join(to);
            std::fs::create_dir_all(path.parent().context("a file in a folder")?)?;
            std::fs::write(path, text)?;
            repositories.push(repo);
        }
    }
    Ok(repositories)
}

/// Two scans of each app's prod, laid out as `evidence/sarif/<app>/prod/<date>.sarif`: the
/// second repeats nine tenths of the first's results (the rest are fixed) and adds as many new.
fn write_sarif(dir: &Path, size: Size) -> Result<u64> {
    let mut bytes = 0;
    let tenth = size.results_per_file / 10;
    for app in 0..size.apps {
        let folder = dir.join(format!("evidence/sarif/{}/prod", app_id(app)));
        std::fs::create_dir_all(&folder)?;
        for (n, date) in SCAN_DATES.iter().enumerate() {
            let path: PathBuf = folder.join(format!("{date}.sarif"));
            let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
            let skip = tenth * n as u64;
            let scanner = Scanner::ALL[app % 3];
            write_log_window(&mut out, scanner, skip, size.results_per_file, 10_000 + app as u64)?;
            std::io::Write::flush(&mut out)?;
            bytes += path.metadata()?.len();
        }
    }
    Ok(bytes)
}
