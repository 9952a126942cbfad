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
use crate::outbox::vapid::StoredVapidKey;
use crate::outbox::{Message, NewMessage};
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
    /// Sets `active`; returns whether the user exists. Deactivating also, in the same
    /// transaction, ends the user's pending requests (rejected: the merchant's poll gets
    /// `access_denied`), revokes their access tokens and removes their devices (spec §10).
    async fn set_user_active(&self, phone: &Msisdn, active: bool) -> StoreResult<bool>;
}

#[async_trait]
pub trait DeviceStore {
    /// The device with that token hash.
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>>;
    async fn device(&self, device_id: &str) -> StoreResult<Option<Device>>;
    /// Inserts, or replaces the device of the same user with the same name (fixtures).
    async fn upsert_device(&self, device: &Device) -> StoreResult<()>;
    /// Inserts a newly enrolled device only while the user has fewer than `max_devices` and no
    /// device of the same name, in one atomic step (racing enrollments cannot exceed it);
    /// false when nothing was inserted.
    async fn insert_device(&self, device: &Device, max_devices: i64) -> StoreResult<bool>;
    /// The user's devices, oldest first.
    async fn devices(&self, user_id: &str) -> StoreResult<Vec<Device>>;
    /// The app versions of the user's devices.
    async fn app_versions(&self, user_id: &str) -> StoreResult<Vec<String>>;
    /// Counts one PIN attempt and checks the lock in one atomic statement, before the PIN is
    /// compared: `None` when the device is locked or already has `max_tries` attempts counted
    /// (so racing attempts past the limit are refused, never compared); else the count.
    async fn count_pin_try(&self, device_id: &str, max_tries: i64) -> StoreResult<Option<i64>>;
    /// Settles a counted attempt. A right PIN resets the count (and stores `upgraded`, a new
    /// verifier, when given); a wrong one locks the device once the count reached `max_tries`.
    /// Returns whether the device is now locked.
    async fn settle_pin_try(
        &self,
        device_id: &str,
        right: bool,
        max_tries: i64,
        upgraded: Option<&str>,
    ) -> StoreResult<bool>;
    /// Records that the device was used at `now`.
    async fn touch_device(&self, device_id: &str, now: UnixTime) -> StoreResult<()>;
    /// Removes the device; its token stops working. False when there was none.
    async fn delete_device(&self, device_id: &str) -> StoreResult<bool>;
    /// Unlocks a PIN-locked device and clears its count. False when there was none.
    async fn unlock_device(&self, device_id: &str) -> StoreResult<bool>;
}

/// An enrollment: a one-time code for a phone number. `user_id` is `None` when no active user
/// has the number: such a code is never sent and never matches, but it is counted and limited
/// like any other, so that nobody learns whether a number has an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    pub enrollment_id: String,
    pub phone_number: String,
    pub user_id: Option<String>,
    pub code_hash: String,
    /// The address that started it (the per-address limit).
    pub client_addr: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub attempts: i64,
    pub used: bool,
    /// A newer code for the same number replaced it.
    pub voided: bool,
}

/// What a rate limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKey {
    PhoneNumber,
    ClientAddr,
}

/// At most `max` enrollments started per `window` seconds for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub key: LimitKey,
    pub max: i64,
    pub window: i64,
}

/// The per-number guard on code guesses: `max_tries` compared codes per `window` seconds;
/// the `max_tries`-th wrong one locks the number's enrollment for `lock_for` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeGuard {
    pub max_tries: i64,
    pub window: i64,
    pub lock_for: i64,
}

/// A code guess, counted before the code is compared.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeTry {
    /// No such enrollment.
    Unknown,
    /// The number's enrollment is locked (or its guesses are used up) until then.
    Locked { until: UnixTime },
    /// Counted: the enrollment after the count, and the number's guesses in its window.
    Counted { enrollment: Enrollment, tries: i64 },
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
    /// Starts an enrollment under `limits`, atomically: when any limit is reached nothing is
    /// written and the answer is the time a new one would be allowed; otherwise the number's
    /// earlier unused codes are voided and this one is inserted.
    async fn start_enrollment(
        &self,
        e: &Enrollment,
        limits: &[RateLimit],
        now: UnixTime,
    ) -> StoreResult<Option<UnixTime>> {
        self.start_enrollment_sending(e, limits, now, &[]).await
    }
    /// `start_enrollment`, with the messages carrying the code (spec §11) written in the same
    /// transaction when the enrollment is.
    async fn start_enrollment_sending(
        &self,
        e: &Enrollment,
        limits: &[RateLimit],
        now: UnixTime,
        sms: &[NewMessage],
    ) -> StoreResult<Option<UnixTime>>;
    /// Counts one guess of the enrollment's code, for the code (`attempts`) and for its number
    /// (`guard`), atomically and before any comparison.
    async fn count_code_try(&self, enrollment_id: &str, guard: &CodeGuard, now: UnixTime) -> StoreResult<CodeTry>;
    /// After a wrong guess that brought the number to `guard.max_tries`: locks the number's
    /// enrollment until `until`.
    async fn lock_enrollment_number(&self, phone_number: &str, until: UnixTime) -> StoreResult<()>;
    /// After a right guess: gives the guess back to the code and its number, and with
    /// `consume` marks the code used; false when it was used already (a racing verification won).
    async fn right_code(&self, enrollment_id: &str, consume: bool) -> StoreResult<bool>;
    /// Lifts the number's enrollment lock and forgets its guesses; false when there was none.
    async fn unlock_enrollment_number(&self, phone_number: &str) -> StoreResult<bool>;
    /// Dev-only SMS outbox.
    async fn push_outbox(&self, m: &OutboxMessage) -> StoreResult<()>;
    async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>>;
}

/// Deletes what ended long ago (spec §10, `--retention`).
#[async_trait]
pub trait RetentionStore {
    /// Deletes at most `batch` rows of each kind that ended before `before`: login requests
    /// decided or expired, enrollments, access tokens, dev outbox messages. Returns how many
    /// rows went; the caller repeats until none. On a cluster, one node at a time does it.
    async fn purge(&self, before: UnixTime, batch: i64) -> StoreResult<u64>;
}

/// A request to persist, with the hash of its `auth_req_id`.
#[derive(Debug, Clone)]
pub struct NewLoginRequest {
    pub request: LoginRequest,
    pub auth_req_hash: String,
    /// The push to the user's devices, written with the request.
    pub push: Option<NewMessage>,
    /// A ping-mode client's sealed ping, which the decision's transaction puts in the outbox.
    pub ping_body: Option<Vec<u8>>,
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
    /// unexpired requests from this request's client at `now` — atomically, so racing inserts
    /// cannot exceed it.
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
    /// request was no longer pending and unexpired (nothing changed). The request's prepared
    /// ping (if any) goes into the outbox in the same transaction, as `outbox::ping_id`.
    async fn approve_login_request(&self, id: &str, approval: &Approval, now: UnixTime) -> StoreResult<bool>;
    /// Pending → rejected, with the prepared ping as on approval; false when no longer
    /// pending and unexpired.
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
    /// Revokes the token (RFC 7009); returns whether a live token was revoked.
    async fn revoke_access_token(&self, token_hash: &str) -> StoreResult<bool>;
}

/// Single use of a client's JWT ids (assertions, signed requests), shared by every node.
#[async_trait]
pub trait JtiStore {
    /// Records `jti` of `client_id` until `expires_at`; false when it is already recorded and
    /// not yet expired (a replay). One atomic insert, so racing uses have one winner. Entries
    /// expired at `now` may be forgotten.
    async fn use_jti(&self, client_id: &str, jti: &str, expires_at: UnixTime, now: UnixTime) -> StoreResult<bool>;
}

/// One attempt at a user's user code, claimed before the code is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCodeAttempt {
    /// The user has no user code.
    NoCode,
    /// Wrong codes have locked user codes until that time; nothing was counted.
    Locked { until: UnixTime },
    /// Counted as attempt number `attempt` in a row; check the code against `hash`.
    Check { hash: String, attempt: i64 },
}

/// A user's user code (spec §12), stored like a PIN, with its wrong-code count and lock.
#[async_trait]
pub trait UserCodeStore {
    /// The verifier of the user's code, if any.
    async fn user_code(&self, user_id: &str) -> StoreResult<Option<String>>;
    /// Sets the user's code (its verifier) and clears the wrong-code count (not a lock).
    async fn set_user_code(&self, user_id: &str, hash: &str) -> StoreResult<()>;
    /// Claims one attempt atomically, before the code is checked: at most `limit` attempts in
    /// a row are handed out while not locked at `now`, however many race.
    async fn begin_user_code_attempt(&self, user_id: &str, limit: i64, now: UnixTime) -> StoreResult<UserCodeAttempt>;
    /// Ends an attempt: a right code clears the count; `lock_until` (after the last allowed
    /// wrong code) locks user codes until then and clears the count.
    async fn end_user_code_attempt(&self, user_id: &str, right: bool, lock_until: Option<UnixTime>) -> StoreResult<()>;
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

/// The outbox of everything sent out (spec §11). Messages are written by the methods whose
/// change causes them (in the same transaction), or by `enqueue_messages`.
#[async_trait]
pub trait OutboxStore {
    /// Writes messages on their own; a `UserDevices` target becomes one message per push
    /// subscription of the user's devices (none when there is none).
    async fn enqueue_messages(&self, messages: &[NewMessage]) -> StoreResult<()>;
    /// Claims up to `limit` pending messages due at `now` whose lease is free, and leases them
    /// until `now + lease`, atomically: two nodes never hold one message.
    async fn claim_messages(&self, now: UnixTime, lease: i64, limit: i64) -> StoreResult<Vec<Message>>;
    /// Ends a delivered message and forgets its body.
    async fn message_delivered(&self, id: &str, now: UnixTime) -> StoreResult<()>;
    /// Counts a failed attempt, frees the lease and makes the message due again at `retry_at`.
    async fn message_failed(&self, id: &str, retry_at: UnixTime) -> StoreResult<()>;
    /// Ends a message undelivered (expired, or its receiver is gone) and forgets its body.
    async fn message_dropped(&self, id: &str, now: UnixTime) -> StoreResult<()>;
    /// Makes every pending message due at `now` and frees leases that ended (a node that starts
    /// retries at once what waited for it).
    async fn retry_pending_now(&self, now: UnixTime) -> StoreResult<u64>;
    /// Pending messages (a gauge for `/metrics`).
    async fn pending_messages(&self) -> StoreResult<i64>;
}

/// A device's Web Push subscription (`PushSubscription.toJSON()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    pub device_id: String,
    pub user_id: String,
    pub endpoint: String,
    /// base64url of the 65-byte P-256 point.
    pub p256dh: String,
    /// base64url of the 16-byte secret.
    pub auth: String,
    pub created_at: UnixTime,
}

#[async_trait]
pub trait PushStore {
    /// Sets the device's one subscription (replacing an earlier one).
    async fn put_push_subscription(&self, s: &PushSubscription) -> StoreResult<()>;
    /// Returns whether the device had one.
    async fn delete_push_subscription(&self, device_id: &str) -> StoreResult<bool>;
    async fn push_subscription(&self, device_id: &str) -> StoreResult<Option<PushSubscription>>;
    /// The VAPID key: `candidate` is stored when there is none yet, and the stored one is
    /// returned, so that racing nodes agree on one pair.
    async fn vapid_key(&self, candidate: &StoredVapidKey, now: UnixTime) -> StoreResult<StoredVapidKey>;
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
    + OutboxStore
    + PushStore
    + AdminStore
    + ProvisioningStore
    + JtiStore
    + UserCodeStore
    + RetentionStore
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
        + OutboxStore
        + PushStore
        + AdminStore
        + ProvisioningStore
        + JtiStore
        + UserCodeStore
        + RetentionStore
        + Send
        + Sync
{
}
