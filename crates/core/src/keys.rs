//! ID-token signing keys: generation (RS256, PS256 or ES256; one active key per algorithm), the
//! sealed stored form, the JWKS, and a `Signer` that signs with an active key — all through
//! aws-lc-rs. Stored private keys are DER: PKCS#1 `RSAPrivateKey` for RSA, PKCS#8 for P-256.
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaEncoding,
};
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
                let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| e.to_string())?;
                let pkcs8 = key.as_der().map_err(|e| e.to_string())?;
                // The `RSAPrivateKey` inside the PKCS#8 wrapper: the form stored since the first key.
                let der =
                    pkcs8::PrivateKeyInfo::try_from(pkcs8.as_ref()).map_err(|e| e.to_string())?.private_key.to_vec();
                let public = key.public_key();
                let (n, e) = (public.modulus(), public.exponent());
                let jwk = json!({
                    "e": b64url(e.big_endian_without_leading_zero()),
                    "kty": "RSA",
                    "n": b64url(n.big_endian_without_leading_zero()),
                });
                (der, jwk)
            }
            Alg::Es256 => {
                let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|e| e.to_string())?;
                let der = key.to_pkcs8v1().map_err(|e| e.to_string())?.as_ref().to_vec();
                // The uncompressed point: 0x04 ‖ x ‖ y.
                let point = key.public_key().as_ref();
                let coord = |range| point.get(range).map(b64url).unwrap_or_default();
                let jwk = json!({"crv": "P-256", "kty": "EC", "x": coord(1..33), "y": coord(33..65)});
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
    /// The base64url JOSE header, the same for every token of this key.
    header: String,
    key: SigningKey,
    rng: SystemRandom,
}

enum SigningKey {
    Rsa(RsaKeyPair, &'static dyn RsaEncoding),
    Ec(EcdsaKeyPair),
}

impl Signer {
    /// Opens the active key; `None` when it cannot be decrypted with this secret.
    pub fn open(stored: &StoredKey, keys: &DerivedKeys) -> Option<Self> {
        let der = keys.open(&stored.private_sealed)?;
        let key = match stored.alg {
            Alg::Rs256 => SigningKey::Rsa(RsaKeyPair::from_der(&der).ok()?, &RSA_PKCS1_SHA256),
            Alg::Ps256 => SigningKey::Rsa(RsaKeyPair::from_der(&der).ok()?, &RSA_PSS_SHA256),
            Alg::Es256 => SigningKey::Ec(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).ok()?),
        };
        let header = json!({"alg": stored.alg.as_str(), "kid": stored.kid, "typ": "JWT"});
        Some(Self {
            kid: stored.kid.clone(),
            alg: stored.alg,
            header: b64url(header.to_string().as_bytes()),
            key,
            rng: SystemRandom::new(),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// A compact JWS with `typ: JWT` and `kid`. CPU-bound (an RSA signature is about a
    /// millisecond's work): callers on an async runtime run it off its workers.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        let mut jws = format!("{}.{}", self.header, b64url(claims.to_string().as_bytes()));
        let signature = match &self.key {
            SigningKey::Rsa(key, encoding) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(*encoding, &self.rng, jws.as_bytes(), &mut signature).map_err(|e| e.to_string())?;
                signature
            }
            SigningKey::Ec(key) => key.sign(&self.rng, jws.as_bytes()).map_err(|e| e.to_string())?.as_ref().to_vec(),
        };
        jws.push('.');
        jws.push_str(&b64url(&signature));
        Ok(jws)
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

    /// A row as the earlier code stored it (sealed DER), opened and verified with `public`.
    fn old_row_signs(alg: Alg, der: &[u8], public: &DecodingKey) {
        let keys = ServerSecret::generate().keys();
        let stored = StoredKey {
            kid: "old".into(),
            alg,
            private_sealed: keys.seal(der),
            public_jwk: "{}".into(),
            created_at: 0,
            active: true,
            retired_at: None,
        };
        let token = Signer::open(&stored, &keys).expect("an old row opens").sign(&json!({"sub": "x"})).unwrap();
        let mut v = Validation::new(alg.jwt());
        v.required_spec_claims.clear();
        v.validate_exp = false;
        assert_eq!(decode::<Value>(&token, public, &v).unwrap().claims["sub"], "x", "{alg:?}");
    }

    #[test]
    fn keys_stored_by_earlier_versions_still_sign() {
        use base64::Engine;
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use p256::pkcs8::EncodePrivateKey;
        // RSA: PKCS#1 `RSAPrivateKey` DER (what the `rsa` crate wrote; this one is OpenSSL's).
        let pem = include_str!("../testdata/rsa-2048-pkcs1.pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        let public = RsaKeyPair::from_der(&der).unwrap().public_key().clone();
        let (n, e) = (public.modulus(), public.exponent());
        let rsa_public = DecodingKey::from_rsa_raw_components(
            n.big_endian_without_leading_zero(),
            e.big_endian_without_leading_zero(),
        );
        old_row_signs(Alg::Rs256, &der, &rsa_public);
        old_row_signs(Alg::Ps256, &der, &rsa_public);
        // P-256: PKCS#8 as the `p256` crate writes it.
        let key = p256::SecretKey::random(&mut rand_core::OsRng);
        let point = key.public_key().to_encoded_point(false);
        let ec_public =
            DecodingKey::from_ec_components(&b64url(point.x().unwrap()), &b64url(point.y().unwrap())).unwrap();
        old_row_signs(Alg::Es256, key.to_pkcs8_der().unwrap().as_bytes(), &ec_public);
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
