//! What SCIM provisioning needs beside the user records: a creation that refuses a taken
//! number, and the client's `externalId`.
use async_trait::async_trait;
use phonelogin_core::model::{Client, User};
use phonelogin_core::store::{ProvisioningStore, ScimMeta, StoreResult};

use super::PostgresStore;
use super::clients::bind_client;
use super::users::bind_user;
use crate::err;
use crate::rows::{Fields, scim_meta};

#[async_trait]
impl ProvisioningStore for PostgresStore {
    async fn insert_client(&self, c: &Client) -> StoreResult<bool> {
        let r = bind_client(
            sqlx::query(
                "INSERT INTO clients (client_id, secret_hash, name, logo_url, auth_method, scopes, redirect_uris, grant_types, sector, delegated_consents, created_at, security,
                   webhook_url, webhook_secret, token_delivery_mode, notification_endpoint)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (client_id) DO NOTHING",
            ),
            c,
        )?
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn insert_user(&self, u: &User) -> StoreResult<bool> {
        let inserted: Option<String> = bind_user(
            sqlx::query_scalar(
                "INSERT INTO users (user_id, phone_number, given_name, family_name, email, email_verified, birthdate, nin, active, addresses, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (phone_number) DO NOTHING RETURNING user_id",
            ),
            u,
        )?
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        Ok(inserted.is_some())
    }

    async fn scim_meta(&self, user_id: &str) -> StoreResult<ScimMeta> {
        let row = sqlx::query("SELECT external_id, kept, deleted_at FROM scim_users WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(scim_meta).transpose().map(Option::unwrap_or_default)
    }

    async fn scim_metas(&self) -> StoreResult<Vec<(String, ScimMeta)>> {
        let rows = sqlx::query("SELECT user_id, external_id, kept, deleted_at FROM scim_users")
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(|r| Ok((r.text("user_id")?, scim_meta(r)?))).collect()
    }

    async fn set_scim_meta(&self, user_id: &str, m: &ScimMeta) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO scim_users (user_id, external_id, kept, deleted_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE SET external_id = excluded.external_id, kept = excluded.kept,
               deleted_at = excluded.deleted_at",
        )
        .bind(user_id)
        .bind(&m.external_id)
        .bind(m.kept.as_ref().map(|k| k.to_string()))
        .bind(m.deleted_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }
}
