//! User codes (spec §12): the verifier, the wrong codes in a row, the lock. An attempt is
//! counted before the code is checked, in one conditional update, so racing guesses get at
//! most the limit between them.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{StoreResult, UserCodeAttempt, UserCodeStore};

use super::PostgresStore;
use crate::err;
use crate::rows::user_code_attempt;

#[async_trait]
impl UserCodeStore for PostgresStore {
    async fn user_code(&self, user_id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT code_hash FROM user_codes WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)
    }

    async fn set_user_code(&self, user_id: &str, hash: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO user_codes (user_id, code_hash) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, failures = 0",
        )
        .bind(user_id)
        .bind(hash)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn begin_user_code_attempt(&self, user_id: &str, limit: i64, now: UnixTime) -> StoreResult<UserCodeAttempt> {
        let claimed = sqlx::query(
            "UPDATE user_codes SET failures = failures + 1
             WHERE user_id = $1 AND failures < $2 AND (locked_until IS NULL OR locked_until <= $3)
             RETURNING code_hash, failures",
        )
        .bind(user_id)
        .bind(limit)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        let state = match claimed {
            Some(_) => None,
            None => sqlx::query("SELECT locked_until FROM user_codes WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?,
        };
        user_code_attempt(claimed.as_ref(), state.as_ref(), now)
    }

    async fn end_user_code_attempt(&self, user_id: &str, right: bool, lock_until: Option<UnixTime>) -> StoreResult<()> {
        // A right code clears the count; a lock clears it and sets the lock; else nothing.
        sqlx::query(
            "UPDATE user_codes SET failures = 0, locked_until = COALESCE($3::BIGINT, locked_until)
             WHERE user_id = $1 AND ($2 OR $3::BIGINT IS NOT NULL) AND (failures <> 0 OR $3::BIGINT IS NOT NULL)",
        )
        .bind(user_id)
        .bind(right)
        .bind(lock_until)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }
}
