//! Login requests: the pending limit, the poll, the transitions, redirect codes.
use async_trait::async_trait;

use super::{IssuedToken, StoreResult};
use crate::clock::UnixTime;
use crate::delegated::DelegatedAnswers;
use crate::login_request::LoginRequest;
use crate::outbox::NewMessage;
use crate::scope::ScopeSet;

/// A request to persist, with the hash of its `auth_req_id`.
#[derive(Debug, Clone)]
pub struct NewLoginRequest {
    pub request: LoginRequest,
    /// PostgreSQL finds a polled request by it; SQLite by the id the `auth_req_id` carries, and
    /// stores no hash (see [`AuthReqKey`]).
    pub auth_req_hash: String,
    /// The push to the user's devices, written with the request.
    pub push: Option<NewMessage>,
    /// A ping-mode client's sealed ping, which the decision's transaction puts in the outbox.
    pub ping_body: Option<Vec<u8>>,
}

/// How a token poll names its request: the `auth_req_id`, and the request id it carries (MAC
/// checked), `None` when it carries none (an `auth_req_id` of an earlier version, or a forged
/// one). SQLite finds the request by the id, and by the hash only without one (requests made
/// by an earlier version, which stored it); PostgreSQL by the hash, which nodes of the previous
/// version also use.
#[derive(Debug, Clone, Copy)]
pub struct AuthReqKey<'a> {
    pub auth_req_id: &'a str,
    pub request_id: Option<&'a str>,
}

impl AuthReqKey<'_> {
    /// The SHA-256 hex of the `auth_req_id`, as [`NewLoginRequest::auth_req_hash`].
    pub fn hash(&self) -> String {
        crate::crypto::sha256_hex(self.auth_req_id)
    }
}

/// A PIN attempt already compared: the device, whether the PIN was right, the attempts allowed.
#[derive(Debug, Clone, Copy)]
pub struct PinAttempt<'a> {
    pub device_id: &'a str,
    pub right: bool,
    pub max_tries: i64,
}

/// What [`LoginRequestStore::approve_with_pin`] did: the attempt's count, whether the device is
/// now locked, whether the request was approved (never when the PIN was wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinApproval {
    pub count: i64,
    pub locked: bool,
    pub approved: bool,
}

/// The outcome of a conditional insert under the per-user pending limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    /// Written, with `messages` outbox messages (the push: one per subscribed device; none when
    /// the user has no push subscription, and then the delivery worker need not look).
    Inserted { messages: u64 },
    /// The user has `max_pending` undecided, unexpired requests; the earliest expires then.
    LimitReached { earliest_expiry: UnixTime },
}

/// A token poll's answer: the request, and — where the store keeps the pace of polls, shared
/// by every node (PostgreSQL) — whether this poll of a pending, unexpired request came sooner
/// than its interval (`slow_down`). `None` where the server paces polls in memory (SQLite:
/// `grant::pacer`).
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    pub request: LoginRequest,
    pub too_soon: Option<bool>,
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
    /// The token poll at `now`, one round trip: the request by its `auth_req_id` (`key`) and
    /// client; `None` when unknown or of another client. A store that keeps the pace (PostgreSQL, in
    /// the same statement) records a poll of a pending, unexpired request and answers whether
    /// it came too soon, growing the interval by `SLOW_DOWN_STEP` if so (the rule of
    /// `grant::pacer`), and forgets the pace of a request seen no longer pending. SQLite writes
    /// nothing and answers `too_soon: None`.
    async fn poll_login_request(
        &self,
        key: AuthReqKey<'_>,
        client_id: &str,
        now: UnixTime,
    ) -> StoreResult<Option<Polled>>;
    async fn login_request(&self, id: &str) -> StoreResult<Option<LoginRequest>>;
    /// The user's pending, unexpired requests, newest first.
    async fn open_login_requests(&self, user_id: &str, now: UnixTime) -> StoreResult<Vec<LoginRequest>>;
    /// Pending → approved, with the consent and answers, in one transaction; false when the
    /// request was no longer pending and unexpired (nothing changed). The request's prepared
    /// ping (if any) goes into the outbox in the same transaction, as `outbox::ping_id`.
    async fn approve_login_request(&self, id: &str, approval: &Approval, now: UnixTime) -> StoreResult<bool>;
    /// A PIN attempt on `device_id` that the caller has compared already (`right`, as for
    /// `DeviceStore::pin_try`) and, when the PIN is right, request `id` approved as
    /// [`approve_login_request`](Self::approve_login_request) does: one write where the store
    /// can (SQLite: one writer job). `None` when the attempt could not be counted.
    async fn approve_with_pin(
        &self,
        pin: PinAttempt<'_>,
        id: &str,
        approval: &Approval,
        now: UnixTime,
    ) -> StoreResult<Option<PinApproval>>;
    /// Pending → rejected, with the prepared ping as on approval; false when no longer
    /// pending and unexpired.
    async fn reject_login_request(&self, id: &str, now: UnixTime) -> StoreResult<bool>;
    /// Approved → redeemed, and the access token issued from it inserted, in one transaction;
    /// false when not approved and unexpired (another poll won; nothing was inserted).
    async fn redeem_login_request(&self, id: &str, token: &IssuedToken, now: UnixTime) -> StoreResult<bool>;
    /// Exchanges a redirect-flow code of `client_id`: on first use the request is redeemed
    /// and `token` inserted in one transaction. A replay revokes the tokens issued from it,
    /// and that revocation commits.
    async fn exchange_code(
        &self,
        code_hash: &str,
        client_id: &str,
        token: &IssuedToken,
        now: UnixTime,
    ) -> StoreResult<CodeExchange>;
}
