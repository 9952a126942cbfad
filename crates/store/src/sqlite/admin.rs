//! Admin tokens and the audit log of admin calls (PRODUCT §13).
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{AdminStore, AdminToken, AuditEntry, StoreResult};

use super::{SqliteStore, all, one};
use crate::rows::{ADMIN_TOKEN_COLS as COLS, admin_audit, admin_token};

#[async_trait]
impl AdminStore for SqliteStore {
    async fn insert_admin_token(&self, t: &AdminToken) -> StoreResult<bool> {
        let inserted = self
            .execute(
                "INSERT INTO admin_tokens (name, token_hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO NOTHING",
                (t.name.clone(), t.token_hash.clone(), t.created_at, t.revoked_at),
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn admin_tokens(&self) -> StoreResult<Vec<AdminToken>> {
        self.read(|c| all(c, &format!("SELECT {COLS} FROM admin_tokens ORDER BY name"), [], |r| admin_token(r)))
    }

    async fn admin_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<AdminToken>> {
        self.read(|c| {
            one(c, &format!("SELECT {COLS} FROM admin_tokens WHERE token_hash = ?1"), [token_hash], |r| admin_token(r))
        })
    }

    async fn revoke_admin_token(&self, name: &str, now: UnixTime) -> StoreResult<bool> {
        let sql = "UPDATE admin_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL";
        Ok(self.execute(sql, (name.to_owned(), now)).await? == 1)
    }

    async fn append_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        let sql = "INSERT INTO admin_audit (at, actor, action, status) VALUES (?1, ?2, ?3, ?4)";
        self.execute(sql, (e.at, e.actor.clone(), e.action.clone(), e.status)).await.map(drop)
    }

    async fn audit_log(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.read(|c| {
            all(
                c,
                "SELECT id, at, actor, action, status FROM admin_audit WHERE id > ?1 ORDER BY id LIMIT ?2",
                [after, limit],
                |r| admin_audit(r),
            )
        })
    }
}
