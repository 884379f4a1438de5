//! The OpenAPI document lists every `/api/` route of the route table, and every response of the
//! API matches the schema the document gives for its status.

use crate::support::{sarif_log, server};
use serde_json::Value;
use threatokr_server::ReadAccess;

/// The `/api/` paths of the route table, read from its source so a new route cannot be missed.
fn routed_api_paths() -> Vec<String> {
    let source = include_str!("../../src/router.rs");
    source
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|path| path.starts_with("/api/"))
        .map(str::to_owned)
        .collect()
}

/// Checks `value` against the subset of JSON Schema the document uses: `$ref`, `type` (one or a
/// list), `required`, `properties`, `items`, `additionalProperties: false`, `minimum`, `maximum`.
fn check(document: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(document, &document["components"]["schemas"][name], value, at, problems);
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let fits = |t: &&str| *t == kind || (*t == "number" && kind == "integer");
    if !allowed.is_empty() && !allowed.iter().any(fits) {
        problems.push(format!("{at}: a {kind} where the schema wants {allowed:?}"));
        return;
    }
    if let Value::Object(map) = value {
        for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                problems.push(format!("{at}: `{name}` is missing"));
            }
        }
        for (name, item) in map {
            match schema["properties"].get(name) {
                Some(property) => {
                    check(document, property, item, &format!("{at}.{name}"), problems)
                }
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    problems.push(format!("{at}: `{name}` is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(document, schema, item, &format!("{at}[{i}]"), problems);
        }
    }
}

#[tokio::test]
async fn every_api_route_is_documented() {
    let server = server(ReadAccess::Open);
    let document = server.get("/api/openapi.json", None).await.json();
    assert_eq!(document["openapi"], "3.1.0");
    let routed = routed_api_paths();
    assert!(routed.len() >= 9, "{routed:?}");
    for path in &routed {
        assert!(document["paths"].get(path).is_some(), "{path} is routed but not documented");
    }
    let documented: Vec<&String> =
        document["paths"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
    for path in documented {
        assert!(routed.contains(path), "{path} is documented but not routed");
    }
}

#[tokio::test]
async fn every_api_response_matches_its_documented_schema() {
    let server = server(ReadAccess::Open);
    let document = server.get("/api/openapi.json", None).await.json();
    let editor = server.tokens.editor.clone();
    let calls: Vec<(&str, &str, Option<String>)> = vec![
        ("get", "/api/cycles", None),
        (
            "post",
            "/api/key-results/KR-WEB/checkins",
            Some(r#"{"value": 12, "confidence": 4, "note": "n"}"#.to_owned()),
        ),
        ("post", "/api/evidence/sarif?app=shop&env=prod&scanned_at=2027-02-10", Some(sarif_log())),
        ("get", "/api/objectives", None),
        ("get", "/api/objectives/O-WEB", None),
        ("get", "/api/key-results/KR-WEB/history", None),
        ("get", "/api/threats", None),
        ("get", "/api/apps/shop", None),
        ("get", "/api/apps/nope", None),
        ("get", "/api/objectives/O-NOPE", None),
        (
            "post",
            "/api/key-results/KR-WEB/checkins",
            Some(r#"{"value": 1, "confidence": 12}"#.to_owned()),
        ),
        ("post", "/api/evidence/sarif?env=prod", Some(sarif_log())),
        ("post", "/api/evidence/asvs?name=shop.yaml", Some("app: shop".to_owned())),
        ("post", "/api/evidence/ci?app=shop", Some("on: push".to_owned())),
        ("get", "/api/openapi.json", None),
    ];
    let mut problems = Vec::new();
    for (method, path, body) in calls {
        let reply = match &body {
            Some(body) => server.post(path, Some(&editor), "application/json", body).await,
            None => server.get(path, None).await,
        };
        let route = path.split('?').next().unwrap_or(path);
        let template = routed_api_paths()
            .into_iter()
            .find(|template| {
                let (a, b): (Vec<&str>, Vec<&str>) =
                    (template.split('/').collect(), route.split('/').collect());
                a.len() == b.len() && a.iter().zip(&b).all(|(t, p)| t.starts_with('{') || t == p)
            })
            .unwrap_or_else(|| panic!("{route} is not routed"));
        let operation = &document["paths"][&template][method];
        let response = &operation["responses"][reply.status.to_string()];
        assert!(response.is_object(), "{method} {path}: status {} is not documented", reply.status);
        let schema = &response["content"]["application/json"]["schema"];
        check(&document, schema, &reply.json(), &format!("{method} {path}"), &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
