//! The status history of threats and controls, taken from the models each time they are read.
//!
//! No threat-modeling tool keeps this history, and OKRs over time need it ("threats mitigated on
//! 1 February"). Reading the same models every day records only what changed: a row is stored for
//! the first sighting of an entity and then only when its status differs from the latest one
//! known. An entity is identified by its model file, kind and id, since foreign models reuse short
//! ids (`T-1`) across files.

use crate::{SqlDate, Store, StoreError, check_date, check_not_empty, date_column, parse_column};
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use threatokr_core::model::{ControlStatus, ThreatStatus};

/// What kind of entity a status belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    /// A threat; statuses are `ThreatStatus` names.
    Threat,
    /// A control; statuses are `ControlStatus` names.
    Control,
}

impl EntityKind {
    /// Both kinds.
    pub const ALL: &'static [Self] = &[Self::Threat, Self::Control];

    /// The lowercase name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Threat => "threat",
            Self::Control => "control",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = threatokr_core::model::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == s).ok_or_else(|| {
            threatokr_core::model::UnknownValue {
                value: s.to_owned(),
                expected: Self::ALL.iter().map(|kind| kind.as_str()).collect(),
            }
        })
    }
}

/// The status of one threat or control as a model shows it today. Its texts may be borrowed from
/// the models: measuring records a portfolio's 20,000 threats, and copying their texts to compare
/// them with the statuses recorded last was a thirtieth of measuring again (issue 12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusObservation<'a> {
    /// The model file, workspace-relative.
    pub model_file: Cow<'a, str>,
    /// Threat or control.
    pub entity_kind: EntityKind,
    /// Its id in the model.
    pub entity_id: Cow<'a, str>,
    /// The app the model belongs to.
    pub app: Cow<'a, str>,
    /// The canonical status name (`mitigated`, `implemented`, ...).
    pub status: Cow<'a, str>,
}

/// The hash of a list of observations, in order, every field length-prefixed.
fn statuses_hash(rows: &[StatusObservation<'_>]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut field = |text: &str| {
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    };
    for row in rows {
        field(&row.model_file);
        field(row.entity_kind.as_str());
        field(&row.entity_id);
        field(&row.app);
        field(&row.status);
    }
    let digest: [u8; 32] = hash.finalize().into();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A recorded status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The day the new status was first seen.
    pub at: Date,
    /// What was seen.
    pub observation: StatusObservation<'static>,
}

fn check_observation(row: &StatusObservation<'_>) -> Result<(), StoreError> {
    check_not_empty(&row.entity_id, "status entity id")?;
    let known = match row.entity_kind {
        EntityKind::Threat => row.status.parse::<ThreatStatus>().is_ok(),
        EntityKind::Control => row.status.parse::<ControlStatus>().is_ok(),
    };
    if !known {
        let expected = match row.entity_kind {
            EntityKind::Threat => {
                "a threat status (identified, in_review, in_progress, mitigated, verified, ...)"
            }
            EntityKind::Control => {
                "a control status (suggested, planned, in_progress, implemented, verified, ...)"
            }
        };
        return Err(StoreError::Invalid {
            field: "status",
            value: row.status.to_string(),
            expected,
        });
    }
    Ok(())
}

impl Store {
    /// Records the statuses seen on `at`, in one transaction, storing only changes. Returns how
    /// many changes were recorded. An observation dated before the latest one recorded for the
    /// same entity is refused with `StoreError::OutOfOrder` (the whole batch is refused).
    pub fn record_statuses(
        &mut self,
        at: Date,
        rows: &[StatusObservation<'_>],
    ) -> Result<usize, StoreError> {
        let snapshot = statuses_hash(rows);
        self.record_statuses_known_as(at, &snapshot, || rows)
    }

    /// [`Store::record_statuses`] of the statuses `rows` gives, which `identity` stands for (the
    /// same identity, the same statuses; the hash of the files they were read from, say): when
    /// they were the last recorded, on `at` or before, nothing is done and `rows` is never
    /// called (issue 12: listing and hashing 30,000 statuses was a twentieth of measuring again).
    pub fn record_statuses_known_as<'r, R: AsRef<[StatusObservation<'r>]>>(
        &mut self,
        at: Date,
        identity: &str,
        rows: impl FnOnce() -> R,
    ) -> Result<usize, StoreError> {
        check_date(at, "status date")?;
        let tx = self.write_transaction()?;
        // The same statuses as the last recording, on its day or later: each is its entity's
        // latest already, and none is newer than that day (only this function writes them, and a
        // refused recording changes nothing), so looking each up again would find nothing to do.
        let last: Option<(String, Date)> = tx
            .query_row("SELECT hash, at FROM status_snapshot WHERE id = 1", [], |r| {
                Ok((r.get(0)?, date_column(r, 1)?))
            })
            .optional()?;
        if last.is_some_and(|(hash, day)| hash == identity && day <= at) {
            return Ok(0);
        }
        let rows = rows();
        let mut recorded = 0;
        {
            let mut latest = tx.prepare_cached(
                "SELECT status, at FROM status_changes WHERE model_file = ?1 AND entity_kind = ?2 AND entity_id = ?3 ORDER BY at DESC, id DESC LIMIT 1",
            )?;
            let mut insert =
                tx.prepare_cached("INSERT INTO status_changes (model_file, entity_kind, entity_id, app, status, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            for row in rows.as_ref() {
                check_observation(row)?;
                let known: Option<(String, Date)> = latest
                    .query_row(
                        params![row.model_file, row.entity_kind.as_str(), row.entity_id],
                        |r| Ok((r.get(0)?, date_column(r, 1)?)),
                    )
                    .optional()?;
                if let Some((status, newest)) = known {
                    if newest > at {
                        return Err(StoreError::OutOfOrder {
                            subject: format!(
                                "status of {} {} in {}",
                                row.entity_kind, row.entity_id, row.model_file
                            ),
                            at,
                            newest,
                        });
                    }
                    if status == row.status {
                        continue;
                    }
                }
                recorded += insert.execute(params![
                    row.model_file,
                    row.entity_kind.as_str(),
                    row.entity_id,
                    row.app,
                    row.status,
                    SqlDate(at)
                ])?;
            }
        }
        tx.execute(
            "INSERT INTO status_snapshot (id, hash, at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, at = excluded.at",
            params![identity, SqlDate(at)],
        )?;
        tx.commit()?;
        Ok(recorded)
    }

    /// Every recorded change of the threats or controls with this id (in any model file), oldest
    /// first, then by model file and recording order.
    pub fn status_history(
        &self,
        entity_kind: EntityKind,
        entity_id: &str,
    ) -> Result<Vec<StatusChange>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT at, model_file, entity_kind, entity_id, app, status FROM status_changes
             WHERE entity_kind = ?1 AND entity_id = ?2 ORDER BY at, model_file, id",
        )?;
        let rows =
            statement.query_map(params![entity_kind.as_str(), entity_id], change_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every recorded change of every threat (or every control), oldest first: what the report
    /// replays to draw open risk over time.
    pub fn status_changes(&self, entity_kind: EntityKind) -> Result<Vec<StatusChange>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT at, model_file, entity_kind, entity_id, app, status FROM status_changes
             WHERE entity_kind = ?1 ORDER BY at, model_file, entity_id, id",
        )?;
        let rows = statement.query_map(params![entity_kind.as_str()], change_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A `status_changes` row selected as `at, model_file, entity_kind, entity_id, app, status`.
fn change_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StatusChange> {
    Ok(StatusChange {
        at: date_column(row, 0)?,
        observation: StatusObservation {
            model_file: Cow::Owned(row.get(1)?),
            entity_kind: parse_column(row, 2)?,
            entity_id: Cow::Owned(row.get(3)?),
            app: Cow::Owned(row.get(4)?),
            status: Cow::Owned(row.get(5)?),
        },
    })
}
