//! Operators: admin tokens, the admin audit log, SCIM provisioning (spec §13).
use async_trait::async_trait;

use super::StoreResult;
use crate::clock::UnixTime;
use crate::model::{Client, User};

/// An operator's admin token (PRODUCT §13): only its SHA-256 is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminToken {
    pub name: String,
    pub token_hash: String,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

/// One admin call in the audit log: who (the token's name), what (`METHOD path`), the answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// Increasing; the cursor of `GET /admin/v1/audit?after=`.
    pub id: i64,
    pub at: UnixTime,
    pub actor: String,
    pub action: String,
    pub status: i64,
}

#[async_trait]
pub trait AdminStore {
    /// Inserts a new token; false (nothing changed) when a token of that name exists,
    /// revoked or not.
    async fn insert_admin_token(&self, token: &AdminToken) -> StoreResult<bool>;
    /// Every token, revoked ones too, by name.
    async fn admin_tokens(&self) -> StoreResult<Vec<AdminToken>>;
    /// The token with that hash, revoked or not (the caller judges).
    async fn admin_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<AdminToken>>;
    /// Revokes the named token at `now`; false when unknown or already revoked.
    async fn revoke_admin_token(&self, name: &str, now: UnixTime) -> StoreResult<bool>;
    /// Appends an entry (its `id` is assigned by the store and ignored here).
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Up to `limit` entries with an id above `after`, oldest first.
    async fn audit_log(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>>;
}

/// What SCIM keeps of a user beside the profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScimMeta {
    /// The provisioning client's `externalId`.
    pub external_id: Option<String>,
    /// `emails`, `phoneNumbers` and `addresses` as the client last sent them (a JSON object),
    /// shown back while they agree with the profile.
    pub kept: Option<serde_json::Value>,
    /// When a SCIM `DELETE` deactivated the user; SCIM answers 404 for them since.
    pub deleted_at: Option<UnixTime>,
}

#[async_trait]
pub trait ProvisioningStore {
    /// Inserts a new client; false (nothing changed) when the client id is taken, so that
    /// racing creations of one id give exactly one client (and one valid secret).
    async fn insert_client(&self, client: &Client) -> StoreResult<bool>;
    /// Inserts a new user; false (nothing changed) when the phone number is taken, so that
    /// racing creations of one number give exactly one user.
    async fn insert_user(&self, user: &User) -> StoreResult<bool>;
    /// What SCIM keeps of the user (default: nothing).
    async fn scim_meta(&self, user_id: &str) -> StoreResult<ScimMeta>;
    /// Every user's SCIM record that holds something, as (user id, record).
    async fn scim_metas(&self) -> StoreResult<Vec<(String, ScimMeta)>>;
    /// Replaces what SCIM keeps of the user.
    async fn set_scim_meta(&self, user_id: &str, meta: &ScimMeta) -> StoreResult<()>;
}
