//! Signing keys: private parts sealed by core before they get here.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::keys::StoredKey;
use phonelogin_core::store::{KeyStore, StoreResult};

use super::SqliteStore;
use crate::err;
use crate::rows::stored_key;

#[async_trait]
impl KeyStore for SqliteStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        let rows = sqlx::query("SELECT kid, alg, private_sealed, public_jwk, created_at, active, retired_at FROM signing_keys ORDER BY created_at, kid")
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(stored_key).collect()
    }

    async fn rotate_in(&self, key: &StoredKey, now: UnixTime) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE signing_keys SET active = 0, retired_at = ?1 WHERE active = 1 AND alg = ?2")
            .bind(now)
            .bind(key.alg.as_str())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query("INSERT INTO signing_keys (kid, alg, private_sealed, public_jwk, created_at, active) VALUES (?1, ?2, ?3, ?4, ?5, 1)")
            .bind(&key.kid)
            .bind(key.alg.as_str())
            .bind(&key.private_sealed)
            .bind(&key.public_jwk)
            .bind(key.created_at)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)
    }
}
