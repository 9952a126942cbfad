//! Access tokens, by hash. A token is live while neither it nor its login request has been
//! revoked by a code replay (the request flag also covers a token inserted after the replay).
use async_trait::async_trait;
use phonelogin_core::store::{AccessToken, StoreResult, TokenStore};
use rusqlite::params;

use super::{SqliteStore, exec, one};
use crate::rows::access_token;

#[async_trait]
impl TokenStore for SqliteStore {
    async fn insert_access_token(&self, t: &AccessToken) -> StoreResult<()> {
        let t = t.clone();
        self.write(move |c| {
            exec(
                c,
                "INSERT INTO access_tokens (token_hash, login_request_id, client_id, user_id, scopes, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.token_hash, t.login_request_id, t.client_id, t.user_id, t.scopes.to_string(), t.expires_at],
            )
        })
        .await
        .map(drop)
    }

    async fn access_token(&self, token_hash: &str) -> StoreResult<Option<AccessToken>> {
        self.read(|c| {
            one(
                c,
                "SELECT t.token_hash, t.login_request_id, t.client_id, t.user_id, t.scopes, t.expires_at
                 FROM access_tokens t LEFT JOIN login_requests r ON r.id = t.login_request_id
                 WHERE t.token_hash = ?1 AND t.revoked = 0 AND COALESCE(r.code_replayed, 0) = 0",
                [token_hash],
                |r| access_token(r),
            )
        })
    }

    async fn revoke_access_token(&self, token_hash: &str) -> StoreResult<bool> {
        let token_hash = token_hash.to_owned();
        self.write(move |c| {
            exec(c, "UPDATE access_tokens SET revoked = 1 WHERE token_hash = ?1 AND revoked = 0", [token_hash])
                .map(|n| n > 0)
        })
        .await
    }
}
