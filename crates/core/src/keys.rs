//! ID-token signing keys: generation (RS256, PS256 or ES256; one active key per algorithm), the
//! sealed stored form, the JWKS, and a `Signer` that signs with an active key.
use jsonwebtoken::{EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use rand_core::OsRng;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, b64url};

/// How long a retired key stays in the JWKS: the ID-token lifetime plus leeway.
pub const RETIRED_KEY_GRACE: i64 = 3600 + 300;

/// The JWS algorithms the server signs and verifies with (spec §12): nothing else is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Alg {
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "PS256")]
    Ps256,
    #[serde(rename = "ES256")]
    Es256,
}

impl Alg {
    pub const ALL: [Alg; 3] = [Alg::Rs256, Alg::Ps256, Alg::Es256];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
            Alg::Es256 => "ES256",
        }
    }
    /// Case-insensitive, for command lines; JOSE headers are matched exactly with `from_jwt`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str().eq_ignore_ascii_case(s))
    }
    pub fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Alg::Rs256 => jsonwebtoken::Algorithm::RS256,
            Alg::Ps256 => jsonwebtoken::Algorithm::PS256,
            Alg::Es256 => jsonwebtoken::Algorithm::ES256,
        }
    }
    pub fn from_jwt(a: jsonwebtoken::Algorithm) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.jwt() == a)
    }
    /// RS256 and PS256 keys are RSA keys.
    pub fn is_rsa(self) -> bool {
        self != Alg::Es256
    }
}

/// A key as stored: the private part sealed with a key derived from the server secret.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredKey {
    pub kid: String,
    pub alg: Alg,
    pub private_sealed: Vec<u8>,
    /// The public JWK, JSON.
    pub public_jwk: String,
    pub created_at: UnixTime,
    /// The key that signs new tokens; exactly one is active.
    pub active: bool,
    pub retired_at: Option<UnixTime>,
}

impl StoredKey {
    /// Generates a new key pair and seals its private part.
    pub fn generate(alg: Alg, keys: &DerivedKeys, now: UnixTime) -> Result<Self, String> {
        let (der, mut jwk) = match alg {
            Alg::Rs256 | Alg::Ps256 => {
                let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).map_err(|e| e.to_string())?;
                let der = key.to_pkcs1_der().map_err(|e| e.to_string())?.as_bytes().to_vec();
                let jwk =
                    json!({"e": b64url(&key.e().to_bytes_be()), "kty": "RSA", "n": b64url(&key.n().to_bytes_be())});
                (der, jwk)
            }
            Alg::Es256 => {
                let key = p256::SecretKey::random(&mut OsRng);
                let der = key.to_pkcs8_der().map_err(|e| e.to_string())?.as_bytes().to_vec();
                let point = key.public_key().to_encoded_point(false);
                let coord = |c: Option<&p256::FieldBytes>| c.map(|b| b64url(b)).unwrap_or_default();
                let jwk = json!({"crv": "P-256", "kty": "EC", "x": coord(point.x()), "y": coord(point.y())});
                (der, jwk)
            }
        };
        // RFC 7638 thumbprint: the required members, sorted, no spaces (json! sorts keys).
        let kid = b64url(&Sha256::digest(jwk.to_string().as_bytes()));
        if let Value::Object(m) = &mut jwk {
            m.insert("kid".into(), kid.clone().into());
            m.insert("alg".into(), alg.as_str().into());
            m.insert("use".into(), "sig".into());
        }
        Ok(Self {
            kid,
            alg,
            private_sealed: keys.seal(&der),
            public_jwk: jwk.to_string(),
            created_at: now,
            active: true,
            retired_at: None,
        })
    }

    /// Whether the key belongs in the JWKS at `now`.
    pub fn published_at(&self, now: UnixTime) -> bool {
        self.retired_at.is_none_or(|r| now < r + RETIRED_KEY_GRACE)
    }
}

/// The JWKS document for the published keys.
pub fn jwks(keys: &[StoredKey], now: UnixTime) -> Value {
    let keys: Vec<Value> =
        keys.iter().filter(|k| k.published_at(now)).filter_map(|k| serde_json::from_str(&k.public_jwk).ok()).collect();
    json!({ "keys": keys })
}

/// The active key, opened and ready to sign.
pub struct Signer {
    kid: String,
    alg: Alg,
    key: EncodingKey,
}

impl Signer {
    /// Opens the active key; `None` when it cannot be decrypted with this secret.
    pub fn open(stored: &StoredKey, keys: &DerivedKeys) -> Option<Self> {
        let der = keys.open(&stored.private_sealed)?;
        let key = match stored.alg {
            Alg::Rs256 | Alg::Ps256 => EncodingKey::from_rsa_der(&der),
            Alg::Es256 => EncodingKey::from_ec_der(&der),
        };
        Some(Self { kid: stored.kid.clone(), alg: stored.alg, key })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// A compact JWS with `typ: JWT` and `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        let mut header = Header::new(self.alg.jwt());
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ServerSecret;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};

    fn roundtrip(alg: Alg) {
        let keys = ServerSecret::generate().keys();
        let stored = StoredKey::generate(alg, &keys, 1000).unwrap();
        let signer = Signer::open(&stored, &keys).unwrap();
        let token = signer.sign(&json!({"sub": "x", "aud": "c", "exp": 4_000_000_000u64})).unwrap();
        let header = decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(stored.kid.as_str()));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&stored.public_jwk).unwrap();
        let mut v = Validation::new(alg.jwt());
        v.set_audience(&["c"]);
        let data = decode::<Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &v).unwrap();
        assert_eq!(data.claims["sub"], "x");
        assert!(Signer::open(&stored, &ServerSecret::generate().keys()).is_none());
    }

    #[test]
    fn rs256_tokens_verify_against_the_published_jwk() {
        roundtrip(Alg::Rs256);
    }

    #[test]
    fn ps256_tokens_verify_against_the_published_jwk() {
        roundtrip(Alg::Ps256);
    }

    #[test]
    fn es256_tokens_verify_against_the_published_jwk() {
        roundtrip(Alg::Es256);
    }

    #[test]
    fn retired_keys_leave_the_jwks_after_their_tokens_expire() {
        let keys = ServerSecret::generate().keys();
        let mut k = StoredKey::generate(Alg::Es256, &keys, 0).unwrap();
        k.retired_at = Some(100);
        assert_eq!(jwks(std::slice::from_ref(&k), 100 + RETIRED_KEY_GRACE - 1)["keys"].as_array().unwrap().len(), 1);
        assert_eq!(jwks(&[k], 100 + RETIRED_KEY_GRACE)["keys"].as_array().unwrap().len(), 0);
    }
}
