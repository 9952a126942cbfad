//! What SCIM provisioning needs beside the user records: a creation that refuses a taken
//! number, and the client's `externalId`.
use async_trait::async_trait;
use phonelogin_core::model::{Client, User};
use phonelogin_core::store::{ProvisioningStore, ScimMeta, StoreResult};

use super::clients::insert_client;
use super::users::insert_user;
use super::{SqliteStore, all, one};
use crate::rows::{Fields, scim_meta};

#[async_trait]
impl ProvisioningStore for SqliteStore {
    async fn insert_client(&self, new: &Client) -> StoreResult<bool> {
        let new = new.clone();
        self.write(move |c| insert_client(c, &new, "DO NOTHING").map(|inserted| inserted == 1)).await
    }

    async fn insert_user(&self, u: &User) -> StoreResult<bool> {
        let u = u.clone();
        self.write(move |c| insert_user(c, &u, "DO NOTHING").map(|inserted| inserted.is_some())).await
    }

    async fn scim_meta(&self, user_id: &str) -> StoreResult<ScimMeta> {
        self.read(|c| {
            one(c, "SELECT external_id, kept, deleted_at FROM scim_users WHERE user_id = ?1", [user_id], |r| {
                scim_meta(r)
            })
        })
        .map(Option::unwrap_or_default)
    }

    async fn scim_metas(&self) -> StoreResult<Vec<(String, ScimMeta)>> {
        self.read(|c| {
            all(c, "SELECT user_id, external_id, kept, deleted_at FROM scim_users", [], |r| {
                Ok((r.text("user_id")?, scim_meta(r)?))
            })
        })
    }

    async fn set_scim_meta(&self, user_id: &str, m: &ScimMeta) -> StoreResult<()> {
        self.execute(
            "INSERT INTO scim_users (user_id, external_id, kept, deleted_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id) DO UPDATE SET external_id = excluded.external_id, kept = excluded.kept,
               deleted_at = excluded.deleted_at",
            (user_id.to_owned(), m.external_id.clone(), m.kept.as_ref().map(|k| k.to_string()), m.deleted_at),
        )
        .await
        .map(drop)
    }
}
