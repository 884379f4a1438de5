-- What each (app, environment) scope gave a finding key result's value (issue 12), as JSON text
-- written by the application: measuring the same day again after an ingest into a few scopes
-- computes those and adds the kept parts of the others, instead of reading and counting every
-- finding again. Kept for a key result's newest day only, like `evidence_prints`; NULL for other
-- metrics and for rows recorded before.
ALTER TABLE measurements ADD COLUMN scope_parts TEXT;
