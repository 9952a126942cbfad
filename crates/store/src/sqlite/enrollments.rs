//! Enrollments (one-time codes, hashed) and the dev-only SMS outbox.
use async_trait::async_trait;
use phonelogin_core::store::{Enrollment, EnrollmentStore, OutboxMessage, StoreResult};
use sqlx::Row;

use super::SqliteStore;
use crate::err;

#[async_trait]
impl EnrollmentStore for SqliteStore {
    async fn insert_enrollment(&self, e: &Enrollment) -> StoreResult<()> {
        sqlx::query("INSERT INTO enrollments (enrollment_id, user_id, code_hash, expires_at, attempts, used) VALUES (?1, ?2, ?3, ?4, 0, 0)")
            .bind(&e.enrollment_id)
            .bind(&e.user_id)
            .bind(&e.code_hash)
            .bind(e.expires_at)
            .execute(&self.pool)
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
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|r| {
            Ok(Enrollment {
                enrollment_id: r.try_get("enrollment_id").map_err(err)?,
                user_id: r.try_get("user_id").map_err(err)?,
                code_hash: r.try_get("code_hash").map_err(err)?,
                expires_at: r.try_get("expires_at").map_err(err)?,
                attempts: r.try_get("attempts").map_err(err)?,
                used: r.try_get("used").map_err(err)?,
            })
        })
        .transpose()
    }

    async fn consume_enrollment(&self, enrollment_id: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE enrollments SET used = 1 WHERE enrollment_id = ?1 AND used = 0")
            .bind(enrollment_id)
            .execute(&self.pool)
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
            .execute(&self.pool)
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
        rows.iter()
            .map(|r| {
                Ok(OutboxMessage {
                    phone_number: r.try_get("phone_number").map_err(err)?,
                    message: r.try_get("message").map_err(err)?,
                    code: r.try_get("code").map_err(err)?,
                    sent_at: r.try_get("sent_at").map_err(err)?,
                })
            })
            .collect()
    }
}
