//! Clients through the admin API, in the fixtures' JSON shape (PRODUCT §8, §13): what `GET`
//! returns can be `PUT` back. A secret is generated and shown once, stored only as its hash.
use serde_json::{Value, json};

use super::AdminError;
use crate::clock::UnixTime;
use crate::crypto::DerivedKeys;
use crate::crypto::{random_token, sha256_hex};
use crate::fixtures::{ClientSpec, ImportError, client_record, delivery};
use crate::model::{AuthMethod, Client};
use crate::store::Store;

/// The fixtures shape of a client, without its secret.
pub fn view(c: &Client) -> Value {
    json!({
        "client_id": c.client_id,
        "name": c.name,
        "logo_url": c.logo_url,
        "token_endpoint_auth_method": c.auth_method.as_str(),
        "scopes": c.scopes.to_string().split_whitespace().collect::<Vec<_>>(),
        "redirect_uris": c.redirect_uris,
        "grant_types": c.grant_types,
        "sector": c.sector,
        "delegated_consents": c.delegated_consents,
        "jwks": c.security.jwks,
        "jwks_uri": c.security.jwks_uri,
        "backchannel_authentication_request_signing_alg": c.security.request_signing_alg,
        "backchannel_user_code_parameter": c.security.user_code_required,
        "id_token_signed_response_alg": c.security.id_token_alg,
        "profile": c.security.profile,
        "webhook_url": c.delivery.webhook_url,
        "backchannel_token_delivery_mode": c.delivery.mode.as_str(),
        "backchannel_client_notification_endpoint": c.delivery.notification_endpoint,
    })
}

fn invalid(e: ImportError) -> AdminError {
    match e {
        ImportError::Invalid(why) => AdminError::InvalidRequest(why),
        ImportError::Store(e) => e.into(),
    }
}

/// The view of a saved client, with a webhook secret that was generated for it (shown once).
fn with_webhook_secret(mut v: Value, generated: Option<String>) -> Value {
    if let (Some(obj), Some(secret)) = (v.as_object_mut(), generated) {
        obj.insert("webhook_secret".into(), secret.into());
    }
    v
}

async fn save(store: &dyn Store, keys: &DerivedKeys, spec: &ClientSpec, now: UnixTime) -> Result<Value, AdminError> {
    // A PUT replaces the registration: the webhook secret alone is kept when not given.
    let existing = store.client(&spec.client_id).await?;
    let (mut client, _) = client_record(spec, existing.as_ref(), now).map_err(invalid)?;
    let (settings, generated) = delivery(keys, spec, existing.as_ref()).map_err(AdminError::InvalidRequest)?;
    client.delivery = settings;
    store.upsert_client(&client).await?;
    let saved = store.client(&spec.client_id).await?.ok_or(AdminError::NotFound)?;
    Ok(with_webhook_secret(view(&saved), generated))
}

/// Registers a new client; the view carries `client_secret` once, generated when not given
/// (a `private_key_jwt` client has none).
pub async fn create(
    store: &dyn Store,
    keys: &DerivedKeys,
    spec: ClientSpec,
    now: UnixTime,
) -> Result<Value, AdminError> {
    let (mut client, generated) = client_record(&spec, None, now).map_err(invalid)?;
    let (settings, webhook_secret) = delivery(keys, &spec, None).map_err(AdminError::InvalidRequest)?;
    client.delivery = settings;
    if !store.insert_client(&client).await? {
        return Err(AdminError::Conflict("a client with this client_id exists"));
    }
    let mut v = view(&client);
    if let (Some(obj), Some(secret)) = (v.as_object_mut(), generated)
        && client.auth_method != AuthMethod::PrivateKeyJwt
    {
        obj.insert("client_secret".into(), secret.into());
    }
    Ok(with_webhook_secret(v, webhook_secret))
}

/// Replaces an existing client's registration; its secret stays unless one is given.
pub async fn update(
    store: &dyn Store,
    keys: &DerivedKeys,
    client_id: &str,
    spec: ClientSpec,
    now: UnixTime,
) -> Result<Value, AdminError> {
    if spec.client_id != client_id {
        return Err(AdminError::InvalidRequest("client_id in the body must be the client_id of the path".into()));
    }
    store.client(client_id).await?.ok_or(AdminError::NotFound)?;
    save(store, keys, &spec, now).await
}

/// A new secret for the client, returned once; the old one stops working.
pub async fn rotate_secret(store: &dyn Store, client_id: &str) -> Result<String, AdminError> {
    let mut client = store.client(client_id).await?.ok_or(AdminError::NotFound)?;
    if client.auth_method == AuthMethod::PrivateKeyJwt {
        return Err(AdminError::InvalidRequest("a private_key_jwt client has no secret: change its jwks".into()));
    }
    let secret = random_token();
    client.secret_hash = sha256_hex(&secret);
    store.upsert_client(&client).await?;
    Ok(secret)
}
