//! User codes (spec §12): the verifier, the wrong codes in a row, the lock. An attempt is
//! counted before the code is checked, in one conditional update, so racing guesses get at
//! most the limit between them.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{StoreResult, UserCodeAttempt, UserCodeStore};
use rusqlite::{Row, params};

use super::{SqliteStore, one};
use crate::rows::{Fields, user_code_attempt};

#[async_trait]
impl UserCodeStore for SqliteStore {
    async fn user_code(&self, user_id: &str) -> StoreResult<Option<String>> {
        self.read(|c| {
            one(c, "SELECT code_hash FROM user_codes WHERE user_id = ?1", [user_id], |row| row.text("code_hash"))
        })
    }

    async fn set_user_code(&self, user_id: &str, hash: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO user_codes (user_id, code_hash) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, failures = 0",
            [user_id.to_owned(), hash.to_owned()],
        )
        .await
        .map(drop)
    }

    async fn begin_user_code_attempt(&self, user_id: &str, limit: i64, now: UnixTime) -> StoreResult<UserCodeAttempt> {
        let user_id = user_id.to_owned();
        self.write(move |c| {
            let claimed = one(
                c,
                "UPDATE user_codes SET failures = failures + 1
                 WHERE user_id = ?1 AND failures < ?2 AND (locked_until IS NULL OR locked_until <= ?3)
                 RETURNING code_hash, failures",
                params![user_id, limit, now],
                |claimed| user_code_attempt(Some(claimed), None, now),
            )?;
            if let Some(attempt) = claimed {
                return Ok(attempt);
            }
            let state = one(c, "SELECT locked_until FROM user_codes WHERE user_id = ?1", [&user_id], |state| {
                user_code_attempt(None, Some(state), now)
            })?;
            state.map_or_else(|| user_code_attempt::<Row<'_>>(None, None, now), Ok)
        })
        .await
    }

    async fn end_user_code_attempt(&self, user_id: &str, right: bool, lock_until: Option<UnixTime>) -> StoreResult<()> {
        // A right code clears the count; a lock clears it and sets the lock; else nothing.
        self.execute(
            "UPDATE user_codes SET failures = 0, locked_until = COALESCE(?3, locked_until)
             WHERE user_id = ?1 AND (?2 OR ?3 IS NOT NULL) AND (failures <> 0 OR ?3 IS NOT NULL)",
            (user_id.to_owned(), right, lock_until),
        )
        .await
        .map(drop)
    }
}
