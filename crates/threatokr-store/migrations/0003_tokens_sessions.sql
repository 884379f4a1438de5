-- Access to the dashboard and its API: tokens (only their SHA-256 hash is kept), browser
-- sessions opened with a token, and who and when for check-ins typed in the dashboard.

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    hash       BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- A session belongs to the token it was opened with: revoking the token ends its sessions.
CREATE TABLE sessions (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    token_id   INTEGER NOT NULL REFERENCES tokens (id),
    csrf       TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

-- The moment a check-in was recorded (its `effective` day says which day the value holds for).
ALTER TABLE checkins ADD COLUMN recorded_at TEXT;
