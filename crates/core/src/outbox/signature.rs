//! The `Phonelogin-Signature` header of every webhook call (spec §11):
//! `t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<raw body>")>`.
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::clock::UnixTime;

pub const HEADER: &str = "Phonelogin-Signature";
/// How far a receiver should accept `t` from its own clock (the docs recommend it).
pub const TOLERANCE: i64 = 300;

fn mac(secret: &str, t: UnixTime, body: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The header value for one attempt at `t`.
pub fn sign(secret: &str, t: UnixTime, body: &[u8]) -> String {
    format!("t={t},v1={}", hex::encode(mac(secret, t, body).finalize().into_bytes()))
}

/// A receiver's check: a `v1` that matches (constant time) and a `t` within `TOLERANCE` of `now`.
pub fn verify(header: &str, secret: &str, body: &[u8], now: UnixTime) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > TOLERANCE {
        return false;
    }
    sigs.iter().any(|s| hex::decode(s).ok().is_some_and(|bytes| mac(secret, t, body).verify_slice(&bytes).is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of docs/webhooks.md.
    #[test]
    fn the_documented_example_signs_as_shown() {
        let body =
            br#"{"id":"msg_1","kind":"enrollment_code","to":"+4712345678","message":"Your phonelogin code is 123456"}"#;
        let header = sign("whsec_example", 1_767_225_600, body);
        assert_eq!(header, "t=1767225600,v1=92a9ab7ca46c1ef6d305c00c7c7067e4f9d7603187771e916b4a97a9e7242530");
        assert!(verify(&header, "whsec_example", body, 1_767_225_600 + 10));
    }

    #[test]
    fn a_changed_body_secret_or_stale_time_fails() {
        let header = sign("s3cret", 1_000_000, b"{}");
        assert!(verify(&header, "s3cret", b"{}", 1_000_000));
        assert!(!verify(&header, "s3cret", b"{ }", 1_000_000));
        assert!(!verify(&header, "other", b"{}", 1_000_000));
        assert!(!verify(&header, "s3cret", b"{}", 1_000_000 + TOLERANCE + 1));
        assert!(!verify("t=1000000", "s3cret", b"{}", 1_000_000));
        assert!(!verify("garbage", "s3cret", b"{}", 1_000_000));
    }
}
