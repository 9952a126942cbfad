//! The ID token check of `phonelogin login` (OpenID Connect Core §3.1.3.7, CIBA §10.1.1):
//! the signature with the JWKS key the header names, `iss`, `aud`, `exp`, and the `nonce`.
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;

pub struct Verified {
    pub claims: Value,
    pub alg: String,
    /// ", nonce" when the provider echoed ours, else a note that it did not.
    pub nonce_note: &'static str,
}

pub fn verify(
    token: &str,
    jwks: &Value,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: i64,
) -> Result<Verified, String> {
    let header = decode_header(token).map_err(|e| format!("the ID token is not a JWT: {e}"))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::ES256 | Algorithm::PS256 | Algorithm::ES384 | Algorithm::EdDSA
    ) {
        return Err(format!("the ID token is signed with {:?}, not an asymmetric algorithm", header.alg));
    }
    let set: JwkSet = serde_json::from_value(jwks.clone()).map_err(|e| format!("the JWKS cannot be read: {e}"))?;
    let jwk = match &header.kid {
        Some(kid) => set.find(kid).ok_or_else(|| format!("the JWKS has no key {kid}"))?,
        None => match set.keys.as_slice() {
            [only] => only,
            _ => return Err("the ID token names no kid and the JWKS has several keys".into()),
        },
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWKS key unusable: {e}"))?;
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[issuer]);
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 60;
    let data = decode::<Value>(token, &key, &v).map_err(|e| format!("the ID token does not verify: {e}"))?;
    let claims = data.claims;
    if claims["iat"].as_i64().is_some_and(|iat| iat > now + 60) {
        return Err("the ID token is issued in the future".into());
    }
    let nonce_note = match claims["nonce"].as_str() {
        Some(n) if n == nonce => ", nonce",
        Some(_) => return Err("the ID token's nonce is not the one sent".into()),
        None => " (the provider does not echo a nonce in CIBA)",
    };
    Ok(Verified { claims, alg: format!("{:?}", header.alg), nonce_note })
}
