//! Tests of shape checking.

use super::*;
use crate::diag::{Code, Files};
use crate::syntax::{Budget, parse_yaml};

static INNER: Shape =
    Shape { name: "inner", doc: "An inner object.", fields: &[req("id", Ty::Id, "Id.")] };
static OUTER: Shape = Shape {
    name: "thing",
    doc: "A test object.",
    fields: &[
        req("id", Ty::Id, "Id."),
        opt("count", Ty::Count, "A count."),
        opt("when", Ty::Date, "A date."),
        opt("status", Ty::Enum(|| vec!["open", "closed"]), "Status."),
        opt("cwe", Ty::List(&Ty::Cwe), "CWEs."),
        opt("inner", Ty::List(&Ty::Object(&INNER)), "Inner objects."),
    ],
};

fn check(text: &str) -> (Vec<Code>, Vec<String>) {
    let mut files = Files::new();
    let file = files.add("t.yaml", text);
    let (node, _) = parse_yaml(&files, file, Budget::default());
    let mut decoder = Decoder::new(file);
    let reader = decoder.object(node.as_ref().unwrap(), &OUTER).unwrap();
    for item in reader.items("inner") {
        decoder.object(item, &INNER);
    }
    (
        decoder.diagnostics.iter().map(|d| d.code).collect(),
        decoder
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.message, d.help.clone().unwrap_or_default()))
            .collect(),
    )
}

#[test]
fn collects_every_problem_in_one_pass() {
    let (codes, messages) = check(
        "count: -1\nwhen: 2027-13-01\nstatus: opne\ncwe: [79, x]\nstatsu: 1\ninner: [{id: a}, {}]\n",
    );
    assert_eq!(
        codes,
        vec![
            Code::InvalidValue,
            Code::InvalidDate,
            Code::InvalidValue,
            Code::InvalidCwe,
            Code::UnknownKey,
            Code::MissingField,
            Code::MissingField
        ]
    );
    assert!(messages[2].contains("did you mean `open`"), "{messages:?}");
    assert!(messages[4].contains("did you mean `status`"), "{messages:?}");
}

#[test]
fn valid_objects_read_cleanly() {
    let (codes, _) = check("id: a\ncount: 3\nwhen: 2027-01-31\nstatus: open\ncwe: [79, CWE-89]\n");
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn wrong_types_are_reported_with_what_was_expected() {
    let (codes, messages) = check("id: [a]\n");
    assert_eq!(codes, vec![Code::WrongType]);
    assert!(messages[0].contains("must be an id, found a list"), "{messages:?}");
}

#[test]
fn schema_lists_fields_and_required() {
    let schema = json_schema(&OUTER, "x", "Thing");
    assert_eq!(schema["required"], serde_json::json!(["id"]));
    assert_eq!(schema["properties"]["status"]["enum"], serde_json::json!(["open", "closed"]));
    assert_eq!(schema["$defs"]["inner"]["required"], serde_json::json!(["id"]));
}
