//! Access tokens, by hash. A token is live while neither it nor its login request has been
//! revoked by a code replay (the request flag also covers a token inserted after the replay).
use async_trait::async_trait;
use phonelogin_core::store::{AccessToken, StoreResult, TokenStore};

use super::PostgresStore;
use crate::err;
use crate::rows::access_token;

#[async_trait]
impl TokenStore for PostgresStore {
    async fn access_token(&self, token_hash: &str) -> StoreResult<Option<AccessToken>> {
        let row = sqlx::query(
            "SELECT t.token_hash, t.login_request_id, t.client_id, t.user_id, t.scopes, t.expires_at
             FROM access_tokens t LEFT JOIN login_requests r ON r.id = t.login_request_id
             WHERE t.token_hash = $1 AND NOT t.revoked AND NOT COALESCE(r.code_replayed, FALSE)",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(access_token).transpose()
    }

    async fn revoke_access_token(&self, token_hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE access_tokens SET revoked = TRUE WHERE token_hash = $1 AND revoked = FALSE")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() > 0)
    }
}
