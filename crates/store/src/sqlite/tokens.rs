//! Access tokens, by hash.
use async_trait::async_trait;
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{AccessToken, StoreResult, TokenStore};
use sqlx::Row;

use super::SqliteStore;
use crate::err;

#[async_trait]
impl TokenStore for SqliteStore {
    async fn insert_access_token(&self, t: &AccessToken) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO access_tokens (token_hash, login_request_id, client_id, user_id, scopes, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(&t.token_hash)
        .bind(&t.login_request_id)
        .bind(&t.client_id)
        .bind(&t.user_id)
        .bind(t.scopes.to_string())
        .bind(t.expires_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn access_token(&self, token_hash: &str) -> StoreResult<Option<AccessToken>> {
        let row = sqlx::query(
            "SELECT token_hash, login_request_id, client_id, user_id, scopes, expires_at FROM access_tokens WHERE token_hash = ?1 AND revoked = 0",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|r| {
            Ok(AccessToken {
                token_hash: r.try_get("token_hash").map_err(err)?,
                login_request_id: r.try_get("login_request_id").map_err(err)?,
                client_id: r.try_get("client_id").map_err(err)?,
                user_id: r.try_get("user_id").map_err(err)?,
                scopes: ScopeSet::parse_lenient(r.try_get("scopes").map_err(err)?),
                expires_at: r.try_get("expires_at").map_err(err)?,
            })
        })
        .transpose()
    }
}
