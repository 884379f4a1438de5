//! Tests for the portfolio analysis, on small workspaces built in code and figured out by hand.

use super::*;
use crate::diag::{Files, Span};
use crate::model::{
    App, Control, CvssScore, Level, Origin, Severity, SourceFormat, Stride, Team, TestScenario,
    Threat, ThreatModel, WorkspaceConfig,
};
use crate::taxonomy::tests::threat;
use serde_json::json;

fn origin() -> Origin {
    Origin { file: Files::new().add("test", ""), span: Span::new(0, 0) }
}

fn model(
    app: Option<&str>,
    title: &str,
    threats: Vec<Threat>,
    controls: Vec<Control>,
    tests: Vec<TestScenario>,
) -> ThreatModel {
    ThreatModel {
        origin: origin(),
        format: SourceFormat::Native,
        app: app.map(|a| a.parse().expect("id")),
        title: title.into(),
        reviewed: None,
        elements: Vec::new(),
        flows: Vec::new(),
        boundaries: Vec::new(),
        data_assets: Vec::new(),
        threats,
        controls,
        tests,
    }
}

/// A threat with a status, CWEs and a severity.
fn t(id: &str, status: ThreatStatus, cwes: &[u32], severity: Severity) -> Threat {
    let mut threat = threat(id);
    threat.status = status;
    threat.cwes = cwes.to_vec();
    threat.severity = severity;
    threat
}

fn control(id: &str, status: ControlStatus, threats: &[&str]) -> Control {
    Control {
        id: id.parse().expect("id"),
        title: id.into(),
        status,
        status_raw: status.as_str().into(),
        asvs: Vec::new(),
        tags: Vec::new(),
        threats: threats.iter().map(|t| t.parse().expect("id")).collect(),
        origin: origin(),
    }
}

fn test_scenario(id: &str, threats: &[&str]) -> TestScenario {
    TestScenario {
        id: id.parse().expect("id"),
        title: id.into(),
        threats: threats.iter().map(|t| t.parse().expect("id")).collect(),
        kind: "pentest".into(),
        origin: origin(),
    }
}

fn app(id: &str, name: &str, team: Option<&str>) -> App {
    App {
        id: id.parse().expect("id"),
        name: name.into(),
        team: team.map(|t| t.parse().expect("id")),
        tier: None,
        tags: Vec::new(),
        repos: Vec::new(),
        environments: Vec::new(),
        models: Vec::new(),
        origin: origin(),
    }
}

fn team(id: &str, name: &str) -> Team {
    Team { id: id.parse().expect("id"), name: name.into(), lead: None, origin: origin() }
}

/// Two configured apps (shop by web, pay by payments), a third team with no app, and a model no
/// app claims. The expected figures in the tests below are worked out by hand from this.
fn two_app_workspace() -> Workspace {
    use ThreatStatus::*;
    // shop
    let s1 = {
        let mut s = t("S1", Identified, &[639], Severity::High); // access_control, 8.0 (severity)
        s.controls = vec!["C9".parse().expect("id")]; // dangling: not counted
        s
    };
    let s2 = {
        let mut s = t("S2", InProgress, &[862], Severity::Unknown); // access_control
        s.likelihood = Some(Level::High);
        s.impact = Some(Level::VeryHigh); // 4 × 5 / 25 × 10 = 8.0
        s.controls = vec!["C2".parse().expect("id")];
        s
    };
    let s3 = {
        let mut s = t("S3", Mitigated, &[89], Severity::Low); // input_validation_injection, 9.8 (CVSS)
        s.cvss = Some(CvssScore {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: 9.8,
        });
        s
    };
    let s4 = {
        let mut s = t("S4", Identified, &[], Severity::Medium); // authentication via STRIDE, 5.5
        s.stride = vec![Stride::Spoofing];
        s
    };
    let s5 = t("S5", Identified, &[79], Severity::Unknown); // output_encoding_xss, default 5.0
    let s6 = t("S6", NotApplicable, &[285], Severity::Critical); // access_control, out of scope
    let shop = model(
        Some("shop"),
        "Shop",
        vec![s1, s2, s3, s4, s5, s6],
        vec![
            control("C1", ControlStatus::Implemented, &["S1"]),
            control("C2", ControlStatus::Planned, &[]),
            control("C3", ControlStatus::Verified, &["S3"]),
        ],
        vec![test_scenario("TS1", &["S1", "S6"])],
    );
    // pay
    let p1 = {
        let mut p = t("P1", Identified, &[639], Severity::Unknown); // access_control
        p.likelihood = Some(Level::Medium);
        p.impact = Some(Level::Medium); // 3 × 3 / 25 × 10 = 3.6
        p
    };
    let p2 = {
        let mut p = t("P2", Identified, &[], Severity::Low); // authentication via keyword, 2.0
        p.title = "Weak password policy".into();
        p
    };
    let p3 = t("P3", Verified, &[639], Severity::High); // access_control, mitigated
    let p4 = t("P4", Accepted, &[89], Severity::High); // input_validation_injection, in scope, neither open nor mitigated
    let pay = model(
        Some("pay"),
        "Payments",
        vec![p1, p2, p3, p4],
        vec![
            control("D1", ControlStatus::InProgress, &["P1", "P3"]),
            control("D2", ControlStatus::Suggested, &["P2"]),
        ],
        vec![test_scenario("TB1", &["P3"])],
    );
    // A model no app claims: it counts as an app named after its title.
    let l1 = {
        let mut l = t("L1", Identified, &[], Severity::Medium); // access_control via STRIDE, 5.5
        l.stride = vec![Stride::ElevationOfPrivilege];
        l
    };
    let legacy = model(None, "legacy-portal", vec![l1], Vec::new(), Vec::new());

    Workspace {
        config: WorkspaceConfig {
            org: crate::model::Org {
                name: "Acme".into(),
                teams: vec![
                    team("web", "Web"),
                    team("payments", "Payments"),
                    team("platform", "Platform"),
                ],
                people: Vec::new(),
            },
            apps: vec![app("shop", "Shop", Some("web")), app("pay", "Payments", Some("payments"))],
            ..WorkspaceConfig::default()
        },
        models: vec![shop, pay, legacy],
        okrs: Vec::new(),
        aliases: Default::default(),
    }
}

fn theme(analysis: &Analysis, theme: Theme) -> &ThemeSummary {
    analysis.theme(theme).expect("theme present")
}

fn ids<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

#[test]
fn ranks_themes_by_open_risk() {
    let analysis = analyze(&two_app_workspace());
    let ranked: Vec<(Theme, f64)> =
        analysis.themes.iter().map(|t| (t.theme, t.figures.open_risk)).collect();
    assert_eq!(
        ranked,
        [
            (Theme::AccessControl, 25.1),
            (Theme::Authentication, 7.5),
            (Theme::OutputEncodingXss, 5.0),
            (Theme::InputValidationInjection, 0.0)
        ]
    );
}

#[test]
fn computes_access_control_figures_by_hand() {
    let analysis = analyze(&two_app_workspace());
    let ac = theme(&analysis, Theme::AccessControl);
    let f = &ac.figures;
    // S1, S2, S6, P1, P3, L1; S6 is not applicable.
    assert_eq!((f.threats, f.in_scope, f.open_threats, f.mitigated), (6, 5, 4, 1));
    // 8.0 + 8.0 + 3.6 + 5.5 of 37.6 open in the portfolio.
    assert_eq!(f.open_risk, 25.1);
    assert_eq!(f.share, 251.0 / 376.0);
    assert_eq!(f.mitigated_share, Some(0.2));
    // S1 (TS1) and P3 (TB1); S6 is named by TS1 but out of scope.
    assert_eq!(f.tested, 2);
    assert_eq!(f.default_risk, 0);
    // C1 (S1), C2 (S2), D1 (P1, P3); C9 does not exist.
    assert_eq!((f.controls, f.controls_planned, f.controls_implemented), (3, 2, 1));
    assert_eq!(ids(&ac.apps), ["legacy-portal", "pay", "shop"]);
    assert_eq!(ids(&ac.teams), ["payments", "web"]);
    let open: Vec<String> = analysis
        .open_threats_of(Theme::AccessControl)
        .iter()
        .map(|t| format!("{}/{}", t.app, t.id))
        .collect();
    assert_eq!(open, ["shop/S1", "shop/S2", "legacy-portal/L1", "pay/P1"]);
}

#[test]
fn computes_the_other_themes_by_hand() {
    let analysis = analyze(&two_app_workspace());
    let auth = &theme(&analysis, Theme::Authentication).figures;
    assert_eq!(
        (auth.threats, auth.open_threats, auth.open_risk, auth.mitigated_share),
        (2, 2, 7.5, Some(0.0))
    );
    assert_eq!(
        (auth.controls, auth.controls_planned, auth.controls_implemented),
        (1, 0, 0),
        "D2 is only suggested"
    );
    let xss = &theme(&analysis, Theme::OutputEncodingXss).figures;
    assert_eq!((xss.open_threats, xss.open_risk, xss.default_risk), (1, 5.0, 1));
    let injection = theme(&analysis, Theme::InputValidationInjection);
    let f = &injection.figures;
    assert_eq!(
        (f.threats, f.in_scope, f.open_threats, f.mitigated, f.open_risk, f.share),
        (2, 2, 0, 1, 0.0, 0.0)
    );
    assert_eq!(f.mitigated_share, Some(0.5), "S3 mitigated, P4 accepted");
    assert_eq!((f.controls, f.controls_implemented), (1, 1));
    assert!(
        injection.apps.is_empty() && injection.teams.is_empty(),
        "no open threat, nothing affected"
    );
}

#[test]
fn computes_apps_and_teams_by_hand() {
    let analysis = analyze(&two_app_workspace());
    let apps: Vec<(String, f64, usize)> = analysis
        .apps
        .iter()
        .map(|a| (a.app.to_string(), a.figures.open_risk, a.figures.open_threats))
        .collect();
    assert_eq!(
        apps,
        [
            ("shop".to_owned(), 26.5, 4),
            ("pay".to_owned(), 5.6, 2),
            ("legacy-portal".to_owned(), 5.5, 1)
        ]
    );
    let shop = &analysis.apps[0];
    assert_eq!(
        (shop.name.as_deref(), shop.team.as_ref().map(TeamId::as_str)),
        (Some("Shop"), Some("web"))
    );
    let f = &shop.figures;
    assert_eq!((f.threats, f.in_scope, f.mitigated, f.tested, f.default_risk), (6, 5, 1, 1, 1));
    assert_eq!((f.controls, f.controls_planned, f.controls_implemented), (3, 1, 2));
    assert_eq!(f.share, 265.0 / 376.0);
    let breakdown: Vec<(Theme, f64, f64)> =
        shop.themes.iter().map(|t| (t.theme, t.figures.open_risk, t.figures.share)).collect();
    assert_eq!(
        breakdown,
        [
            (Theme::AccessControl, 16.0, 160.0 / 265.0),
            (Theme::Authentication, 5.5, 55.0 / 265.0),
            (Theme::OutputEncodingXss, 5.0, 50.0 / 265.0),
            (Theme::InputValidationInjection, 0.0, 0.0),
        ]
    );
    let pay = &analysis.apps[1].figures;
    assert_eq!(
        (pay.mitigated_share, pay.controls_planned, pay.controls_implemented),
        (Some(0.25), 1, 0)
    );
    let legacy = &analysis.apps[2];
    assert_eq!((legacy.name.as_ref(), legacy.team.as_ref()), (None, None));

    let teams: Vec<(String, f64, Vec<String>)> = analysis
        .teams
        .iter()
        .map(|t| (t.team.to_string(), t.figures.open_risk, ids(&t.apps)))
        .collect();
    assert_eq!(
        teams,
        [
            ("web".to_owned(), 26.5, vec!["shop".to_owned()]),
            ("payments".to_owned(), 5.6, vec!["pay".to_owned()]),
            ("platform".to_owned(), 0.0, Vec::new())
        ]
    );
    assert_eq!(
        analysis.teams[2].figures.mitigated_share, None,
        "a team with nothing in scope has no mitigated share"
    );
}

#[test]
fn totals_cover_the_whole_portfolio() {
    let totals = analyze(&two_app_workspace()).totals;
    assert_eq!(
        (
            totals.threats,
            totals.in_scope,
            totals.open_threats,
            totals.mitigated,
            totals.tested,
            totals.default_risk
        ),
        (11, 10, 7, 2, 2, 1)
    );
    assert_eq!((totals.open_risk, totals.share, totals.mitigated_share), (37.6, 1.0, Some(0.2)));
}

#[test]
fn explains_each_threat() {
    let analysis = analyze(&two_app_workspace());
    let find = |id: &str| analysis.threats.iter().find(|t| t.id.as_str() == id).expect("threat");
    assert_eq!(
        (find("S3").risk, find("S3").theme_source),
        (Risk { score: 9.8, basis: RiskBasis::Cvss }, ThemeSource::Cwe(89))
    );
    assert_eq!(find("S4").theme_source, ThemeSource::Stride(Stride::Spoofing));
    assert_eq!(find("P2").theme_source, ThemeSource::Keyword("password"));
    assert_eq!(find("S5").risk.basis, RiskBasis::Default);
    assert!(find("S1").tested && !find("S2").tested);
}

#[test]
fn json_follows_the_contract() {
    let value = analysis_json(&analyze(&two_app_workspace()));
    let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["themes", "apps", "teams"]);
    let first = &value["themes"][0];
    assert_eq!(first["theme"], "access_control");
    assert_eq!(first["open_threats"], 4);
    assert_eq!(first["open_risk"], 25.1);
    assert_eq!(first["share"], 0.67);
    assert_eq!(first["mitigated_share"], 0.2);
    assert_eq!(first["apps"], json!(["legacy-portal", "pay", "shop"]));
    assert_eq!(first["teams"], json!(["payments", "web"]));
    assert_eq!(first["asvs"], json!({"5.0.0": ["V8"], "4.0.3": ["V4"]}));
    assert_eq!(
        first["open_threat_refs"][0],
        json!({"app": "shop", "model": 0, "id": "S1", "title": "", "status": "identified", "risk": 8.0, "risk_basis": "severity", "theme_source": "CWE-639"})
    );
    assert_eq!(value["themes"][1]["share"], 0.2);
    assert_eq!(value["themes"][2]["share"], 0.13);
    assert_eq!(value["apps"][0]["app"], "shop");
    assert_eq!(value["apps"][0]["share"], 0.7);
    assert_eq!(value["apps"][0]["themes"][0]["share"], 0.6);
    assert_eq!(value["apps"][2]["name"], serde_json::Value::Null);
    assert_eq!(value["teams"][2]["team"], "platform");
    assert_eq!(value["teams"][2]["mitigated_share"], serde_json::Value::Null);
    insta::assert_snapshot!("two_apps_json", serde_json::to_string_pretty(&value).expect("json"));
}

#[test]
fn markdown_report_is_stable() {
    insta::assert_snapshot!("two_apps_markdown", render_markdown(&analyze(&two_app_workspace())));
}

#[test]
fn terminal_table_is_stable_and_fits_the_width() {
    let table_lines = |text: &str| {
        text.lines()
            .filter(|l| !l.starts_with("11 threats"))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    };
    let wide = render_table(&analyze(&two_app_workspace()), 120);
    insta::assert_snapshot!("two_apps_table_120", wide);
    assert_eq!(table_lines(&wide), 103, "the widest line is the access_control row");
    assert!(!wide.contains('…'), "nothing needs cutting at 120 columns");
    // At 100 columns the apps column is cut to fit.
    let fitted = render_table(&analyze(&two_app_workspace()), 100);
    assert_eq!(table_lines(&fitted), 100);
    assert!(fitted.lines().any(|l| l.ends_with("legacy-portal, pay, …")), "{fitted}");
    // Narrower still: the apps column keeps 6 columns, then the widest columns are cut.
    let narrow = render_table(&analyze(&two_app_workspace()), 60);
    assert!(narrow.lines().any(|l| l.ends_with("legac…")), "{narrow}");
    assert_eq!(table_lines(&narrow), 60, "{narrow}");
}

#[test]
fn markdown_cells_escape_pipes_and_line_breaks() {
    let mut workspace = two_app_workspace();
    workspace.models[0].threats[0].title = "Orders | invoices\nleak\r\nacross tenants".into();
    let markdown = render_markdown(&analyze(&workspace));
    assert!(markdown.contains("| Orders \\| invoices leak across tenants |"), "{markdown}");
    let table = render_table(&analyze(&workspace), 200);
    assert!(!table.contains("invoices\nleak"));
}

#[test]
fn ranking_is_deterministic_whatever_the_model_order() {
    let workspace = two_app_workspace();
    let mut reversed = workspace.clone();
    reversed.models.reverse();
    let a = analysis_json(&analyze(&workspace));
    let b = analysis_json(&analyze(&reversed));
    let order = |v: &serde_json::Value, key: &str, field: &str| -> Vec<String> {
        v[key].as_array().expect("array").iter().map(|x| x[field].to_string()).collect()
    };
    assert_eq!(order(&a, "themes", "theme"), order(&b, "themes", "theme"));
    assert_eq!(order(&a, "apps", "app"), order(&b, "apps", "app"));
    assert_eq!(order(&a, "teams", "team"), order(&b, "teams", "team"));
    for (x, y) in
        a["themes"].as_array().expect("array").iter().zip(b["themes"].as_array().expect("array"))
    {
        assert_eq!(x["open_risk"], y["open_risk"]);
        assert_eq!(x["share"], y["share"]);
    }
    assert_eq!(render_markdown(&analyze(&workspace)), render_markdown(&analyze(&workspace)));
}

#[test]
fn equal_open_risk_is_ranked_by_theme_name() {
    // Three themes with 5.6 open risk each; as floats, 0.8 + 1.6 + 3.2 is 5.6000000000000005.
    // Risk is summed in tenths, so they tie exactly and the name decides.
    let with_levels = |id: &str, cwe: u32, likelihood: Level, impact: Level| {
        let mut threat = t(id, ThreatStatus::Identified, &[cwe], Severity::Unknown);
        threat.likelihood = Some(likelihood);
        threat.impact = Some(impact);
        threat
    };
    let threats = vec![
        with_levels("X1", 79, Level::Medium, Level::Medium), // output_encoding_xss 3.6
        t("X2", ThreatStatus::Identified, &[79], Severity::Low), // + 2.0
        with_levels("C1", 319, Level::Low, Level::VeryLow),  // communication_security 0.8
        with_levels("C2", 319, Level::High, Level::VeryLow), // + 1.6
        with_levels("C3", 319, Level::High, Level::Low),     // + 3.2
        with_levels("A1", 862, Level::High, Level::VeryLow), // access_control 1.6
        with_levels("A2", 862, Level::Low, Level::VeryHigh), // + 4.0
    ];
    assert_ne!(0.8 + 1.6 + 3.2, 5.6, "the float sum really is off");
    let workspace = Workspace {
        models: vec![model(Some("x"), "x", threats, Vec::new(), Vec::new())],
        ..Workspace::default()
    };
    let analysis = analyze(&workspace);
    let ranked: Vec<(Theme, f64)> =
        analysis.themes.iter().map(|t| (t.theme, t.figures.open_risk)).collect();
    assert_eq!(
        ranked,
        [
            (Theme::AccessControl, 5.6),
            (Theme::CommunicationSecurity, 5.6),
            (Theme::OutputEncodingXss, 5.6)
        ]
    );
}

#[test]
fn empty_workspace_has_no_themes_and_renders() {
    let analysis = analyze(&Workspace::default());
    assert!(analysis.themes.is_empty() && analysis.apps.is_empty() && analysis.teams.is_empty());
    assert_eq!(analysis.totals.mitigated_share, None);
    assert_eq!(analysis_json(&analysis), json!({"themes": [], "apps": [], "teams": []}));
    assert!(render_markdown(&analysis).contains("No threats in the workspace."));
    assert!(render_table(&analysis, 80).contains("No threats in the workspace."));
}

#[test]
fn model_without_usable_title_counts_as_unassigned() {
    let workspace = Workspace {
        models: vec![model(
            None,
            "",
            vec![t("X", ThreatStatus::Identified, &[], Severity::High)],
            Vec::new(),
            Vec::new(),
        )],
        ..Workspace::default()
    };
    let analysis = analyze(&workspace);
    assert_eq!(analysis.apps[0].app.as_str(), "unassigned");
    assert_eq!(analysis.themes[0].theme, Theme::Architecture);
}

/// A random threat: status, CWE (from a small set, or none), STRIDE, severity, likelihood × impact.
fn arbitrary_threat()
-> impl proptest::strategy::Strategy<Value = (usize, usize, usize, usize, usize, Option<(usize, usize)>)>
{
    (
        0..ThreatStatus::ALL.len(),
        0..8usize,
        0..7usize,
        0..Severity::ALL.len(),
        0..3usize,
        proptest::option::of((0..5usize, 0..5usize)),
    )
}

fn build_threat(
    index: usize,
    (status, cwe, stride, severity, model, levels): (
        usize,
        usize,
        usize,
        usize,
        usize,
        Option<(usize, usize)>,
    ),
) -> (usize, Threat) {
    const CWES: [u32; 8] = [0, 639, 79, 89, 287, 319, 400, 99999];
    let mut threat = t(
        &format!("T-{index}"),
        ThreatStatus::ALL[status],
        if CWES[cwe] == 0 { &[] } else { std::slice::from_ref(&CWES[cwe]) },
        Severity::ALL[severity],
    );
    if stride < Stride::ALL.len() {
        threat.stride = vec![Stride::ALL[stride]];
    }
    if let Some((l, i)) = levels {
        threat.likelihood = Some(Level::ALL[l]);
        threat.impact = Some(Level::ALL[i]);
    }
    (model, threat)
}

proptest::proptest! {
    #[test]
    fn sums_and_shares_add_up(specs in proptest::collection::vec(arbitrary_threat(), 0..40)) {
        let mut models = vec![
            model(Some("shop"), "Shop", Vec::new(), Vec::new(), Vec::new()),
            model(Some("pay"), "Payments", Vec::new(), Vec::new(), Vec::new()),
            model(None, "orphan", Vec::new(), Vec::new(), Vec::new()),
        ];
        for (index, spec) in specs.into_iter().enumerate() {
            let (m, threat) = build_threat(index, spec);
            models[m].threats.push(threat);
        }
        let workspace = Workspace { models, ..two_app_workspace() };
        let analysis = analyze(&workspace);
        let tenths = |x: f64| (x * 10.0).round() as i64;
        let total = tenths(analysis.totals.open_risk);
        proptest::prop_assert_eq!(analysis.themes.iter().map(|t| tenths(t.figures.open_risk)).sum::<i64>(), total);
        proptest::prop_assert_eq!(analysis.apps.iter().map(|a| tenths(a.figures.open_risk)).sum::<i64>(), total);
        proptest::prop_assert_eq!(analysis.themes.iter().map(|t| t.figures.threats).sum::<usize>(), analysis.threats.len());
        proptest::prop_assert_eq!(analysis.themes.iter().map(|t| t.figures.open_threats).sum::<usize>(), analysis.totals.open_threats);
        if total > 0 {
            let shares: f64 = analysis.themes.iter().map(|t| t.figures.share).sum();
            proptest::prop_assert!((shares - 1.0).abs() < 1e-9);
        }
        for pair in analysis.themes.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            proptest::prop_assert!(tenths(a.figures.open_risk) > tenths(b.figures.open_risk) || (tenths(a.figures.open_risk) == tenths(b.figures.open_risk) && a.theme.as_str() < b.theme.as_str()));
        }
        for summary in &analysis.themes {
            let f = &summary.figures;
            proptest::prop_assert!(f.mitigated_share.is_none_or(|m| (0.0..=1.0).contains(&m)));
            proptest::prop_assert!(f.open_threats <= f.in_scope && f.in_scope <= f.threats && f.tested <= f.in_scope);
            proptest::prop_assert_eq!(summary.open_threat_indices.len(), f.open_threats);
            proptest::prop_assert!(summary.open_threat_indices.iter().all(|&i| analysis.threats[i].theme == summary.theme));
        }
        proptest::prop_assert_eq!(analysis_json(&analysis), analysis_json(&analyze(&workspace)));
    }
}

#[test]
fn markdown_escapes_html_and_links_from_threat_models_like_the_report() {
    let mut workspace = two_app_workspace();
    let hostile =
        "<script>alert(1)</script> <svg/onload=alert(2)> [x](javascript:alert(3)) ![i](http://x/)";
    workspace.models[0].threats[0].title = hostile.into();
    let markdown = render_markdown(&analyze(&workspace));
    for raw in ["<script>", "<svg/onload", "[x](javascript:", "![i]("] {
        assert!(!markdown.contains(raw), "{raw} in {markdown}");
    }
    assert!(markdown.contains(&crate::report::escape_markdown(hostile)), "{markdown}");
}
