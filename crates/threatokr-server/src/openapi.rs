//! The OpenAPI 3.1 document of the JSON API, served at `/api/openapi.json`. A router test checks
//! that every `/api/` route is in it and that every response matches its schema.

use serde_json::{Value, json};

fn nullable(kind: &str) -> Value {
    json!({ "type": [kind, "null"] })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn response(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": reference(schema) } } })
}

fn errors(codes: &[&str]) -> serde_json::Map<String, Value> {
    codes.iter().map(|code| ((*code).to_owned(), response("An error", "Error"))).collect()
}

fn operation(summary: &str, parameters: Value, ok: (&str, &str), error_codes: &[&str]) -> Value {
    let mut responses = errors(error_codes);
    responses.insert(ok.0.to_owned(), response(summary, ok.1));
    json!({ "summary": summary, "parameters": parameters, "responses": responses, "security": [{}, { "bearer": [] }] })
}

fn query(name: &str, required: bool, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": { "type": "string" } })
}

fn path_id(description: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn schemas() -> Value {
    let key_result = object(
        &[
            "id",
            "title",
            "value",
            "unit",
            "progress",
            "expected",
            "status",
            "confidence",
            "derived_from",
        ],
        json!({
            "id": { "type": "string" }, "title": { "type": "string" }, "value": nullable("number"),
            "unit": { "type": "string" }, "start": nullable("number"), "target": nullable("number"),
            "goal": { "type": "string" }, "progress": nullable("number"), "expected": nullable("number"),
            "status": { "type": "string" }, "confidence": nullable("integer"),
            "derived_from": { "type": "array", "items": { "type": "string" } },
        }),
    );
    let link = object(
        &["link", "id"],
        json!({ "link": { "type": "string" }, "id": { "type": "string" } }),
    );
    let finding = object(
        &["tool", "environment", "rule_id", "severity", "first_seen"],
        json!({
            "tool": { "type": "string" }, "environment": { "type": "string" }, "rule_id": { "type": "string" },
            "severity": { "type": "string" }, "score": nullable("number"), "file": nullable("string"),
            "line": nullable("integer"), "message": { "type": "string" }, "first_seen": { "type": "string" },
            "last_seen": { "type": "string" }, "fixed_at": nullable("string"),
        }),
    );
    let findings = json!({ "type": "array", "items": reference("Finding") });
    json!({
        "Error": object(&["error"], json!({ "error": object(&["status", "message"], json!({ "status": { "type": "integer" }, "message": { "type": "string" } })) })),
        "KeyResult": key_result,
        "Link": link,
        "Finding": finding,
        "Cycles": object(&["current", "cycles"], json!({
            "current": { "type": "string" },
            "cycles": { "type": "array", "items": object(&["id", "start", "end", "has_okrs", "closed", "grades"], json!({
                "id": { "type": "string" }, "start": { "type": "string" }, "end": { "type": "string" }, "within": nullable("string"),
                "has_okrs": { "type": "boolean" }, "closed": { "type": "boolean" },
                "grades": { "type": "array", "items": object(&["lineage", "score", "band"], json!({ "lineage": { "type": "string" }, "score": { "type": "number" }, "band": { "type": "string" } })) },
            })) },
        })),
        "Status": object(&["as_of", "cycle", "objectives"], json!({
            "as_of": { "type": "string" }, "cycle": { "type": "string" },
            "objectives": { "type": "array", "items": object(&["id", "progress", "status", "key_results"], json!({
                "id": { "type": "string" }, "progress": nullable("number"), "status": { "type": "string" },
                "key_results": { "type": "array", "items": object(&["id", "metric", "value", "progress", "status", "evidence"], json!({
                    "id": { "type": "string" }, "metric": { "type": "string" }, "value": nullable("number"),
                    "numerator": nullable("number"), "denominator": nullable("number"), "progress": nullable("number"),
                    "status": { "type": "string" }, "evidence": { "type": "array" },
                })) },
            })) },
        })),
        "Objective": object(&["cycle", "id", "title", "level", "progress", "status", "parents", "children", "key_results"], json!({
            "cycle": { "type": "string" }, "as_of": nullable("string"), "id": { "type": "string" }, "title": { "type": "string" },
            "level": { "type": "string" }, "owner": nullable("string"), "progress": nullable("number"), "status": { "type": "string" },
            "parents": { "type": "array", "items": reference("Link") }, "children": { "type": "array", "items": reference("Link") },
            "key_results": { "type": "array", "items": reference("KeyResult") },
            "measurement": { "type": ["object", "null"] },
        })),
        "History": object(&["id", "cycle", "measurements", "checkins"], json!({
            "id": { "type": "string" }, "cycle": { "type": "string" }, "progress": nullable("number"), "status": { "type": "string" },
            "measurements": { "type": "array", "items": object(&["date", "value"], json!({ "date": { "type": "string" }, "value": { "type": "number" } })) },
            "checkins": { "type": "array", "items": object(&["effective", "value", "source"], json!({
                "effective": { "type": "string" }, "value": { "type": "number" }, "confidence": nullable("integer"),
                "note": nullable("string"), "author": nullable("string"), "source": { "type": "string" }, "recorded_at": nullable("string"),
            })) },
        })),
        "CheckinBody": { "type": "object", "required": ["value"], "additionalProperties": false, "properties": {
            "value": { "type": "number" }, "confidence": { "type": ["integer", "null"], "minimum": 0, "maximum": 10 },
            "note": { "type": ["string", "null"], "maxLength": 2000 },
        } },
        "CheckinReply": object(&["checkin", "key_result"], json!({ "checkin": { "type": "object" }, "key_result": reference("History") })),
        "Threat": object(&["app", "id", "title", "status", "theme", "risk", "cited_by"], json!({
            "app": { "type": "string" }, "id": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "string" },
            "theme": { "type": "string" }, "risk": { "type": "number" }, "model": nullable("string"),
            "cited_by": { "type": "array", "items": { "type": "string" } },
        })),
        "Threats": object(&["threats"], json!({ "threats": { "type": "array", "items": reference("Threat") } })),
        "App": object(&["id", "name", "threats", "findings"], json!({
            "id": { "type": "string" }, "name": { "type": "string" }, "team": nullable("string"), "tier": nullable("integer"),
            "tags": { "type": "array" }, "environments": { "type": "array" },
            "threats": { "type": "array", "items": reference("Threat") },
            "findings": object(&["open", "new", "fixed"], json!({ "open": findings, "new": findings, "fixed": findings })),
        })),
        "Kept": object(&["kind", "kept", "records", "diagnostics"], json!({
            "kind": { "type": "string" }, "kept": { "type": "string" }, "records": { "type": "integer" }, "diagnostics": { "type": "array" },
        })),
        "Ingested": object(&["app", "env", "at", "ingested", "diagnostics"], json!({
            "app": { "type": "string" }, "env": { "type": "string" }, "at": { "type": "string" },
            "ingested": { "type": "array", "items": object(&["tool", "new", "still_open", "fixed", "reopened"], json!({
                "tool": { "type": "string" }, "new": { "type": "integer" }, "still_open": { "type": "integer" },
                "fixed": { "type": "integer" }, "reopened": { "type": "integer" },
            })) },
            "diagnostics": { "type": "array" },
        })),
    })
}

fn file_evidence(what: &str, needs_app: bool) -> Value {
    let mut parameters = vec![query("name", true, "The file name to keep it under")];
    if needs_app {
        parameters.push(query("app", true, "The app whose repository runs it"));
    }
    json!({ "post": {
        "summary": format!("Check {what} with the reader `measure` uses"),
        "parameters": parameters,
        "requestBody": { "required": true, "content": { "text/plain": { "schema": { "type": "string" } } } },
        "responses": {
            "201": response("Where it was kept and what was read", "Kept"),
            "400": response("An error", "Error"), "401": response("An error", "Error"), "403": response("An error", "Error"),
            "404": response("An error", "Error"), "413": { "description": "The body is too large" }, "422": response("An error", "Error"),
        },
        "security": [{ "bearer": [] }],
    } })
}

/// The document.
pub(crate) fn document() -> Value {
    let cycle = query("cycle", false, "A cycle id; default the current one");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "threatokr API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The same contracts as the CLI's `--format json`. Reading is open or needs a token (a workspace setting); writing needs an editor token: `Authorization: Bearer TOKEN`.",
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas(),
        },
        "paths": {
            "/api/cycles": { "get": operation("Every cycle, closed ones with their frozen grades", json!([]), ("200", "Cycles"), &["401"]) },
            "/api/objectives": { "get": operation("The `status --format json` contract of a cycle", json!([cycle]), ("200", "Status"), &["401", "404"]) },
            "/api/objectives/{id}": { "get": operation("One objective with its links and key results", json!([path_id("Objective id"), cycle]), ("200", "Objective"), &["401", "404"]) },
            "/api/key-results/{id}/history": { "get": operation("A key result's measurements and check-ins", json!([path_id("Key result id"), cycle]), ("200", "History"), &["401", "404"]) },
            "/api/key-results/{id}/checkins": { "post": {
                "summary": "Check in a value, a confidence and a note",
                "parameters": [path_id("Key result id"), cycle],
                "requestBody": { "required": true, "content": { "application/json": { "schema": reference("CheckinBody") } } },
                "responses": {
                    "201": response("The check-in and the key result after it", "CheckinReply"),
                    "400": response("An error", "Error"), "401": response("An error", "Error"), "403": response("An error", "Error"),
                    "404": response("An error", "Error"), "413": { "description": "The body is too large" },
                    "415": response("An error", "Error"), "422": response("An error", "Error"),
                },
                "security": [{ "bearer": [] }],
            } },
            "/api/threats": { "get": operation("Threats with theme, risk and citing key results", json!([
                query("app", false, "An app id"), query("status", false, "A threat status"), query("theme", false, "A theme"), cycle,
            ]), ("200", "Threats"), &["401"]) },
            "/api/apps/{id}": { "get": operation("An app: threats and findings", json!([path_id("App id"), cycle]), ("200", "App"), &["401", "404"]) },
            "/api/evidence/sarif": { "post": {
                "summary": "Ingest a SARIF 2.1.0 log with the rules of `ingest sarif`",
                "parameters": [query("app", true, "The app scanned"), query("env", true, "The environment scanned"), query("scanned_at", false, "The scan's day, YYYY-MM-DD; default today"), query("force", false, "true: ingest a log dated after tomorrow, or one that looks like another app's (what `ingest --force` does)")],
                "requestBody": { "required": true, "content": { "application/sarif+json": { "schema": { "type": "object" } }, "application/json": { "schema": { "type": "object" } } } },
                "responses": {
                    "201": response("What the scan changed, as `ingest sarif --format json` prints it", "Ingested"),
                    "400": response("An error", "Error"), "401": response("An error", "Error"), "403": response("An error", "Error"),
                    "404": response("An error", "Error"), "409": response("An error", "Error"),
                    "413": { "description": "The body is too large" }, "422": response("An error", "Error"),
                },
                "security": [{ "bearer": [] }],
            } },
            "/api/evidence/asvs": file_evidence("an ASVS verification (YAML or CSV), kept in the ASVS evidence folder", false),
            "/api/evidence/training": file_evidence("a training roster or completion export (CSV; `roster` in the name for a roster), kept in the training evidence folder", false),
            "/api/evidence/tests": file_evidence("threat-scenario test results (JUnit XML or CSV), kept in the tests evidence folder", false),
            "/api/evidence/ci": file_evidence("a CI file (a GitHub Actions workflow, or `.gitlab-ci.yml`), kept in the app's repository folder", true),
            "/api/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "The OpenAPI document", "content": { "application/json": { "schema": { "type": "object" } } } } } } },
        },
    })
}
