//! Web Push subscriptions (one per device) and the one VAPID key pair.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::outbox::vapid::StoredVapidKey;
use phonelogin_core::store::{PushStore, PushSubscription, StoreResult};

use super::PostgresStore;
use crate::err;
use crate::rows::{push_subscription, vapid_key};

#[async_trait]
impl PushStore for PostgresStore {
    async fn put_push_subscription(&self, s: &PushSubscription) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO push_subscriptions (device_id, user_id, endpoint, p256dh, auth, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh,
               auth = excluded.auth, created_at = excluded.created_at",
        )
        .bind(&s.device_id)
        .bind(&s.user_id)
        .bind(&s.endpoint)
        .bind(&s.p256dh)
        .bind(&s.auth)
        .bind(s.created_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn delete_push_subscription(&self, device_id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM push_subscriptions WHERE device_id = $1")
            .bind(device_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn push_subscription(&self, device_id: &str) -> StoreResult<Option<PushSubscription>> {
        let row = sqlx::query(
            "SELECT device_id, user_id, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE device_id = $1",
        )
        .bind(device_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(push_subscription).transpose()
    }

    async fn vapid_key(&self, candidate: &StoredVapidKey, now: UnixTime) -> StoreResult<StoredVapidKey> {
        sqlx::query(
            "INSERT INTO vapid_key (id, private_sealed, public_key, created_at) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&candidate.private_sealed)
        .bind(&candidate.public_key)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        let row = sqlx::query("SELECT private_sealed, public_key FROM vapid_key WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        vapid_key(&row)
    }
}
