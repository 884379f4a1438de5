//! The JSON API's wire types: request bodies (the server's only serde derives besides the index
//! of the measurement text, `measurement.rs`) and the JSON built from a snapshot. Field names
//! follow the CLI's `--format json` contracts.

use crate::error::AppError;
use crate::measurement::escape_markup;
use crate::snapshot::Snapshot;
use crate::state::CheckinRequest;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Value, json};
use threatokr_core::analysis::AnalyzedThreat;
use threatokr_core::model::App;
use threatokr_core::report::{KrRow, ObjectiveRow};

/// A JSON response with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026`: the
/// same value to any JSON reader, and never markup if a page or a sniffing browser embeds it.
pub(crate) struct Json(pub(crate) Value);

impl axum::response::IntoResponse for Json {
    fn into_response(self) -> axum::response::Response {
        JsonText(escape_markup(self.0.to_string().as_bytes()).into()).into_response()
    }
}

/// A JSON response of text already written as [`Json`] writes it.
pub(crate) struct JsonText(pub(crate) Bytes);

impl axum::response::IntoResponse for JsonText {
    fn into_response(self) -> axum::response::Response {
        ([(axum::http::header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

/// A JSON body whose rejections share the API's error shape.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::new(rejection.status(), rejection.body_text())),
        }
    }
}

/// The body of `POST /api/key-results/{id}/checkins`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckinBody {
    value: f64,
    #[serde(default)]
    confidence: Option<u8>,
    #[serde(default)]
    note: Option<String>,
}

/// The longest note kept.
const NOTE_LIMIT: usize = 2000;

impl CheckinBody {
    /// From the page's form fields.
    pub(crate) fn from_form(value: &str, confidence: &str, note: &str) -> Result<Self, AppError> {
        let value = value.trim().parse().map_err(|_| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the value `{value}` is not a number"),
            )
        })?;
        let confidence = match confidence.trim() {
            "" => None,
            text => Some(text.parse().map_err(|_| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the confidence must be a whole number from 0 to 10",
                )
            })?),
        };
        let note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(Self { value, confidence, note })
    }

    /// The request the backend records, checked.
    pub(crate) fn into_request(
        self,
        kr_id: &str,
        author: &str,
        snapshot: &Snapshot,
        now: jiff::Timestamp,
    ) -> Result<CheckinRequest, AppError> {
        let invalid = |m: &str| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
        if !self.value.is_finite() {
            return Err(invalid("the value must be a finite number"));
        }
        if self.confidence.is_some_and(|c| c > 10) {
            return Err(invalid("the confidence must be from 0 to 10"));
        }
        if self.note.as_ref().is_some_and(|n| n.chars().count() > NOTE_LIMIT) {
            return Err(invalid("the note is longer than 2000 characters"));
        }
        // The value holds for the day the dashboard speaks for: today in a running cycle.
        let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        let effective = snapshot.report.as_of.unwrap_or(today);
        Ok(CheckinRequest {
            kr_id: kr_id.to_owned(),
            value: self.value,
            confidence: self.confidence,
            note: self.note,
            author: author.to_owned(),
            effective,
            recorded_at: now,
        })
    }
}

fn kr_json(kr: &KrRow) -> Value {
    json!({
        "id": kr.id, "title": kr.title, "value": kr.value, "unit": kr.unit, "start": kr.start,
        "target": kr.target, "goal": kr.goal, "progress": kr.progress, "expected": kr.expected,
        "status": kr.status.as_str(), "confidence": kr.confidence, "derived_from": kr.derived_from,
    })
}

/// One objective: the report's row, its links, and (last, as `measurement`) its entry of the
/// `status` contract, spliced in as the text it is kept as rather than parsed.
pub(crate) fn objective_json(snapshot: &Snapshot, objective: &ObjectiveRow) -> JsonText {
    let measured = snapshot.measurement.objective(&objective.id);
    let children: Vec<Value> = crate::templates::children_of(snapshot, &objective.id)
        .into_iter()
        .map(|(link, child)| json!({ "link": link.as_str(), "id": child.id }))
        .collect();
    let head = json!({
        "cycle": objective.cycle,
        "as_of": snapshot.report.as_of.map(|d| d.to_string()),
        "id": objective.id,
        "title": objective.title,
        "level": objective.level.as_str(),
        "owner": objective.owner,
        "progress": objective.progress,
        "status": objective.status.as_str(),
        "parents": objective.parents.iter().map(|(link, id)| json!({ "link": link.as_str(), "id": id })).collect::<Vec<_>>(),
        "children": children,
        "key_results": objective.key_results.iter().map(kr_json).collect::<Vec<_>>(),
    });
    let mut text = escape_markup(head.to_string().as_bytes());
    // `{...}` becomes `{..., "measurement": ...}`: the head is an object with members.
    text.pop();
    text.extend_from_slice(b",\"measurement\":");
    text.extend_from_slice(measured.as_deref().unwrap_or(b"null"));
    text.push(b'}');
    JsonText(text.into())
}

/// A key result's measurements and check-ins.
pub(crate) fn history_json(snapshot: &Snapshot, kr: &KrRow) -> Value {
    let checkins: Vec<Value> = snapshot
        .checkins
        .get(&kr.id)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|row| {
            json!({
                "effective": row.checkin.effective.to_string(), "value": row.checkin.value,
                "confidence": row.checkin.confidence, "note": row.checkin.note,
                "author": row.checkin.author, "source": row.checkin.source.as_str(),
                "recorded_at": row.recorded_at.map(|t| t.to_string()),
            })
        })
        .collect();
    let mut out = kr_json(kr);
    out["cycle"] = json!(snapshot.cycle_id());
    out["measurements"] = json!(
        kr.history
            .iter()
            .map(|(day, value)| json!({ "date": day.to_string(), "value": value }))
            .collect::<Vec<_>>()
    );
    out["checkins"] = json!(checkins);
    out
}

/// A threat with its theme, risk and the key results citing it.
pub(crate) fn threat_json(snapshot: &Snapshot, threat: &AnalyzedThreat) -> Value {
    json!({
        "app": threat.app.as_str(), "id": threat.id.as_str(), "title": threat.title,
        "status": threat.status.as_str(), "theme": threat.theme.as_str(), "risk": threat.risk.score,
        "model": snapshot.model_files.get(threat.model), "cited_by": crate::templates::citing_key_results(snapshot, threat.id.as_str()),
    })
}

/// An app: its threats and findings.
pub(crate) fn app_json(
    snapshot: &Snapshot,
    app: &App,
    findings: &[threatokr_store::FindingRow],
) -> Value {
    let threats: Vec<Value> = snapshot
        .analysis
        .threats
        .iter()
        .filter(|t| t.app == app.id)
        .map(|t| threat_json(snapshot, t))
        .collect();
    let picture = crate::templates::findings_of(findings);
    let finding = |row: &&threatokr_store::FindingRow| {
        json!({
            "tool": row.tool, "environment": row.environment, "rule_id": row.rule_id, "severity": row.severity,
            "score": row.score, "file": row.file, "line": row.line, "message": row.message,
            "first_seen": row.first_seen.to_string(), "last_seen": row.last_seen.to_string(),
            "fixed_at": row.fixed_at.map(|d| d.to_string()),
        })
    };
    json!({
        "id": app.id.as_str(), "name": app.name, "team": app.team.as_ref().map(|t| t.as_str()),
        "tier": app.tier, "tags": app.tags, "environments": app.environments,
        "threats": threats,
        "findings": {
            "open": picture.open.iter().map(finding).collect::<Vec<_>>(),
            "new": picture.new.iter().map(finding).collect::<Vec<_>>(),
            "fixed": picture.fixed.iter().map(finding).collect::<Vec<_>>(),
        },
    })
}

/// Every cycle with its state and its frozen grades.
pub(crate) fn cycles_json(snapshot: &Snapshot) -> Value {
    let cycles: Vec<Value> = snapshot
        .cycles
        .iter()
        .map(|c| {
            let grades: Vec<Value> = snapshot
                .report
                .grades
                .iter()
                .filter(|g| g.cycle == c.id)
                .map(|g| json!({ "lineage": g.lineage, "score": g.score, "band": g.band.as_str() }))
                .collect();
            json!({
                "id": c.id, "start": c.start.to_string(), "end": c.end.to_string(), "within": c.within,
                "has_okrs": c.has_okrs, "closed": c.closed, "grades": grades,
            })
        })
        .collect();
    json!({ "current": snapshot.cycle_id(), "cycles": cycles })
}
