//! Admin tokens and the audit log of admin calls (PRODUCT §13).
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{AdminStore, AdminToken, AuditEntry, StoreResult};

use super::SqliteStore;
use crate::err;
use crate::rows::{ADMIN_TOKEN_COLS as COLS, admin_audit, admin_token};

#[async_trait]
impl AdminStore for SqliteStore {
    async fn insert_admin_token(&self, t: &AdminToken) -> StoreResult<bool> {
        let r = sqlx::query(
            "INSERT INTO admin_tokens (name, token_hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(t.created_at)
        .bind(t.revoked_at)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn admin_tokens(&self) -> StoreResult<Vec<AdminToken>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM admin_tokens ORDER BY name")))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(admin_token).collect()
    }

    async fn admin_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<AdminToken>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM admin_tokens WHERE token_hash = ?1")))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(admin_token).transpose()
    }

    async fn revoke_admin_token(&self, name: &str, now: UnixTime) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE admin_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL")
            .bind(name)
            .bind(now)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn append_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        sqlx::query("INSERT INTO admin_audit (at, actor, action, status) VALUES (?1, ?2, ?3, ?4)")
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.action)
            .bind(e.status)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn audit_log(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows =
            sqlx::query("SELECT id, at, actor, action, status FROM admin_audit WHERE id > ?1 ORDER BY id LIMIT ?2")
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        rows.iter().map(admin_audit).collect()
    }
}
