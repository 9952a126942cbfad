//! The store traits, split by concern. A backend implements them all; each method's doc
//! says its contract. Backends decide no protocol outcome: they apply the transitions core
//! chose, atomically, and report whether they won.
use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::delegated::DelegatedAnswers;
use crate::keys::StoredKey;
use crate::login_request::LoginRequest;
use crate::model::{Client, Device, User};
use crate::msisdn::Msisdn;
use crate::scope::ScopeSet;

#[derive(Debug, Clone, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait ClientStore {
    async fn client(&self, client_id: &str) -> StoreResult<Option<Client>>;
    /// Inserts or replaces by `client_id`.
    async fn upsert_client(&self, client: &Client) -> StoreResult<()>;
    async fn clients(&self) -> StoreResult<Vec<Client>>;
    /// Returns whether a client was deleted.
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait UserStore {
    async fn user(&self, user_id: &str) -> StoreResult<Option<User>>;
    async fn user_by_phone(&self, phone: &Msisdn) -> StoreResult<Option<User>>;
    /// Inserts or updates by phone number, keeping the existing `user_id`; returns the user id.
    async fn upsert_user(&self, user: &User) -> StoreResult<String>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// Moves a user to a new phone number (same user id, so the same pairwise subjects);
    /// returns false when no user has `old`. Fails when `new` belongs to another user.
    async fn change_phone_number(&self, old: &Msisdn, new: &Msisdn) -> StoreResult<bool>;
    /// Sets `active`; returns whether the user exists.
    async fn set_user_active(&self, phone: &Msisdn, active: bool) -> StoreResult<bool>;
}

#[async_trait]
pub trait DeviceStore {
    /// The device with that token hash.
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>>;
    /// Inserts, or replaces the device of the same user with the same name.
    async fn upsert_device(&self, device: &Device) -> StoreResult<()>;
    /// The user's devices, oldest first.
    async fn devices(&self, user_id: &str) -> StoreResult<Vec<Device>>;
    /// The app versions of the user's devices.
    async fn app_versions(&self, user_id: &str) -> StoreResult<Vec<String>>;
    /// Counts one wrong PIN in a single atomic update and locks the device when the count
    /// reaches `lock_after`; returns (failed PINs in a row, locked).
    async fn record_wrong_pin(&self, device_id: &str, lock_after: i64) -> StoreResult<(i64, bool)>;
    /// Resets the wrong-PIN count after a right PIN (no write when already zero).
    async fn reset_wrong_pins(&self, device_id: &str) -> StoreResult<()>;
}

/// A pending enrollment of a new device.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    pub enrollment_id: String,
    pub user_id: String,
    pub code_hash: String,
    pub expires_at: UnixTime,
    pub attempts: i64,
    pub used: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub phone_number: String,
    pub message: String,
    pub code: String,
    pub sent_at: UnixTime,
}

#[async_trait]
pub trait EnrollmentStore {
    async fn insert_enrollment(&self, e: &Enrollment) -> StoreResult<()>;
    /// Counts one verification attempt atomically and returns the enrollment as it is after
    /// the count, or `None` when unknown.
    async fn attempt_enrollment(&self, enrollment_id: &str) -> StoreResult<Option<Enrollment>>;
    /// Marks it used; returns false when it already was (a racing verification won).
    async fn consume_enrollment(&self, enrollment_id: &str) -> StoreResult<bool>;
    /// Dev-only SMS outbox.
    async fn push_outbox(&self, m: &OutboxMessage) -> StoreResult<()>;
    async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>>;
}

/// A request to persist, with the hash of its `auth_req_id`.
#[derive(Debug, Clone)]
pub struct NewLoginRequest {
    pub request: LoginRequest,
    pub auth_req_hash: String,
}

/// The outcome of a conditional insert under the per-user pending limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    Inserted,
    /// The user has `max_pending` undecided, unexpired requests; the earliest expires then.
    LimitReached {
        earliest_expiry: UnixTime,
    },
}

/// A login request as a token poll saw it.
#[derive(Debug, Clone)]
pub struct Polled {
    pub request: LoginRequest,
    /// The poll came sooner than the interval of a pending request (the interval has grown).
    pub too_soon: bool,
}

/// How the user approved: the code to hand out for the redirect flow, the consent to record,
/// the delegated-consent answers.
#[derive(Debug, Clone)]
pub struct Approval {
    pub code_hash: Option<String>,
    pub code_expires_at: Option<UnixTime>,
    pub consent: Option<ConsentGrant>,
    pub delegated: Option<DelegatedAnswers>,
}

#[derive(Debug, Clone)]
pub struct ConsentGrant {
    pub sector: String,
    pub client_id: String,
    pub scopes: ScopeSet,
}

/// The outcome of exchanging a redirect-flow code.
#[derive(Debug, Clone)]
pub enum CodeExchange {
    /// First use: the request is now redeemed.
    Redeemed(Box<LoginRequest>),
    /// The code was used before: tokens issued from it have been revoked.
    Replayed,
    /// Unknown, expired, or of another client.
    Invalid,
}

#[async_trait]
pub trait LoginRequestStore {
    /// Inserts the request only if the user has fewer than `max_pending` undecided,
    /// unexpired requests at `now` — one atomic statement, so racing inserts cannot exceed it.
    async fn insert_login_request(&self, new: &NewLoginRequest, max_pending: i64, now: UnixTime)
    -> StoreResult<Insert>;
    /// The token poll, in one round trip: finds the request by `auth_req_id` hash and client,
    /// records the poll, and when a pending request is polled sooner than its interval grows
    /// the interval by `step`. `None` when unknown or of another client.
    async fn poll_login_request(
        &self,
        auth_req_hash: &str,
        client_id: &str,
        step: i64,
        now: UnixTime,
    ) -> StoreResult<Option<Polled>>;
    async fn login_request(&self, id: &str) -> StoreResult<Option<LoginRequest>>;
    /// The user's pending, unexpired requests, newest first.
    async fn open_login_requests(&self, user_id: &str, now: UnixTime) -> StoreResult<Vec<LoginRequest>>;
    /// Pending → approved, with the consent and answers, in one transaction; false when the
    /// request was no longer pending and unexpired (nothing changed).
    async fn approve_login_request(&self, id: &str, approval: &Approval, now: UnixTime) -> StoreResult<bool>;
    /// Pending → rejected; false when no longer pending and unexpired.
    async fn reject_login_request(&self, id: &str, now: UnixTime) -> StoreResult<bool>;
    /// Approved → redeemed; false when not approved and unexpired (another poll won).
    async fn redeem_login_request(&self, id: &str, now: UnixTime) -> StoreResult<bool>;
    /// Exchanges a redirect-flow code of `client_id`; a replay revokes the tokens issued from
    /// it, and that revocation commits.
    async fn exchange_code(&self, code_hash: &str, client_id: &str, now: UnixTime) -> StoreResult<CodeExchange>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    pub token_hash: String,
    pub login_request_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: ScopeSet,
    pub expires_at: UnixTime,
}

#[async_trait]
pub trait TokenStore {
    async fn insert_access_token(&self, t: &AccessToken) -> StoreResult<()>;
    /// The token when it exists and is not revoked (expiry is the caller's to judge).
    async fn access_token(&self, token_hash: &str) -> StoreResult<Option<AccessToken>>;
}

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
    /// transaction; returns whether there was one.
    async fn revoke_consent(&self, user_id: &str, client_id: &str, now: UnixTime) -> StoreResult<bool>;
    /// The user's last delegated-consent answers to that client.
    async fn delegated_answers(&self, user_id: &str, client_id: &str) -> StoreResult<Option<DelegatedAnswers>>;
    /// The audit log of a user: (time, action, sector, scopes), oldest first.
    async fn consent_audit(&self, user_id: &str) -> StoreResult<Vec<(UnixTime, String, String, String)>>;
}

#[async_trait]
pub trait KeyStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>>;
    /// Adds the key as the active one and retires the previous active key at `now`.
    async fn rotate_in(&self, key: &StoredKey, now: UnixTime) -> StoreResult<()>;
}

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

/// Everything a backend provides.
pub trait Store:
    ClientStore
    + UserStore
    + DeviceStore
    + EnrollmentStore
    + LoginRequestStore
    + TokenStore
    + ConsentStore
    + KeyStore
    + AdminStore
    + ProvisioningStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: ClientStore
        + UserStore
        + DeviceStore
        + EnrollmentStore
        + LoginRequestStore
        + TokenStore
        + ConsentStore
        + KeyStore
        + AdminStore
        + ProvisioningStore
        + Send
        + Sync
{
}
