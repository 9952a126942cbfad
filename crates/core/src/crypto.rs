//! Secrets and what is derived from them: the server secret and its HKDF sub-keys, hashing of
//! bearer secrets (SHA-256), PINs (HMAC-SHA-256 with a pepper), pairwise subjects, random tokens.
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC in an `auth_req_id`.
const AUTH_REQ_MAC: usize = 16;

/// The one root secret that never goes into the database (spec §7).
#[derive(Clone)]
pub struct ServerSecret([u8; 32]);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

impl ServerSecret {
    pub fn generate() -> Self {
        let mut b = [0u8; 32];
        OsRng.fill_bytes(&mut b);
        Self(b)
    }

    /// The file form: 64 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut b).ok()?;
        Some(Self(b))
    }

    fn derive(&self, label: &str) -> [u8; 32] {
        let hk = hkdf::Hkdf::<Sha256>::new(None, &self.0);
        let mut out = [0u8; 32];
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = hk.expand(label.as_bytes(), &mut out);
        out
    }

    /// The keys derived from the secret, one HKDF label each.
    pub fn keys(&self) -> DerivedKeys {
        DerivedKeys {
            pin: PinHasher { pepper: self.derive("phonelogin/pin-pepper/v1") },
            pairwise: self.derive("phonelogin/pairwise-sub/v1"),
            key_encryption: self.derive("phonelogin/signing-key-encryption/v1"),
            auth_req: self.derive("phonelogin/auth-req-id/v1"),
        }
    }
}

#[derive(Clone)]
pub struct DerivedKeys {
    pub pin: PinHasher,
    pairwise: [u8; 32],
    key_encryption: [u8; 32],
    auth_req: [u8; 32],
}

impl DerivedKeys {
    /// The pairwise `sub` (spec §3.4): a UUID from HMAC(user id, sector). Stable across phone
    /// number changes because it never looks at the number.
    pub fn pairwise_sub(&self, user_id: &str, sector: &str) -> String {
        let mac = self.mac(&self.pairwise, &[sector.as_bytes(), user_id.as_bytes()]);
        let mut b = [0u8; 16];
        b.copy_from_slice(mac.get(..16).unwrap_or(&[0u8; 16]));
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }

    /// The merchant's `auth_req_id` for a request id: the id (16 bytes when it is a UUID in its
    /// usual form, as every login request's is; else its text, which must not be 16 bytes
    /// long) and a 128-bit MAC of it, base64url (43 characters for a UUID). Unforgeable without
    /// the server secret, and it names its request, so a poll finds the request by its id and
    /// nothing derived from it needs storing.
    pub fn auth_req_id(&self, request_id: &str) -> String {
        let mut payload = match uuid::Uuid::try_parse(request_id) {
            Ok(id) if id.hyphenated().to_string() == request_id => id.as_bytes().to_vec(),
            _ => request_id.as_bytes().to_vec(),
        };
        payload.extend_from_slice(&self.auth_req_mac(request_id));
        URL_SAFE_NO_PAD.encode(payload)
    }

    /// The request id an `auth_req_id` of [`auth_req_id`](Self::auth_req_id)'s form names, if
    /// its MAC holds (compared in constant time). `None` for anything else, among them the
    /// ids of earlier versions, which were a MAC alone (their requests are found by hash).
    pub fn request_id_of(&self, auth_req_id: &str) -> Option<String> {
        let payload = URL_SAFE_NO_PAD.decode(auth_req_id).ok()?;
        let (id, mac) = payload.split_at_checked(payload.len().checked_sub(AUTH_REQ_MAC)?)?;
        let id = match <[u8; 16]>::try_from(id) {
            Ok(uuid) => uuid::Uuid::from_bytes(uuid).to_string(),
            Err(_) => String::from_utf8(id.to_vec()).ok()?,
        };
        bool::from(self.auth_req_mac(&id).as_slice().ct_eq(mac)).then_some(id)
    }

    /// The first half of HMAC-SHA-256 over the request id.
    fn auth_req_mac(&self, request_id: &str) -> [u8; AUTH_REQ_MAC] {
        let mut out = [0u8; AUTH_REQ_MAC];
        // HMAC-SHA-256 is 32 bytes long.
        out.copy_from_slice(
            self.mac(&self.auth_req, &[request_id.as_bytes()]).get(..AUTH_REQ_MAC).unwrap_or(&[0; AUTH_REQ_MAC]),
        );
        out
    }

    fn mac(&self, key: &[u8; 32], parts: &[&[u8]]) -> Vec<u8> {
        let mut m = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }

    /// Encrypts a signing private key for storage: nonce || ciphertext.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let cipher = ChaCha20Poly1305::new((&self.key_encryption).into());
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        // Encryption only fails for plaintexts beyond 256 GiB.
        out.extend(cipher.encrypt(Nonce::from_slice(&nonce), plaintext).unwrap_or_default());
        out
    }

    /// Decrypts what `seal` produced; `None` when the secret is not the one it was sealed with.
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, ct) = (sealed.get(..12)?, sealed.get(12..)?);
        ChaCha20Poly1305::new((&self.key_encryption).into()).decrypt(Nonce::from_slice(nonce), ct).ok()
    }
}

/// PIN verifiers (spec §6): HMAC-SHA-256 keyed with the pepper over a random salt and the
/// PIN, stored as `hmac-sha256$<salt>$<mac>` (base64url). A 4–6 digit PIN falls to any hash
/// once the pepper is known, so the pepper (never in the database), the atomic lockout and the
/// device key are the defence, and a verification costs about a microsecond. Verifiers of the
/// earlier form (argon2id PHC strings keyed with the same pepper) still verify, and are
/// replaced on the next right PIN (`is_current`).
#[derive(Clone)]
pub struct PinHasher {
    pepper: [u8; 32],
}

const PIN_SCHEME: &str = "hmac-sha256$";

impl PinHasher {
    fn mac(&self, salt: &[u8], pin: &str) -> Vec<u8> {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.pepper).unwrap_or_else(|_| unreachable!());
        m.update(salt);
        m.update(pin.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    pub fn hash(&self, pin: &str) -> String {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        format!("{PIN_SCHEME}{}${}", URL_SAFE_NO_PAD.encode(salt), URL_SAFE_NO_PAD.encode(self.mac(&salt, pin)))
    }

    /// Compares in constant time.
    pub fn verify(&self, pin: &str, stored: &str) -> bool {
        if let Some(rest) = stored.strip_prefix(PIN_SCHEME) {
            let Some((salt, mac)) = rest.split_once('$') else { return false };
            let (Ok(salt), Ok(mac)) = (URL_SAFE_NO_PAD.decode(salt), URL_SAFE_NO_PAD.decode(mac)) else { return false };
            return self.mac(&salt, pin).ct_eq(&mac).into();
        }
        PasswordHash::new(stored).is_ok_and(|h| self.legacy_argon2().verify_password(pin.as_bytes(), &h).is_ok())
    }

    /// Whether a stored verifier is of the current form (else: replace it on a right PIN).
    pub fn is_current(stored: &str) -> bool {
        stored.starts_with(PIN_SCHEME)
    }

    /// The earlier verifier: argon2id, 1 MiB, 2 passes, keyed with the pepper.
    fn legacy_argon2(&self) -> Argon2<'_> {
        let params = Params::new(1024, 2, 1, None).unwrap_or_default();
        Argon2::new_with_secret(&self.pepper, Algorithm::Argon2id, Version::V0x13, params).unwrap_or_default()
    }
}

/// A PIN is 4 to 6 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=6).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// A bearer secret of 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// A new internal id (UUID v4).
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// A new internal id that sorts by when it was made (UUID v7: milliseconds of the system clock,
/// then 74 random bits), for rows written at a high rate (login requests, outbox messages):
/// each insert lands at the end of the id's index, on a page the writer holds already, instead
/// of on a random one. The time it shows is no secret (the rows carry it too).
pub fn sortable_id() -> String {
    let mut b = [0u8; 10];
    OsRng.fill_bytes(&mut b);
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(millis).unwrap_or(u64::MAX), &b).into_uuid().to_string()
}

/// A numeric one-time code.
pub fn random_code(digits: u32) -> String {
    let n = OsRng.next_u64() % 10u64.pow(digits);
    format!("{n:0width$}", width = digits as usize)
}

/// SHA-256, hex: how bearer secrets (tokens, codes, client secrets) are stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(sha256(s.as_bytes()))
}

/// SHA-256.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Compares a presented secret with a stored hash in constant time.
pub fn secret_matches(presented: &str, stored_hash: &str) -> bool {
    sha256_hex(presented).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// `at_hash`: base64url of the left half of SHA-256 of the access token (OIDC Core §3.1.3.6).
pub fn at_hash(access_token: &str) -> String {
    let d = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(d.get(..16).unwrap_or_default())
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    #[test]
    fn sortable_ids_sort_by_time_and_stay_unguessable() {
        let first = sortable_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later: Vec<String> = (0..100).map(|_| sortable_id()).collect();
        assert!(later.iter().all(|id| *id > first), "made later, sorts after");
        let unique: std::collections::HashSet<&String> = later.iter().collect();
        assert_eq!(unique.len(), 100, "random within a millisecond");
        let uuid = uuid::Uuid::parse_str(&first).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
    }

    #[test]
    fn pin_hash_verifies_only_with_the_same_pepper() {
        let a = ServerSecret::generate().keys();
        let b = ServerSecret::generate().keys();
        let h = a.pin.hash("1234");
        assert!(h.starts_with("hmac-sha256$") && PinHasher::is_current(&h));
        assert_ne!(h, a.pin.hash("1234"), "salted");
        assert!(!h.contains("1234"));
        assert!(a.pin.verify("1234", &h));
        assert!(!a.pin.verify("1235", &h));
        assert!(!b.pin.verify("1234", &h));
        assert!(!a.pin.verify("1234", "hmac-sha256$broken"));
    }

    #[test]
    fn legacy_argon2_verifiers_still_verify_and_are_not_current() {
        let a = ServerSecret::generate().keys();
        let salt = SaltString::generate(&mut OsRng);
        let old = a.pin.legacy_argon2().hash_password(b"4321", &salt).unwrap().to_string();
        assert!(old.starts_with("$argon2id$") && !PinHasher::is_current(&old));
        assert!(a.pin.verify("4321", &old));
        assert!(!a.pin.verify("4322", &old));
        assert!(!ServerSecret::generate().keys().pin.verify("4321", &old));
    }

    #[test]
    fn pairwise_sub_depends_on_user_and_sector_only() {
        let k = ServerSecret::generate().keys();
        let s = k.pairwise_sub("user-1", "shop");
        assert_eq!(s, k.pairwise_sub("user-1", "shop"));
        assert_ne!(s, k.pairwise_sub("user-1", "other"));
        assert_ne!(s, k.pairwise_sub("user-2", "shop"));
        assert!(uuid::Uuid::parse_str(&s).is_ok());
    }

    #[test]
    fn sealed_keys_open_only_with_the_same_secret() {
        let a = ServerSecret::generate().keys();
        let sealed = a.seal(b"private");
        assert_eq!(a.open(&sealed).as_deref(), Some(&b"private"[..]));
        assert_eq!(ServerSecret::generate().keys().open(&sealed), None);
    }

    #[test]
    fn an_auth_req_id_names_its_request_under_a_mac() {
        let keys = ServerSecret::generate().keys();
        let id = sortable_id();
        let auth_req_id = keys.auth_req_id(&id);
        assert_eq!(auth_req_id.len(), 43, "as long as before: 16 bytes of id, 16 of MAC");
        assert_eq!(keys.request_id_of(&auth_req_id), Some(id.clone()));
        for other in ["not-a-uuid", "0190B7E4-8C2A-7C3E-9F1D-2A3B4C5D6E7F"] {
            assert_eq!(keys.request_id_of(&keys.auth_req_id(other)).as_deref(), Some(other), "{other}");
        }
        // Another secret's, any changed byte, a cut one, an earlier version's MAC alone: none.
        assert_eq!(ServerSecret::generate().keys().request_id_of(&auth_req_id), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&auth_req_id).unwrap();
        for i in [0, 15, 16, 31] {
            bytes[i] ^= 1;
            assert_eq!(keys.request_id_of(&URL_SAFE_NO_PAD.encode(&bytes)), None, "byte {i}");
            bytes[i] ^= 1;
        }
        assert_eq!(keys.request_id_of(&auth_req_id[..40]), None);
        let earlier_form = URL_SAFE_NO_PAD.encode(keys.mac(&keys.auth_req, &[id.as_bytes()]));
        assert_eq!(keys.request_id_of(&earlier_form), None);
        for junk in ["", "!", "a", "AAAAAAAAAAAAAAAAAAAAAA"] {
            assert_eq!(keys.request_id_of(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn secret_file_form_round_trips() {
        let s = ServerSecret::generate();
        let back = ServerSecret::from_hex(&s.to_hex()).unwrap();
        assert_eq!(back.keys().auth_req_id("x"), s.keys().auth_req_id("x"));
        assert!(ServerSecret::from_hex("zz").is_none());
    }

    #[test]
    fn pins_are_four_to_six_digits() {
        assert!(valid_pin("1234") && valid_pin("123456"));
        assert!(!valid_pin("123") && !valid_pin("1234567") && !valid_pin("12a4"));
    }

    #[test]
    fn at_hash_matches_the_spec_example() {
        // OIDC Core A.3 example access token and at_hash use RS256 (SHA-256).
        assert_eq!(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
    }
}
