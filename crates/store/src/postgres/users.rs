//! Users and their profile, upserted by phone number (the first `user_id` stays); addresses
//! as JSON text.
use async_trait::async_trait;
use phonelogin_core::model::User;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::{StoreResult, UserStore};
use sqlx::query::QueryScalar;

use super::PostgresStore;
use crate::err;
use crate::rows::{USER_COLS, user, user_cols};
use sqlx::Row;

/// Binds a user's columns as the 1st…11th parameters: user_id, phone_number, given_name,
/// family_name, email, email_verified, birthdate, nin, active, addresses, created_at.
pub(super) fn bind_user<'q>(
    q: QueryScalar<'q, sqlx::Postgres, String, sqlx::postgres::PgArguments>,
    u: &'q User,
) -> StoreResult<QueryScalar<'q, sqlx::Postgres, String, sqlx::postgres::PgArguments>> {
    Ok(q.bind(&u.user_id)
        .bind(u.phone_number.as_str())
        .bind(&u.given_name)
        .bind(&u.family_name)
        .bind(&u.email)
        .bind(u.email_verified)
        .bind(&u.birthdate)
        .bind(&u.nin)
        .bind(u.active)
        .bind(serde_json::to_string(&u.addresses).map_err(err)?)
        .bind(u.created_at))
}

impl PostgresStore {
    async fn user_where(&self, column: &'static str, value: &str) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE {column} = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(&self.pool).await.map_err(err)?;
        row.as_ref().map(user).transpose()
    }
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn user(&self, user_id: &str) -> StoreResult<Option<User>> {
        self.user_where("user_id", user_id).await
    }

    async fn user_by_phone(&self, phone: &Msisdn) -> StoreResult<Option<User>> {
        self.user_where("phone_number", phone.as_str()).await
    }

    async fn user_by_phone_with_app_versions(&self, phone: &Msisdn) -> StoreResult<Option<(User, Vec<String>)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_cols!(),
            ", ARRAY(SELECT d.app_version FROM devices d WHERE d.user_id = users.user_id) AS app_versions
             FROM users WHERE phone_number = $1"
        ))
        .bind(phone.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|r| Ok((user(&r)?, r.try_get("app_versions").map_err(err)?))).transpose()
    }

    async fn upsert_user(&self, u: &User) -> StoreResult<String> {
        bind_user(
            sqlx::query_scalar(
                "INSERT INTO users (user_id, phone_number, given_name, family_name, email,
                   email_verified, birthdate, nin, active, addresses, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (phone_number) DO UPDATE SET given_name = excluded.given_name,
                   family_name = excluded.family_name, email = excluded.email,
                   email_verified = excluded.email_verified, birthdate = excluded.birthdate,
                   nin = excluded.nin, active = excluded.active, addresses = excluded.addresses
                 RETURNING user_id",
            ),
            u,
        )?
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY phone_number");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(err)?;
        rows.iter().map(user).collect()
    }

    async fn change_phone_number(&self, old: &Msisdn, new: &Msisdn) -> StoreResult<bool> {
        // A number held by another user violates the unique index: an error, as the contract says.
        let r = sqlx::query("UPDATE users SET phone_number = $2 WHERE phone_number = $1")
            .bind(old.as_str())
            .bind(new.as_str())
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn set_user_active(&self, phone: &Msisdn, active: bool) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let user_id: Option<String> =
            sqlx::query_scalar("UPDATE users SET active = $1 WHERE phone_number = $2 RETURNING user_id")
                .bind(active)
                .bind(phone.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        let Some(user_id) = user_id else { return Ok(false) };
        if !active {
            for sql in [
                "UPDATE login_requests SET status = 'rejected' WHERE user_id = $1 AND status = 'pending'",
                "UPDATE access_tokens SET revoked = TRUE WHERE user_id = $1",
                "DELETE FROM devices WHERE user_id = $1",
            ] {
                sqlx::query(sql).bind(&user_id).execute(&mut *tx).await.map_err(err)?;
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(true)
    }
}
