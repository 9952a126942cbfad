//! User codes (spec §12): the verifier, the wrong codes in a row, the lock. An attempt is
//! counted before the code is checked, in one conditional update, so racing guesses get at
//! most the limit between them.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{StoreResult, UserCodeAttempt, UserCodeStore};

use super::PostgresStore;
use crate::err;
use crate::rows::Fields;

#[async_trait]
impl UserCodeStore for PostgresStore {
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
        if let Some(row) = claimed {
            return Ok(UserCodeAttempt::Check { hash: row.text("code_hash")?, attempt: row.int("failures")? });
        }
        let row = sqlx::query("SELECT locked_until FROM user_codes WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(match row {
            None => UserCodeAttempt::NoCode,
            // Locked, or the last allowed attempts are still being checked.
            Some(row) => UserCodeAttempt::Locked { until: row.opt_int("locked_until")?.unwrap_or(now).max(now) },
        })
    }

    async fn end_user_code_attempt(&self, user_id: &str, right: bool, lock_until: Option<UnixTime>) -> StoreResult<()> {
        let q = match (right, lock_until) {
            (true, _) => {
                sqlx::query("UPDATE user_codes SET failures = 0 WHERE user_id = $1 AND failures <> 0").bind(user_id)
            }
            (false, Some(until)) => {
                sqlx::query("UPDATE user_codes SET failures = 0, locked_until = $2 WHERE user_id = $1")
                    .bind(user_id)
                    .bind(until)
            }
            (false, None) => return Ok(()),
        };
        q.execute(&self.pool).await.map_err(err)?;
        Ok(())
    }
}
