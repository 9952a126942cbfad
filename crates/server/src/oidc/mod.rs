//! The OpenID provider's endpoints (spec §3, §12), one file each, and the form and client
//! credential extraction they share.
pub mod backchannel;
pub mod discovery;
pub mod introspection;
pub mod revocation;
pub mod token;
pub mod userinfo;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use phonelogin_core::OAuthError;
use phonelogin_core::backchannel::Params;
use phonelogin_core::client_auth::{Credential, FormCredentials, Presented};
use phonelogin_core::client_jwt;
use phonelogin_core::model::{AuthMethod, Client};

use crate::state::AppState;

/// Parses an `application/x-www-form-urlencoded` body; a repeated parameter is refused.
fn form(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::InvalidRequest("the body must be application/x-www-form-urlencoded"));
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| OAuthError::InvalidRequest("the form body cannot be parsed"))?;
    Params::from_pairs(pairs)
}

/// The HTTP Basic credentials: `None` without a Basic header, `Some(None)` when unreadable.
/// Both parts are form-urlencoded inside the base64 (RFC 6749 §2.3.1).
fn basic(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    Some(decoded.and_then(|d| {
        let (id, secret) = d.split_once(':')?;
        let unescape = |s: &str| form_decode(s);
        Some((unescape(id)?, unescape(secret)?))
    }))
}

fn form_decode(s: &str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("v={}", s.replace('&', "%26").replace('=', "%3D"))).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

/// Parses the form and authenticates the calling client (spec §3.1, §12) at the endpoint
/// with path `endpoint`: the start of every client request.
pub async fn client_request(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: &str,
) -> Result<(Params, Client), OAuthError> {
    let params = form(headers, body)?;
    let client = authenticate(state, headers, &params, endpoint).await?;
    Ok((params, client))
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    endpoint: &str,
) -> Result<Client, OAuthError> {
    let form = FormCredentials {
        client_id: params.get("client_id"),
        client_secret: params.get("client_secret"),
        assertion_type: params.get("client_assertion_type"),
        assertion: params.get("client_assertion"),
    };
    let presented = Presented::from_request(basic(headers), form)?;
    let client = state.client(&presented.client_id).await?;
    let Credential::Assertion(jwt) = &presented.credential else {
        return match presented.authenticate(client) {
            Ok(client) => Ok(client),
            // The cached registration may be older than the secret (a client created again by the
            // admin commands a moment ago): a failure is decided on the stored one.
            Err(_) => presented.authenticate(state.client_fresh(&presented.client_id).await?),
        };
    };
    // The same for a client that the cache does not know as a private_key_jwt client yet.
    let client = match client {
        Some(c) if c.auth_method == AuthMethod::PrivateKeyJwt => Some(c),
        _ => state.client_fresh(&presented.client_id).await?,
    };
    // RFC 7523 §3: the issuer, or the URL of the endpoint the assertion is sent to.
    let endpoint_url = state.url(endpoint);
    let audiences = [state.issuer.as_str(), endpoint_url.as_str()];
    client_jwt::authenticate(state.store.as_ref(), state, client, jwt, &audiences, state.clock.now()).await.map_err(
        |(e, why)| {
            tracing::info!(client_id = %presented.client_id, why, "client assertion refused");
            e
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_credentials_are_base64_of_urlencoded_parts() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {}", STANDARD.encode("my%20client:s%3Ac+r"))).unwrap(),
        );
        assert_eq!(basic(&h), Some(Some(("my client".into(), "s:c r".into()))));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic(&h), Some(None));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(basic(&h), None);
    }
}
