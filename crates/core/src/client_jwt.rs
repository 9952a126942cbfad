//! JWTs a client signs with its own keys (spec §12): `private_key_jwt` client assertions
//! (RFC 7523 §3, OIDC Core §9) and the claims checks they share with signed authentication
//! requests. The keys come from a `ClientKeys` source: inline `jwks`, or the `jwks_uri` fetched
//! by the server (cached; fetched again once when a JWS names a `kid` the copy lacks).
use serde_json::{Map, Value};

use crate::OAuthError;
use crate::clock::UnixTime;
use crate::jose::{self, JwsError};
use crate::keys::Alg;
use crate::model::Client;
use crate::store::Store;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// A client assertion may expire at most this far ahead (spec §12).
pub const MAX_ASSERTION_LIFETIME: i64 = 300;
/// Clock skew tolerated on `nbf` and `iat`.
pub const LEEWAY: i64 = 30;

/// Where a client's public keys come from.
#[async_trait::async_trait]
pub trait ClientKeys: Send + Sync {
    /// The client's JWKS document; `refresh` asks for a fresh copy of a `jwks_uri`.
    async fn jwks(&self, client: &Client, refresh: bool) -> Result<Value, String>;
}

/// Verifies a JWS signed by `client` with one of its keys and an algorithm it may use; an
/// unknown `kid` gets one fresh copy of a `jwks_uri`. The error is a fixed description.
pub async fn verify_signed(
    keys: &dyn ClientKeys,
    client: &Client,
    token: &str,
    allowed: &[Alg],
) -> Result<Map<String, Value>, &'static str> {
    // The source logs why a fetch failed; the caller only learns that it did.
    let unreadable = |_| "the client's keys cannot be read";
    let jwks = keys.jwks(client, false).await.map_err(unreadable)?;
    match jose::verify(token, &jwks, allowed) {
        Err(JwsError::UnknownKid) if client.security.jwks_uri.is_some() => {
            let fresh = keys.jwks(client, true).await.map_err(unreadable)?;
            jose::verify(token, &fresh, allowed).map_err(JwsError::describe)
        }
        other => other.map_err(JwsError::describe),
    }
}

/// A claim as a string.
pub fn text<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// A claim as a NumericDate (integer seconds; a fractional value is truncated).
pub fn time(claims: &Map<String, Value>, name: &str) -> Option<UnixTime> {
    let v = claims.get(name)?;
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// Whether `aud` (a string or an array of strings) names one of `accepted`.
pub fn audience_matches(claims: &Map<String, Value>, accepted: &[&str]) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => accepted.contains(&a.as_str()),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(|a| accepted.contains(&a)),
        _ => false,
    }
}

/// Records a `jti` of a client as used until `expires_at`; false when it was used before
/// (on any node: the store is shared).
pub async fn first_use(
    store: &dyn Store,
    client_id: &str,
    purpose: &str,
    jti: &str,
    expires_at: UnixTime,
    now: UnixTime,
) -> Result<bool, OAuthError> {
    Ok(store.use_jti(client_id, &format!("{purpose}:{jti}"), expires_at, now).await?)
}

/// The claims of a client assertion (RFC 7523 §3): `iss` = `sub` = client_id, `aud` the
/// issuer or the endpoint's URL, `exp` in the future and at most 5 minutes ahead, a `jti`.
/// Returns (jti, exp).
pub fn check_assertion_claims<'a>(
    claims: &'a Map<String, Value>,
    client_id: &str,
    audiences: &[&str],
    now: UnixTime,
) -> Result<(&'a str, UnixTime), &'static str> {
    if text(claims, "iss") != Some(client_id) || text(claims, "sub") != Some(client_id) {
        return Err("iss and sub must be the client_id");
    }
    if !audience_matches(claims, audiences) {
        return Err("aud must be the issuer or the endpoint URL");
    }
    let exp = time(claims, "exp").ok_or("exp is required")?;
    if exp <= now {
        return Err("the assertion has expired");
    }
    if exp > now + MAX_ASSERTION_LIFETIME {
        return Err("exp is more than 5 minutes ahead");
    }
    if time(claims, "nbf").is_some_and(|nbf| nbf > now + LEEWAY)
        || time(claims, "iat").is_some_and(|iat| iat > now + LEEWAY)
    {
        return Err("the assertion is not valid yet");
    }
    let jti = text(claims, "jti").filter(|j| !j.is_empty() && j.len() <= 255).ok_or("jti is required")?;
    Ok((jti, exp))
}

/// Authenticates a `private_key_jwt` client: its registered method, a valid signature, valid
/// claims and a `jti` never seen before. Every failure is `invalid_client` (spec §12).
pub async fn authenticate(
    store: &dyn Store,
    keys: &dyn ClientKeys,
    client: Option<Client>,
    assertion: &str,
    audiences: &[&str],
    now: UnixTime,
) -> Result<Client, (OAuthError, &'static str)> {
    let fail = |why: &'static str| (OAuthError::InvalidClient { basic: false }, why);
    let client = client.ok_or_else(|| fail("unknown client"))?;
    if client.auth_method != crate::model::AuthMethod::PrivateKeyJwt {
        return Err(fail("the client is not registered for private_key_jwt"));
    }
    let claims = verify_signed(keys, &client, assertion, client.allowed_jws_algs()).await.map_err(fail)?;
    let (jti, exp) = check_assertion_claims(&claims, &client.client_id, audiences, now).map_err(fail)?;
    if !first_use(store, &client.client_id, "assertion", jti, exp, now).await.map_err(|e| (e, "store"))? {
        return Err(fail("the assertion's jti was used before"));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    const NOW: i64 = 1_000_000;
    const AUD: &[&str] = &["https://op.example/", "https://op.example/token"];

    fn good() -> Value {
        json!({"iss": "c", "sub": "c", "aud": "https://op.example/", "exp": NOW + 60, "jti": "j1"})
    }

    #[test]
    fn a_good_assertion_passes() {
        assert_eq!(check_assertion_claims(&claims(good()), "c", AUD, NOW), Ok(("j1", NOW + 60)));
        let mut list = good();
        list["aud"] = json!(["x", "https://op.example/token"]);
        assert!(check_assertion_claims(&claims(list), "c", AUD, NOW).is_ok());
    }

    #[test]
    fn each_broken_claim_is_refused() {
        let cases: Vec<(&str, Value)> = vec![
            ("iss", json!("other")),
            ("sub", json!("other")),
            ("aud", json!("https://elsewhere/")),
            ("exp", json!(NOW)),
            ("exp", json!(NOW + MAX_ASSERTION_LIFETIME + 1)),
            ("nbf", json!(NOW + 600)),
            ("jti", json!("")),
        ];
        for (name, value) in cases {
            let mut c = good();
            c[name] = value.clone();
            assert!(check_assertion_claims(&claims(c), "c", AUD, NOW).is_err(), "{name}={value}");
        }
        let mut no_jti = good();
        no_jti.as_object_mut().unwrap().remove("jti");
        assert!(check_assertion_claims(&claims(no_jti), "c", AUD, NOW).is_err());
    }
}
