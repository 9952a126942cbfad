//! Fixtures (spec §8): one JSON document of clients and users, imported idempotently
//! (upsert by `client_id` / `phone_number`). The admin commands build the same specs.
use serde::Deserialize;

use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, PinHasher, random_id, random_token, sha256_hex, valid_pin};
use crate::delegated::DelegatedConsentForm;
use crate::device_key::DevicePublicKey;
use crate::keys::Alg;
use crate::model::{
    Address, AuthMethod, Client, ClientDelivery, ClientSecurity, DeliveryMode, Device, GRANT_CIBA, GRANT_CIBA_REDIRECT,
    Profile, User,
};
use crate::msisdn::Msisdn;
use crate::scope::ScopeSet;
use crate::store::{Store, StoreError};
use crate::version::AppVersion;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    #[serde(default)]
    pub clients: Vec<ClientSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub name: String,
    pub logo_url: Option<String>,
    #[serde(default)]
    pub token_endpoint_auth_method: AuthMethod,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub grant_types: Option<Vec<String>>,
    pub sector: Option<String>,
    pub delegated_consents: Option<DelegatedConsentForm>,
    /// Spec §12: keys for `private_key_jwt` and signed requests, inline or by URL.
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    pub backchannel_authentication_request_signing_alg: Option<Alg>,
    #[serde(default)]
    pub backchannel_user_code_parameter: bool,
    pub id_token_signed_response_alg: Option<Alg>,
    pub profile: Option<Profile>,
    /// Where `consent.revoked` events go (spec §11).
    pub webhook_url: Option<String>,
    /// Generated and printed when a `webhook_url` is given without one.
    pub webhook_secret: Option<String>,
    #[serde(default)]
    pub backchannel_token_delivery_mode: DeliveryMode,
    /// Required for ping mode.
    pub backchannel_client_notification_endpoint: Option<String>,
}

impl ClientSpec {
    /// A client with only the required members; the rest at their defaults.
    pub fn new(client_id: String, name: String, scopes: Vec<String>) -> Self {
        Self {
            client_id,
            client_secret: None,
            name,
            logo_url: None,
            token_endpoint_auth_method: AuthMethod::default(),
            scopes,
            redirect_uris: vec![],
            grant_types: None,
            sector: None,
            delegated_consents: None,
            jwks: None,
            jwks_uri: None,
            backchannel_authentication_request_signing_alg: None,
            backchannel_user_code_parameter: false,
            id_token_signed_response_alg: None,
            profile: None,
            webhook_url: None,
            webhook_secret: None,
            backchannel_token_delivery_mode: DeliveryMode::Poll,
            backchannel_client_notification_endpoint: None,
        }
    }

    /// The §12 settings, checked: keys where keys are needed, and under FAPI-CIBA no shared
    /// secret, PS256/ES256 only and https redirect URIs (FAPI Part 1 §5.2.2, Part 2 §8.6).
    fn security(&self) -> Result<ClientSecurity, String> {
        let private_key_jwt = self.token_endpoint_auth_method == AuthMethod::PrivateKeyJwt;
        let signed_requests = self.backchannel_authentication_request_signing_alg.is_some();
        let fapi = self.profile == Some(Profile::FapiCiba);
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            return Err("give jwks or jwks_uri, not both".into());
        }
        let has_keys = self.jwks.is_some() || self.jwks_uri.is_some();
        if (private_key_jwt || signed_requests || fapi) && !has_keys {
            return Err("private_key_jwt, signed requests and fapi-ciba need jwks or jwks_uri".into());
        }
        if let Some(jwks) = &self.jwks
            && jwks.get("keys").and_then(|k| k.as_array()).is_none_or(|k| k.is_empty())
        {
            return Err("jwks must be a JWKS document with at least one key".into());
        }
        if let Some(uri) = &self.jwks_uri
            && !(uri.starts_with("https://") || uri.starts_with("http://"))
        {
            return Err("jwks_uri must be an absolute https URL".into());
        }
        if private_key_jwt && self.client_secret.is_some() {
            return Err("a private_key_jwt client has no client_secret".into());
        }
        let mut id_token_alg = self.id_token_signed_response_alg;
        if fapi {
            if !private_key_jwt {
                return Err("fapi-ciba clients authenticate with private_key_jwt".into());
            }
            let fapi_alg = |a: Option<Alg>| a.is_none_or(|a| a != Alg::Rs256);
            if !fapi_alg(self.backchannel_authentication_request_signing_alg) || !fapi_alg(id_token_alg) {
                return Err("fapi-ciba clients use PS256 or ES256".into());
            }
            if self.redirect_uris.iter().any(|u| !u.starts_with("https://")) {
                return Err("fapi-ciba redirect URIs use https".into());
            }
            id_token_alg = id_token_alg.or(Some(Alg::Ps256));
        }
        Ok(ClientSecurity {
            jwks: self.jwks.clone(),
            jwks_uri: self.jwks_uri.clone(),
            request_signing_alg: self.backchannel_authentication_request_signing_alg,
            user_code_required: self.backchannel_user_code_parameter,
            id_token_alg,
            profile: self.profile,
        })
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub phone_number: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    pub birthdate: Option<String>,
    pub nin: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub devices: Vec<DeviceSpec>,
    /// Spec §12: the user's user code, stored like a PIN.
    pub user_code: Option<String>,
}

/// A fixed client secret is at least this long (spec §8): shorter ones are guessable.
pub const MIN_FIXED_SECRET: usize = 32;

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    pub name: String,
    pub pin: String,
    #[serde(default = "default_version")]
    pub app_version: String,
    pub device_token: Option<String>,
    /// The public JWK (EC P-256) of the device key; without one the device decides with its
    /// PIN alone.
    pub public_key: Option<serde_json::Value>,
}

fn default_version() -> String {
    "1.0.0".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import generated and must show once: secrets and device tokens.
#[derive(Debug, Default)]
pub struct Generated {
    pub lines: Vec<String>,
}

pub async fn import(
    store: &dyn Store,
    keys: &DerivedKeys,
    doc: &Fixtures,
    now: UnixTime,
) -> Result<Generated, ImportError> {
    let mut out = Generated::default();
    for c in &doc.clients {
        import_client(store, keys, c, now, &mut out).await?;
    }
    for u in &doc.users {
        import_user(store, &keys.pin, u, now, &mut out).await?;
    }
    Ok(out)
}

pub async fn import_client(
    store: &dyn Store,
    keys: &DerivedKeys,
    spec: &ClientSpec,
    now: UnixTime,
    out: &mut Generated,
) -> Result<(), ImportError> {
    let existing = store.client(&spec.client_id).await?;
    let (mut client, generated) = client_record(spec, existing.as_ref(), now)?;
    if let Some(s) = generated {
        out.lines.push(format!("client {} secret: {s}", spec.client_id));
    }
    let (settings, webhook_secret) = delivery(keys, spec, existing.as_ref())
        .map_err(|m| ImportError::Invalid(format!("client {}: {m}", spec.client_id)))?;
    if let Some(s) = webhook_secret {
        out.lines.push(format!("client {} webhook secret: {s}", spec.client_id));
    }
    client.delivery = settings;
    store.upsert_client(&client).await?;
    Ok(())
}

/// Validates a client spec and builds its record: the secret's hash from the spec, else the
/// existing client's, else a generated secret (returned, to be shown once).
pub fn client_record(
    spec: &ClientSpec,
    existing: Option<&Client>,
    now: UnixTime,
) -> Result<(Client, Option<String>), ImportError> {
    let bad = |m: String| ImportError::Invalid(format!("client {}: {m}", spec.client_id));
    if spec.client_id.is_empty() || spec.client_id.len() > 255 {
        return Err(bad("client_id must be 1 to 255 characters".into()));
    }
    let scopes = ScopeSet::parse(&spec.scopes.join(" ")).map_err(|_| bad("unknown scope".into()))?;
    for uri in &spec.redirect_uris {
        if !(uri.starts_with("https://") || uri.starts_with("http://")) || uri.contains('#') {
            return Err(bad(format!("redirect URI {uri} must be an absolute http(s) URL without fragment")));
        }
    }
    let grant_types = spec.grant_types.clone().unwrap_or_else(|| vec![GRANT_CIBA.into(), GRANT_CIBA_REDIRECT.into()]);
    if let Some(g) = grant_types.iter().find(|g| *g != GRANT_CIBA && *g != GRANT_CIBA_REDIRECT) {
        return Err(bad(format!("unknown grant type {g}")));
    }
    if let Some(form) = &spec.delegated_consents {
        form.validate().map_err(bad)?;
    }
    if spec.client_secret.as_ref().is_some_and(|s| s.chars().count() < MIN_FIXED_SECRET) {
        return Err(bad(format!("a fixed client_secret must have at least {MIN_FIXED_SECRET} characters")));
    }
    let security = spec.security().map_err(bad)?;
    let (secret_hash, generated) = match (&spec.client_secret, existing) {
        // No shared secret: a hash of nothing anyone was ever shown (kept on re-import).
        (_, Some(e)) if spec.token_endpoint_auth_method == AuthMethod::PrivateKeyJwt => (e.secret_hash.clone(), None),
        _ if spec.token_endpoint_auth_method == AuthMethod::PrivateKeyJwt => (sha256_hex(&random_token()), None),
        (Some(s), _) => (sha256_hex(s), None),
        (None, Some(e)) => (e.secret_hash.clone(), None),
        (None, None) => {
            let s = random_token();
            (sha256_hex(&s), Some(s))
        }
    };
    let client = Client {
        client_id: spec.client_id.clone(),
        secret_hash,
        name: spec.name.clone(),
        logo_url: spec.logo_url.clone(),
        auth_method: spec.token_endpoint_auth_method,
        scopes,
        redirect_uris: spec.redirect_uris.clone(),
        grant_types,
        sector: spec.sector.clone().unwrap_or_else(|| spec.client_id.clone()),
        delegated_consents: spec.delegated_consents.clone(),
        security,
        created_at: existing.map_or(now, |e| e.created_at),
        delivery: ClientDelivery::default(),
    };
    Ok((client, generated))
}

/// The webhook and CIBA delivery fields: URLs checked, the webhook secret sealed (kept from
/// the existing registration, or generated: then also returned, to be shown once).
pub fn delivery(
    keys: &DerivedKeys,
    spec: &ClientSpec,
    existing: Option<&Client>,
) -> Result<(ClientDelivery, Option<String>), String> {
    let absolute = |u: &str| (u.starts_with("https://") || u.starts_with("http://")) && !u.contains('#');
    if let Some(u) = spec.webhook_url.as_deref().filter(|u| !absolute(u)) {
        return Err(format!("webhook_url {u} must be an absolute http(s) URL"));
    }
    let endpoint = spec.backchannel_client_notification_endpoint.clone();
    if let Some(u) = endpoint.as_deref().filter(|u| !absolute(u)) {
        return Err(format!("backchannel_client_notification_endpoint {u} must be an absolute http(s) URL"));
    }
    if spec.backchannel_token_delivery_mode == DeliveryMode::Ping && endpoint.is_none() {
        return Err("ping mode needs a backchannel_client_notification_endpoint".into());
    }
    let mut generated = None;
    let webhook_secret = match (&spec.webhook_secret, &spec.webhook_url) {
        (Some(s), _) if s.is_empty() => return Err("webhook_secret must not be empty".into()),
        (Some(s), _) => Some(keys.seal(s.as_bytes())),
        (None, None) => None,
        (None, Some(_)) => match existing.and_then(|e| e.delivery.webhook_secret.clone()) {
            Some(kept) => Some(kept),
            None => {
                let s = random_token();
                let sealed = keys.seal(s.as_bytes());
                generated = Some(s);
                Some(sealed)
            }
        },
    };
    let settings = ClientDelivery {
        webhook_url: spec.webhook_url.clone(),
        webhook_secret,
        mode: spec.backchannel_token_delivery_mode,
        notification_endpoint: endpoint,
    };
    Ok((settings, generated))
}

pub async fn import_user(
    store: &dyn Store,
    pins: &PinHasher,
    spec: &UserSpec,
    now: UnixTime,
    out: &mut Generated,
) -> Result<(), ImportError> {
    let phone = Msisdn::parse(&spec.phone_number).ok_or_else(|| {
        ImportError::Invalid(format!("user {}: phone_number must be 47/45/358 + digits", spec.phone_number))
    })?;
    let bad = |m: &str| ImportError::Invalid(format!("user {phone}: {m}"));
    if let Some(b) = &spec.birthdate {
        crate::backchannel::age_at(b, now).ok_or_else(|| bad("birthdate must be YYYY-MM-DD"))?;
    }
    let user_id = store
        .upsert_user(&User {
            user_id: random_id(),
            phone_number: phone.clone(),
            given_name: spec.given_name.clone(),
            family_name: spec.family_name.clone(),
            email: spec.email.clone(),
            email_verified: spec.email_verified,
            birthdate: spec.birthdate.clone(),
            nin: spec.nin.clone(),
            active: spec.active,
            addresses: spec.addresses.clone(),
            created_at: now,
        })
        .await?;
    if let Some(code) = &spec.user_code {
        if !crate::user_code::valid(code) {
            return Err(bad("user_code must be 4 to 12 characters"));
        }
        let unchanged = store.user_code(&user_id).await?.is_some_and(|h| pins.verify(code, &h));
        if !unchanged {
            store.set_user_code(&user_id, &pins.hash(code)).await?;
        }
    }
    let existing = store.devices(&user_id).await?;
    for d in &spec.devices {
        if !valid_pin(&d.pin) {
            return Err(bad("a device PIN must be 4 to 6 digits"));
        }
        AppVersion::parse(&d.app_version).ok_or_else(|| bad("app_version must be X.Y.Z"))?;
        let old = existing.iter().find(|e| e.name == d.name);
        let token_hash = match (&d.device_token, old) {
            (Some(t), _) => sha256_hex(t),
            (None, Some(o)) => o.token_hash.clone(),
            (None, None) => {
                let t = random_token();
                out.lines.push(format!("user {phone} device '{}' token: {t}", d.name));
                sha256_hex(&t)
            }
        };
        let pin_hash = match old {
            Some(o) if pins.verify(&d.pin, &o.pin_hash) => o.pin_hash.clone(),
            _ => pins.hash(&d.pin),
        };
        let public_key = match &d.public_key {
            Some(jwk) => Some(
                DevicePublicKey::from_jwk(jwk)
                    .ok_or_else(|| bad("a device public_key must be the public JWK of an EC P-256 key"))?
                    .to_jwk_string(),
            ),
            None => None,
        };
        let unchanged = old.is_some_and(|o| {
            o.token_hash == token_hash
                && o.pin_hash == pin_hash
                && o.app_version == d.app_version
                && o.public_key == public_key
        });
        if !unchanged {
            store
                .upsert_device(&Device {
                    device_id: old.map_or_else(random_id, |o| o.device_id.clone()),
                    user_id: user_id.clone(),
                    name: d.name.clone(),
                    token_hash,
                    pin_hash,
                    app_version: d.app_version.clone(),
                    failed_pins: 0,
                    locked: false,
                    created_at: now,
                    public_key,
                    last_used_at: None,
                })
                .await?;
        }
    }
    Ok(())
}
