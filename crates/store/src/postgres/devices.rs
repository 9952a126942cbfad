//! Devices: the enrolled apps, their PIN verifier, device key and PIN attempt count. Counting
//! an attempt and checking the lock is one conditional update (the row lock orders racers).
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::model::Device;
use phonelogin_core::store::{DeviceStore, StoreResult};
use sqlx::query::Query;

use super::PostgresStore;
use crate::err;
use crate::rows::{DEVICE_COLS, device};

/// The first key of the two-key advisory lock that serialises one user's device inserts.
const DEVICE_LOCK_CLASS: i32 = 0x4445_5649; // "DEVI"

/// Binds a device's columns as `?1`…`?9` / `$1`…`$9`: device_id, user_id, name, token_hash,
/// pin_hash, app_version, created_at, public_key, last_used_at.
fn bind_device<'q>(
    q: Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    d: &'q Device,
) -> Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    q.bind(&d.device_id)
        .bind(&d.user_id)
        .bind(&d.name)
        .bind(&d.token_hash)
        .bind(&d.pin_hash)
        .bind(&d.app_version)
        .bind(d.created_at)
        .bind(&d.public_key)
        .bind(d.last_used_at)
}

#[async_trait]
impl DeviceStore for PostgresStore {
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await.map_err(err)?;
        row.as_ref().map(device).transpose()
    }

    async fn device(&self, device_id: &str) -> StoreResult<Option<Device>> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE device_id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(device_id).fetch_optional(&self.pool).await.map_err(err)?;
        row.as_ref().map(device).transpose()
    }

    async fn upsert_device(&self, d: &Device) -> StoreResult<()> {
        bind_device(
            sqlx::query(
                "INSERT INTO devices (device_id, user_id, name, token_hash, pin_hash, app_version,
               failed_pins, locked, created_at, public_key, last_used_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, FALSE, $7, $8, $9)
             ON CONFLICT (user_id, name) DO UPDATE SET token_hash = excluded.token_hash,
               pin_hash = excluded.pin_hash, app_version = excluded.app_version,
               failed_pins = 0, locked = FALSE, public_key = excluded.public_key",
            ),
            d,
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn insert_device(&self, d: &Device, max_devices: i64) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        // Count-then-insert is atomic per user while the user's lock is held.
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(DEVICE_LOCK_CLASS)
            .bind(&d.user_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let r = bind_device(
            sqlx::query(
                "INSERT INTO devices (device_id, user_id, name, token_hash, pin_hash, app_version,
               failed_pins, locked, created_at, public_key, last_used_at)
             SELECT $1, $2, $3, $4, $5, $6, 0, FALSE, $7, $8, $9
             WHERE (SELECT COUNT(*) FROM devices WHERE user_id = $2) < $10
             ON CONFLICT DO NOTHING",
            ),
            d,
        )
        .bind(max_devices)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn devices(&self, user_id: &str) -> StoreResult<Vec<Device>> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE user_id = $1 ORDER BY created_at, name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(&self.pool).await.map_err(err)?;
        rows.iter().map(device).collect()
    }

    async fn app_versions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT app_version FROM devices WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn count_pin_try(&self, device_id: &str, max_tries: i64) -> StoreResult<Option<i64>> {
        // A racing update waits for the row lock, then re-checks the WHERE on the new row.
        sqlx::query_scalar(
            "UPDATE devices SET failed_pins = failed_pins + 1
             WHERE device_id = $1 AND NOT locked AND failed_pins < $2 RETURNING failed_pins",
        )
        .bind(device_id)
        .bind(max_tries)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn settle_pin_try(
        &self,
        device_id: &str,
        right: bool,
        max_tries: i64,
        upgraded: Option<&str>,
    ) -> StoreResult<bool> {
        let locked: Option<bool> = if right {
            sqlx::query_scalar(
                "UPDATE devices SET failed_pins = 0, pin_hash = COALESCE($2, pin_hash) WHERE device_id = $1 RETURNING locked",
            )
            .bind(device_id)
            .bind(upgraded)
            .fetch_optional(&self.pool)
            .await
        } else {
            sqlx::query_scalar(
                "UPDATE devices SET locked = locked OR failed_pins >= $2 WHERE device_id = $1 RETURNING locked",
            )
            .bind(device_id)
            .bind(max_tries)
            .fetch_optional(&self.pool)
            .await
        }
        .map_err(err)?;
        Ok(locked.unwrap_or(true))
    }

    async fn touch_device(&self, device_id: &str, now: UnixTime) -> StoreResult<()> {
        sqlx::query("UPDATE devices SET last_used_at = $2 WHERE device_id = $1")
            .bind(device_id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn delete_device(&self, device_id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM devices WHERE device_id = $1")
            .bind(device_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn unlock_device(&self, device_id: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE devices SET locked = FALSE, failed_pins = 0 WHERE device_id = $1")
            .bind(device_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }
}
