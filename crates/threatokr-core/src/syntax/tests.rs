//! Tests of the spanned parsers, including hostile input.

use super::*;
use crate::diag::{Code, Files};
use proptest::prelude::*;

fn yaml(text: &str) -> (Option<Node>, Vec<Code>) {
    let mut files = Files::new();
    let id = files.add("t.yaml", text);
    let (node, diagnostics) = parse_yaml(&files, id, Budget::default());
    (node, diagnostics.iter().map(|d| d.code).collect())
}

fn json(text: &str) -> (Option<Node>, Vec<Code>) {
    let mut files = Files::new();
    let id = files.add("t.json", text);
    let (node, diagnostics) = parse_json(&files, id, Budget::default());
    (node, diagnostics.iter().map(|d| d.code).collect())
}

#[test]
fn yaml_keeps_spans_and_resolves_core_schema_scalars() {
    let text = "id: 2027\nname: 'x'\nok: true\nnone: ~\nlist: [a, 1.5]\n";
    let (node, codes) = yaml(text);
    assert!(codes.is_empty());
    let node = node.unwrap();
    let id = node.get("id").unwrap();
    assert_eq!(id.scalar_text(), Some("2027"));
    assert_eq!(&text[id.span.range()], "2027");
    assert_eq!(node.get("name").unwrap().as_str(), Some("x"));
    assert_eq!(node.get("ok").unwrap().as_bool(), Some(true));
    assert!(node.get("none").unwrap().is_null());
    assert_eq!(node.get("list").unwrap().as_seq().unwrap()[1].as_f64(), Some(1.5));
}

#[test]
fn yaml_dates_stay_text() {
    let (node, _) = yaml("start: 2027-01-01\n");
    assert_eq!(node.unwrap().get("start").unwrap().as_str(), Some("2027-01-01"));
}

#[test]
fn yaml_reports_duplicate_keys_and_keeps_the_first() {
    let (node, codes) = yaml("a: 1\na: 2\n");
    assert_eq!(codes, vec![Code::DuplicateKey]);
    assert_eq!(node.unwrap().get("a").unwrap().as_f64(), Some(1.0));
}

#[test]
fn yaml_syntax_error_has_a_position() {
    let mut files = Files::new();
    let id = files.add("t.yaml", "a: [1, 2\nb: c\n");
    let (node, diagnostics) = parse_yaml(&files, id, Budget::default());
    assert!(node.is_none());
    assert_eq!(diagnostics[0].code, Code::YamlSyntax);
    assert!(diagnostics[0].primary.as_ref().unwrap().span.start > 0);
}

#[test]
fn yaml_alias_bomb_is_refused_quickly() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in "bcdefghijk".chars() {
        bomb.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
        previous = name;
    }
    let started = std::time::Instant::now();
    let (node, codes) = yaml(&bomb);
    assert!(node.is_none());
    assert_eq!(codes, vec![Code::InputBudget]);
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn yaml_small_aliases_expand() {
    let (node, codes) = yaml("base: &b {x: 1}\nother: *b\n");
    assert!(codes.is_empty());
    assert_eq!(node.unwrap().get("other").unwrap().get("x").unwrap().as_f64(), Some(1.0));
}

#[test]
fn deep_nesting_is_refused() {
    let deep = "[".repeat(10_000);
    assert_eq!(yaml(&deep).1, vec![Code::InputBudget]);
    assert_eq!(json(&deep).1, vec![Code::InputBudget]);
}

#[test]
fn huge_scalars_are_refused() {
    let big = format!("a: \"{}\"\n", "x".repeat(2 << 20));
    assert_eq!(yaml(&big).1, vec![Code::InputBudget]);
    let big = format!("{{\"a\": \"{}\"}}", "x".repeat(2 << 20));
    assert_eq!(json(&big).1, vec![Code::InputBudget]);
}

#[test]
fn json_parses_with_spans_and_escapes() {
    let text = r#"{"a": [1, -2.5e1, "\u00e9\n", true, null], "b": {"c": "d"}}"#;
    let (node, codes) = json(text);
    assert!(codes.is_empty());
    let node = node.unwrap();
    let a = node.get("a").unwrap().as_seq().unwrap();
    assert_eq!(a[1].as_f64(), Some(-25.0));
    assert_eq!(a[2].as_str(), Some("é\n"));
    assert_eq!(&text[node.get("b").unwrap().span.range()], r#"{"c": "d"}"#);
}

#[test]
fn json_errors_point_at_the_problem() {
    let mut files = Files::new();
    let id = files.add("t.json", "{\"a\": 1,\n \"b\" 2}");
    let (node, diagnostics) = parse_json(&files, id, Budget::default());
    assert!(node.is_none());
    let position = files.get(id).line_col(diagnostics[0].primary.as_ref().unwrap().span.start);
    assert_eq!((position.line, position.column), (2, 6));
    assert!(diagnostics[0].message.contains("expected `:`"), "{}", diagnostics[0].message);
}

#[test]
fn json_duplicate_keys_are_reported() {
    assert_eq!(json(r#"{"a": 1, "a": 2}"#).1, vec![Code::DuplicateKey]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = yaml(&text);
        let _ = json(&text);
    }

    #[test]
    fn parsers_never_panic_on_structured_noise(text in "[\\[\\]{}:,\"'&*!|>\\- a1\n\t#%@`]{0,120}") {
        let _ = yaml(&text);
        let _ = json(&text);
    }
}

#[test]
fn under_indented_quoted_continuation_lines_are_read_as_libyaml_does() {
    let text = "a:\n  b:\n    'one\n    two\n  three'\nc: 1\n";
    let (node, codes) = yaml(text);
    assert_eq!(codes, vec![Code::YamlLenient]);
    let node = node.unwrap();
    assert_eq!(node.get("a").unwrap().get("b").unwrap().as_str(), Some("one two three"));
    assert_eq!(node.get("c").unwrap().as_f64(), Some(1.0));
}

/// Parses `text` and returns how long it took, failing on any diagnostic.
fn timed_yaml(text: &str) -> std::time::Duration {
    let started = std::time::Instant::now();
    let (node, codes) = yaml(text);
    let elapsed = started.elapsed();
    assert!(node.is_some() && codes.is_empty(), "{codes:?}");
    elapsed
}

#[test]
fn yaml_reading_is_linear_in_a_long_flow_sequence_and_a_wide_mapping() {
    // 80,000 items on one line took 8 s and 80,000 keys 9.7 s when every event walked its line
    // from the start and every key was compared with all the keys before it.
    let flow = format!("[{}]", vec!["a"; 80_000].join(", "));
    let keys: String = (0..80_000).map(|i| format!("k{i}: {i}\n")).collect();
    let flow_keys =
        format!("{{{}}}", (0..80_000).map(|i| format!("k{i}: {i}")).collect::<Vec<_>>().join(", "));
    for (what, text) in
        [("flow sequence", flow), ("block mapping", keys), ("flow mapping", flow_keys)]
    {
        let elapsed = timed_yaml(&text);
        // About 0.4 to 2 s each in a debug build on a loaded 2-core machine; the quadratic
        // reader took minutes here.
        assert!(elapsed.as_secs_f64() < 6.0, "{what}: {elapsed:?}");
    }
}

#[test]
fn yaml_duplicate_keys_point_at_the_first_one() {
    let mut files = Files::new();
    let id = files.add("t.yaml", "a: 1\nb: 2\na: 3\n");
    let (_, diagnostics) = parse_yaml(&files, id, Budget::default());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].secondary[0].span, Span::new(0, 1));
    assert_eq!(diagnostics[0].primary.as_ref().unwrap().span, Span::new(10, 11));
}

#[test]
fn yaml_merge_keys_merge_mappings_and_own_keys_win() {
    let text = "base: &base {a: 1, b: 2}\nmore: &more {b: 20, c: 30}\n\
                one:\n  <<: *base\n  b: 9\n\
                two:\n  <<: [*more, *base]\n  d: 4\n";
    let (node, codes) = yaml(text);
    assert!(codes.is_empty(), "{codes:?}");
    let node = node.unwrap();
    let one = node.get("one").unwrap();
    assert_eq!(one.get("a").unwrap().as_f64(), Some(1.0));
    assert_eq!(one.get("b").unwrap().as_f64(), Some(9.0));
    assert!(one.get("<<").is_none());
    // The merged value keeps the span where it was written, under the anchor.
    assert_eq!(&text[one.get("a").unwrap().span.range()], "1");
    assert_eq!(one.get("a").unwrap().span.start, 16);
    let two = node.get("two").unwrap();
    let keys: Vec<&str> = two.as_map().unwrap().iter().map(|(k, _)| &*k.text).collect();
    assert_eq!(keys, ["d", "b", "c", "a"]);
    // Earlier merged mappings win: `b` comes from `more`.
    assert_eq!(two.get("b").unwrap().as_f64(), Some(20.0));
}

#[test]
fn yaml_quoted_merge_key_is_an_ordinary_key_and_a_bad_merge_value_is_reported() {
    let (node, codes) = yaml("a: {'<<': 1}\n");
    assert!(codes.is_empty());
    assert_eq!(node.unwrap().get("a").unwrap().get("<<").unwrap().as_f64(), Some(1.0));
    let (node, codes) = yaml("a:\n  <<: 1\n  b: 2\n");
    assert_eq!(codes, vec![Code::WrongType]);
    assert_eq!(node.unwrap().get("a").unwrap().get("b").unwrap().as_f64(), Some(2.0));
}

#[test]
fn yaml_merge_keys_stay_under_the_alias_budget() {
    let mut bomb = String::from(
        "a: &a {x0: 1, x1: 1, x2: 1, x3: 1, x4: 1, x5: 1, x6: 1, x7: 1, x8: 1, x9: 1}\n",
    );
    let mut previous = 'a';
    for name in "bcdefghijk".chars() {
        let refs = vec![format!("*{previous}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} {{<<: [{refs}], y: [{refs}]}}\n"));
        previous = name;
    }
    let budget = Budget { max_nodes: 100_000, ..Budget::default() };
    let mut files = Files::new();
    let id = files.add("t.yaml", bomb);
    let (node, diagnostics) = parse_yaml(&files, id, budget);
    assert!(node.is_none());
    assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), vec![Code::InputBudget]);
}

/// ASCII YAML of the shapes the workspace files have: nested mappings, lists, flow collections,
/// quoted and multi-line scalars, comments and anchors.
const ASCII_SAMPLES: &[&str] = &[
    "id: 2027\nname: 'x'\nok: true\nnone: ~\nlist: [a, 1.5]\n",
    "threats:\n  - id: T-1\n    title: \"a \\\"quoted\\\" title\"\n    stride: [spoofing, tampering]\n    # a comment\n    description: |\n      two\n      lines\n  - {id: T-2, title: flow}\n",
    "base: &b {x: 1, y: [2, 3]}\nuse:\n  <<: *b\n  z: >\n    folded\n    text\n\tbad: tab\n",
    "- a\n- - b\n  - c\n-\n  d: e\n",
    "key: 'single ''quoted'' text\n  continued'\nempty:\nlast: x",
];

#[test]
fn issue_12_a_markers_index_is_its_byte_offset_in_ascii_text() {
    for text in ASCII_SAMPLES {
        let offsets = yaml::offsets_both_ways(text);
        assert!(offsets.len() > 4, "{text}");
        for (from_index, from_line) in offsets {
            assert_eq!(from_index, from_line, "{text:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn issue_12_a_markers_index_is_its_byte_offset_in_any_ascii_text(text in "[ -~\n\t]{0,300}") {
        for (from_index, from_line) in yaml::offsets_both_ways(&text) {
            prop_assert_eq!(from_index, from_line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn yaml_wide_mappings_keep_each_first_key_in_block_and_flow_style(
        keys in proptest::collection::vec(0u16..400, 0..600),
        flow in any::<bool>(),
    ) {
        let entries: Vec<String> = keys.iter().enumerate().map(|(i, k)| format!("k{k}: {i}")).collect();
        let text = if flow { format!("{{{}}}", entries.join(", ")) } else { entries.join("\n") };
        let (node, codes) = yaml(&text);
        let mut first = std::collections::BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            first.entry(*k).or_insert(i);
        }
        prop_assert_eq!(codes.len(), keys.len() - first.len());
        let node = node.unwrap();
        for (k, i) in first {
            prop_assert_eq!(node.get(&format!("k{k}")).and_then(Node::as_f64), Some(i as f64));
        }
    }
}

fn json_message(text: &str) -> String {
    let mut files = Files::new();
    let id = files.add("t.json", text);
    let (node, diagnostics) = parse_json(&files, id, Budget::default());
    assert!(node.is_none(), "{text} was accepted");
    diagnostics[0].message.clone()
}

#[test]
fn json_refuses_what_rfc_8259_refuses_like_serde_json() {
    for text in ["01", "-01", "1.", "1.e5", ".5", "1e", "1e+", "+1", "--1", "1-2", "0x10", "1.5.2"]
    {
        assert!(json(text).0.is_none(), "{text} was accepted");
        assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "{text}");
    }
    for text in ["0", "-0", "1.5e-3", "10E+2", "123"] {
        assert!(json(text).0.is_some(), "{text} was refused");
    }
    assert!(json_message("01").contains("does not start with `0`"));
    assert!(json_message("[1.]").contains("after the decimal point"));
}

#[test]
fn json_lone_surrogates_are_refused_and_pairs_decoded() {
    let message = json_message(r#""\uD800\u0041""#);
    assert!(message.contains("lone UTF-16 surrogate"), "{message}");
    assert!(json_message(r#""\uDC00""#).contains("`\\uDC00`"));
    assert!(json(r#""\uD800""#).0.is_none());
    let (node, _) = json(r#""\uD83D\uDE00""#);
    assert_eq!(node.unwrap().as_str(), Some("😀"));
}

#[test]
fn json_numbers_out_of_range_are_named() {
    let message = json_message("[1e309]");
    assert!(message.contains("`1e309` is too large"), "{message}");
    let huge = "9".repeat(100_000);
    let message = json_message(&huge);
    assert!(message.contains("`99999999999999999999… (100000 characters)`"), "{message}");
    assert!(message.len() < 200);
}

/// Our tree as a `serde_json::Value`, numbers as `f64`, to compare with serde_json's reading.
fn to_serde(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number { value, .. } => (*value).into(),
        Value::Str(s) => s.clone().into(),
        Value::Seq(items) => items.iter().map(to_serde).collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.text.clone().into_owned(), to_serde(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// serde_json's value with every number as `f64`, the way we read numbers.
fn numbers_as_f64(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        J::Number(n) => n.as_f64().map_or(J::Null, J::from),
        J::Array(items) => items.into_iter().map(numbers_as_f64).collect(),
        J::Object(map) => map
            .into_iter()
            .map(|(k, v)| (k, numbers_as_f64(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => other,
    }
}

/// Equal values, numbers within a rounding error: serde_json without its `float_roundtrip`
/// feature may be one unit in the last place away from the correctly rounded `str::parse`.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|((kx, x), (ky, y))| kx == ky && same_json(x, y))
        }
        _ => a == b,
    }
}

fn json_document() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        "[\\u{0}-\\u{1f}\"\\\\\\u{10000}-\\u{10ffff}]{0,4}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z\"\\\\é]{0,4}", inner, 0..6)
                .prop_map(|m| m.into_iter().collect::<serde_json::Map<_, _>>().into()),
        ]
    })
}

/// Checks that our reader accepts exactly what serde_json accepts and reads the same values.
fn agrees_with_serde_json(text: &str) -> Result<(), TestCaseError> {
    let ours = json(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (&ours.0, theirs) {
        (Some(node), Ok(value)) => {
            // serde_json keeps the last of duplicate keys and we keep the first (and warn).
            if !ours.1.contains(&Code::DuplicateKey) {
                let (ours, theirs) = (to_serde(node), numbers_as_f64(value));
                prop_assert!(same_json(&ours, &theirs), "{text}: {ours} vs {theirs}");
            }
        }
        (None, Err(_)) => {}
        (ours_node, theirs) => {
            prop_assert!(
                false,
                "{text:?}: ours {:?} ({:?}), serde_json {:?}",
                ours_node.is_some(),
                ours.1,
                theirs.map(|_| ())
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn json_reads_what_serde_json_writes(document in json_document(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&document) } else { serde_json::to_string(&document) };
        agrees_with_serde_json(&text.unwrap())?;
    }

    #[test]
    fn json_accepts_exactly_what_serde_json_accepts_after_mutation(
        document in json_document(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..3, "[-+.eE0-9\"\\\\u{}\\[\\],:a-fD ]{0,3}"), 1..4),
    ) {
        let mut text = serde_json::to_string(&document).unwrap();
        for (at, kind, insert) in edits {
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let at = boundaries[at.index(boundaries.len())];
            let next = boundaries.iter().copied().find(|&i| i > at).unwrap_or(at);
            match kind {
                0 => text.insert_str(at, &insert),
                1 => text.replace_range(at..next, ""),
                _ => text.replace_range(at..next, &insert),
            }
        }
        agrees_with_serde_json(&text)?;
    }

    #[test]
    fn json_numbers_agree_with_serde_json(text in "-?[0-9]{0,3}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{0,4})?") {
        agrees_with_serde_json(&text)?;
    }
}
