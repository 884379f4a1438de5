-- What each run of a measurement's evidence in parts was computed from (issue 12): a JSON list,
-- one entry per part of its evidence, the run's fingerprint (its key result's inputs and the
-- generation of its app and environment's findings) or null. Measuring the same day again after
-- a push to one scope names the runs of the other scopes kept for their fingerprints instead of
-- writing, hashing and comparing them again.
ALTER TABLE measurements ADD COLUMN evidence_prints TEXT CHECK (evidence_prints IS NULL OR json_valid(evidence_prints));
