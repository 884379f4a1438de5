-- Each (app, environment) scope's finding records as one blob (issue 12; the layout is in
-- `snapshots.rs`), written by the ingest that changed the scope, inside its transaction. A
-- snapshot is used only while `generation` is its scope's generation in `finding_scopes`;
-- otherwise the scope's rows are read. A migration that rewrites findings must empty this table.
CREATE TABLE finding_snapshots (
    app         TEXT NOT NULL,
    environment TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    records     BLOB NOT NULL,
    PRIMARY KEY (app, environment)
) STRICT;
