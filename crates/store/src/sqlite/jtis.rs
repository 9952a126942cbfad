//! Single use of client JWT ids (assertions, signed requests): one conditional upsert, so a
//! replay on any node sharing the database loses; expired entries are purged as we go.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{JtiStore, StoreResult};
use rusqlite::params;

use super::{SqliteStore, exec};

#[async_trait]
impl JtiStore for SqliteStore {
    async fn use_jti(&self, client_id: &str, jti: &str, expires_at: UnixTime, now: UnixTime) -> StoreResult<bool> {
        let (client_id, jti) = (client_id.to_owned(), jti.to_owned());
        self.write(move |c| {
            exec(c, "DELETE FROM used_jtis WHERE expires_at <= ?1", [now])?;
            exec(
                c,
                "INSERT INTO used_jtis (client_id, jti, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
                 WHERE used_jtis.expires_at <= ?4",
                params![client_id, jti, expires_at, now],
            )
            .map(|used| used > 0)
        })
        .await
    }
}
