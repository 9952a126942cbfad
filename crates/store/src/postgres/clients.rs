//! Clients (merchants' registrations), upserted by `client_id`; redirect URIs and the
//! delegated-consents form as JSON text, grant types space-separated.
use async_trait::async_trait;
use phonelogin_core::model::Client;
use phonelogin_core::store::{ClientStore, StoreResult};
use sqlx::query::Query;

use super::PostgresStore;
use crate::err;
use crate::rows::{CLIENT_COLS, client};

/// Binds a client's columns as the 1st…12th parameters: client_id, secret_hash, name, logo_url,
/// auth_method, scopes, redirect_uris, grant_types, sector, delegated_consents, created_at,
/// security, webhook_url, webhook_secret, token_delivery_mode, notification_endpoint.
pub(super) fn bind_client<'q>(
    q: Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    c: &'q Client,
) -> StoreResult<Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>> {
    Ok(q.bind(&c.client_id)
        .bind(&c.secret_hash)
        .bind(&c.name)
        .bind(&c.logo_url)
        .bind(c.auth_method.as_str())
        .bind(c.scopes.to_string())
        .bind(serde_json::to_string(&c.redirect_uris).map_err(err)?)
        .bind(c.grant_types.join(" "))
        .bind(&c.sector)
        .bind(c.delegated_consents.as_ref().map(serde_json::to_string).transpose().map_err(err)?)
        .bind(c.created_at)
        .bind(serde_json::to_string(&c.security).map_err(err)?)
        .bind(&c.delivery.webhook_url)
        .bind(&c.delivery.webhook_secret)
        .bind(c.delivery.mode.as_str())
        .bind(&c.delivery.notification_endpoint))
}

#[async_trait]
impl ClientStore for PostgresStore {
    async fn client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        let sql = format!("SELECT {CLIENT_COLS} FROM clients WHERE client_id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(client_id).fetch_optional(&self.pool).await.map_err(err)?;
        row.as_ref().map(client).transpose()
    }

    async fn upsert_client(&self, c: &Client) -> StoreResult<()> {
        bind_client(
            sqlx::query(
                "INSERT INTO clients (client_id, secret_hash, name, logo_url, auth_method, scopes,
                   redirect_uris, grant_types, sector, delegated_consents, created_at, security,
                   webhook_url, webhook_secret, token_delivery_mode, notification_endpoint)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash,
                   name = excluded.name, logo_url = excluded.logo_url,
                   auth_method = excluded.auth_method, scopes = excluded.scopes,
                   redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types,
                   sector = excluded.sector, delegated_consents = excluded.delegated_consents,
                   security = excluded.security,
                   webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret,
                   token_delivery_mode = excluded.token_delivery_mode, notification_endpoint = excluded.notification_endpoint",
            ),
            c,
        )?
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn clients(&self) -> StoreResult<Vec<Client>> {
        let sql = format!("SELECT {CLIENT_COLS} FROM clients ORDER BY client_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(err)?;
        rows.iter().map(client).collect()
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM clients WHERE client_id = $1")
            .bind(client_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(r.rows_affected() > 0)
    }
}
