-- Fewer B-trees per stored finding (issue 12): inserting into the table and its indexes was about
-- half the time of a stored ingest, and each index is written twice more (the WAL, then the
-- checkpoint).
--
-- `findings_by_app (app, environment, tool, fingerprint)` held the unique key's columns in
-- another order. Its readers now use `findings_by_scope (tool, app, environment, …)`, one tool at
-- a time, and the unique key (`fingerprint, tool, …`) answers "which apps hold this fingerprint".
DROP INDEX findings_by_app;

-- `finding_events` kept its primary key as an index beside a rowid table: two B-trees for rows
-- that are nothing but their key. WITHOUT ROWID makes the key the table. Same columns, same
-- constraints, same rows; nothing refers to an event, so the table is rebuilt and renamed.
CREATE TABLE finding_events_0011 (
    finding_id INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind = 'opened' OR kind = 'fixed' OR kind = 'reopened'),
    PRIMARY KEY (finding_id, at, kind)
) STRICT, WITHOUT ROWID;

INSERT INTO finding_events_0011 (finding_id, at, kind)
    SELECT finding_id, at, kind FROM finding_events ORDER BY finding_id, at, kind;
DROP TABLE finding_events;
ALTER TABLE finding_events_0011 RENAME TO finding_events;
