//! Consents per user and sector, their audit log, and the delegated-consent answers.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::delegated::DelegatedAnswers;
use phonelogin_core::outbox::NewMessage;
use phonelogin_core::store::{Consent, ConsentStore, StoreResult};
use rusqlite::{Connection, params};

use super::{SqliteStore, all, exec, one};
use crate::err;
use crate::rows::{CONSENT_COLS, Fields, audit_entry, consent};

/// Writes one audit entry inside the caller's transaction.
pub(super) fn audit(
    c: &Connection,
    at: UnixTime,
    user_id: &str,
    sector: &str,
    client_id: &str,
    action: &str,
    scopes: &str,
) -> StoreResult<()> {
    exec(
        c,
        "INSERT INTO consent_audit (at, user_id, sector, client_id, action, scopes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, user_id, sector, client_id, action, scopes],
    )
    .map(drop)
}

#[async_trait]
impl ConsentStore for SqliteStore {
    async fn consent(&self, user_id: &str, sector: &str) -> StoreResult<Option<Consent>> {
        self.read(|c| {
            one(
                c,
                &format!("SELECT {CONSENT_COLS} FROM consents WHERE user_id = ?1 AND sector = ?2"),
                [user_id, sector],
                |r| consent(r),
            )
        })
    }

    async fn consents(&self, user_id: &str) -> StoreResult<Vec<Consent>> {
        self.read(|c| {
            all(
                c,
                &format!("SELECT {CONSENT_COLS} FROM consents WHERE user_id = ?1 ORDER BY granted_at DESC, sector"),
                [user_id],
                |r| consent(r),
            )
        })
    }

    async fn revoke_consent(
        &self,
        user_id: &str,
        client_id: &str,
        now: UnixTime,
        notify: &[NewMessage],
    ) -> StoreResult<bool> {
        let (user_id, client_id, notify) = (user_id.to_owned(), client_id.to_owned(), notify.to_vec());
        self.write(move |c| {
            // Granted by that client, or held by its sector: two rows when the client has moved
            // sector since it was granted, and each revocation gets its audit entry.
            let revoked = all(
                c,
                "DELETE FROM consents WHERE user_id = ?1
                   AND (client_id = ?2 OR sector = (SELECT sector FROM clients WHERE client_id = ?2))
                 RETURNING sector, client_id, scopes",
                [&user_id, &client_id],
                |row| Ok((row.text("sector")?, row.text("client_id")?, row.text("scopes")?)),
            )?;
            for (sector, owner, scopes) in &revoked {
                audit(c, now, &user_id, sector, owner, "revoke", scopes)?;
            }
            if !revoked.is_empty() {
                super::outbox::insert_messages(c, &notify)?;
            }
            Ok(!revoked.is_empty())
        })
        .await
    }

    async fn delegated_answers(&self, user_id: &str, client_id: &str) -> StoreResult<Option<DelegatedAnswers>> {
        let answers = self.read(|c| {
            one(
                c,
                "SELECT answers FROM delegated_answers WHERE user_id = ?1 AND client_id = ?2",
                [user_id, client_id],
                |row| row.text("answers"),
            )
        })?;
        answers.map(|a| serde_json::from_str(&a)).transpose().map_err(err)
    }

    async fn consent_audit(&self, user_id: &str) -> StoreResult<Vec<(UnixTime, String, String, String)>> {
        self.read(|c| {
            all(
                c,
                "SELECT at, action, sector, scopes FROM consent_audit WHERE user_id = ?1 ORDER BY id",
                [user_id],
                |r| audit_entry(r),
            )
        })
    }
}
