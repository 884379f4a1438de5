-- Schema version 2: failed scans and the files already ingested.
--
-- A scan whose SARIF run is incomplete (`results` null or absent, `executionSuccessful: false`)
-- proves nothing about absence: its findings are recorded as seen, but nothing is fixed by it.
-- Several ingests on one date are one scan, complete when any of them was.
ALTER TABLE scans ADD COLUMN complete INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1));

-- Every evidence file ingested, by a hash of its content and the app and environment it was
-- filed under, so that ingesting a folder again skips what it already holds (an older file would
-- otherwise be refused as out of order).
CREATE TABLE ingested_files (
    hash        TEXT NOT NULL CHECK (hash <> ''),
    name        TEXT NOT NULL,
    app         TEXT NOT NULL,
    environment TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (hash, app, environment)
) STRICT;
