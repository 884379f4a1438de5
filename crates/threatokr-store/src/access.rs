//! Access to the dashboard: tokens (kept as hashes only), their roles, and browser sessions.
//!
//! The store never sees a token: callers hash it first. Looking a hash up is done by the caller
//! in constant time over `active_token_hashes`, so the store's index never decides a comparison.

use crate::{Store, StoreError, check_not_empty, optional_parsed_column, parse_column, stamp};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use std::fmt;
use std::str::FromStr;

/// What a token may do. Roles are ordered: an admin may do whatever an editor may, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads pages and the API.
    Viewer,
    /// Also checks in and posts evidence.
    Editor,
    /// Also manages tokens.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: &'static [Self] = &[Self::Viewer, Self::Editor, Self::Admin];

    /// The lowercase name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = threatokr_core::model::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|role| role.as_str() == s).ok_or_else(|| {
            threatokr_core::model::UnknownValue {
                value: s.to_owned(),
                expected: Self::ALL.iter().map(|role| role.as_str()).collect(),
            }
        })
    }
}

/// A SHA-256 hash of a token or session id.
pub type Hash = [u8; 32];

/// A token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Row id, used by sessions.
    pub id: i64,
    /// The name it was created with (unique).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A live browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The token it was opened with.
    pub token: TokenRow,
    /// The CSRF token its forms carry.
    pub csrf: String,
    /// When it ends.
    pub expires_at: Timestamp,
}

fn token_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: row.get(first)?,
        name: row.get(first + 1)?,
        role: parse_column(row, first + 2)?,
        created_at: parse_column(row, first + 3)?,
        revoked_at: optional_parsed_column(row, first + 4)?,
    })
}

const TOKEN_COLUMNS: &str =
    "tokens.id, tokens.name, tokens.role, tokens.created_at, tokens.revoked_at";

impl Store {
    /// Records a new token by its hash; a name already used (even by a revoked token) is refused.
    pub fn create_token(
        &mut self,
        name: &str,
        role: Role,
        hash: &Hash,
        now: Timestamp,
    ) -> Result<TokenRow, StoreError> {
        check_not_empty(name, "token name")?;
        let transaction = self.conn.transaction()?;
        let taken: bool = transaction.query_row(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE name = ?1)",
            params![name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Invalid {
                field: "token name",
                value: name.to_owned(),
                expected: "a name no token has had",
            });
        }
        transaction.execute(
            "INSERT INTO tokens (name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), hash.as_slice(), stamp(now)],
        )?;
        let id = transaction.last_insert_rowid();
        transaction.commit()?;
        Ok(TokenRow { id, name: name.to_owned(), role, created_at: now, revoked_at: None })
    }

    /// Every token, revoked ones included, by name.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY name"))?;
        let rows = statement.query_map([], |row| token_row(row, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The hashes of the tokens not revoked, with their rows, for a constant-time lookup.
    pub fn active_token_hashes(&self) -> Result<Vec<(Hash, TokenRow)>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT tokens.hash, {TOKEN_COLUMNS} FROM tokens WHERE revoked_at IS NULL ORDER BY id"
        ))?;
        let rows = statement.query_map([], |row| {
            let bytes: Vec<u8> = row.get(0)?;
            let mut hash = [0u8; 32];
            hash.copy_from_slice(&bytes);
            Ok((hash, token_row(row, 1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes a token by name and ends its sessions; `false` when no live token has that name.
    pub fn revoke_token(&mut self, name: &str, now: Timestamp) -> Result<bool, StoreError> {
        let transaction = self.conn.transaction()?;
        let changed = transaction.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, stamp(now)],
        )?;
        transaction.execute(
            "DELETE FROM sessions WHERE token_id IN (SELECT id FROM tokens WHERE name = ?1)",
            params![name],
        )?;
        transaction.commit()?;
        Ok(changed > 0)
    }

    /// Opens a browser session for a token; expired sessions are cleared on the way.
    pub fn create_session(
        &mut self,
        hash: &Hash,
        token_id: i64,
        csrf: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let transaction = self.conn.transaction()?;
        transaction.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![stamp(now)])?;
        transaction.execute(
            "INSERT INTO sessions (hash, token_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash.as_slice(), token_id, csrf, stamp(expires_at)],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// The live session with this hash, if it has not expired and its token is not revoked.
    pub fn session(&self, hash: &Hash, now: Timestamp) -> Result<Option<SessionRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT sessions.csrf, sessions.expires_at, {TOKEN_COLUMNS} FROM sessions \
             JOIN tokens ON tokens.id = sessions.token_id \
             WHERE sessions.hash = ?1 AND tokens.revoked_at IS NULL AND sessions.expires_at > ?2"
        ))?;
        let row = statement
            .query_row(params![hash.as_slice(), stamp(now)], |row| {
                Ok(SessionRow {
                    csrf: row.get(0)?,
                    expires_at: parse_column(row, 1)?,
                    token: token_row(row, 2)?,
                })
            })
            .optional()?;
        Ok(row)
    }

    /// Ends a session (signing out); ending an unknown one is not an error.
    pub fn delete_session(&mut self, hash: &Hash) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM sessions WHERE hash = ?1", params![hash.as_slice()])?;
        Ok(())
    }
}
