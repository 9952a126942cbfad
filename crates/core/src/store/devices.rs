//! Devices (the enrolled apps) and their Web Push subscriptions.
use async_trait::async_trait;

use super::StoreResult;
use crate::clock::UnixTime;
use crate::model::Device;
use crate::outbox::vapid::StoredVapidKey;

#[async_trait]
pub trait DeviceStore {
    /// The device with that token hash.
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>>;
    async fn device(&self, device_id: &str) -> StoreResult<Option<Device>>;
    /// Inserts, or replaces the device of the same user with the same name (fixtures).
    async fn upsert_device(&self, device: &Device) -> StoreResult<()>;
    /// Inserts a newly enrolled device only while the user has fewer than `max_devices` and no
    /// device of the same name, in one atomic step (racing enrollments cannot exceed it);
    /// false when nothing was inserted.
    async fn insert_device(&self, device: &Device, max_devices: i64) -> StoreResult<bool>;
    /// The user's devices, oldest first.
    async fn devices(&self, user_id: &str) -> StoreResult<Vec<Device>>;
    /// The app versions of the user's devices.
    async fn app_versions(&self, user_id: &str) -> StoreResult<Vec<String>>;
    /// Counts one PIN attempt and checks the lock in one atomic statement, before the PIN is
    /// compared: `None` when the device is locked or already has `max_tries` attempts counted
    /// (so racing attempts past the limit are refused, never compared); else the count.
    async fn count_pin_try(&self, device_id: &str, max_tries: i64) -> StoreResult<Option<i64>>;
    /// Settles a counted attempt. A right PIN resets the count (and stores `upgraded`, a new
    /// verifier, when given); a wrong one locks the device once the count reached `max_tries`.
    /// Returns whether the device is now locked.
    async fn settle_pin_try(
        &self,
        device_id: &str,
        right: bool,
        max_tries: i64,
        upgraded: Option<&str>,
    ) -> StoreResult<bool>;
    /// One PIN attempt the caller has compared already (`right`): counted, then settled, as
    /// [`count_pin_try`](Self::count_pin_try) and [`settle_pin_try`](Self::settle_pin_try) do
    /// (no verifier upgrade), and the comparison counts for nothing unless the attempt could be
    /// counted. `None` when it could not (locked, or `max_tries` attempts counted); else the
    /// count and whether the device is now locked. A store may do both in one write (SQLite:
    /// one writer job).
    async fn pin_try(&self, device_id: &str, right: bool, max_tries: i64) -> StoreResult<Option<(i64, bool)>> {
        let Some(count) = self.count_pin_try(device_id, max_tries).await? else { return Ok(None) };
        let locked = self.settle_pin_try(device_id, right, max_tries, None).await?;
        Ok(Some((count, locked)))
    }
    /// Records that the device was used at `now`.
    async fn touch_device(&self, device_id: &str, now: UnixTime) -> StoreResult<()>;
    /// Removes the device; its token stops working. False when there was none.
    async fn delete_device(&self, device_id: &str) -> StoreResult<bool>;
    /// Unlocks a PIN-locked device and clears its count. False when there was none.
    async fn unlock_device(&self, device_id: &str) -> StoreResult<bool>;
}

/// A device's Web Push subscription (`PushSubscription.toJSON()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    pub device_id: String,
    pub user_id: String,
    pub endpoint: String,
    /// base64url of the 65-byte P-256 point.
    pub p256dh: String,
    /// base64url of the 16-byte secret.
    pub auth: String,
    pub created_at: UnixTime,
}

#[async_trait]
pub trait PushStore {
    /// Sets the device's one subscription (replacing an earlier one).
    async fn put_push_subscription(&self, s: &PushSubscription) -> StoreResult<()>;
    /// Returns whether the device had one.
    async fn delete_push_subscription(&self, device_id: &str) -> StoreResult<bool>;
    async fn push_subscription(&self, device_id: &str) -> StoreResult<Option<PushSubscription>>;
    /// The VAPID key: `candidate` is stored when there is none yet, and the stored one is
    /// returned, so that racing nodes agree on one pair.
    async fn vapid_key(&self, candidate: &StoredVapidKey, now: UnixTime) -> StoreResult<StoredVapidKey>;
}
