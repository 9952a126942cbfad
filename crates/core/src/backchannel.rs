//! The backchannel authentication request (CIBA §7, spec §3.2) as a list of named steps:
//! grant type → scope → hints → requested_expiry → binding_message → flow and redirect →
//! state and nonce → resolve the user (phone number or id_token_hint) → eligibility →
//! user code → ping token → pending limit and persist, with the push to the user's devices.
//! (Client authentication and the signed request happen before, notification after, in the
//! server.)
use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use crate::OAuthError;
use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, sha256_hex, sortable_id};
use crate::login_request::{Flow, INTERVAL, LoginRequest, MAX_EXPIRY, Status};
use crate::model::{Client, DeliveryMode, GRANT_CIBA, GRANT_CIBA_REDIRECT, User};
use crate::msisdn::Msisdn;
use crate::outbox;
use crate::scope::{Scope, ScopeSet};
use crate::store::{Insert, NewLoginRequest, Store};
use crate::version::AppVersion;

/// The form parameters, each at most once (spec §3.2: a repeated parameter is
/// `invalid_request`). Unknown parameters are ignored (RFC 6749 §3.1).
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, OAuthError> {
        let mut map = HashMap::with_capacity(pairs.len());
        for (k, v) in pairs {
            if map.insert(k, v).is_some() {
                return Err(OAuthError::InvalidRequest("a parameter was given more than once"));
            }
        }
        Ok(Self(map))
    }

    /// Parameters taken from a verified request object.
    pub fn from_map(map: HashMap<String, String>) -> Self {
        Self(map)
    }

    /// A parameter; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Server settings the steps need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_pending_per_user: i64,
    pub min_app_version: AppVersion,
    /// `--dev`: `http` redirect URIs are allowed (and `http`/private `jwks_uri`s).
    pub dev: bool,
    /// `--signing-alg`: the ID-token algorithm of clients that registered none.
    pub id_token_alg: crate::keys::Alg,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    pub auth_req_id: String,
    pub expires_in: i64,
    pub interval: i64,
    /// Not part of the response: whom to notify, and which request.
    #[serde(skip)]
    pub user_id: String,
    #[serde(skip)]
    pub request_id: String,
    /// Outbox messages written with it (pushes to subscribed devices): 0 leaves the delivery
    /// worker asleep.
    #[serde(skip)]
    pub messages: u64,
}

/// Runs every step for an authenticated client; `issuer` checks an `id_token_hint`.
pub async fn handle(
    store: &dyn Store,
    keys: &DerivedKeys,
    settings: &Settings,
    issuer: &str,
    client: &Client,
    params: &Params,
    now: UnixTime,
) -> Result<Accepted, OAuthError> {
    check_grant_type(client, params)?;
    let scopes = scope(client, params)?;
    let hint = hints(params)?;
    let lifetime = requested_expiry(params)?;
    let binding_message = binding_message(client, params)?;
    let flow = flow(client, params, settings)?;
    let (client_state, nonce) = (short_text(params, "state")?, short_text(params, "nonce")?);
    let ping_token = client_notification_token(client, params, settings)?;
    let (user, app_versions) = match hint {
        Hint::Phone(phone) => store.user_by_phone_with_app_versions(&phone).await?.ok_or(OAuthError::UnknownUserId)?,
        Hint::IdToken(token) => {
            let user = crate::id_token_hint::resolve(store, keys, issuer, client, token).await?;
            let versions = store.app_versions(&user.user_id).await?;
            (user, versions)
        }
    };
    eligibility(&user, &app_versions, settings, now)?;
    crate::user_code::check(store, &keys.pin, client, &user, params, now).await?;

    let id = sortable_id();
    let auth_req_id = keys.auth_req_id(&id);
    let request = LoginRequest {
        id: id.clone(),
        client_id: client.client_id.clone(),
        user_id: user.user_id.clone(),
        scopes,
        binding_message,
        nonce,
        client_state,
        flow,
        status: Status::Pending,
        created_at: now,
        expires_at: now + lifetime,
        interval: INTERVAL,
        decided_at: None,
        delegated: None,
    };
    let new = NewLoginRequest {
        push: Some(outbox::login_request_push(keys, &user.user_id, &id, &client.name, now, request.expires_at)),
        ping_body: ping_token.map(|t| outbox::ping_body(keys, &auth_req_id, t)),
        auth_req_hash: sha256_hex(&auth_req_id),
        request,
    };
    let messages = persist(store, new, settings, now).await?;
    Ok(Accepted {
        auth_req_id,
        expires_in: lifetime,
        interval: INTERVAL,
        user_id: user.user_id,
        request_id: id,
        messages,
    })
}

/// The client must be registered for a CIBA grant; the web-page flow needs the redirect grant.
fn check_grant_type(client: &Client, params: &Params) -> Result<(), OAuthError> {
    let grant = match params.get("requested_flow") {
        Some("login_to_webpage") => GRANT_CIBA_REDIRECT,
        _ => GRANT_CIBA,
    };
    if client.allows_grant(grant) { Ok(()) } else { Err(OAuthError::UnauthorizedClient) }
}

/// §3.2 `scope`: required, contains `openid`, every value known and allowed for the client.
fn scope(client: &Client, params: &Params) -> Result<ScopeSet, OAuthError> {
    let raw = params.get("scope").ok_or(OAuthError::InvalidScope("scope is required"))?;
    let scopes = ScopeSet::parse(raw)?;
    if !scopes.contains(Scope::OpenId) {
        return Err(OAuthError::InvalidScope("scope must contain openid"));
    }
    if !scopes.is_subset(&client.scopes) {
        return Err(OAuthError::InvalidScope("a requested scope is not allowed for this client"));
    }
    if scopes.contains(Scope::DelegatedConsents) && client.delegated_consents.is_none() {
        return Err(OAuthError::InvalidScope("the client has no delegated-consents form"));
    }
    Ok(scopes)
}

/// Who the request is for.
#[derive(Debug, PartialEq, Eq)]
enum Hint<'a> {
    Phone(Msisdn),
    IdToken(&'a str),
}

/// §3.2 hints: exactly one of `login_hint` (either phone-number form) and `id_token_hint`
/// (§12); `login_hint_token` is not supported. `user_code` is not a hint.
fn hints(params: &Params) -> Result<Hint<'_>, OAuthError> {
    let given =
        ["login_hint", "login_hint_token", "id_token_hint"].into_iter().filter(|h| params.get(h).is_some()).count();
    if given > 1 {
        return Err(OAuthError::InvalidRequest("exactly one hint may be given"));
    }
    if params.get("login_hint_token").is_some() {
        return Err(OAuthError::InvalidRequest("login_hint_token is not supported"));
    }
    if let Some(token) = params.get("id_token_hint") {
        return Ok(Hint::IdToken(token));
    }
    let hint = params.get("login_hint").ok_or(OAuthError::InvalidRequest("login_hint or id_token_hint is required"))?;
    Msisdn::from_login_hint(hint).map(Hint::Phone).ok_or(OAuthError::InvalidRequest(
        "login_hint must be urn:msisdn: followed by an international mobile number without +",
    ))
}

/// §3.2 `requested_expiry`: a positive integer; the request lives min(it, 600) seconds.
fn requested_expiry(params: &Params) -> Result<i64, OAuthError> {
    match params.get("requested_expiry") {
        None => Ok(MAX_EXPIRY),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n > 0 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(n.min(MAX_EXPIRY)),
            _ => Err(OAuthError::InvalidRequest("requested_expiry must be a positive integer")),
        },
    }
}

/// §3.2 `binding_message`: `^[A-Z0-9-]{5,8}$`; required under FAPI-CIBA, whose §5.2.2-2 asks
/// for a binding message unless the request carries a unique authorization context (ours
/// cannot tell one login at a till from another).
fn binding_message(client: &Client, params: &Params) -> Result<Option<String>, OAuthError> {
    let Some(m) = params.get("binding_message") else {
        return if client.is_fapi() {
            Err(OAuthError::InvalidRequest("binding_message is required for this client (FAPI-CIBA)"))
        } else {
            Ok(None)
        };
    };
    let ok = (5..=8).contains(&m.len()) && m.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(Some(m.to_owned())) } else { Err(OAuthError::InvalidBindingMessage) }
}

/// §3.2 `requested_flow` and `redirect_uri`: the URI is required with `login_to_webpage`,
/// forbidden otherwise, registered exactly, and `https` unless `--dev`.
fn flow(client: &Client, params: &Params, settings: &Settings) -> Result<Flow, OAuthError> {
    let redirect_uri = params.get("redirect_uri");
    match params.get("requested_flow") {
        None => match redirect_uri {
            None => Ok(Flow::InApp),
            Some(_) => {
                Err(OAuthError::InvalidRequest("redirect_uri is only allowed with requested_flow=login_to_webpage"))
            }
        },
        Some("login_to_webpage") => {
            let uri =
                redirect_uri.ok_or(OAuthError::InvalidRequest("redirect_uri is required with login_to_webpage"))?;
            if !client.redirect_uris.iter().any(|r| r == uri) {
                return Err(OAuthError::InvalidRequest("redirect_uri is not registered for this client"));
            }
            // FAPI Part 1 §5.2.2: https redirect URIs, even in --dev.
            if !uri.starts_with("https://") && (!settings.dev || client.is_fapi()) {
                return Err(OAuthError::InvalidRequest("redirect_uri must use https"));
            }
            Ok(Flow::LoginToWebpage { redirect_uri: uri.to_owned() })
        }
        Some(_) => Err(OAuthError::InvalidRequest("requested_flow must be login_to_webpage")),
    }
}

/// CIBA Core §7.1 `client_notification_token`: required from a ping-mode client (whose
/// notification endpoint must be https outside `--dev`); ignored otherwise.
fn client_notification_token<'a>(
    client: &Client,
    params: &'a Params,
    settings: &Settings,
) -> Result<Option<&'a str>, OAuthError> {
    if client.delivery.mode != DeliveryMode::Ping {
        return Ok(None);
    }
    let endpoint = client.delivery.notification_endpoint.as_deref().unwrap_or_default();
    if outbox::endpoint::check_url(endpoint, settings.dev, false).is_err() {
        return Err(OAuthError::InvalidRequest("the client's notification endpoint must use https"));
    }
    match params.get("client_notification_token") {
        None => Err(OAuthError::InvalidRequest("client_notification_token is required in ping mode")),
        Some(t) if t.len() > 1024 => Err(OAuthError::InvalidRequest("client_notification_token is too long")),
        Some(t) => Ok(Some(t)),
    }
}

/// §3.2 `state`, `nonce`: optional, at most 512 characters.
fn short_text(params: &Params, name: &str) -> Result<Option<String>, OAuthError> {
    match params.get(name) {
        Some(v) if v.chars().count() > 512 => {
            Err(OAuthError::InvalidRequest("state and nonce are limited to 512 characters"))
        }
        v => Ok(v.map(str::to_owned)),
    }
}

/// §3.2 eligibility: active, at least 15 years old, and an app (the newest of `app_versions`,
/// one per device) that is not too old.
fn eligibility(user: &User, app_versions: &[String], settings: &Settings, now: UnixTime) -> Result<(), OAuthError> {
    if !user.active || user.birthdate.as_deref().is_some_and(|b| age_at(b, now).is_some_and(|a| a < 15)) {
        return Err(OAuthError::UnknownUserId);
    }
    let newest = app_versions.iter().filter_map(|v| AppVersion::parse(v)).max();
    match newest {
        Some(v) if v < settings.min_app_version => Err(OAuthError::OldApp),
        _ => Ok(()),
    }
}

/// Age in whole years of someone born on `birthdate` (`YYYY-MM-DD`), at `now`.
pub fn age_at(birthdate: &str, now: UnixTime) -> Option<i32> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let born = Date::parse(birthdate, &format).ok()?;
    let today = OffsetDateTime::from_unix_timestamp(now).ok()?.date();
    let had_birthday = (today.month() as u8, today.day()) >= (born.month() as u8, born.day());
    Some(today.year() - born.year() - i32::from(!had_birthday))
}

/// §3.2 pending limit, then persist: one conditional insert, with the push (spec §11); how many
/// outbox messages it wrote.
async fn persist(
    store: &dyn Store,
    new: NewLoginRequest,
    settings: &Settings,
    now: UnixTime,
) -> Result<u64, OAuthError> {
    match store.insert_login_request(&new, settings.max_pending_per_user, now).await? {
        Insert::Inserted { messages } => Ok(messages),
        Insert::LimitReached { earliest_expiry } => {
            Err(OAuthError::TooManyRequests { retry_after: (earliest_expiry - now).max(1) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
    }

    fn client() -> Client {
        Client::for_tests(crate::model::AuthMethod::ClientSecretBasic)
    }

    #[test]
    fn exactly_one_hint_and_user_code_is_not_one() {
        let ok = params(&[("login_hint", "urn:msisdn:4712345678"), ("user_code", "1234")]);
        assert!(matches!(hints(&ok), Ok(Hint::Phone(_))));
        assert_eq!(hints(&params(&[("id_token_hint", "x.y.z")])), Ok(Hint::IdToken("x.y.z")));
        let two = params(&[("login_hint", "urn:msisdn:4712345678"), ("id_token_hint", "x.y.z")]);
        assert_eq!(hints(&two).unwrap_err().code(), "invalid_request");
        assert_eq!(hints(&params(&[("login_hint_token", "t")])).unwrap_err().code(), "invalid_request");
        assert_eq!(hints(&params(&[])).unwrap_err().code(), "invalid_request");
    }

    #[test]
    fn a_repeated_parameter_is_invalid_request() {
        let e = Params::from_pairs(vec![("scope".into(), "openid".into()), ("scope".into(), "openid".into())]);
        assert_eq!(e.unwrap_err().code(), "invalid_request");
    }

    #[test]
    fn binding_message_follows_the_pattern() {
        let c = client();
        assert_eq!(binding_message(&c, &params(&[("binding_message", "AB-123")])).unwrap().as_deref(), Some("AB-123"));
        assert_eq!(binding_message(&c, &params(&[])), Ok(None));
        let mut fapi = client();
        fapi.security.profile = Some(crate::model::Profile::FapiCiba);
        assert_eq!(binding_message(&fapi, &params(&[])).unwrap_err().code(), "invalid_request");
        for bad in ["ab-123", "ABCD", "ABCDEFGHI", "AB 123", "ÆØÅ12"] {
            assert_eq!(
                binding_message(&c, &params(&[("binding_message", bad)])),
                Err(OAuthError::InvalidBindingMessage),
                "{bad}"
            );
        }
    }

    #[test]
    fn requested_expiry_is_capped_at_600() {
        assert_eq!(requested_expiry(&params(&[("requested_expiry", "120")])), Ok(120));
        assert_eq!(requested_expiry(&params(&[("requested_expiry", "9000")])), Ok(600));
        for bad in ["0", "-5", "1.5", "ten", "+5"] {
            assert!(requested_expiry(&params(&[("requested_expiry", bad)])).is_err(), "{bad}");
        }
    }

    #[test]
    fn age_counts_whole_years() {
        // 2025-06-15T00:00:00Z
        let now = 1_749_945_600;
        assert_eq!(age_at("2010-06-15", now), Some(15));
        assert_eq!(age_at("2010-06-16", now), Some(14));
        assert_eq!(age_at("not-a-date", now), None);
    }
}
