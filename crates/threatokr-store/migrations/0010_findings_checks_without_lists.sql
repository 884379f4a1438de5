-- The findings' checks as comparisons instead of `IN (...)` lists (issue 12): SQLite checks a
-- value against a list by building a temporary table for it at each execution of a statement,
-- which was about a third of the cost of storing a finding. Same columns in the same order,
-- same rows and ids, same constraints and indexes.
--
-- `findings` is rebuilt under another name and renamed; `finding_events` refers to it, and
-- dropping the old table would delete its events (`ON DELETE CASCADE`, foreign keys are on), so
-- the events are kept aside and the table is rebuilt after it. Dropping `findings` drops its
-- triggers (0009's scope generations): they are created again, the same.
CREATE TABLE findings_0010 (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL CHECK (fingerprint <> ''),
    tool        TEXT NOT NULL,
    app         TEXT NOT NULL,
    environment TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity = 'critical' OR severity = 'high' OR severity = 'medium'
                                    OR severity = 'low' OR severity = 'info' OR severity = 'unknown'),
    score       REAL CHECK (score IS NULL OR (score >= 0 AND score <= 10)),
    cwes        TEXT NOT NULL CHECK (json_valid(cwes)), -- JSON array of CWE numbers, ascending
    file        TEXT,
    line        INTEGER CHECK (line IS NULL OR line >= 0),
    message     TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    fixed_at    TEXT,
    reopened    INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0),
    class       TEXT NOT NULL DEFAULT 'security'
                CHECK (class = 'security' OR class = 'quality' OR class = 'license'),
    UNIQUE (fingerprint, tool, app, environment)
) STRICT;

INSERT INTO findings_0010 (id, fingerprint, tool, app, environment, rule_id, severity, score, cwes,
                           file, line, message, first_seen, last_seen, fixed_at, reopened, class)
SELECT id, fingerprint, tool, app, environment, rule_id, severity, score, cwes,
       file, line, message, first_seen, last_seen, fixed_at, reopened, class
FROM findings;

CREATE TEMP TABLE finding_events_0010 AS SELECT finding_id, at, kind FROM finding_events;
DROP TABLE finding_events;
DROP TABLE findings;
ALTER TABLE findings_0010 RENAME TO findings;

CREATE INDEX findings_by_scope ON findings (tool, app, environment, fixed_at, last_seen);
CREATE INDEX findings_by_app ON findings (app, environment, tool, fingerprint);

CREATE TRIGGER finding_scopes_finding_added AFTER INSERT ON findings BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (NEW.app, NEW.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_finding_changed AFTER UPDATE ON findings BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (OLD.app, OLD.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
    INSERT INTO finding_scopes (app, environment, generation) VALUES (NEW.app, NEW.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_finding_removed AFTER DELETE ON findings BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (OLD.app, OLD.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;

CREATE TABLE finding_events (
    finding_id INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind = 'opened' OR kind = 'fixed' OR kind = 'reopened'),
    PRIMARY KEY (finding_id, at, kind)
) STRICT;

INSERT INTO finding_events (finding_id, at, kind) SELECT finding_id, at, kind FROM temp.finding_events_0010;
DROP TABLE temp.finding_events_0010;
