//! Signing keys: private parts sealed by core before they get here.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::keys::StoredKey;
use phonelogin_core::store::{KeyStore, StoreResult};
use rusqlite::params;

use super::{SqliteStore, all, exec};
use crate::rows::stored_key;

#[async_trait]
impl KeyStore for SqliteStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        self.read(|c| {
            all(
                c,
                "SELECT kid, alg, private_sealed, public_jwk, created_at, active, retired_at FROM signing_keys ORDER BY created_at, kid",
                [],
                |r| stored_key(r),
            )
        })
    }

    async fn rotate_in(&self, key: &StoredKey, now: UnixTime) -> StoreResult<()> {
        let key = key.clone();
        self.write(move |c| {
            exec(
                c,
                "UPDATE signing_keys SET active = 0, retired_at = ?1 WHERE active = 1 AND alg = ?2",
                params![now, key.alg.as_str()],
            )?;
            exec(
                c,
                "INSERT INTO signing_keys (kid, alg, private_sealed, public_jwk, created_at, active) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                params![key.kid, key.alg.as_str(), key.private_sealed, key.public_jwk, key.created_at],
            )
            .map(drop)
        })
        .await
    }
}
