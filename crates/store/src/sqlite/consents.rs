//! Consents per user and sector, their audit log, and the delegated-consent answers.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::delegated::DelegatedAnswers;
use phonelogin_core::outbox::NewMessage;
use phonelogin_core::store::{Consent, ConsentStore, StoreResult};
use sqlx::{Row, Sqlite, Transaction};

use super::SqliteStore;
use crate::err;
use crate::rows::{audit_entry, consent};

/// Writes one audit entry inside the caller's transaction.
pub(super) async fn audit(
    tx: &mut Transaction<'static, Sqlite>,
    at: UnixTime,
    user_id: &str,
    sector: &str,
    client_id: &str,
    action: &str,
    scopes: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO consent_audit (at, user_id, sector, client_id, action, scopes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(at)
    .bind(user_id)
    .bind(sector)
    .bind(client_id)
    .bind(action)
    .bind(scopes)
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    Ok(())
}

#[async_trait]
impl ConsentStore for SqliteStore {
    async fn consent(&self, user_id: &str, sector: &str) -> StoreResult<Option<Consent>> {
        let row = sqlx::query(
            "SELECT user_id, sector, client_id, scopes, granted_at FROM consents WHERE user_id = ?1 AND sector = ?2",
        )
        .bind(user_id)
        .bind(sector)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(consent).transpose()
    }

    async fn consents(&self, user_id: &str) -> StoreResult<Vec<Consent>> {
        let rows = sqlx::query("SELECT user_id, sector, client_id, scopes, granted_at FROM consents WHERE user_id = ?1 ORDER BY granted_at DESC, sector")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(consent).collect()
    }

    async fn revoke_consent(
        &self,
        user_id: &str,
        client_id: &str,
        now: UnixTime,
        notify: &[NewMessage],
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        // Granted by that client, or held by its sector: two rows when the client has moved
        // sector since it was granted, and each revocation gets its audit entry.
        let rows = sqlx::query(
            "DELETE FROM consents WHERE user_id = ?1
               AND (client_id = ?2 OR sector = (SELECT sector FROM clients WHERE client_id = ?2))
             RETURNING sector, client_id, scopes",
        )
        .bind(user_id)
        .bind(client_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        for row in &rows {
            let (sector, owner, scopes): (String, String, String) = (
                row.try_get("sector").map_err(err)?,
                row.try_get("client_id").map_err(err)?,
                row.try_get("scopes").map_err(err)?,
            );
            audit(&mut tx, now, user_id, &sector, &owner, "revoke", &scopes).await?;
        }
        if !rows.is_empty() {
            super::outbox::insert_messages(&mut tx, notify).await?;
        }
        tx.commit().await.map_err(err)?;
        Ok(!rows.is_empty())
    }

    async fn delegated_answers(&self, user_id: &str, client_id: &str) -> StoreResult<Option<DelegatedAnswers>> {
        let answers: Option<String> =
            sqlx::query_scalar("SELECT answers FROM delegated_answers WHERE user_id = ?1 AND client_id = ?2")
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        answers.map(|a| serde_json::from_str(&a)).transpose().map_err(err)
    }

    async fn consent_audit(&self, user_id: &str) -> StoreResult<Vec<(UnixTime, String, String, String)>> {
        let rows = sqlx::query("SELECT at, action, sector, scopes FROM consent_audit WHERE user_id = ?1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(audit_entry).collect()
    }
}
