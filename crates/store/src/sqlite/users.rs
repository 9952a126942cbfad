//! Users and their profile.
use async_trait::async_trait;
use phonelogin_core::model::User;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::{StoreError, StoreResult, UserStore};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStore;
use crate::err;

const COLS: &str = "user_id, phone_number, given_name, family_name, email, email_verified, birthdate, nin, active, addresses, created_at";

fn user(row: &SqliteRow) -> StoreResult<User> {
    let phone: String = row.try_get("phone_number").map_err(err)?;
    let addresses: String = row.try_get("addresses").map_err(err)?;
    Ok(User {
        user_id: row.try_get("user_id").map_err(err)?,
        phone_number: Msisdn::parse(&phone).ok_or_else(|| StoreError(format!("stored phone number {phone} is invalid")))?,
        given_name: row.try_get("given_name").map_err(err)?,
        family_name: row.try_get("family_name").map_err(err)?,
        email: row.try_get("email").map_err(err)?,
        email_verified: row.try_get("email_verified").map_err(err)?,
        birthdate: row.try_get("birthdate").map_err(err)?,
        nin: row.try_get("nin").map_err(err)?,
        active: row.try_get("active").map_err(err)?,
        addresses: serde_json::from_str(&addresses).map_err(err)?,
        created_at: row.try_get("created_at").map_err(err)?,
    })
}

impl SqliteStore {
    async fn user_where(&self, clause: &'static str, value: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM users WHERE {clause} = ?1")))
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(user).transpose()
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn user(&self, user_id: &str) -> StoreResult<Option<User>> {
        self.user_where("user_id", user_id).await
    }

    async fn user_by_phone(&self, phone: &Msisdn) -> StoreResult<Option<User>> {
        self.user_where("phone_number", phone.as_str()).await
    }

    async fn upsert_user(&self, u: &User) -> StoreResult<String> {
        sqlx::query_scalar(
            "INSERT INTO users (user_id, phone_number, given_name, family_name, email, email_verified, birthdate, nin, active, addresses, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (phone_number) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
               email = excluded.email, email_verified = excluded.email_verified, birthdate = excluded.birthdate,
               nin = excluded.nin, active = excluded.active, addresses = excluded.addresses
             RETURNING user_id",
        )
        .bind(&u.user_id)
        .bind(u.phone_number.as_str())
        .bind(&u.given_name)
        .bind(&u.family_name)
        .bind(&u.email)
        .bind(u.email_verified)
        .bind(&u.birthdate)
        .bind(&u.nin)
        .bind(u.active)
        .bind(serde_json::to_string(&u.addresses).map_err(err)?)
        .bind(u.created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM users ORDER BY phone_number")))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(user).collect()
    }

    async fn set_user_active(&self, phone: &Msisdn, active: bool) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET active = ?1 WHERE phone_number = ?2")
            .bind(active)
            .bind(phone.as_str())
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() > 0)
    }
}
