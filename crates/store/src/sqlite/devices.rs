//! Devices: the enrolled apps, their PIN verifier, device key and PIN attempt count. Counting
//! an attempt and checking the lock is one conditional update.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::model::Device;
use phonelogin_core::store::{DeviceStore, StoreResult};
use rusqlite::{Connection, params};

use super::{SqliteStore, all, exec, one};

/// Counts a PIN attempt unless the device is locked or has `max_tries` counted; the count.
fn count_pin_try(c: &Connection, device_id: &str, max_tries: i64) -> StoreResult<Option<i64>> {
    one(
        c,
        "UPDATE devices SET failed_pins = failed_pins + 1
         WHERE device_id = ?1 AND locked = 0 AND failed_pins < ?2 RETURNING failed_pins",
        params![device_id, max_tries],
        |row| row.int("failed_pins"),
    )
}

/// A compared PIN attempt counted, then settled (no verifier upgrade): the count and whether the
/// device is locked; `None` when it could not be counted.
pub(super) fn pin_try(
    c: &Connection,
    device_id: &str,
    right: bool,
    max_tries: i64,
) -> StoreResult<Option<(i64, bool)>> {
    let Some(count) = count_pin_try(c, device_id, max_tries)? else { return Ok(None) };
    Ok(Some((count, settle_pin_try(c, device_id, right, max_tries, None)?)))
}

/// Settles a counted attempt (see `DeviceStore::settle_pin_try`); whether the device is locked.
fn settle_pin_try(
    c: &Connection,
    device_id: &str,
    right: bool,
    max_tries: i64,
    upgraded: Option<&str>,
) -> StoreResult<bool> {
    let locked = |row: &rusqlite::Row<'_>| row.flag("locked");
    let now_locked = if right {
        one(
            c,
            "UPDATE devices SET failed_pins = 0, pin_hash = COALESCE(?2, pin_hash) WHERE device_id = ?1 RETURNING locked",
            params![device_id, upgraded],
            locked,
        )
    } else {
        one(
            c,
            "UPDATE devices SET locked = CASE WHEN failed_pins >= ?2 THEN 1 ELSE locked END
             WHERE device_id = ?1 RETURNING locked",
            params![device_id, max_tries],
            locked,
        )
    }?;
    Ok(now_locked.unwrap_or(true))
}
use crate::rows::{DEVICE_COLS as COLS, Fields, device};

/// A device's columns as the 1st…9th parameters, then `extra`: device_id, user_id, name,
/// token_hash, pin_hash, app_version, created_at, public_key, last_used_at.
macro_rules! device_params {
    ($d:expr $(, $extra:expr)*) => {
        params![
            $d.device_id, $d.user_id, $d.name, $d.token_hash, $d.pin_hash, $d.app_version, $d.created_at,
            $d.public_key, $d.last_used_at $(, $extra)*
        ]
    };
}

impl SqliteStore {
    /// One statement on one device; true when it changed the device.
    async fn change_device(&self, sql: &'static str, device_id: &str) -> StoreResult<bool> {
        Ok(self.execute(sql, [device_id.to_owned()]).await? == 1)
    }

    fn device_where(&self, sql: &str, value: &str) -> StoreResult<Option<Device>> {
        self.read(|c| one(c, sql, [value], |r| device(r)))
    }
}

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
        self.device_where(&format!("SELECT {COLS} FROM devices WHERE token_hash = ?1"), token_hash)
    }

    async fn device(&self, device_id: &str) -> StoreResult<Option<Device>> {
        self.device_where(&format!("SELECT {COLS} FROM devices WHERE device_id = ?1"), device_id)
    }

    async fn upsert_device(&self, d: &Device) -> StoreResult<()> {
        let d = d.clone();
        self.write(move |c| {
            exec(
                c,
                "INSERT INTO devices (device_id, user_id, name, token_hash, pin_hash, app_version, failed_pins, locked, created_at,
                   public_key, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, ?8, ?9)
                 ON CONFLICT (user_id, name) DO UPDATE SET token_hash = excluded.token_hash, pin_hash = excluded.pin_hash,
                   app_version = excluded.app_version, failed_pins = 0, locked = 0, public_key = excluded.public_key",
                device_params!(d),
            )
            .map(drop)
        })
        .await
    }

    async fn insert_device(&self, d: &Device, max_devices: i64) -> StoreResult<bool> {
        let d = d.clone();
        // One statement on the one writer: the count and the insert cannot interleave.
        self.write(move |c| {
            exec(
                c,
                "INSERT INTO devices (device_id, user_id, name, token_hash, pin_hash, app_version, failed_pins, locked, created_at,
                   public_key, last_used_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, ?8, ?9
                 WHERE (SELECT COUNT(*) FROM devices WHERE user_id = ?2) < ?10
                 ON CONFLICT DO NOTHING",
                device_params!(d, max_devices),
            )
            .map(|inserted| inserted == 1)
        })
        .await
    }

    async fn devices(&self, user_id: &str) -> StoreResult<Vec<Device>> {
        self.read(|c| {
            all(
                c,
                &format!("SELECT {COLS} FROM devices WHERE user_id = ?1 ORDER BY created_at, name"),
                [user_id],
                |r| device(r),
            )
        })
    }

    async fn app_versions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        self.read(|c| {
            all(c, "SELECT app_version FROM devices WHERE user_id = ?1", [user_id], |row| row.text("app_version"))
        })
    }

    async fn count_pin_try(&self, device_id: &str, max_tries: i64) -> StoreResult<Option<i64>> {
        let device_id = device_id.to_owned();
        self.write(move |c| count_pin_try(c, &device_id, max_tries)).await
    }

    async fn settle_pin_try(
        &self,
        device_id: &str,
        right: bool,
        max_tries: i64,
        upgraded: Option<&str>,
    ) -> StoreResult<bool> {
        let (device_id, upgraded) = (device_id.to_owned(), upgraded.map(str::to_owned));
        self.write(move |c| settle_pin_try(c, &device_id, right, max_tries, upgraded.as_deref())).await
    }

    /// Both steps in one writer job: one wait for a commit instead of two.
    async fn pin_try(&self, device_id: &str, right: bool, max_tries: i64) -> StoreResult<Option<(i64, bool)>> {
        let device_id = device_id.to_owned();
        self.write(move |c| pin_try(c, &device_id, right, max_tries)).await
    }

    async fn touch_device(&self, device_id: &str, now: UnixTime) -> StoreResult<()> {
        let sql = "UPDATE devices SET last_used_at = ?2 WHERE device_id = ?1";
        self.execute(sql, (device_id.to_owned(), now)).await.map(drop)
    }

    async fn delete_device(&self, device_id: &str) -> StoreResult<bool> {
        self.change_device("DELETE FROM devices WHERE device_id = ?1", device_id).await
    }

    async fn unlock_device(&self, device_id: &str) -> StoreResult<bool> {
        self.change_device("UPDATE devices SET locked = 0, failed_pins = 0 WHERE device_id = ?1", device_id).await
    }
}
