-- The CI scan of each repository checked out in the workspace, kept with the hash of what it was
-- computed from (issue 12): measuring again reads every CI file (their texts are part of each
-- key result's fingerprint) but parses and scans only the repositories whose files changed.
-- `inputs` hashes the build and every CI file's name and text; `scan` is the scan as JSON.
CREATE TABLE ci_scans (
    repo   TEXT PRIMARY KEY,
    inputs TEXT NOT NULL,
    scan   TEXT NOT NULL CHECK (json_valid(scan))
) STRICT, WITHOUT ROWID;
