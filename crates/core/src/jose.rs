//! Verifying a compact JWS against a JWKS (RFC 7515, RFC 7517): the key is chosen by `kid`
//! (or tried among the keys of the right type when the header has none), the algorithm must be
//! one the caller allows, and RSA keys shorter than 2048 bits are never used (FAPI Part 1
//! §5.2.2). Time claims are left to the caller, who knows the settable clock.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};

use crate::keys::Alg;

/// Why a JWS did not verify. Only `UnknownKid` is worth a fresh copy of the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsError {
    /// Not a compact JWS with a JSON object payload.
    Malformed,
    /// `alg` is not one of those allowed (`none`, HS256 and friends included).
    AlgNotAllowed,
    /// The header names a `kid` the key set does not have.
    UnknownKid,
    /// No usable key verified the signature.
    BadSignature,
}

impl JwsError {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Malformed => "not a compact JWS",
            Self::AlgNotAllowed => "the JWS algorithm is not allowed",
            Self::UnknownKid => "the JWS names an unknown kid",
            Self::BadSignature => "the JWS signature does not verify with the registered keys",
        }
    }
}

/// The header's algorithm, when it is one of ours.
pub fn header_alg(token: &str) -> Result<Alg, JwsError> {
    let header = decode_header(token).map_err(|_| JwsError::Malformed)?;
    Alg::from_jwt(header.alg).ok_or(JwsError::AlgNotAllowed)
}

/// The payload without checking the signature: only to learn who claims to have signed it.
pub fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Verifies `token` with a key of `jwks` (a JWKS document) and returns its claims.
pub fn verify(token: &str, jwks: &Value, allowed: &[Alg]) -> Result<Map<String, Value>, JwsError> {
    let header = decode_header(token).map_err(|_| JwsError::Malformed)?;
    let alg = Alg::from_jwt(header.alg).filter(|a| allowed.contains(a)).ok_or(JwsError::AlgNotAllowed)?;
    let keys: Vec<Jwk> = jwks
        .get("keys")
        .and_then(Value::as_array)
        .map(|ks| ks.iter().filter_map(|k| serde_json::from_value(k.clone()).ok()).collect())
        .unwrap_or_default();
    let candidates: Vec<&Jwk> = match &header.kid {
        Some(kid) => {
            let named: Vec<&Jwk> = keys.iter().filter(|k| k.common.key_id.as_deref() == Some(kid.as_str())).collect();
            if named.is_empty() {
                return Err(JwsError::UnknownKid);
            }
            named
        }
        None => keys.iter().collect(),
    };
    let mut validation = Validation::new(alg.jwt());
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    for jwk in candidates.into_iter().filter(|k| usable(k, alg)) {
        let Ok(key) = DecodingKey::from_jwk(jwk) else { continue };
        if let Ok(data) = decode::<Map<String, Value>>(token, &key, &validation) {
            return Ok(data.claims);
        }
    }
    Err(JwsError::BadSignature)
}

/// A signing key of the algorithm's type, not marked for encryption or another algorithm,
/// and (RSA) at least 2048 bits.
fn usable(jwk: &Jwk, alg: Alg) -> bool {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return false;
    }
    if jwk.common.key_algorithm.is_some_and(|a| a.to_string() != alg.as_str()) {
        return false;
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) if alg.is_rsa() => {
            URL_SAFE_NO_PAD.decode(&rsa.n).is_ok_and(|n| n.iter().skip_while(|b| **b == 0).count() * 8 >= 2048)
        }
        AlgorithmParameters::EllipticCurve(ec) => {
            alg == Alg::Es256 && ec.curve == jsonwebtoken::jwk::EllipticCurve::P256
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 7515 Appendix A.3: the ES256 example JWS and its P-256 key.
    const A3_JWS: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

    fn a3_key() -> Value {
        json!({"kty": "EC", "crv": "P-256",
               "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
               "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
    }

    #[test]
    fn rfc7515_a3_es256_example_verifies() {
        let claims = verify(A3_JWS, &json!({"keys": [a3_key()]}), &[Alg::Es256]).unwrap();
        assert_eq!(claims["iss"], "joe");
        assert_eq!(claims["exp"], 1_300_819_380);
        assert_eq!(claims["http://example.com/is_root"], true);
    }

    #[test]
    fn a_tampered_payload_or_a_disallowed_alg_is_refused() {
        let keys = json!({"keys": [a3_key()]});
        let mut parts: Vec<&str> = A3_JWS.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(br#"{"iss":"eve"}"#);
        parts[1] = &other;
        assert_eq!(verify(&parts.join("."), &keys, &[Alg::Es256]), Err(JwsError::BadSignature));
        assert_eq!(verify(A3_JWS, &keys, &[Alg::Ps256]), Err(JwsError::AlgNotAllowed));
        assert_eq!(verify("not.a.jws", &keys, &Alg::ALL), Err(JwsError::Malformed));
        // RFC 7515 A.5, the unsecured example: alg none is never accepted.
        let none = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
        assert!(verify(none, &keys, &Alg::ALL).is_err());
    }

    #[test]
    fn keys_are_chosen_by_kid_and_type() {
        let mut named = a3_key();
        named["kid"] = "k1".into();
        let token_with_kid = {
            // Same signature input is not reusable with a new header: sign a fresh token instead.
            let secret = crate::crypto::ServerSecret::generate().keys();
            let stored = crate::keys::StoredKey::generate(Alg::Es256, &secret, 0).unwrap();
            let signer = crate::keys::Signer::open(&stored, &secret).unwrap();
            (signer.sign(&json!({"iss": "c"})).unwrap(), serde_json::from_str::<Value>(&stored.public_jwk).unwrap())
        };
        let (token, jwk) = token_with_kid;
        assert_eq!(verify(&token, &json!({"keys": [named]}), &Alg::ALL), Err(JwsError::UnknownKid));
        assert_eq!(verify(&token, &json!({"keys": [jwk.clone()]}), &Alg::ALL).unwrap()["iss"], "c");
        let mut enc = jwk;
        enc["use"] = "enc".into();
        assert_eq!(verify(&token, &json!({"keys": [enc]}), &Alg::ALL), Err(JwsError::BadSignature));
    }

    #[test]
    fn rsa_keys_under_2048_bits_are_not_used() {
        let mut short = json!({"kty": "RSA", "e": "AQAB", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128])});
        let jwk: Jwk = serde_json::from_value(short.clone()).unwrap();
        assert!(!usable(&jwk, Alg::Rs256));
        short["n"] = URL_SAFE_NO_PAD.encode([0xffu8; 256]).into();
        let jwk: Jwk = serde_json::from_value(short).unwrap();
        assert!(usable(&jwk, Alg::Ps256));
        assert!(!usable(&jwk, Alg::Es256));
    }
}
