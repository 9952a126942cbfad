//! The `/scim/v2/Users` operations (RFC 7644 §3): create, get, list with filter and paging,
//! replace, PATCH, and delete, which deactivates through `UserStore::set_user_active` so that
//! a SCIM deactivation has every effect of a deactivated user (PRODUCT §10).
use std::collections::HashMap;

use serde_json::Value;

use super::filter::{Canon, CompareOp, Filter};
use super::user::{canon, from_scim, phone_digits, to_scim};
use super::{DEFAULT_COUNT, MAX_RESULTS, ScimError, patch};
use crate::clock::UnixTime;
use crate::crypto::random_id;
use crate::model::User;
use crate::msisdn::Msisdn;
use crate::notify::{Event, Notifier};
use crate::store::{ScimMeta, Store};

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

/// What a writing call works with: the store, where device events go, the request's time, and
/// the base URL of `/Users`.
pub struct Write<'a> {
    pub store: &'a dyn Store,
    pub notifier: &'a dyn Notifier,
    pub now: UnixTime,
    pub base: &'a str,
}

/// Where a user's resource lives: `{base}/{id}`.
fn location(base: &str, id: &str) -> String {
    format!("{base}/{id}")
}

async fn resource(store: &dyn Store, u: &User, base: &str) -> Result<Value, ScimError> {
    let meta = store.scim_meta(&u.user_id).await?;
    Ok(to_scim(u, &meta, &location(base, &u.user_id)))
}

/// The user of a SCIM id, unless unknown or deleted through SCIM (RFC 7644 §3.6: 404).
async fn live(store: &dyn Store, id: &str) -> Result<(User, ScimMeta), ScimError> {
    let u = store.user(id).await?.ok_or(ScimError::NotFound)?;
    let meta = store.scim_meta(id).await?;
    if meta.deleted_at.is_some() {
        return Err(ScimError::NotFound);
    }
    Ok((u, meta))
}

pub async fn get(store: &dyn Store, id: &str, base: &str) -> Result<Value, ScimError> {
    let (u, meta) = live(store, id).await?;
    Ok(to_scim(&u, &meta, &location(base, id)))
}

/// The digits of the number a filter is exactly about: `userName eq "…"` or
/// `phoneNumbers.value eq "…"` (the full filter still runs on what is found).
fn one_number(f: &Filter) -> Option<String> {
    let Filter::Compare(p, CompareOp::Eq, Value::String(v)) = f else { return None };
    let core = p.uri.as_deref().is_none_or(|u| u.eq_ignore_ascii_case(super::USER_SCHEMA));
    let user_name = p.name.eq_ignore_ascii_case("userName") && p.sub.is_none();
    let phone = p.name.eq_ignore_ascii_case("phoneNumbers")
        && p.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("value"));
    (core && (user_name || phone)).then(|| phone_digits(v))
}

pub async fn list(
    store: &dyn Store,
    filter: Option<&str>,
    (start, count): (usize, usize),
    base: &str,
) -> Result<Page, ScimError> {
    let filter = filter.filter(|f| !f.trim().is_empty()).map(Filter::parse).transpose()?;
    // A connector's usual question names one number: answered by the phone-number index.
    let (users, metas): (Vec<User>, HashMap<String, ScimMeta>) = match filter.as_ref().and_then(one_number) {
        Some(number) => {
            let found: Vec<User> = match Msisdn::parse(&number) {
                Some(phone) => store.user_by_phone(&phone).await?.into_iter().collect(),
                None => vec![],
            };
            let mut metas = HashMap::new();
            for u in &found {
                metas.insert(u.user_id.clone(), store.scim_meta(&u.user_id).await?);
            }
            (found, metas)
        }
        None => (store.users().await?, store.scim_metas().await?.into_iter().collect()),
    };
    let matching: Vec<Value> = users
        .iter()
        .filter_map(|u| {
            let meta = metas.get(&u.user_id).cloned().unwrap_or_default();
            if meta.deleted_at.is_some() {
                return None;
            }
            Some(to_scim(u, &meta, &location(base, &u.user_id)))
        })
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(r, &canon as Canon)))
        .collect();
    let total = matching.len();
    let resources = matching.into_iter().skip(start - 1).take(count).collect();
    Ok(Page { total, start_index: start, resources })
}

/// A new user; a number deleted through SCIM before is provisioned again on its old record
/// (the same user id, so merchants see the same `sub`, as `user create` does).
pub async fn create(w: &Write<'_>, body: &Value) -> Result<Value, ScimError> {
    let (store, now, base) = (w.store, w.now, w.base);
    let (user, meta) = from_scim(body, None, &random_id(), now)?;
    if store.insert_user(&user).await? {
        store.set_scim_meta(&user.user_id, &meta).await?;
        return resource(store, &user, base).await;
    }
    let taken = || ScimError::Uniqueness(format!("userName {} is taken", user.phone_number));
    let old = store.user_by_phone(&user.phone_number).await?.ok_or_else(taken)?;
    if store.scim_meta(&old.user_id).await?.deleted_at.is_none() {
        return Err(taken());
    }
    let (again, meta) = from_scim(body, Some(&old), &old.user_id, now)?;
    save(w, &old, again, meta).await
}

/// Writes what a PUT or PATCH made of the user: a new number, the profile, then `active`
/// through `set_user_active` (a deactivation's effects live there), then the SCIM record.
async fn save(w: &Write<'_>, old: &User, new: User, meta: ScimMeta) -> Result<Value, ScimError> {
    let store = w.store;
    if old.phone_number != new.phone_number {
        if store.user_by_phone(&new.phone_number).await?.is_some() {
            return Err(ScimError::Uniqueness(format!("userName {} is taken", new.phone_number)));
        }
        if !store.change_phone_number(&old.phone_number, &new.phone_number).await? {
            return Err(ScimError::NotFound);
        }
    }
    store.upsert_user(&User { active: old.active, ..new.clone() }).await?;
    match (old.active, new.active) {
        (true, false) => deactivate(w, &new).await?,
        (false, true) => {
            store.set_user_active(&new.phone_number, true).await?;
        }
        _ => {}
    }
    store.set_scim_meta(&new.user_id, &meta).await?;
    get(store, &new.user_id, w.base).await
}

pub async fn replace(w: &Write<'_>, id: &str, body: &Value) -> Result<Value, ScimError> {
    let (old, _) = live(w.store, id).await?;
    let (new, meta) = from_scim(body, Some(&old), id, w.now)?;
    save(w, &old, new, meta).await
}

pub async fn patch(w: &Write<'_>, id: &str, body: &Value) -> Result<Value, ScimError> {
    let (old, meta) = live(w.store, id).await?;
    let mut r = to_scim(&old, &meta, &location(w.base, id));
    patch::apply(&mut r, body, &canon)?;
    follow_new_number(&mut r, &old);
    let (new, meta) = from_scim(&r, Some(&old), id, w.now)?;
    save(w, &old, new, meta).await
}

/// Deactivates through `set_user_active`, which ends the user's requests, revokes their tokens
/// and removes their devices (PRODUCT §10); the removed devices' event streams are told.
async fn deactivate(w: &Write<'_>, u: &User) -> Result<(), ScimError> {
    let devices = w.store.devices(&u.user_id).await?;
    w.store.set_user_active(&u.phone_number, false).await?;
    for d in devices {
        w.notifier.publish(Event::DeviceRemoved { user_id: d.user_id, device_id: d.device_id }).await;
    }
    Ok(())
}

/// A PATCH that changed only `userName` moves the phone numbers that held the old number.
fn follow_new_number(r: &mut Value, old: &User) {
    let Some(new) = r.get("userName").and_then(Value::as_str).map(phone_digits) else { return };
    if new == old.phone_number.as_str() {
        return;
    }
    if let Some(Value::Array(phones)) = r.get_mut("phoneNumbers") {
        for p in phones.iter_mut().filter_map(Value::as_object_mut) {
            if p.get("value").and_then(Value::as_str).map(phone_digits).as_deref() == Some(old.phone_number.as_str()) {
                p.insert("value".into(), format!("+{new}").into());
            }
        }
    }
}

/// Deletes the user as PRODUCT §13 says: deactivated (so their devices are removed and their
/// logins end), kept for the record, and 404 to SCIM from now on.
pub async fn delete(w: &Write<'_>, id: &str) -> Result<(), ScimError> {
    let (u, meta) = live(w.store, id).await?;
    deactivate(w, &u).await?;
    let (store, now) = (w.store, w.now);
    store.set_scim_meta(id, &ScimMeta { deleted_at: Some(now), ..meta }).await?;
    Ok(())
}
