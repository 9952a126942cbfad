//! Signing keys (private parts sealed by core before they get here). Rotation takes a table
//! lock that excludes other rotations, not readers, so racing rotations leave one active key
//! per algorithm.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::keys::StoredKey;
use phonelogin_core::store::{KeyStore, StoreResult};

use super::PostgresStore;
use crate::err;
use crate::rows::stored_key;

#[async_trait]
impl KeyStore for PostgresStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        let rows = sqlx::query(
            "SELECT kid, alg, private_sealed, public_jwk, created_at, active, retired_at
             FROM signing_keys ORDER BY created_at, kid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(stored_key).collect()
    }

    async fn rotate_in(&self, key: &StoredKey, now: UnixTime) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Under READ COMMITTED a second rotation would not see the first one's new key and
        // leave two active; SHARE ROW EXCLUSIVE conflicts with itself but not with SELECT.
        sqlx::query("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await.map_err(err)?;
        sqlx::query("UPDATE signing_keys SET active = FALSE, retired_at = $1 WHERE active AND alg = $2")
            .bind(now)
            .bind(key.alg.as_str())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, private_sealed, public_jwk, created_at, active)
             VALUES ($1, $2, $3, $4, $5, TRUE)",
        )
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
