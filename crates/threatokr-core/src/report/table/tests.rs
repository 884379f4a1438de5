//! Tests of the one table layout: alignment by display width, cutting, control characters.

use super::*;

/// The column (in terminal columns) where each line's `needle` starts.
fn column_of(line: &str, needle: &str) -> usize {
    display_width(&line[..line.find(needle).expect(needle)])
}

#[test]
fn cells_of_wide_and_zero_width_characters_line_up_by_what_the_terminal_shows() {
    // "東京" and "🔒" take two columns each; "é" written as e + U+0301 takes one.
    let rows = vec![
        vec!["東京".to_owned(), "12".to_owned(), "end".to_owned()],
        vec!["🔒 locked".to_owned(), "3".to_owned(), "end".to_owned()],
        vec!["cafe\u{301}".to_owned(), "100".to_owned(), "end".to_owned()],
        vec!["plain".to_owned(), "7".to_owned(), "end".to_owned()],
    ];
    let table = render_table(&["name", "count", "last"], &rows, 80);
    let lines: Vec<&str> = table.lines().collect();
    let last_columns: Vec<usize> = lines[2..].iter().map(|l| column_of(l, "end")).collect();
    assert_eq!(last_columns, vec![column_of(lines[0], "last"); 4], "{table}");
    // Numbers end in the same column.
    let number_ends: Vec<usize> =
        lines[2..].iter().map(|l| column_of(l, "end") - 2).collect::<Vec<_>>();
    assert!(number_ends.windows(2).all(|w| w[0] == w[1]), "{table}");
    assert_eq!(lines[1].chars().count(), display_width(lines[1]), "the rule is one column a cell");
}

#[test]
fn a_wide_cell_is_cut_with_an_ellipsis_to_the_width_never_across_a_wide_character() {
    let rows = vec![vec!["KR-1".to_owned(), "東京大阪名古屋札幌福岡神戸京都".to_owned()]];
    let table = render_table(&["id", "title"], &rows, 20);
    for line in table.lines() {
        assert!(display_width(line) <= 20, "{line:?} is {} wide", display_width(line));
    }
    let row = table.lines().nth(2).unwrap();
    assert!(row.ends_with('…'), "{row}");
    assert_eq!(fit("東京", 4), "東京");
    assert_eq!(fit("東京", 3), "東…");
    assert_eq!(fit("a東京", 3), "a… ", "the half of 東 that would fit is padded instead");
    assert_eq!(fit("e\u{301}tait", 3), "e\u{301}t…");
}

#[test]
fn control_characters_from_input_cannot_reach_the_terminal() {
    let rows = vec![vec!["a\u{1b}[31mred".to_owned(), "b\nc".to_owned()]];
    let table = render_table(&["x", "y"], &rows, 80);
    assert!(!table.contains('\u{1b}'));
    assert_eq!(table.lines().count(), 3);
}

#[test]
fn explicit_alignment_puts_headers_over_their_numbers() {
    let rows = vec![vec!["checkout".to_owned(), "3".to_owned()]];
    let table = render_aligned_table(&["APP", "OPEN"], &[Align::Left, Align::Right], &rows, 80);
    assert_eq!(table, "APP       OPEN\n────────  ────\ncheckout     3\n");
}
