//! A device's Web Push subscription (spec §11): the browser's `PushSubscription.toJSON()`,
//! checked once here — an https endpoint that is not a loopback, private or link-local address
//! (both allowed in `--dev`), a P-256 `p256dh` key and a 16-byte `auth` secret.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::AppError;
use crate::clock::UnixTime;
use crate::crypto::DerivedKeys;
use crate::model::Device;
use crate::outbox;
use crate::outbox::endpoint::check_url;
use crate::store::{PushSubscription, Store};

#[derive(Debug, Deserialize)]
pub struct SubscriptionInput {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// Stores the device's one subscription. `resolved_public` is the server's check of the
/// addresses the endpoint's host name resolves to (`false` when one is not public).
pub async fn subscribe(
    store: &dyn Store,
    device: &Device,
    input: &SubscriptionInput,
    dev: bool,
    resolved_public: bool,
    now: UnixTime,
) -> Result<(), AppError> {
    if input.endpoint.len() > 2048 {
        return Err(AppError::InvalidRequest("the endpoint is too long"));
    }
    check_url(&input.endpoint, dev, true).map_err(AppError::InvalidRequest)?;
    if !dev && !resolved_public {
        return Err(AppError::InvalidRequest("the URL must not point to a loopback, private or link-local address"));
    }
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
    let p256dh = decode(&input.keys.p256dh).filter(|k| p256::PublicKey::from_sec1_bytes(k).is_ok() && k.len() == 65);
    if p256dh.is_none() {
        return Err(AppError::InvalidRequest("keys.p256dh must be a base64url P-256 point"));
    }
    if decode(&input.keys.auth).is_none_or(|a| a.len() != 16) {
        return Err(AppError::InvalidRequest("keys.auth must be 16 bytes, base64url"));
    }
    store
        .put_push_subscription(&PushSubscription {
            device_id: device.device_id.clone(),
            user_id: device.user_id.clone(),
            endpoint: input.endpoint.clone(),
            p256dh: input.keys.p256dh.trim_end_matches('=').to_owned(),
            auth: input.keys.auth.trim_end_matches('=').to_owned(),
            created_at: now,
        })
        .await?;
    Ok(())
}

/// A device was added: a push to the user's other subscribed devices (spec §10, §11).
pub async fn announce_device(
    store: &dyn Store,
    keys: &DerivedKeys,
    device: &Device,
    now: UnixTime,
) -> Result<(), AppError> {
    let push = outbox::device_added_push(keys, &device.user_id, &device.device_id, &device.name, now);
    store.enqueue_messages(&[push]).await?;
    Ok(())
}

pub async fn unsubscribe(store: &dyn Store, device: &Device) -> Result<(), AppError> {
    store.delete_push_subscription(&device.device_id).await?;
    Ok(())
}
