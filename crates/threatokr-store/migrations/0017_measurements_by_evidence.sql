-- The measurements pointing at each kept evidence (issue 12): recording a day again drops the
-- evidence it replaced once nothing points at it, which this index answers without reading every
-- measurement (and which SQLite's foreign key check on that deletion needs as well).
CREATE INDEX measurements_by_evidence ON measurements (evidence_hash) WHERE evidence_hash IS NOT NULL;
