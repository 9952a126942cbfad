//! Signed authentication requests (CIBA §7.1.1, spec §12): the backchannel parameters inside a
//! `request` JWT signed by the client, with `iss`, `aud` (the issuer), `exp`, `iat`, `nbf` and
//! `jti`. Required for clients registered with `backchannel_authentication_request_signing_alg`
//! and for FAPI-CIBA clients (FAPI-CIBA §5.2.2-6); a bad one is `invalid_request`. When a
//! `request` is sent, only its parameters count (as RFC 9101 §5 says of request objects).
use std::collections::HashMap;

use serde_json::Value;

use crate::OAuthError;
use crate::backchannel::Params;
use crate::client_jwt::{ClientKeys, LEEWAY, audience_matches, first_use, text, time, verify_signed};
use crate::clock::UnixTime;
use crate::jose;
use crate::model::Client;
use crate::store::Store;

/// `nbf` to `exp` spans at most an hour, and `nbf` is at most an hour old (FAPI-CIBA §5.2.2-9).
pub const MAX_REQUEST_LIFETIME: i64 = 3600;

/// The JWT claims that are not authentication parameters.
const JWT_CLAIMS: [&str; 9] = ["iss", "aud", "exp", "iat", "nbf", "jti", "client_id", "request", "request_uri"];

const BAD: OAuthError = OAuthError::InvalidRequest("the request object is invalid");

/// The parameters of a backchannel request: the signed request's when there is one.
pub async fn parameters(
    store: &dyn Store,
    keys: &dyn ClientKeys,
    client: &Client,
    form: Params,
    issuer: &str,
    now: UnixTime,
) -> Result<Params, OAuthError> {
    let required = client.security.request_signing_alg.is_some() || client.is_fapi();
    let Some(request) = form.get("request") else {
        return if required {
            Err(OAuthError::InvalidRequest("this client must send a signed request object"))
        } else {
            Ok(form)
        };
    };
    if form.get("request_uri").is_some() {
        return Err(OAuthError::InvalidRequest("request_uri is not supported"));
    }
    let alg = jose::header_alg(request).map_err(|_| BAD)?;
    let allowed = match client.security.request_signing_alg {
        Some(registered) if registered != alg => return Err(BAD),
        Some(registered) => vec![registered],
        None => client.allowed_jws_algs().to_vec(),
    };
    let claims = verify_signed(keys, client, request, &allowed).await.map_err(|_| BAD)?;
    let (jti, exp) = check_claims(&claims, &client.client_id, issuer, now)?;
    if !first_use(store, &client.client_id, "request", jti, exp, now).await? {
        return Err(OAuthError::InvalidRequest("the request object's jti was used before"));
    }
    let mut map = HashMap::new();
    for (name, value) in claims.iter().filter(|(n, _)| !JWT_CLAIMS.contains(&n.as_str())) {
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        map.insert(name.clone(), value);
    }
    Ok(Params::from_map(map))
}

/// CIBA §7.1.1 claims; returns (jti, exp).
fn check_claims<'a>(
    claims: &'a serde_json::Map<String, Value>,
    client_id: &str,
    issuer: &str,
    now: UnixTime,
) -> Result<(&'a str, UnixTime), OAuthError> {
    if text(claims, "iss") != Some(client_id) || claims.get("client_id").is_some_and(|c| c != client_id) {
        return Err(OAuthError::InvalidRequest("the request object's iss must be the client_id"));
    }
    if !audience_matches(claims, &[issuer]) {
        return Err(OAuthError::InvalidRequest("the request object's aud must be the issuer"));
    }
    let (Some(exp), Some(iat), Some(nbf)) = (time(claims, "exp"), time(claims, "iat"), time(claims, "nbf")) else {
        return Err(OAuthError::InvalidRequest("the request object needs exp, iat and nbf"));
    };
    if exp <= now {
        return Err(OAuthError::InvalidRequest("the request object has expired"));
    }
    if nbf > now + LEEWAY || iat > now + LEEWAY {
        return Err(OAuthError::InvalidRequest("the request object is not valid yet"));
    }
    if exp - nbf > MAX_REQUEST_LIFETIME || nbf < now - MAX_REQUEST_LIFETIME {
        return Err(OAuthError::InvalidRequest("the request object may live at most 60 minutes"));
    }
    let jti = text(claims, "jti").filter(|j| !j.is_empty() && j.len() <= 255);
    Ok((jti.ok_or(OAuthError::InvalidRequest("the request object needs a jti"))?, exp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_000_000;
    const ISS: &str = "https://op.example/";

    fn good() -> Value {
        json!({"iss": "c", "aud": ISS, "exp": NOW + 300, "iat": NOW, "nbf": NOW, "jti": "r1", "scope": "openid"})
    }

    fn check(v: Value) -> Result<(String, i64), OAuthError> {
        check_claims(v.as_object().unwrap(), "c", ISS, NOW).map(|(j, e)| (j.to_owned(), e))
    }

    #[test]
    fn a_good_request_object_passes() {
        assert_eq!(check(good()), Ok(("r1".into(), NOW + 300)));
    }

    #[test]
    fn each_broken_claim_is_invalid_request() {
        let cases: Vec<(&str, Value)> = vec![
            ("iss", json!("x")),
            ("client_id", json!("x")),
            ("aud", json!("https://op.example/token")),
            ("exp", json!(NOW - 1)),
            ("nbf", json!(NOW + 120)),
            ("iat", json!(NOW + 120)),
            ("exp", json!(NOW + MAX_REQUEST_LIFETIME + 1)),
            ("nbf", json!(NOW - MAX_REQUEST_LIFETIME - 1)),
            ("jti", json!("")),
        ];
        for (name, value) in cases {
            let mut c = good();
            c[name] = value.clone();
            assert_eq!(check(c).unwrap_err().code(), "invalid_request", "{name}={value}");
        }
        for missing in ["exp", "iat", "nbf", "jti"] {
            let mut c = good();
            c.as_object_mut().unwrap().remove(missing);
            assert!(check(c).is_err(), "{missing}");
        }
    }
}
