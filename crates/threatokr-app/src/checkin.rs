//! Recording a value (and confidence) for a key result by hand.

use crate::files::read_workspace;
use crate::store::open_store;
use crate::{Error, Result, Session};
use jiff::civil::Date;
use threatokr_core::metrics::check_checkin;
use threatokr_store::{Checkin, CheckinRow, CheckinSource};

/// A check-in as a person makes it.
#[derive(Debug, Clone)]
pub struct CheckinRequest {
    /// The key result's id.
    pub kr_id: String,
    /// The value reached.
    pub value: f64,
    /// How confident the owner is of reaching the target, 0 to 10.
    pub confidence: Option<u8>,
    /// A note.
    pub note: Option<String>,
    /// Who checks in.
    pub author: Option<String>,
    /// The day the value holds for.
    pub at: Date,
    /// Where it comes from: the command line or the dashboard and API.
    pub source: CheckinSource,
    /// When it was recorded, shown in the key result's history (the dashboard says who and when).
    pub recorded_at: Option<jiff::Timestamp>,
}

impl Session {
    /// Records a check-in for a key result that some OKR file declares.
    pub fn checkin(&self, request: &CheckinRequest) -> Result<CheckinRow> {
        let loaded = read_workspace(&self.reader()?)?;
        let (workspace, _) =
            crate::derived_cache::load_workspace_cached(self.root(), &loaded.files, &loaded.inputs);
        if !request.value.is_finite() {
            return Err(Error::NotANumber);
        }
        // A check-in no view would use is refused, not accepted and ignored.
        check_checkin(&workspace, &request.kr_id, request.at).map_err(Error::CheckinRefused)?;
        let mut store = open_store(&self.root)?;
        let checkin = Checkin {
            kr_id: request.kr_id.clone(),
            value: request.value,
            confidence: request.confidence,
            note: request.note.clone(),
            author: request.author.clone(),
            source: request.source,
            effective: request.at,
        };
        Ok(match request.recorded_at {
            Some(moment) => store.add_checkin_at(&checkin, moment)?,
            None => store.add_checkin(&checkin)?,
        })
    }
}
