//! Consents per sector, their audit, delegated answers; signing keys.
use async_trait::async_trait;

use super::StoreResult;
use crate::clock::UnixTime;
use crate::delegated::DelegatedAnswers;
use crate::keys::StoredKey;
use crate::outbox::NewMessage;
use crate::scope::ScopeSet;

#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    pub user_id: String,
    pub sector: String,
    pub client_id: String,
    pub scopes: ScopeSet,
    pub granted_at: UnixTime,
}

#[async_trait]
pub trait ConsentStore {
    async fn consent(&self, user_id: &str, sector: &str) -> StoreResult<Option<Consent>>;
    async fn consents(&self, user_id: &str) -> StoreResult<Vec<Consent>>;
    /// Deletes the consent of that client's sector and writes the audit entry, in one
    /// transaction with `notify` (written only when a consent was revoked); returns whether
    /// there was one.
    async fn revoke_consent(
        &self,
        user_id: &str,
        client_id: &str,
        now: UnixTime,
        notify: &[NewMessage],
    ) -> StoreResult<bool>;
    /// The user's last delegated-consent answers to that client.
    async fn delegated_answers(&self, user_id: &str, client_id: &str) -> StoreResult<Option<DelegatedAnswers>>;
    /// The audit log of a user: (time, action, sector, scopes), oldest first.
    async fn consent_audit(&self, user_id: &str) -> StoreResult<Vec<(UnixTime, String, String, String)>>;
}

#[async_trait]
pub trait KeyStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>>;
    /// Adds the key as the active one of its algorithm and retires the previous active key of
    /// that algorithm at `now` (one active key per algorithm).
    async fn rotate_in(&self, key: &StoredKey, now: UnixTime) -> StoreResult<()>;
}
