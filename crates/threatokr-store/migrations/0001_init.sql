-- Schema version 1 of the threatokr history store.
--
-- Dates are ISO 8601 calendar dates (YYYY-MM-DD, years 0001 to 9999) stored as TEXT, so text
-- order is date order. Tables are STRICT: a value of the wrong type is an error, never a silent
-- conversion. Closed vocabularies are checked here as well as in Rust.

-- One row per scan of a tool for an app and environment. Ingests must come in date order per
-- (tool, app, environment); several ingests on the same date are one scan (their union).
CREATE TABLE scans (
    tool        TEXT NOT NULL CHECK (tool <> ''),
    app         TEXT NOT NULL CHECK (app <> ''),
    environment TEXT NOT NULL CHECK (environment <> ''),
    at          TEXT NOT NULL,
    PRIMARY KEY (tool, app, environment, at)
) STRICT;

-- The current state of every finding ever seen.
CREATE TABLE findings (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL CHECK (fingerprint <> ''),
    tool        TEXT NOT NULL,
    app         TEXT NOT NULL,
    environment TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info', 'unknown')),
    score       REAL CHECK (score IS NULL OR (score >= 0 AND score <= 10)),
    cwes        TEXT NOT NULL CHECK (json_valid(cwes)), -- JSON array of CWE numbers, ascending
    file        TEXT,
    line        INTEGER CHECK (line IS NULL OR line >= 0),
    message     TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    fixed_at    TEXT,
    reopened    INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0),
    UNIQUE (fingerprint, tool, app, environment)
) STRICT;

CREATE INDEX findings_by_scope ON findings (tool, app, environment, fixed_at, last_seen);
CREATE INDEX findings_by_app ON findings (app, environment, tool, fingerprint);

-- Every transition of a finding, so "open on a past date" stays right after a reopen.
CREATE TABLE finding_events (
    finding_id INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('opened', 'fixed', 'reopened')),
    PRIMARY KEY (finding_id, at, kind)
) STRICT;

-- One measurement of a key result per day; measuring again on the same day replaces it.
CREATE TABLE measurements (
    kr_id       TEXT NOT NULL CHECK (kr_id <> ''),
    cycle       TEXT NOT NULL CHECK (cycle <> ''),
    as_of       TEXT NOT NULL,
    value       REAL,
    numerator   REAL,
    denominator REAL,
    progress    REAL CHECK (progress IS NULL OR (progress >= 0 AND progress <= 1)),
    status      TEXT NOT NULL CHECK (status IN ('on_track', 'at_risk', 'off_track', 'stale', 'no_data')),
    evidence    TEXT NOT NULL CHECK (json_valid(evidence)),
    PRIMARY KEY (kr_id, as_of)
) STRICT;

CREATE INDEX measurements_by_cycle ON measurements (cycle, kr_id, as_of);

-- Check-ins are never edited; `id` is the order they were recorded in.
CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    kr_id      TEXT NOT NULL CHECK (kr_id <> ''),
    value      REAL NOT NULL,
    confidence INTEGER CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 10)),
    note       TEXT,
    author     TEXT,
    source     TEXT NOT NULL CHECK (source IN ('manual', 'api', 'ci')),
    effective  TEXT NOT NULL
) STRICT;

CREATE INDEX checkins_by_kr ON checkins (kr_id, effective, id);

-- Status changes of threats and controls, one row per change (the first sighting included).
CREATE TABLE status_changes (
    id          INTEGER PRIMARY KEY,
    model_file  TEXT NOT NULL,
    entity_kind TEXT NOT NULL CHECK (entity_kind IN ('threat', 'control')),
    entity_id   TEXT NOT NULL CHECK (entity_id <> ''),
    app         TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;

CREATE INDEX status_changes_latest ON status_changes (model_file, entity_kind, entity_id, at, id);
CREATE INDEX status_changes_by_entity ON status_changes (entity_kind, entity_id, at, id);

-- Scores frozen at the close of a cycle.
CREATE TABLE grades (
    cycle        TEXT NOT NULL CHECK (cycle <> ''),
    objective_id TEXT NOT NULL CHECK (objective_id <> ''),
    kr_id        TEXT NOT NULL CHECK (kr_id <> ''),
    lineage      TEXT,
    score        REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    expected     REAL NOT NULL CHECK (expected >= 0 AND expected <= 1),
    band         TEXT NOT NULL CHECK (band IN ('red', 'yellow', 'green')),
    PRIMARY KEY (cycle, objective_id, kr_id)
) STRICT;
