//! Enrollments (one-time codes, hashed): started under the per-number and per-address limits
//! (serialised by advisory locks on the number and the address), guesses counted per code and
//! per number before any comparison; and the dev-only SMS outbox.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{
    CodeGuard, CodeTry, Enrollment, EnrollmentStore, LimitKey, OutboxMessage, RateLimit, StoreResult,
};
use sqlx::Row;

use super::PostgresStore;
use crate::err;
use crate::rows::{ENROLLMENT_COLS, enrollment, outbox_message};

/// The first key of the two-key advisory locks of enrollment starts ("ENRL").
const ENROLL_LOCK_CLASS: i32 = 0x454e_524c;

#[async_trait]
impl EnrollmentStore for PostgresStore {
    async fn start_enrollment(
        &self,
        e: &Enrollment,
        limits: &[RateLimit],
        now: UnixTime,
    ) -> StoreResult<Option<UnixTime>> {
        let mut tx = self.begin().await?;
        // Both locks, always in this order: counts and the insert are atomic per number and
        // per address, and two starts never wait on each other in a cycle.
        for key in [format!("n:{}", e.phone_number), format!("a:{}", e.client_addr)] {
            sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind(ENROLL_LOCK_CLASS)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        for limit in limits {
            let (sql, key) = match limit.key {
                LimitKey::PhoneNumber => (
                    "SELECT created_at FROM enrollments WHERE phone_number = $1 AND created_at > $2
                     ORDER BY created_at DESC LIMIT 1 OFFSET $3",
                    &e.phone_number,
                ),
                LimitKey::ClientAddr => (
                    "SELECT created_at FROM enrollments WHERE client_addr = $1 AND created_at > $2
                     ORDER BY created_at DESC LIMIT 1 OFFSET $3",
                    &e.client_addr,
                ),
            };
            let nth: Option<i64> = sqlx::query_scalar(sql)
                .bind(key)
                .bind(now - limit.window)
                .bind(limit.max - 1)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
            if let Some(at) = nth {
                return Ok(Some(at + limit.window));
            }
        }
        sqlx::query("UPDATE enrollments SET voided = TRUE WHERE phone_number = $1 AND NOT used AND NOT voided")
            .bind(&e.phone_number)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "INSERT INTO enrollments (enrollment_id, phone_number, user_id, code_hash, client_addr, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.enrollment_id)
        .bind(&e.phone_number)
        .bind(&e.user_id)
        .bind(&e.code_hash)
        .bind(&e.client_addr)
        .bind(e.created_at)
        .bind(e.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(None)
    }

    async fn count_code_try(&self, enrollment_id: &str, guard: &CodeGuard, now: UnixTime) -> StoreResult<CodeTry> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE enrollments SET attempts = attempts + 1 WHERE enrollment_id = $1 RETURNING {ENROLLMENT_COLS}"
        )))
        .bind(enrollment_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(CodeTry::Unknown) };
        let e = enrollment(&row)?;
        // A new window starts when the last one is over and the number is not locked. SET
        // expressions see the row as it was; a racer waits for the row lock.
        let row = sqlx::query(
            "INSERT INTO enrollment_guards AS g (phone_number, window_start, tries, locked_until) VALUES ($1, $2, 1, 0)
             ON CONFLICT (phone_number) DO UPDATE SET
               tries = CASE WHEN g.window_start <= $2 - $3 AND g.locked_until <= $2 THEN 1 ELSE g.tries + 1 END,
               window_start = CASE WHEN g.window_start <= $2 - $3 AND g.locked_until <= $2 THEN $2 ELSE g.window_start END
             RETURNING tries, locked_until",
        )
        .bind(&e.phone_number)
        .bind(now)
        .bind(guard.window)
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        let (tries, locked_until): (i64, i64) =
            (row.try_get("tries").map_err(err)?, row.try_get("locked_until").map_err(err)?);
        if locked_until > now {
            return Ok(CodeTry::Locked { until: locked_until });
        }
        if tries > guard.max_tries {
            return Ok(CodeTry::Locked { until: now + guard.lock_for });
        }
        Ok(CodeTry::Counted { enrollment: e, tries })
    }

    async fn lock_enrollment_number(&self, phone_number: &str, until: UnixTime) -> StoreResult<()> {
        sqlx::query("UPDATE enrollment_guards SET locked_until = GREATEST(locked_until, $2) WHERE phone_number = $1")
            .bind(phone_number)
            .bind(until)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn right_code(&self, enrollment_id: &str, consume: bool) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let phone: Option<String> = sqlx::query_scalar(
            "UPDATE enrollments SET attempts = GREATEST(attempts - 1, 0), used = used OR $2
             WHERE enrollment_id = $1 AND NOT used RETURNING phone_number",
        )
        .bind(enrollment_id)
        .bind(consume)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(phone) = phone else { return Ok(false) };
        sqlx::query("UPDATE enrollment_guards SET tries = GREATEST(tries - 1, 0) WHERE phone_number = $1")
            .bind(&phone)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn unlock_enrollment_number(&self, phone_number: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM enrollment_guards WHERE phone_number = $1")
            .bind(phone_number)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn push_outbox(&self, m: &OutboxMessage) -> StoreResult<()> {
        sqlx::query("INSERT INTO outbox (phone_number, message, code, sent_at) VALUES ($1, $2, $3, $4)")
            .bind(&m.phone_number)
            .bind(&m.message)
            .bind(&m.code)
            .bind(m.sent_at)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        let rows = sqlx::query("SELECT phone_number, message, code, sent_at FROM outbox ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(outbox_message).collect()
    }
}
