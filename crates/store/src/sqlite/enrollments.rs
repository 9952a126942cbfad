//! Enrollments (one-time codes, hashed) and the dev-only SMS outbox.
use super::SqliteStore;
use crate::err;
use crate::rows::{enrollment, outbox_message};
use async_trait::async_trait;
use phonelogin_core::store::{Enrollment, EnrollmentStore, OutboxMessage, StoreResult};

#[async_trait]
impl EnrollmentStore for SqliteStore {
    async fn insert_enrollment(&self, e: &Enrollment) -> StoreResult<()> {
        sqlx::query("INSERT INTO enrollments (enrollment_id, user_id, code_hash, expires_at, attempts, used) VALUES (?1, ?2, ?3, ?4, 0, 0)")
            .bind(&e.enrollment_id)
            .bind(&e.user_id)
            .bind(&e.code_hash)
            .bind(e.expires_at)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn attempt_enrollment(&self, enrollment_id: &str) -> StoreResult<Option<Enrollment>> {
        let row = sqlx::query(
            "UPDATE enrollments SET attempts = attempts + 1 WHERE enrollment_id = ?1
             RETURNING enrollment_id, user_id, code_hash, expires_at, attempts, used",
        )
        .bind(enrollment_id)
        .fetch_optional(&self.writer)
        .await
        .map_err(err)?;
        row.as_ref().map(enrollment).transpose()
    }

    async fn consume_enrollment(&self, enrollment_id: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE enrollments SET used = 1 WHERE enrollment_id = ?1 AND used = 0")
            .bind(enrollment_id)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn push_outbox(&self, m: &OutboxMessage) -> StoreResult<()> {
        sqlx::query("INSERT INTO outbox (phone_number, message, code, sent_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&m.phone_number)
            .bind(&m.message)
            .bind(&m.code)
            .bind(m.sent_at)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        let rows = sqlx::query("SELECT phone_number, message, code, sent_at FROM outbox ORDER BY id DESC LIMIT ?1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(outbox_message).collect()
    }
}
