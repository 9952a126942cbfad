//! Devices: the enrolled apps, their PIN hash and wrong-PIN count.
use async_trait::async_trait;
use phonelogin_core::model::Device;
use phonelogin_core::store::{DeviceStore, StoreResult};
use sqlx::Row;

use super::SqliteStore;
use crate::err;
use crate::rows::{DEVICE_COLS as COLS, device};

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM devices WHERE token_hash = ?1")))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(device).transpose()
    }

    async fn upsert_device(&self, d: &Device) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO devices (device_id, user_id, name, token_hash, pin_hash, app_version, failed_pins, locked, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)
             ON CONFLICT (user_id, name) DO UPDATE SET token_hash = excluded.token_hash, pin_hash = excluded.pin_hash,
               app_version = excluded.app_version, failed_pins = 0, locked = 0",
        )
        .bind(&d.device_id)
        .bind(&d.user_id)
        .bind(&d.name)
        .bind(&d.token_hash)
        .bind(&d.pin_hash)
        .bind(&d.app_version)
        .bind(d.created_at)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn devices(&self, user_id: &str) -> StoreResult<Vec<Device>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM devices WHERE user_id = ?1 ORDER BY created_at, name"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(device).collect()
    }

    async fn app_versions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT app_version FROM devices WHERE user_id = ?1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn record_wrong_pin(&self, device_id: &str, lock_after: i64) -> StoreResult<(i64, bool)> {
        let row = sqlx::query(
            "UPDATE devices SET failed_pins = failed_pins + 1,
               locked = CASE WHEN failed_pins + 1 >= ?2 THEN 1 ELSE locked END
             WHERE device_id = ?1 RETURNING failed_pins, locked",
        )
        .bind(device_id)
        .bind(lock_after)
        .fetch_one(&self.writer)
        .await
        .map_err(err)?;
        Ok((row.try_get("failed_pins").map_err(err)?, row.try_get("locked").map_err(err)?))
    }

    async fn reset_wrong_pins(&self, device_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE devices SET failed_pins = 0 WHERE device_id = ?1 AND failed_pins > 0")
            .bind(device_id)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(())
    }
}
