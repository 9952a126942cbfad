//! Access tokens, by hash. A token is live while neither it nor its login request has been
//! revoked by a code replay (the request flag also covers a token inserted after the replay).
use async_trait::async_trait;
use phonelogin_core::store::{AccessToken, StoreResult, TokenStore};

use super::{SqliteStore, one};
use crate::rows::access_token;

#[async_trait]
impl TokenStore for SqliteStore {
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
        let sql = "UPDATE access_tokens SET revoked = 1 WHERE token_hash = ?1 AND revoked = 0";
        Ok(self.execute(sql, [token_hash.to_owned()]).await? > 0)
    }
}
