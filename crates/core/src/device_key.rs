//! The device key (spec §10): a non-extractable ECDSA P-256 key that the app creates at
//! enrollment and registers as a JWK. Every decision is signed with it (ES256: r‖s, 64 bytes,
//! base64url) over `phonelogin-decision:<request id>:<approve|reject>`, so a stolen device
//! token alone decides nothing.
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// A device's registered public key: its coordinates, and the key parsed (checked to be a
/// point of the curve) for aws-lc-rs.
#[derive(Clone)]
pub struct DevicePublicKey {
    x: [u8; 32],
    y: [u8; 32],
    key: ParsedPublicKey,
}

impl PartialEq for DevicePublicKey {
    fn eq(&self, other: &Self) -> bool {
        (self.x, self.y) == (other.x, other.y)
    }
}

impl Eq for DevicePublicKey {}

impl std::fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_jwk_string())
    }
}

impl DevicePublicKey {
    /// Parses a public JWK `{"kty":"EC","crv":"P-256","x","y"}`; anything else (another
    /// curve, a point off the curve, private parts) is refused.
    pub fn from_jwk(jwk: &Value) -> Option<Self> {
        let field = |k: &str| jwk.get(k).and_then(Value::as_str);
        if field("kty")? != "EC" || field("crv")? != "P-256" || jwk.get("d").is_some() {
            return None;
        }
        let coordinate = |k: &str| -> Option<[u8; 32]> { URL_SAFE_NO_PAD.decode(field(k)?).ok()?.try_into().ok() };
        let (x, y) = (coordinate("x")?, coordinate("y")?);
        // The uncompressed point 0x04 ‖ x ‖ y.
        let point: Vec<u8> = [&[4u8][..], &x, &y].concat();
        let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).ok()?;
        Some(Self { x, y, key })
    }

    /// Parses the stored form (`to_jwk_string`).
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::from_jwk(&serde_json::from_str(s).ok()?)
    }

    /// The canonical JWK text, as stored.
    pub fn to_jwk_string(&self) -> String {
        let part = |c: &[u8; 32]| URL_SAFE_NO_PAD.encode(c);
        json!({"kty": "EC", "crv": "P-256", "x": part(&self.x), "y": part(&self.y)}).to_string()
    }

    /// Checks an ES256 signature (base64url of r‖s) over `message`.
    pub fn verifies(&self, message: &[u8], signature_b64url: &str) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(signature_b64url.trim_end_matches('=')) else { return false };
        raw.len() == 64 && self.key.verify_sig(message, &raw).is_ok()
    }
}

/// The text a decision's signature covers.
pub fn decision_message(request_id: &str, approve: bool) -> String {
    format!("phonelogin-decision:{request_id}:{}", if approve { "approve" } else { "reject" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 6979 A.2.5: the P-256 key and its SHA-256 signatures of "sample" and "test".
    fn rfc6979_key() -> DevicePublicKey {
        DevicePublicKey::from_jwk(&json!({
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(hex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6")),
            "y": URL_SAFE_NO_PAD.encode(hex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299")),
        }))
        .unwrap()
    }

    #[test]
    fn rfc6979_signatures_verify() {
        let key = rfc6979_key();
        let sample = URL_SAFE_NO_PAD.encode(hex(concat!(
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
            "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"
        )));
        let test = URL_SAFE_NO_PAD.encode(hex(concat!(
            "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
            "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"
        )));
        assert!(key.verifies(b"sample", &sample));
        assert!(key.verifies(b"test", &test));
        assert!(!key.verifies(b"test", &sample), "a signature of another message");
        assert!(!key.verifies(b"sample", "AAAA"), "not 64 bytes");
        assert!(!key.verifies(b"sample", "!!"), "not base64url");
    }

    #[test]
    fn stored_form_round_trips_and_other_keys_are_refused() {
        let key = rfc6979_key();
        assert_eq!(DevicePublicKey::from_stored(&key.to_jwk_string()), Some(key.clone()));
        let jwk: Value = serde_json::from_str(&key.to_jwk_string()).unwrap();
        let mut other_curve = jwk.clone();
        other_curve["crv"] = "P-384".into();
        let mut private = jwk.clone();
        private["d"] = "AAAA".into();
        let mut off_curve = jwk.clone();
        off_curve["y"] = URL_SAFE_NO_PAD.encode([1u8; 32]).into();
        for bad in [other_curve, private, off_curve, json!({"kty": "RSA"}), json!("x")] {
            assert_eq!(DevicePublicKey::from_jwk(&bad), None, "{bad}");
        }
    }

    #[test]
    fn decision_messages_name_the_request_and_the_decision() {
        assert_eq!(decision_message("r-1", true), "phonelogin-decision:r-1:approve");
        assert_eq!(decision_message("r-1", false), "phonelogin-decision:r-1:reject");
    }
}
