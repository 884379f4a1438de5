-- Evidence kept once by content (issue 12): a key result measured again on unchanged evidence
-- points at the evidence it already has instead of storing the same JSON again each day.
-- `hash` is the length and an FNV-1a hash of the JSON text; a measurement whose evidence
-- collides with different text keeps its text in `measurements.evidence`, as before.
CREATE TABLE evidence (
    hash TEXT PRIMARY KEY,
    json TEXT NOT NULL CHECK (json_valid(json))
) STRICT;

-- `measurements.evidence` holds `null` when the evidence is in `evidence`.
ALTER TABLE measurements ADD COLUMN evidence_hash TEXT REFERENCES evidence (hash);
