//! Users and their profile.
use async_trait::async_trait;
use phonelogin_core::model::User;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::{StoreResult, UserStore};
use rusqlite::{Connection, params};

use super::{SqliteStore, all, exec, one};
use crate::err;
use crate::rows::{Fields, USER_COLS as COLS, user, user_cols};

/// Inserts a user, then `on_conflict` (of `phone_number`); the `user_id` of the row written,
/// none when the conflict clause wrote nothing.
pub(super) fn insert_user(c: &Connection, u: &User, on_conflict: &str) -> StoreResult<Option<String>> {
    one(
        c,
        &format!(
            "INSERT INTO users (user_id, phone_number, given_name, family_name, email, email_verified, birthdate, nin, active, addresses, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (phone_number) {on_conflict} RETURNING user_id"
        ),
        params![
            u.user_id,
            u.phone_number.as_str(),
            u.given_name,
            u.family_name,
            u.email,
            u.email_verified,
            u.birthdate,
            u.nin,
            u.active,
            serde_json::to_string(&u.addresses).map_err(err)?,
            u.created_at,
        ],
        |row| row.text("user_id"),
    )
}

impl SqliteStore {
    fn user_where(&self, clause: &'static str, value: &str) -> StoreResult<Option<User>> {
        self.read(|c| one(c, &format!("SELECT {COLS} FROM users WHERE {clause} = ?1"), [value], |r| user(r)))
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn user(&self, user_id: &str) -> StoreResult<Option<User>> {
        self.user_where("user_id", user_id)
    }

    async fn user_by_phone(&self, phone: &Msisdn) -> StoreResult<Option<User>> {
        self.user_where("phone_number", phone.as_str())
    }

    async fn user_by_phone_with_app_versions(&self, phone: &Msisdn) -> StoreResult<Option<(User, Vec<String>)>> {
        self.read(|c| {
            one(
                c,
                concat!(
                    "SELECT ",
                    user_cols!(),
                    ", (SELECT json_group_array(d.app_version) FROM devices d WHERE d.user_id = users.user_id) AS app_versions
                     FROM users WHERE phone_number = ?1"
                ),
                [phone.as_str()],
                |r| {
                    let versions = serde_json::from_str(&r.text("app_versions")?).map_err(err)?;
                    Ok((user(r)?, versions))
                },
            )
        })
    }

    async fn upsert_user(&self, u: &User) -> StoreResult<String> {
        let u = u.clone();
        self.write(move |c| {
            insert_user(
                c,
                &u,
                "DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
                   email = excluded.email, email_verified = excluded.email_verified, birthdate = excluded.birthdate,
                   nin = excluded.nin, active = excluded.active, addresses = excluded.addresses",
            )?
            .ok_or_else(|| err("the user upsert returned no row"))
        })
        .await
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        self.read(|c| all(c, &format!("SELECT {COLS} FROM users ORDER BY phone_number"), [], |r| user(r)))
    }

    async fn change_phone_number(&self, old: &Msisdn, new: &Msisdn) -> StoreResult<bool> {
        let sql = "UPDATE users SET phone_number = ?2 WHERE phone_number = ?1";
        Ok(self.execute(sql, [old.as_str().to_owned(), new.as_str().to_owned()]).await? > 0)
    }

    async fn set_user_active(&self, phone: &Msisdn, active: bool) -> StoreResult<bool> {
        let phone = phone.as_str().to_owned();
        self.write(move |c| {
            let user_id = one(
                c,
                "UPDATE users SET active = ?1 WHERE phone_number = ?2 RETURNING user_id",
                params![active, phone],
                |row| row.text("user_id"),
            )?;
            let Some(user_id) = user_id else { return Ok(false) };
            if !active {
                for sql in [
                    "UPDATE login_requests SET status = 'rejected' WHERE user_id = ?1 AND status = 'pending'",
                    "UPDATE access_tokens SET revoked = 1 WHERE user_id = ?1",
                    "DELETE FROM devices WHERE user_id = ?1",
                ] {
                    exec(c, sql, [&user_id])?;
                }
            }
            Ok(true)
        })
        .await
    }
}
