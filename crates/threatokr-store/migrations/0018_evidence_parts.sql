-- Large evidence kept in parts (issue 12): a portfolio key result's evidence lists hundreds of
-- thousands of findings, and one push changes the findings of one (app, environment) scope. Its
-- list is kept as runs of items (`json` is the items of a JSON array, comma-separated, without the
-- brackets), one per scope, so a measurement after that push writes the changed run and points at
-- the others, instead of writing tens of megabytes again.
-- An `evidence` row with `parts = 1` holds the JSON array of its parts' hashes in order; its
-- evidence is `[` + their texts joined by `,` + `]`, the same text as the whole list, under a key
-- of its parts' hashes (`evidence.rs`). `uses` counts the `evidence` rows listing a part: a part
-- no row lists is dropped.
CREATE TABLE evidence_parts (
    hash TEXT PRIMARY KEY,
    json TEXT NOT NULL CHECK (json <> '' AND json_valid('[' || json || ']')),
    uses INTEGER NOT NULL CHECK (uses >= 0)
) STRICT;

ALTER TABLE evidence ADD COLUMN parts INTEGER NOT NULL DEFAULT 0 CHECK (parts IN (0, 1));
