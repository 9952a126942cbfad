//! The user's consents: list and revoke (spec §4).
use serde::Serialize;

use super::AppError;
use super::views::{Merchant, ScopeView, scope_views};
use crate::clock::{UnixTime, rfc3339};
use crate::crypto::DerivedKeys;
use crate::model::Device;
use crate::outbox;
use crate::store::Store;

#[derive(Debug, Serialize)]
pub struct ConsentView {
    pub client_id: String,
    pub merchant: Merchant,
    pub scopes: Vec<ScopeView>,
    pub granted_at: String,
}

pub async fn consents(store: &dyn Store, device: &Device) -> Result<Vec<ConsentView>, AppError> {
    let mut out = Vec::new();
    for c in store.consents(&device.user_id).await? {
        let merchant = store
            .client(&c.client_id)
            .await?
            .map_or_else(|| Merchant { name: c.client_id.clone(), logo_url: None }, |client| Merchant::from(&client));
        out.push(ConsentView {
            client_id: c.client_id,
            merchant,
            scopes: scope_views(&c.scopes),
            granted_at: rfc3339(c.granted_at),
        });
    }
    Ok(out)
}

/// Revokes, and tells a client with a webhook (spec §11: `consent.revoked` with its pairwise
/// `sub`) in the same transaction.
pub async fn revoke(
    store: &dyn Store,
    keys: &DerivedKeys,
    device: &Device,
    client_id: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let notify: Vec<_> = store
        .client(client_id)
        .await?
        .filter(|c| c.delivery.webhook_url.is_some())
        .map(|c| outbox::consent_revoked(keys, client_id, &keys.pairwise_sub(&device.user_id, &c.sector), now))
        .into_iter()
        .collect();
    if store.revoke_consent(&device.user_id, client_id, now, &notify).await? { Ok(()) } else { Err(AppError::NotFound) }
}
