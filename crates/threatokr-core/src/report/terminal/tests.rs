//! Tests of the terminal renderers: the status tree at several widths, with and without colour,
//! shared objectives, evidence hints, bars in eighths, and fitted tables.

use super::super::tests::sample_model;
use super::*;
use crate::report::render_table;
use crate::report::{EvidenceRow, TreeNode};

/// The sample model with O-TEAM also under O-CRO (drawn as a pointer the second time), as the
/// alignment tree lays out an objective with two parents.
fn shared_model() -> ReportModel {
    let mut model = sample_model();
    model.objectives[2].parents.push((LinkKind::Supports, "O-CRO".to_owned()));
    model.tree.push(TreeNode {
        id: "O-TEAM".to_owned(),
        depth: 1,
        link: Some(LinkKind::Supports),
        repeated: true,
    });
    model
}

#[test]
fn status_tree_at_80_columns_shows_objectives_key_results_and_evidence() {
    let text = render_status_tree(&sample_model(), 80, false);
    // 2027-01-01 to 2027-03-31 is 89 days; 45 of them have passed on 2027-02-15: 50.6%.
    // KR-TRAIN at 0.8889 of 10 cells is 71 eighths: 8 full cells and a ▉.
    let expected = "\
Acme Corp — 2027-Q1 as of 2027-02-15
Overall score: 40.0%; a linear plan expects 50.6%

O-CRO Increase revenue from Payments               █████░░░░░    50.0% on track
└┄ O-TRUST Increase customer confidence            ██▌░░░░░░░    25.0% off track
   │  - KR-TRAIN 80% of developers trained on acc… ████████▉░    88.9% on track
   │    [developers trained = 9 of 12]  confidence 7/10
   │  - KR-VULNS No open production findings with… ██░░░░░░░░    20.0% off track
   │    [findings open in prod = 3]
   └─ O-TEAM Consistent access control             ░░░░░░░░░░          no data
         - KR-PENTEST Every authorization scenari… ░░░░░░░░░░          no data
";
    assert_eq!(text, expected);
}

#[test]
fn status_tree_lines_never_exceed_40_80_or_120_columns() {
    let mut model = shared_model();
    model.objectives[2].title = "Evil \u{1b}[31m title \u{1b}]0;pwned\u{7}".to_owned();
    model.objectives[1].key_results[0].title = "x".repeat(300);
    for width in [20, 30, 40, 60, 80, 100, 120, 200] {
        let plain = render_status_tree(&model, width, false);
        assert!(!plain.contains('\u{1b}'), "{width}: no escapes without colour");
        for line in plain.lines() {
            assert!(line.chars().count() <= width, "{width}: {line:?}");
        }
        // Heading, score, blank; 4 objective lines (one a pointer); 3 key results, 2 hints.
        assert_eq!(plain.lines().count(), 3 + 4 + 3 + 2, "{width}:\n{plain}");
    }
    // The bar shows from 50 columns, with 20 cells from 120.
    let narrow = render_status_tree(&model, 40, false);
    assert!(!narrow.contains('█') && !narrow.contains('░'), "{narrow}");
    assert!(narrow.contains("   50.0% on track"), "{narrow}");
    let wide = render_status_tree(&model, 120, false);
    assert!(wide.contains(&format!("{}    50.0% on track", fine_bar(Some(0.5), 20))), "{wide}");
    assert!(wide.contains("Every authorization scenario tested by a pentest"), "{wide}");
}

#[test]
fn a_shared_objective_is_drawn_once_in_full_and_as_a_pointer_elsewhere() {
    let text = render_status_tree(&shared_model(), 80, false);
    assert_eq!(text.matches("O-TEAM Consistent access control").count(), 2, "{text}");
    assert_eq!(text.matches("(shown above)").count(), 1, "{text}");
    // Its key result appears once, under the full drawing.
    assert_eq!(text.matches("KR-PENTEST").count(), 1, "{text}");
    let pointer = text.lines().last().unwrap();
    assert_eq!(
        pointer,
        "└┄ O-TEAM Consistent access control (shown above)  ░░░░░░░░░░          no data"
    );
    // O-TRUST now has a later sibling, so the lines under it carry a vertical on the left.
    assert!(text.contains("├┄ O-TRUST"), "{text}");
    assert!(text.contains("│  │  - KR-TRAIN"), "{text}");
    assert!(text.contains("│  └─ O-TEAM"), "{text}");
    // A long title is cut before the pointer's suffix, which always shows.
    let mut long = shared_model();
    long.objectives[2].title = "y".repeat(200);
    let text = render_status_tree(&long, 80, false);
    let pointer = text.lines().last().unwrap();
    assert!(pointer.contains("y… (shown above) ░"), "{pointer}");
}

#[test]
fn evidence_hints_show_metric_value_and_confidence_but_not_notes() {
    let mut model = sample_model();
    let kr = &mut model.objectives[1].key_results[0];
    kr.evidence = vec![
        EvidenceRow { label: "training.coverage".to_owned(), value: "54.5% (6 of 11)".to_owned() },
        EvidenceRow { label: "note".to_owned(), value: "2 rows without a date".to_owned() },
    ];
    kr.confidence = Some(6);
    let text = render_status_tree(&model, 100, false);
    assert!(text.contains("\n   │    [training.coverage = 54.5% (6 of 11)]  confidence 6/10\n"));
    assert!(!text.contains("without a date"), "{text}");
    // A key result with neither evidence nor confidence has no hint line.
    let pentest = text.lines().position(|l| l.contains("KR-PENTEST")).unwrap();
    assert_eq!(pentest, text.lines().count() - 1);
}

#[test]
fn colour_marks_bars_and_status_words_only_when_asked() {
    let mut model = sample_model();
    model.objectives[2].title = "Evil \u{1b}[31m title \u{1b}]0;pwned\u{7}".to_owned();
    let coloured = render_status_tree(&model, 80, true);
    // Off track: O-TRUST and KR-VULNS, each bar and word.
    assert_eq!(coloured.matches("\u{1b}[31m").count(), 4, "{coloured}");
    // On track: O-CRO and KR-TRAIN; no data (dim): O-TEAM and KR-PENTEST.
    assert_eq!(coloured.matches("\u{1b}[32m").count(), 4);
    assert_eq!(coloured.matches("\u{1b}[2m").count(), 4);
    assert_eq!(coloured.matches(RESET).count(), 12);
    assert!(!coloured.contains("\u{1b}]0"), "escapes from titles are removed");
    assert!(coloured.contains("O-TEAM Evil \u{FFFD}[31m title"), "{coloured}");
    let plain = render_status_tree(&model, 80, false);
    assert!(!plain.contains('\u{1b}'));
}

#[test]
fn an_empty_cycle_says_so() {
    let mut model = sample_model();
    model.tree.clear();
    model.objectives.clear();
    model.overall_score = None;
    assert_eq!(
        render_status_tree(&model, 80, false),
        "Acme Corp — 2027-Q1 as of 2027-02-15\nOverall score: no data; a linear plan expects 50.6%\nNo objectives.\n"
    );
}

#[test]
fn fine_bars_fill_in_eighths_and_show_no_data_as_empty() {
    assert_eq!(fine_bar(Some(1.0), 20), "█".repeat(20));
    assert_eq!(fine_bar(Some(0.0), 20), "░".repeat(20));
    assert_eq!(fine_bar(None, 20), "░".repeat(20));
    assert_eq!(fine_bar(Some(f64::NAN), 4), "░░░░");
    assert_eq!(fine_bar(Some(7.5), 4), "████", "clamped to 1");
    // 0.5 of 20 cells is 10 full cells.
    assert_eq!(fine_bar(Some(0.5), 20), format!("{}{}", "█".repeat(10), "░".repeat(10)));
    // 0.0625 of 160 eighths is 10 eighths: one full cell and a quarter cell.
    assert_eq!(fine_bar(Some(0.0625), 20), format!("█▎{}", "░".repeat(18)));
    for eighths in 0..=80 {
        let bar = fine_bar(Some(f64::from(eighths) / 80.0), 10);
        assert_eq!(bar.chars().count(), 10, "{eighths}");
    }
}

#[test]
fn tables_fit_the_width_and_right_align_numbers() {
    let rows = vec![
        vec![
            "KR-1".to_owned(),
            "A very long title that will not fit in a narrow terminal".to_owned(),
            "45.0%".to_owned(),
        ],
        vec!["KR-22".to_owned(), "Short".to_owned(), "5.0%".to_owned()],
    ];
    let table = render_table(&["id", "title", "progress"], &rows, 40);
    for line in table.lines() {
        assert!(line.chars().count() <= 40, "{line:?}");
    }
    assert_eq!(
        table,
        "id     title                    progress\n─────  ───────────────────────  ────────\nKR-1   A very long title that…     45.0%\nKR-22  Short                        5.0%\n"
    );
    let krs = render_kr_table(&sample_model(), 100, false);
    assert_eq!(krs.lines().count(), 2 + 3);
    assert!(!krs.contains('\u{1b}'));
}

#[test]
fn status_tree_lines_fit_by_display_width_with_wide_titles() {
    let mut model = shared_model();
    model.objectives[1].title = "東京と大阪のすべての決済でアクセス制御を一貫させる 🔒".to_owned();
    for width in [40, 80, 120] {
        let tree = render_status_tree(&model, width, false);
        for line in tree.lines() {
            assert!(
                crate::report::table::display_width(line) <= width,
                "{width}: {line:?} takes {} columns",
                crate::report::table::display_width(line)
            );
        }
    }
    // The bars of every line start in the same column, whatever the title's characters.
    let tree = render_status_tree(&model, 80, false);
    let bar_columns: Vec<usize> = tree
        .lines()
        .filter_map(|l| l.find(['█', '░']).map(|i| crate::report::table::display_width(&l[..i])))
        .collect();
    assert!(bar_columns.windows(2).all(|w| w[0] == w[1]), "{tree}");
}
