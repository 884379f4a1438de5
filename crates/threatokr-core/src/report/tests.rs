//! Tests of the report view model and its renderers.

use super::svg::{band_colours, status_colours};
use super::*;
use crate::diag::Files;
use crate::model::Severity;
use crate::workspace::{WorkspaceFiles, load_workspace};
use proptest::prelude::*;

fn date(text: &str) -> Date {
    text.parse().expect("a test date")
}

/// The hostile fixture workspace, loaded the way the binary loads one.
fn hostile_workspace() -> (Workspace, Files) {
    const DIR: &str = "0001_hostile_workspace";
    let mut files = Files::new();
    let config = files.add(
        "threatokr.yaml",
        include_str!("../../test_data/report/0001_hostile_workspace/threatokr.yaml"),
    );
    let shop = files.add(
        "models/shop.tm.yaml",
        include_str!("../../test_data/report/0001_hostile_workspace/models/shop.tm.yaml"),
    );
    let admin = files.add(
        "models/admin.tm.yaml",
        include_str!("../../test_data/report/0001_hostile_workspace/models/admin.tm.yaml"),
    );
    let okrs = files.add(
        "okrs/2027-Q1.yaml",
        include_str!("../../test_data/report/0001_hostile_workspace/okrs/2027-Q1.yaml"),
    );
    let input = WorkspaceFiles {
        config: Some(config),
        models: vec![admin, shop],
        okrs: vec![okrs],
        ..WorkspaceFiles::default()
    };
    let (workspace, diagnostics) = load_workspace(&files, &input);
    assert!(
        diagnostics.is_empty(),
        "the fixture {DIR} should load cleanly: {:?}",
        diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    (workspace, files)
}

fn kr(id: &str, title: &str) -> KrRow {
    KrRow {
        id: id.to_owned(),
        title: title.to_owned(),
        value: None,
        unit: "%".to_owned(),
        start: Some(0.0),
        target: Some(100.0),
        goal: "0 → 100%".to_owned(),
        progress: None,
        expected: Some(0.5),
        status: Status::NoData,
        confidence: None,
        kind: Some(KrKind::Tactical),
        commitment: Commitment::Committed,
        history: Vec::new(),
        evidence: Vec::new(),
        counted: Vec::new(),
        counted_more: 0,
        derived_from: Vec::new(),
        milestones: None,
    }
}

fn objective(
    id: &str,
    title: &str,
    level: ObjectiveLevel,
    parents: &[(LinkKind, &str)],
) -> ObjectiveRow {
    ObjectiveRow {
        cycle: "2027-Q1".to_owned(),
        id: id.to_owned(),
        title: title.to_owned(),
        level,
        parents: parents.iter().map(|(k, p)| (*k, (*p).to_owned())).collect(),
        owner: None,
        progress: None,
        status: Status::NoData,
        key_results: Vec::new(),
        links: Vec::new(),
    }
}

/// A hand-built model with measured numbers, "no data" cases, grades and every section filled.
pub(super) fn sample_model() -> ReportModel {
    let mut business =
        objective("O-CRO", "Increase revenue from Payments", ObjectiveLevel::Department, &[]);
    business.owner = Some("Ravi Cro".to_owned());
    business.progress = Some(0.5);
    business.status = Status::OnTrack;
    let mut trust = objective(
        "O-TRUST",
        "Increase customer confidence",
        ObjectiveLevel::Department,
        &[(LinkKind::Supports, "O-CRO")],
    );
    trust.owner = Some("Sam Ciso".to_owned());
    trust.progress = Some(0.25);
    trust.status = Status::OffTrack;
    let mut trained = kr("KR-TRAIN", "80% of developers trained on access control");
    trained.value = Some(75.0);
    trained.start = Some(35.0);
    trained.target = Some(80.0);
    trained.goal = "35 → 80%".to_owned();
    trained.progress = Some(0.888_888_9);
    trained.status = Status::OnTrack;
    trained.confidence = Some(7);
    trained.kind = Some(KrKind::Strategic);
    trained.commitment = Commitment::Aspirational;
    trained.history =
        vec![(date("2027-01-15"), 40.0), (date("2027-02-01"), 60.0), (date("2027-02-15"), 75.0)];
    trained.evidence =
        vec![EvidenceRow { label: "developers trained".to_owned(), value: "9 of 12".to_owned() }];
    trained.derived_from = vec!["T-CHK-1".to_owned(), "T-OLD-9".to_owned()];
    let mut vulns = kr("KR-VULNS", "No open production findings with CVSS >= 4.0");
    vulns.value = Some(3.0);
    vulns.unit = String::new();
    vulns.start = None;
    vulns.target = Some(0.0);
    vulns.goal = "at most 0".to_owned();
    vulns.progress = Some(0.2);
    vulns.status = Status::OffTrack;
    vulns.evidence =
        vec![EvidenceRow { label: "findings open in prod".to_owned(), value: "3".to_owned() }];
    let unmeasured = kr("KR-PENTEST", "Every authorization scenario tested by a pentest");
    trust.key_results = vec![trained, vulns];
    let mut team = objective(
        "O-TEAM",
        "Consistent access control",
        ObjectiveLevel::Team,
        &[(LinkKind::Contributes, "O-TRUST")],
    );
    team.key_results = vec![unmeasured];
    let tree = vec![
        TreeNode { id: "O-CRO".to_owned(), depth: 0, link: None, repeated: false },
        TreeNode {
            id: "O-TRUST".to_owned(),
            depth: 1,
            link: Some(LinkKind::Supports),
            repeated: false,
        },
        TreeNode {
            id: "O-TEAM".to_owned(),
            depth: 2,
            link: Some(LinkKind::Contributes),
            repeated: false,
        },
    ];
    ReportModel {
        org: "Acme Corp".to_owned(),
        cycle: Some(CycleRow {
            id: "2027-Q1".to_owned(),
            start: date("2027-01-01"),
            end: date("2027-03-31"),
        }),
        as_of: Some(date("2027-02-15")),
        overall_score: Some(0.4),
        summary: ExecutiveSummary {
            business: vec![BusinessRow {
                id: "O-CRO".to_owned(),
                title: "Increase revenue from Payments".to_owned(),
                owner: Some("Ravi Cro".to_owned()),
                progress: Some(0.5),
                status: Status::OnTrack,
                security: vec![SupportRow {
                    id: "O-TRUST".to_owned(),
                    title: "Increase customer confidence".to_owned(),
                    link: LinkKind::Supports,
                    progress: Some(0.25),
                    status: Status::OffTrack,
                }],
            }],
            changes: vec![ChangeRow {
                kr: "KR-TRAIN".to_owned(),
                title: "80% of developers trained on access control".to_owned(),
                from: 60.0,
                to: 75.0,
                unit: "%".to_owned(),
            }],
            decisions: vec![
                "KR-VULNS is off track: add people, cut scope or move the target.".to_owned(),
            ],
        },
        tree,
        objectives: vec![business, trust, team],
        risk: RiskPicture {
            by_theme: vec![
                (
                    date("2027-01-15"),
                    vec![("access_control".to_owned(), 40.0), ("cryptography".to_owned(), 8.5)],
                ),
                (date("2027-02-15"), vec![("access_control".to_owned(), 30.5)]),
            ],
            by_status: vec![(ThreatStatus::Identified, 2), (ThreatStatus::Mitigated, 1)],
            top_apps: vec![AppRisk {
                id: "checkout".to_owned(),
                name: "Checkout".to_owned(),
                open: 2,
                risk: 17.5,
            }],
        },
        register: vec![
            ThreatRow {
                alias: None,
                app: "checkout".to_owned(),
                id: "T-CHK-1".to_owned(),
                title: "IDOR on orders".to_owned(),
                theme: Some("access_control".to_owned()),
                severity: Severity::High,
                status: ThreatStatus::Identified,
                cited_by: vec!["KR-TRAIN".to_owned()],
            },
            ThreatRow {
                alias: None,
                app: "checkout".to_owned(),
                id: "T-CHK-5".to_owned(),
                title: "Weak hashing".to_owned(),
                theme: None,
                severity: Severity::Medium,
                status: ThreatStatus::Identified,
                cited_by: Vec::new(),
            },
        ],
        balance: Balance { strategic: 1, tactical: 2, untagged: 0, committed: 2, aspirational: 1 },
        grades: vec![
            GradeRow {
                cycle: "2026-Q4".to_owned(),
                lineage: "dev-training".to_owned(),
                score: 0.35,
                band: Band::Red,
            },
            GradeRow {
                cycle: "2026-Q4".to_owned(),
                lineage: "prod-vulns".to_owned(),
                score: 0.8,
                band: Band::Green,
            },
            GradeRow {
                cycle: "2027-Q1".to_owned(),
                lineage: "dev-training".to_owned(),
                score: 0.55,
                band: Band::Yellow,
            },
        ],
    }
}

/// Every text field of the sample model set to a variant of `hostile`.
fn hostile_model(hostile: &str) -> ReportModel {
    let h = |tag: &str| format!("{tag}{hostile}");
    let mut model = sample_model();
    model.org = h("org");
    if let Some(c) = &mut model.cycle {
        c.id = h("cycle");
    }
    for b in &mut model.summary.business {
        b.id = h("O-CRO");
        b.title = h("biz");
        b.owner = Some(h("owner"));
        for s in &mut b.security {
            s.id = h("O-TRUST");
            s.title = h("sec");
        }
    }
    for c in &mut model.summary.changes {
        c.kr = h("kr");
        c.title = h("change");
        c.unit = h("unit");
    }
    for d in &mut model.summary.decisions {
        *d = h("decision");
    }
    let ids = ["O-CRO", "O-TRUST", "O-TEAM"];
    for (node, id) in model.tree.iter_mut().zip(ids) {
        node.id = h(id);
    }
    for o in &mut model.objectives {
        o.id = h(&o.id.clone());
        o.title = h("title");
        o.owner = Some(h("owner"));
        o.cycle = h("cycle");
        for p in &mut o.parents {
            p.1 = h(&p.1.clone());
        }
        for k in &mut o.key_results {
            k.id = h(&k.id.clone());
            k.title = h("krtitle");
            k.unit = h("unit");
            k.goal = h("goal");
            for e in &mut k.evidence {
                e.label = h("label");
                e.value = h("value");
            }
            for t in &mut k.derived_from {
                *t = h(&t.clone());
            }
        }
    }
    for (_, values) in &mut model.risk.by_theme {
        for (theme, _) in values {
            *theme = h(theme);
        }
    }
    for a in &mut model.risk.top_apps {
        a.id = h("app");
        a.name = h("appname");
    }
    for t in &mut model.register {
        t.app = h("app");
        t.id = h(&t.id.clone());
        t.title = h("threat");
        t.theme = Some(h("theme"));
        t.cited_by = vec![h("KR-TRAIN")];
    }
    for g in &mut model.grades {
        g.cycle = h(&g.cycle.clone());
        g.lineage = h(&g.lineage.clone());
    }
    model
}

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"onmouseover=\"alert(1)",
    "| pipe",
    "](javascript:x)",
    "<img src=x onerror=alert(1)>",
];

#[test]
fn markdown_of_a_hand_built_model() {
    insta::assert_snapshot!(render_markdown(&sample_model()));
}

#[test]
fn markdown_of_an_unmeasured_workspace_says_no_data_never_zero() {
    let (workspace, files) = hostile_workspace();
    let model = build(&workspace, &files, date("2027-02-15"));
    let markdown = render_markdown(&model);
    assert!(!markdown.contains("0.0%"), "an unmeasured report shows no 0.0%");
    insta::assert_snapshot!(markdown);
}

#[test]
fn build_fills_what_the_workspace_gives() {
    let (workspace, files) = hostile_workspace();
    let model = build(&workspace, &files, date("2027-02-15"));
    assert_eq!(model.org, "Hostile <b>Org</b>");
    assert_eq!(model.cycle.as_ref().map(|c| c.id.as_str()), Some("2027-Q1"));
    // Open: T-1 (high), T-3 (critical) in shop; T-10 (low) in admin. T-2 mitigated, T-11 false positive.
    let register: Vec<(&str, &str, Severity, &[String])> = model
        .register
        .iter()
        .map(|t| (t.app.as_str(), t.id.as_str(), t.severity, t.cited_by.as_slice()))
        .collect();
    assert_eq!(
        register,
        vec![
            ("shop", "T-3", Severity::Critical, &["KR-SEC-1".to_owned()][..]),
            ("shop", "T-1", Severity::High, &["KR-SEC-1".to_owned(), "KR-SEC-2".to_owned()][..]),
            ("admin", "T-10", Severity::Low, &[][..]),
        ]
    );
    // Each threat carries its short alias, shown beside the id in the register.
    let html = render_html(&model);
    let markdown = render_markdown(&model);
    for row in &model.register {
        let alias = row.alias.as_deref().expect("every threat has an alias");
        assert!(alias.starts_with(&format!("{}:T-", row.app)), "{alias}");
        assert!(html.contains(&format!("{alias}<br><small>{}</small>", row.id)));
        assert!(markdown.contains(&format!("| {alias} ({}) |", row.id)), "{markdown}");
    }
    assert_eq!(
        model.risk.by_status,
        vec![
            (ThreatStatus::Identified, 2),
            (ThreatStatus::InProgress, 1),
            (ThreatStatus::Mitigated, 1),
            (ThreatStatus::FalsePositive, 1)
        ]
    );
    // Severity-only threats score their band's representative risk: 9.5 + 8.0 for the shop, 2.0 for admin.
    let apps: Vec<(&str, usize, f64)> =
        model.risk.top_apps.iter().map(|a| (a.name.as_str(), a.open, a.risk)).collect();
    assert_eq!(apps, vec![("](javascript:x) Shop", 2, 17.5), ("Admin", 1, 2.0)]);
    // `build` runs the analysis: themes through STRIDE here (no CWEs), one column at `as_of`.
    assert_eq!(
        model.risk.by_theme,
        vec![(
            date("2027-02-15"),
            vec![
                ("access_control".to_owned(), 8.0),
                ("authentication".to_owned(), 9.5),
                ("logging_monitoring".to_owned(), 2.0)
            ]
        )]
    );
    let themes: Vec<Option<&str>> = model.register.iter().map(|t| t.theme.as_deref()).collect();
    assert_eq!(
        themes,
        vec![Some("authentication"), Some("access_control"), Some("logging_monitoring")]
    );
    // KR-BIZ strategic; KR-SEC-1 strategic; KR-SEC-2 tactical (committed by its own tag); KR-TEAM untagged.
    assert_eq!(
        model.balance,
        Balance { strategic: 2, tactical: 1, untagged: 1, committed: 3, aspirational: 1 }
    );
    let tree: Vec<(&str, usize, Option<LinkKind>)> =
        model.tree.iter().map(|n| (n.id.as_str(), n.depth, n.link)).collect();
    assert_eq!(
        tree,
        vec![
            ("O-BIZ", 0, None),
            ("O-SEC", 1, Some(LinkKind::Supports)),
            ("O-TEAM", 2, Some(LinkKind::Contributes))
        ]
    );
    assert_eq!(model.summary.business.len(), 1);
    assert_eq!(model.summary.business[0].owner.as_deref(), Some("\"onmouseover=\"alert(1)"));
    assert_eq!(model.summary.business[0].security[0].id, "O-SEC");
    // The two open critical/high threats are cited, so the only decision would be about uncited ones: none.
    assert!(model.summary.decisions.is_empty());
    assert!(model.summary.changes.is_empty());
    let sec = &model.objectives[1];
    assert_eq!(sec.owner.as_deref(), Some("Lead | pipe"));
    let goals: Vec<&str> = sec.key_results.iter().map(|k| k.goal.as_str()).collect();
    assert_eq!(goals, vec!["0 → 80%", "at most 0"]);
    // 45 days of a 89-day quarter have passed on 2027-02-15.
    let expected = sec.key_results[0].expected.expect("a cycle gives an expectation");
    assert!((expected - 45.0 / 89.0).abs() < 1e-9, "{expected}");
    for kr in model.objectives.iter().flat_map(|o| &o.key_results) {
        assert_eq!((kr.status, kr.progress, kr.value), (Status::NoData, None, None), "{}", kr.id);
    }
    assert_eq!(model.overall_score, None);
}

#[test]
fn build_with_measured_numbers_fills_key_results_and_derives_changes() {
    let (workspace, files) = hostile_workspace();
    let mut measured = Measured::default();
    measured.key_results.insert(
        "KR-SEC-1".to_owned(),
        MeasuredKr {
            value: Some(60.0),
            progress: Some(0.75),
            expected: None,
            status: Status::OnTrack,
            confidence: Some(8),
            history: vec![(date("2027-01-10"), 20.0), (date("2027-02-10"), 60.0)],
            evidence: vec![EvidenceRow {
                label: "developers trained".to_owned(),
                value: "6 of 10".to_owned(),
            }],
            counted: Vec::new(),
            counted_more: 0,
        },
    );
    measured.key_results.insert(
        "KR-SEC-2".to_owned(),
        MeasuredKr {
            value: Some(2.0),
            progress: Some(0.1),
            status: Status::OffTrack,
            ..MeasuredKr::default()
        },
    );
    measured.objectives.insert(
        "O-SEC".to_owned(),
        MeasuredObjective { progress: Some(0.425), status: Status::AtRisk, links: Vec::new() },
    );
    measured.overall_score = Some(0.425);
    let themes = vec![ThemeRow {
        app: "shop".to_owned(),
        threat: "T-1".to_owned(),
        theme: "access_control".to_owned(),
        risk: Some(7.5),
    }];
    let model = build_with(&workspace, &files, date("2027-02-15"), &measured, &themes);
    let sec = &model.objectives[1];
    assert_eq!((sec.progress, sec.status), (Some(0.425), Status::AtRisk));
    assert_eq!(sec.key_results[0].confidence, Some(8));
    assert_eq!(
        model.summary.changes,
        vec![ChangeRow {
            kr: "KR-SEC-1".to_owned(),
            title: "Access control | trained".to_owned(),
            from: 20.0,
            to: 60.0,
            unit: "%".to_owned()
        }]
    );
    // KR-SEC-2 is committed (its own tag) and off track; it is shared by two objectives but listed once.
    assert_eq!(
        model.summary.decisions,
        vec!["KR-SEC-2 “No open prod findings” is off track: add people, cut scope or move the target.".to_owned()]
    );
    assert_eq!(
        model.risk.by_theme,
        vec![(date("2027-02-15"), vec![("access_control".to_owned(), 7.5)])]
    );
    assert_eq!(
        model.register.iter().find(|t| t.id == "T-1").and_then(|t| t.theme.as_deref()),
        Some("access_control")
    );
    // The analysed risk replaces T-1's representative score: 9.5 + 7.5.
    assert_eq!(model.risk.top_apps[0].risk, 17.0);
}

#[test]
fn an_objective_with_two_parents_is_expanded_once() {
    let objectives = vec![
        objective("A", "a", ObjectiveLevel::Company, &[]),
        objective("B", "b", ObjectiveLevel::Company, &[]),
        objective(
            "C",
            "c",
            ObjectiveLevel::Team,
            &[(LinkKind::Contributes, "A"), (LinkKind::Supports, "B")],
        ),
        objective("D", "d", ObjectiveLevel::Individual, &[(LinkKind::Contributes, "C")]),
        objective("E", "e", ObjectiveLevel::Team, &[(LinkKind::Contributes, "F")]),
        objective("F", "f", ObjectiveLevel::Team, &[(LinkKind::Contributes, "E")]),
    ];
    let tree: Vec<(String, usize, bool)> =
        alignment_tree(&objectives).into_iter().map(|n| (n.id, n.depth, n.repeated)).collect();
    let expected = [
        ("A", 0, false),
        ("C", 1, false),
        ("D", 2, false),
        ("B", 0, false),
        ("C", 1, true),
        // E and F only name each other: they still appear, E as a root.
        ("E", 0, false),
        ("F", 1, false),
        ("E", 2, true),
    ];
    assert_eq!(tree, expected.map(|(id, d, r)| (id.to_owned(), d, r)).to_vec());
}

fn heading_levels(html: &str) -> Vec<u8> {
    let bytes = html.as_bytes();
    let mut levels = Vec::new();
    for (i, window) in bytes.windows(3).enumerate() {
        if window[0] == b'<'
            && window[1] == b'h'
            && window[2].is_ascii_digit()
            && bytes.get(i + 3).is_some_and(|b| *b == b'>' || *b == b' ')
        {
            levels.push(window[2] - b'0');
        }
    }
    levels
}

#[test]
fn html_headings_go_in_order_without_skips() {
    for model in
        [sample_model(), build(&hostile_workspace().0, &hostile_workspace().1, date("2027-02-15"))]
    {
        let levels = heading_levels(&render_html(&model));
        assert_eq!(levels.first(), Some(&1));
        assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1, "one h1");
        for pair in levels.windows(2) {
            assert!(pair[1] <= pair[0] + 1, "heading h{} follows h{}", pair[1], pair[0]);
        }
    }
    let levels = heading_levels(&render_html(&sample_model()));
    // h1; summary h2 + 3 h3; alignment h2; objectives h2 + 3 h3; risk h2 + 3 h3; balance, quarters, register h2.
    assert_eq!(levels, vec![1, 2, 3, 3, 3, 2, 2, 3, 3, 3, 2, 3, 3, 3, 2, 2, 2]);
}

#[test]
fn every_svg_has_a_title_a_role_and_a_text_table() {
    let html = render_html(&sample_model());
    let starts: Vec<usize> = html.match_indices("<svg").map(|(i, _)| i).collect();
    // Two progress bars and one sparkline for measured rows, one bar for the unmeasured one,
    // plus risk by theme, by status, top apps and balance.
    assert_eq!(starts.len(), 3 + 1 + 4);
    for (n, &start) in starts.iter().enumerate() {
        let end = start + html[start..].find("</svg>").expect("closed svg");
        let svg = &html[start..end];
        let open_tag = &svg[..svg.find('>').expect("tag end")];
        assert!(open_tag.contains(r#"role="img""#), "svg {n}: {open_tag}");
        let label = open_tag
            .split(r#"aria-labelledby=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("aria-labelledby");
        assert!(svg.contains(&format!(r#"<title id="{label}">"#)), "svg {n} titles itself");
        // The text equivalent: the svg sits in a table cell, or a table follows it in its figure.
        let before = &html[..start];
        let inside_table = before.matches("<table").count() > before.matches("</table>").count();
        let after = &html[end..];
        let table_follows =
            after.find("<table").is_some_and(|t| after.find("</figure>").is_some_and(|f| t < f));
        assert!(inside_table || table_follows, "svg {n} has no text table");
    }
}

#[test]
fn hostile_strings_are_escaped_in_html_svg_and_markdown() {
    for hostile in HOSTILE {
        let model = hostile_model(hostile);
        let html = render_html(&model);
        assert!(!html.contains("<script"), "{hostile}: script tag in HTML");
        assert!(!html.contains("<img"), "{hostile}: img tag in HTML");
        assert!(!html.contains("\"onmouseover"), "{hostile}: attribute break-out in HTML");
        assert!(!html.contains("onerror=alert(1)>"), "{hostile}");
        if hostile.contains('<') {
            assert!(html.contains("&lt;"), "{hostile}: escaped text is still shown");
        }
        let markdown = render_markdown(&model);
        assert!(!markdown.contains('<') || !markdown.contains("<script"), "{hostile}");
        assert!(
            !markdown.contains("<script") && !markdown.contains("<img"),
            "{hostile}: raw HTML in Markdown"
        );
        for (i, _) in markdown.match_indices("| pipe") {
            assert_eq!(&markdown[i - 1..i], "\\", "{hostile}: unescaped pipe in Markdown");
        }
        for (i, _) in markdown.match_indices("](javascript") {
            assert_eq!(&markdown[i - 1..i], "\\", "{hostile}: a link in Markdown");
        }
        // Tables keep their shape: every row has as many unescaped pipes as its header.
        let mut expected_pipes = None;
        for line in markdown.lines() {
            if !line.starts_with('|') {
                expected_pipes = None;
                continue;
            }
            let pipes = line
                .match_indices('|')
                .filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\")
                .count();
            match expected_pipes {
                None => expected_pipes = Some(pipes),
                Some(n) => assert_eq!(pipes, n, "{hostile}: {line}"),
            }
        }
    }
}

#[test]
fn svg_charts_escape_their_titles_and_labels() {
    let hostile = "<script>alert(1)</script>\"'";
    let series = vec![(date("2027-01-01"), vec![(hostile.to_owned(), 1.0)])];
    for svg in [
        svg::stacked_bars("c", hostile, &series),
        sparkline("c", hostile, &[(date("2027-01-01"), 1.0)]),
        progress_bar("c", hostile, Some(0.5), Some(0.5), Status::OnTrack),
        svg::horizontal_bars("c", hostile, &[(hostile.to_owned(), 2.0)]),
        svg::balance_bars("c", hostile, &[(hostile, 1, hostile, 2)]),
    ] {
        assert!(!svg.contains("<script") && !svg.contains("\"'"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"), "{svg}");
    }
}

#[test]
fn svg_numbers_are_placed_and_formatted_deterministically() {
    let bar = progress_bar("p", "t", Some(0.5), Some(0.25), Status::AtRisk);
    assert!(
        bar.contains(r##"<rect x="0" y="2" width="60.0" height="10" rx="2" fill="#f2c744"/>"##),
        "{bar}"
    );
    assert!(bar.contains(r#"x1="30.0""#), "{bar}");
    let empty = progress_bar("p", "t", None, Some(0.25), Status::NoData);
    assert_eq!(empty.matches("<rect").count(), 1, "no data draws only the track");
    let points = [(date("2027-01-01"), 0.0), (date("2027-01-08"), 5.0), (date("2027-01-15"), 10.0)];
    let spark = sparkline("s", "t", &points);
    assert!(spark.contains(r#"points="0.0,22.0 50.0,12.0 100.0,2.0""#), "{spark}");
    let series = vec![
        (date("2027-01-01"), vec![("a".to_owned(), 30.0), ("b".to_owned(), 10.0)]),
        (date("2027-02-01"), vec![("b".to_owned(), 20.0)]),
    ];
    let bars = svg::stacked_bars("b", "t", &series);
    // The tallest bar (40) fills the 160-unit plot: a is 120 high, b 40; the second bar's b is 80.
    assert!(bars.contains(r##"height="120.0" fill="#4e79a7""##), "{bars}");
    assert!(bars.contains(r##"height="40.0" fill="#f28e2b""##), "{bars}");
    assert!(bars.contains(r##"height="80.0" fill="#f28e2b""##), "{bars}");
    // Twenty weekly bars: every third is labelled (0, 3, ..., 18), so labels never overlap.
    let weekly: Vec<(Date, Vec<(String, f64)>)> = (0..20)
        .map(|w| (date("2027-01-04") + jiff::Span::new().weeks(w), vec![("a".to_owned(), 1.0)]))
        .collect();
    let bars = svg::stacked_bars("w", "t", &weekly);
    assert_eq!(bars.matches(r#"text-anchor="middle""#).count(), 7);
}

#[test]
fn a_named_cycle_without_okrs_gives_an_empty_report_not_another_cycle() {
    let (workspace, files) = hostile_workspace();
    let measured = Measured { cycle: Some("2026-Q4".to_owned()), ..Measured::default() };
    let model = build_with(&workspace, &files, date("2027-02-15"), &measured, &[]);
    assert!(model.objectives.is_empty() && model.tree.is_empty());
    assert_eq!(model.cycle, None);
    assert_eq!(model.balance, Balance::default());
    // The threat register does not depend on the cycle; with no key results nothing is cited.
    assert_eq!(model.register.len(), 3);
    assert!(model.register.iter().all(|t| t.cited_by.is_empty()));
    let html = render_html(&model);
    assert_eq!(html.matches("No objectives in this cycle.").count(), 2);
}

#[test]
fn status_and_band_colours_have_aa_contrast_for_their_text() {
    for status in Status::ALL {
        let (background, text) = status_colours(*status);
        let ratio = contrast_ratio(background, text);
        assert!(ratio >= 4.5, "{}: {ratio:.2}", status.as_str());
    }
    for band in Band::ALL {
        let (background, text) = band_colours(*band);
        let ratio = contrast_ratio(background, text);
        assert!(ratio >= 4.5, "{}: {ratio:.2}", band.as_str());
    }
    // Known values: black on white is 21:1, a colour against itself is 1:1.
    assert!((contrast_ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((contrast_ratio("#1a7f37", "#1a7f37") - 1.0).abs() < 1e-9);
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let (workspace, files) = hostile_workspace();
    let first = build(&workspace, &files, date("2027-02-15"));
    let second = build(&workspace, &files, date("2027-02-15"));
    assert_eq!(first, second);
    assert_eq!(render_html(&first), render_html(&second));
    let model = sample_model();
    assert_eq!(render_html(&model), render_html(&model));
    assert_eq!(render_markdown(&model), render_markdown(&model));
    assert_eq!(render_status_tree(&model, 80, true), render_status_tree(&model, 80, true));
}

#[test]
fn html_is_self_contained() {
    let html = render_html(&sample_model());
    for forbidden in ["<script", "<link", "http://", "https://", "@import", "url(", "<iframe"] {
        let allowed = html.matches("http://www.w3.org/2000/svg").count();
        let found = html.matches(forbidden).count();
        if forbidden == "http://" {
            assert_eq!(found, allowed, "only the SVG namespace may name a URL");
        } else {
            assert_eq!(found, 0, "{forbidden}");
        }
    }
    assert!(html.contains("@media print"));
    assert!(html.contains(r#"name="viewport""#));
}

#[test]
fn the_alignment_map_draws_contributes_and_supports_differently() {
    let html = render_html(&sample_model());
    assert!(html.contains(".tree li.contributes{border-left:3px solid"));
    assert!(html.contains(".tree li.supports{border-left:3px dashed"));
    assert_eq!(html.matches(r#"<li class="supports">"#).count(), 1);
    assert_eq!(html.matches(r#"<li class="contributes">"#).count(), 1);
    // The nested lists are balanced.
    assert_eq!(html.matches("<ul").count(), html.matches("</ul>").count());
    let opened = html.matches("<li>").count() + html.matches("<li ").count();
    assert_eq!(opened, html.matches("</li>").count());
}

#[test]
fn unmeasured_numbers_show_no_data_in_html() {
    let (workspace, files) = hostile_workspace();
    let html = render_html(&build(&workspace, &files, date("2027-02-15")));
    assert!(!html.contains(">0.0%"));
    assert!(html.contains("Overall score: <strong>no data</strong>"));
    // The overall score, five key-result rows (KR-SEC-2 twice), each with a "no data" badge, plus
    // the objectives.
    assert_eq!(
        html.matches(r#"<span class="badge s-no_data">no data</span>"#).count(),
        1 + 5 + 3 + 3 + 2
    );
}

#[test]
fn the_overall_score_shows_the_expected_score_and_its_status() {
    let mut model = sample_model();
    model.overall_score = Some(0.2);
    let expected = model.overall_expected().expect("the sample has a cycle and a day");
    assert!(expected > 0.4, "{expected}");
    assert_eq!(model.overall_status(), Status::OffTrack);
    let html = render_html(&model);
    assert!(
        html.contains(
            r#"<span class="badge s-off_track">off track</span> <small>(expected by now"#
        ),
        "{html}"
    );
}

#[test]
fn milestones_read_as_done_of_total() {
    let mut row = kr("KR-M", "Certifications");
    row.value = Some(25.0);
    row.milestones = Some((1, 3));
    assert_eq!(row.value_text(), "1 of 3");
    row.value = None;
    assert_eq!(row.value_text(), "no data");
}

#[test]
fn tables_become_labelled_cards_on_narrow_screens_and_long_ids_wrap() {
    let mut model = sample_model();
    let long =
        "unencrypted-communication@user-management-client>auth-traffic@customer-portal-backend";
    model.register[0].id = long.to_owned();
    let html = render_html(&model);
    assert!(html.contains("@media (max-width:40rem)"));
    assert!(html.contains(r#"<table class="krs wide cards">"#));
    assert!(html.contains(r#"<table class="wide cards">"#));
    for label in ["Value", "Goal", "Progress", "Status", "Threat", "Cited by"] {
        assert!(html.contains(&format!(r#"data-label="{label}""#)), "{label}");
    }
    let escaped = long.replace('>', "&gt;");
    assert!(html.contains(&format!(r#"<td class="id" data-label="Threat">{escaped}</td>"#)));
    assert!(html.contains(".id{overflow-wrap:anywhere;word-break:break-all}"));
}

#[test]
fn a_key_results_evidence_lists_the_first_ten_items_counted_and_how_many_more_escaped() {
    let mut model = sample_model();
    let kr = &mut model.objectives[1].key_results[0];
    kr.counted = (1..=13)
        .map(|i| format!("high semgrep <sqli|{i}> in src/db_{i}.py:{i} (checkout, prod)"))
        .collect();
    let html = render_html(&model);
    assert!(html.contains(r#"<p>Counted:</p><ul class="counted"><li>high semgrep &lt;sqli|1&gt; in src/db_1.py:1 (checkout, prod)</li>"#), "{html}");
    assert!(html.contains("src/db_10.py:10"));
    assert!(!html.contains("src/db_11.py"), "only the first ten are listed");
    assert!(html.contains("<li>and 3 more</li></ul></details>"));
    let markdown = render_markdown(&model);
    assert!(
        markdown
            .contains(r"counted: high semgrep &lt;sqli\|1&gt; in src/db\_1.py:1 (checkout, prod);"),
        "{markdown}"
    );
    assert!(markdown.contains("; and 3 more"));
    assert!(!markdown.contains(r"db\_11"));
}

#[test]
fn issue_12_a_key_result_holding_only_the_lines_shown_renders_as_one_holding_all() {
    let mut all = sample_model();
    let kr = &mut all.objectives[1].key_results[0];
    kr.counted = (1..=13).map(|i| format!("high semgrep sqli in src/db_{i}.py:{i}")).collect();
    let mut shown = all.clone();
    let kr = &mut shown.objectives[1].key_results[0];
    kr.counted.truncate(COUNTED_SHOWN);
    kr.counted_more = 3;
    assert_eq!(render_html(&shown), render_html(&all));
    assert_eq!(render_markdown(&shown), render_markdown(&all));
}

#[test]
fn a_history_of_one_measurement_is_called_a_point() {
    let mut model = sample_model();
    let kr = &mut model.objectives[1].key_results[0];
    kr.history = vec![(date("2027-02-01"), 10.0)];
    let html = render_html(&model);
    assert!(html.contains("one measurement so far: a point, not a trend"));
}

#[test]
fn ten_thousand_threats_render_well_under_a_second() {
    let mut model = sample_model();
    let template = model.objectives[1].clone();
    model.objectives.clear();
    model.tree.clear();
    for i in 0..200 {
        let mut o = template.clone();
        o.id = format!("O-{i}");
        for k in &mut o.key_results {
            k.id = format!("KR-{i}-{}", k.id);
            k.history = (0..12)
                .map(|d| (date("2027-01-01") + jiff::Span::new().days(d * 7), d as f64))
                .collect();
            k.derived_from = (0..20).map(|t| format!("T-{}", (i * 50 + t) % 10_000)).collect();
        }
        model.tree.push(TreeNode {
            id: o.id.clone(),
            depth: usize::from(i > 0),
            link: (i > 0).then_some(LinkKind::Contributes),
            repeated: false,
        });
        model.objectives.push(o);
    }
    let template = model.register[0].clone();
    model.register = (0..10_000)
        .map(|i| ThreatRow {
            alias: None,
            id: format!("T-{i}"),
            title: format!("Threat <{i}> & co"),
            ..template.clone()
        })
        .collect();
    let started = std::time::Instant::now();
    let html = render_html(&model);
    let elapsed = started.elapsed();
    assert!(html.matches("<tr id=\"threat-").count() == 10_000);
    assert!(elapsed.as_secs_f64() < 1.0, "rendering took {elapsed:?}");
}

proptest! {
    #[test]
    fn arbitrary_titles_never_add_a_tag_to_the_html(title in any::<String>()) {
        let render = |text: &str| {
            let mut model = sample_model();
            model.objectives[1].title = text.to_owned();
            model.register[0].title = text.to_owned();
            model.summary.decisions = vec![text.to_owned()];
            render_html(&model)
        };
        let html = render(&title);
        let neutral = render("x");
        prop_assert_eq!(html.matches('<').count(), neutral.matches('<').count());
        prop_assert_eq!(html.matches('>').count(), neutral.matches('>').count());
        let escaped = escape_html(&title);
        prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
    }

    #[test]
    fn arbitrary_text_never_breaks_a_markdown_table(title in any::<String>()) {
        let mut model = sample_model();
        model.register[0].title = title;
        let markdown = render_markdown(&model);
        let rows: Vec<&str> = markdown.lines().skip_while(|l| !l.starts_with("| App | Threat")).take(4).collect();
        prop_assert_eq!(rows.len(), 4);
        for row in rows {
            let pipes = row.match_indices('|').filter(|(i, _)| *i == 0 || &row[i - 1..*i] != "\\").count();
            prop_assert_eq!(pipes, 8, "{}", row);
        }
    }
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours (1.0 to 21.0).
fn contrast_ratio(a: &str, b: &str) -> f64 {
    fn luminance(hex: &str) -> f64 {
        let hex = hex.trim_start_matches('#');
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}
