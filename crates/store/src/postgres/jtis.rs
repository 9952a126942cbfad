//! Single use of client JWT ids (assertions, signed requests): one conditional upsert, so a
//! replay on any node sharing the database loses; expired entries are purged as we go.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{JtiStore, StoreResult};

use super::PostgresStore;
use crate::err;

#[async_trait]
impl JtiStore for PostgresStore {
    async fn use_jti(&self, client_id: &str, jti: &str, expires_at: UnixTime, now: UnixTime) -> StoreResult<bool> {
        sqlx::query("DELETE FROM used_jtis WHERE expires_at <= $1").bind(now).execute(&self.pool).await.map_err(err)?;
        let r = sqlx::query(
            "INSERT INTO used_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
             WHERE used_jtis.expires_at <= $4",
        )
        .bind(client_id)
        .bind(jti)
        .bind(expires_at)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(r.rows_affected() > 0)
    }
}
