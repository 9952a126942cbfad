//! VAPID (RFC 8292): the server's one P-256 key pair that identifies it to push services, and
//! the `Authorization: vapid t=<JWT>, k=<public key>` header of each push. The private key is
//! stored sealed with the server secret, like the ID-token signing keys.
use p256::SecretKey;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand_core::OsRng;
use serde_json::json;

use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, b64url};

/// How long a VAPID token is valid (RFC 8292 §2: at most 24 hours).
pub const TOKEN_LIFETIME: i64 = 12 * 3600;

/// The stored form: the sealed 32-byte private scalar and the public point (base64url, 65 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVapidKey {
    pub private_sealed: Vec<u8>,
    pub public_key: String,
}

pub struct VapidKey {
    secret: SecretKey,
    public_key: String,
}

impl VapidKey {
    /// A new key pair, and its sealed form.
    pub fn generate(keys: &DerivedKeys) -> (Self, StoredVapidKey) {
        let secret = SecretKey::random(&mut OsRng);
        let key = Self::from_secret(secret);
        let stored =
            StoredVapidKey { private_sealed: keys.seal(&key.secret.to_bytes()), public_key: key.public_key.clone() };
        (key, stored)
    }

    /// Opens the stored key; `None` when it was sealed with another server secret.
    pub fn open(stored: &StoredVapidKey, keys: &DerivedKeys) -> Option<Self> {
        let raw = keys.open(&stored.private_sealed)?;
        Some(Self::from_secret(SecretKey::from_slice(&raw).ok()?))
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public_key = b64url(secret.public_key().to_encoded_point(false).as_bytes());
        Self { secret, public_key }
    }

    /// The public key as browsers take it (`applicationServerKey`): base64url of the 65-byte point.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` header for a push to `endpoint`: an ES256 JWT with `aud` = the
    /// endpoint's origin, `exp` = now + 12 h, `sub` = the operator's contact.
    pub fn authorization(&self, endpoint: &str, subject: &str, now: UnixTime) -> Option<String> {
        let header = b64url(json!({"typ": "JWT", "alg": "ES256"}).to_string().as_bytes());
        let claims = json!({"aud": origin(endpoint)?, "exp": now + TOKEN_LIFETIME, "sub": subject}).to_string();
        let input = format!("{header}.{}", b64url(claims.as_bytes()));
        let signature: Signature = SigningKey::from(&self.secret).sign(input.as_bytes());
        Some(format!("vapid t={input}.{}, k={}", b64url(&signature.to_bytes()), self.public_key))
    }
}

/// The origin of an `https://host[:port]/path` URL: scheme, host and port, lower-cased.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    use super::*;
    use crate::crypto::ServerSecret;

    #[test]
    fn the_token_is_an_es256_jwt_for_the_endpoint_origin_valid_at_most_a_day() {
        let keys = ServerSecret::generate().keys();
        let (key, stored) = VapidKey::generate(&keys);
        let header = key
            .authorization("https://push.example.net:8443/wpush/v2/abc?x=1", "mailto:ops@example.com", 1_000)
            .unwrap();
        let (t, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, stored.public_key);
        let parts: Vec<&str> = t.split('.').collect();
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net:8443");
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        assert!(claims["exp"].as_i64().unwrap() - 1_000 <= 24 * 3600);
        let vk = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
        let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).unwrap();
    }

    #[test]
    fn the_stored_key_opens_only_with_the_same_secret() {
        let keys = ServerSecret::generate().keys();
        let (key, stored) = VapidKey::generate(&keys);
        assert_eq!(VapidKey::open(&stored, &keys).unwrap().public_key(), key.public_key());
        assert!(VapidKey::open(&stored, &ServerSecret::generate().keys()).is_none());
        assert_eq!(URL_SAFE_NO_PAD.decode(key.public_key()).unwrap().len(), 65);
    }

    #[test]
    fn origin_keeps_scheme_host_and_port() {
        assert_eq!(origin("https://FCM.googleapis.com/fcm/send/x").as_deref(), Some("https://fcm.googleapis.com"));
        assert_eq!(origin("http://127.0.0.1:9/p").as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(origin("nonsense"), None);
        assert_eq!(origin("https://user@host/"), None);
    }
}
