//! Access tokens, single-use JWT ids, user codes.
use async_trait::async_trait;

use super::StoreResult;
use crate::clock::UnixTime;
use crate::scope::ScopeSet;

#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    pub token_hash: String,
    pub login_request_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: ScopeSet,
    pub expires_at: UnixTime,
}

/// The access token issued with a redemption (`LoginRequestStore::redeem_login_request`,
/// `exchange_code`): its hash and expiry; its request, client, user and scopes are the
/// redeemed request's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token_hash: String,
    pub expires_at: UnixTime,
}

#[async_trait]
pub trait TokenStore {
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
