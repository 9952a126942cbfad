//! Clients (merchants' registrations).
use async_trait::async_trait;
use phonelogin_core::model::Client;
use phonelogin_core::store::{ClientStore, StoreResult};
use rusqlite::Connection;

use super::{SqliteStore, all, exec, one};
use crate::err;
use crate::rows::{CLIENT_COLS as COLS, client};

/// Inserts a client, then `on_conflict` (of `client_id`); the number of rows changed.
pub(super) fn insert_client(c: &Connection, client: &Client, on_conflict: &str) -> StoreResult<usize> {
    exec(
        c,
        &format!(
            "INSERT INTO clients (client_id, secret_hash, name, logo_url, auth_method, scopes, redirect_uris, grant_types, sector, delegated_consents, created_at, security,
               webhook_url, webhook_secret, token_delivery_mode, notification_endpoint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (client_id) {on_conflict}"
        ),
        rusqlite::params![
            client.client_id,
            client.secret_hash,
            client.name,
            client.logo_url,
            client.auth_method.as_str(),
            client.scopes.to_string(),
            serde_json::to_string(&client.redirect_uris).map_err(err)?,
            client.grant_types.join(" "),
            client.sector,
            client.delegated_consents.as_ref().map(serde_json::to_string).transpose().map_err(err)?,
            client.created_at,
            serde_json::to_string(&client.security).map_err(err)?,
            client.delivery.webhook_url,
            client.delivery.webhook_secret,
            client.delivery.mode.as_str(),
            client.delivery.notification_endpoint,
        ],
    )
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        self.read(|c| one(c, &format!("SELECT {COLS} FROM clients WHERE client_id = ?1"), [client_id], |r| client(r)))
    }

    async fn upsert_client(&self, new: &Client) -> StoreResult<()> {
        let new = new.clone();
        self.write(move |c| {
            insert_client(
                c,
                &new,
                "DO UPDATE SET secret_hash = excluded.secret_hash, name = excluded.name,
                   logo_url = excluded.logo_url, auth_method = excluded.auth_method, scopes = excluded.scopes,
                   redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types, sector = excluded.sector,
                   delegated_consents = excluded.delegated_consents, security = excluded.security,
                   webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret,
                   token_delivery_mode = excluded.token_delivery_mode, notification_endpoint = excluded.notification_endpoint",
            )
        })
        .await
        .map(drop)
    }

    async fn clients(&self) -> StoreResult<Vec<Client>> {
        self.read(|c| all(c, &format!("SELECT {COLS} FROM clients ORDER BY client_id"), [], |r| client(r)))
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        Ok(self.execute("DELETE FROM clients WHERE client_id = ?1", [client_id.to_owned()]).await? > 0)
    }
}
