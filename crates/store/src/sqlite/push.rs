//! Web Push subscriptions (one per device) and the one VAPID key pair.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::outbox::vapid::StoredVapidKey;
use phonelogin_core::store::{PushStore, PushSubscription, StoreResult};
use rusqlite::params;

use super::{SqliteStore, exec, one};
use crate::err;
use crate::rows::{push_subscription, vapid_key};

#[async_trait]
impl PushStore for SqliteStore {
    async fn put_push_subscription(&self, s: &PushSubscription) -> StoreResult<()> {
        let s = s.clone();
        self.execute(
            "INSERT INTO push_subscriptions (device_id, user_id, endpoint, p256dh, auth, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh,
               auth = excluded.auth, created_at = excluded.created_at",
            (s.device_id, s.user_id, s.endpoint, s.p256dh, s.auth, s.created_at),
        )
        .await
        .map(drop)
    }

    async fn delete_push_subscription(&self, device_id: &str) -> StoreResult<bool> {
        Ok(self.execute("DELETE FROM push_subscriptions WHERE device_id = ?1", [device_id.to_owned()]).await? > 0)
    }

    async fn push_subscription(&self, device_id: &str) -> StoreResult<Option<PushSubscription>> {
        self.read(|c| {
            one(
                c,
                "SELECT device_id, user_id, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE device_id = ?1",
                [device_id],
                |r| push_subscription(r),
            )
        })
    }

    async fn vapid_key(&self, candidate: &StoredVapidKey, now: UnixTime) -> StoreResult<StoredVapidKey> {
        let candidate = candidate.clone();
        self.write(move |c| {
            exec(
                c,
                "INSERT INTO vapid_key (id, private_sealed, public_key, created_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO NOTHING",
                params![candidate.private_sealed, candidate.public_key, now],
            )?;
            one(c, "SELECT private_sealed, public_key FROM vapid_key WHERE id = 1", [], |r| vapid_key(r))?
                .ok_or_else(|| err("the VAPID key row is missing"))
        })
        .await
    }
}
