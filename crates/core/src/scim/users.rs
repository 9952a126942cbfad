//! The `/scim/v2/Users` operations (RFC 7644 §3): create, get, list with filter and paging,
//! replace, PATCH, and delete, which deactivates through `UserStore::set_user_active` so that
//! a SCIM deactivation has every effect of a deactivated user (PRODUCT §10).
use std::collections::HashMap;

use serde_json::Value;

use super::filter::{Canon, Filter};
use super::user::{canon, from_scim, to_scim};
use super::{DEFAULT_COUNT, MAX_RESULTS, ScimError, patch};
use crate::clock::UnixTime;
use crate::crypto::random_id;
use crate::model::User;
use crate::store::Store;

/// One page of a list: `totalResults`, `startIndex` (1-based) and the resources.
#[derive(Debug)]
pub struct Page {
    pub total: usize,
    pub start_index: usize,
    pub resources: Vec<Value>,
}

/// `startIndex` and `count` as RFC 7644 §3.4.2.4 reads them: below 1 is 1, negative is 0.
pub fn paging(start_index: Option<&str>, count: Option<&str>) -> Result<(usize, usize), ScimError> {
    let int = |v: Option<&str>, name: &str| {
        v.map(|s| s.trim().parse::<i64>().map_err(|_| ScimError::InvalidValue(format!("{name} must be an integer"))))
            .transpose()
    };
    let start = int(start_index, "startIndex")?.unwrap_or(1).max(1) as usize;
    let count = int(count, "count")?.map_or(DEFAULT_COUNT, |c| c.max(0) as usize).min(MAX_RESULTS);
    Ok((start, count))
}

/// Where a user's resource lives: `{base}/{id}`.
fn location(base: &str, id: &str) -> String {
    format!("{base}/{id}")
}

async fn resource(store: &dyn Store, u: &User, base: &str) -> Result<Value, ScimError> {
    let external = store.external_id(&u.user_id).await?;
    Ok(to_scim(u, external.as_deref(), &location(base, &u.user_id)))
}

pub async fn get(store: &dyn Store, id: &str, base: &str) -> Result<Value, ScimError> {
    let u = store.user(id).await?.ok_or(ScimError::NotFound)?;
    resource(store, &u, base).await
}

pub async fn list(
    store: &dyn Store,
    filter: Option<&str>,
    (start, count): (usize, usize),
    base: &str,
) -> Result<Page, ScimError> {
    let filter = filter.filter(|f| !f.trim().is_empty()).map(Filter::parse).transpose()?;
    let users = store.users().await?;
    let external: HashMap<String, String> = store.external_ids().await?.into_iter().collect();
    let matching: Vec<Value> = users
        .iter()
        .map(|u| to_scim(u, external.get(&u.user_id).map(String::as_str), &location(base, &u.user_id)))
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(r, &canon as Canon)))
        .collect();
    let total = matching.len();
    let resources = matching.into_iter().skip(start - 1).take(count).collect();
    Ok(Page { total, start_index: start, resources })
}

pub async fn create(store: &dyn Store, body: &Value, now: UnixTime, base: &str) -> Result<Value, ScimError> {
    let (user, external) = from_scim(body, None, &random_id(), now)?;
    if !store.insert_user(&user).await? {
        return Err(ScimError::Uniqueness(format!("userName {} is taken", user.phone_number)));
    }
    store.set_external_id(&user.user_id, external.as_deref()).await?;
    resource(store, &user, base).await
}

/// Writes what a PUT or PATCH made of the user: a new number, the profile, then `active`
/// through `set_user_active` (a deactivation's effects live there), then the `externalId`.
async fn save(
    store: &dyn Store,
    old: &User,
    new: User,
    external: Option<String>,
    base: &str,
) -> Result<Value, ScimError> {
    if old.phone_number != new.phone_number {
        if store.user_by_phone(&new.phone_number).await?.is_some() {
            return Err(ScimError::Uniqueness(format!("userName {} is taken", new.phone_number)));
        }
        if !store.change_phone_number(&old.phone_number, &new.phone_number).await? {
            return Err(ScimError::NotFound);
        }
    }
    store.upsert_user(&User { active: old.active, ..new.clone() }).await?;
    if new.active != old.active {
        store.set_user_active(&new.phone_number, new.active).await?;
    }
    store.set_external_id(&new.user_id, external.as_deref()).await?;
    get(store, &new.user_id, base).await
}

pub async fn replace(store: &dyn Store, id: &str, body: &Value, now: UnixTime, base: &str) -> Result<Value, ScimError> {
    let old = store.user(id).await?.ok_or(ScimError::NotFound)?;
    let (new, external) = from_scim(body, Some(&old), id, now)?;
    save(store, &old, new, external, base).await
}

pub async fn patch(store: &dyn Store, id: &str, body: &Value, now: UnixTime, base: &str) -> Result<Value, ScimError> {
    let old = store.user(id).await?.ok_or(ScimError::NotFound)?;
    let mut r = resource(store, &old, base).await?;
    patch::apply(&mut r, body, &canon)?;
    let (new, external) = from_scim(&r, Some(&old), id, now)?;
    save(store, &old, new, external, base).await
}

/// Deactivates the user (and with it, removes their devices and ends their logins).
pub async fn delete(store: &dyn Store, id: &str) -> Result<(), ScimError> {
    let u = store.user(id).await?.ok_or(ScimError::NotFound)?;
    store.set_user_active(&u.phone_number, false).await?;
    Ok(())
}
