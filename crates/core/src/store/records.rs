//! Merchants' clients and the users who log in.
use async_trait::async_trait;

use super::StoreResult;
use crate::model::{Client, User};
use crate::msisdn::Msisdn;

#[async_trait]
pub trait ClientStore {
    async fn client(&self, client_id: &str) -> StoreResult<Option<Client>>;
    /// Inserts or replaces by `client_id`.
    async fn upsert_client(&self, client: &Client) -> StoreResult<()>;
    async fn clients(&self) -> StoreResult<Vec<Client>>;
    /// Returns whether a client was deleted.
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait UserStore {
    async fn user(&self, user_id: &str) -> StoreResult<Option<User>>;
    async fn user_by_phone(&self, phone: &Msisdn) -> StoreResult<Option<User>>;
    /// The user of `phone` and the app versions of their devices, in one read (what a
    /// backchannel request checks).
    async fn user_by_phone_with_app_versions(&self, phone: &Msisdn) -> StoreResult<Option<(User, Vec<String>)>>;
    /// Inserts or updates by phone number, keeping the existing `user_id`; returns the user id.
    async fn upsert_user(&self, user: &User) -> StoreResult<String>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// Moves a user to a new phone number (same user id, so the same pairwise subjects);
    /// returns false when no user has `old`. Fails when `new` belongs to another user.
    async fn change_phone_number(&self, old: &Msisdn, new: &Msisdn) -> StoreResult<bool>;
    /// Sets `active`; returns whether the user exists. Deactivating also, in the same
    /// transaction, ends the user's pending requests (rejected: the merchant's poll gets
    /// `access_denied`), revokes their access tokens and removes their devices (spec §10).
    async fn set_user_active(&self, phone: &Msisdn, active: bool) -> StoreResult<bool>;
}
