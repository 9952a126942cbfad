//! Web Push message encryption (RFC 8291 over RFC 8188 `aes128gcm`): the application server
//! derives a content key from an ECDH between a fresh key pair and the browser's `p256dh` key,
//! mixed with the subscription's `auth` secret. `decrypt` is the browser's side, for tests and
//! local receivers. Tested against the RFCs' own examples.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// The record size we announce; one record holds any payload we send (< 4 KiB).
const RECORD_SIZE: u32 = 4096;
/// AEAD tag length.
const TAG: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushCryptoError {
    #[error("the subscription's p256dh key is not a P-256 point")]
    BadPublicKey,
    #[error("the subscription's auth secret must be 16 bytes")]
    BadAuthSecret,
    #[error("the payload does not fit in one record")]
    TooLong,
    #[error("the message does not decrypt")]
    Undecryptable,
}

/// Encrypts `plaintext` for a subscription (`p256dh`: 65-byte point, `auth`: 16 bytes).
pub fn encrypt(plaintext: &[u8], p256dh: &[u8], auth: &[u8]) -> Result<Vec<u8>, PushCryptoError> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    encrypt_with(plaintext, p256dh, auth, &SecretKey::random(&mut OsRng), &salt)
}

/// `encrypt` with the sender key and salt given (the RFC's test vector fixes them).
pub fn encrypt_with(
    plaintext: &[u8],
    p256dh: &[u8],
    auth: &[u8],
    sender: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushCryptoError> {
    let ua_public = PublicKey::from_sec1_bytes(p256dh).map_err(|_| PushCryptoError::BadPublicKey)?;
    if auth.len() != 16 {
        return Err(PushCryptoError::BadAuthSecret);
    }
    if plaintext.len() + 1 + TAG > RECORD_SIZE as usize {
        return Err(PushCryptoError::TooLong);
    }
    let as_public = sender.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), ua_public.as_affine());
    let ikm = webpush_ikm(shared.raw_secret_bytes(), auth, p256dh, as_public.as_bytes());
    let (cek, nonce) = content_keys(&ikm, salt);
    // One record, the last: the plaintext, then the delimiter 0x02, no padding (RFC 8188 §2).
    let mut record = plaintext.to_vec();
    record.push(2);
    let ct = Aes128Gcm::new((&cek).into())
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| PushCryptoError::TooLong)?;
    let mut out = header(salt, as_public.as_bytes());
    out.extend(ct);
    Ok(out)
}

/// The browser's side: decrypts a message with the subscription's private key and auth secret.
pub fn decrypt(body: &[u8], ua_private: &SecretKey, auth: &[u8]) -> Result<Vec<u8>, PushCryptoError> {
    let bad = || PushCryptoError::Undecryptable;
    let idlen = *body.get(20).ok_or_else(bad)? as usize;
    let as_public = body.get(21..21 + idlen).ok_or_else(bad)?;
    let sender = PublicKey::from_sec1_bytes(as_public).map_err(|_| bad())?;
    let ua_public = ua_private.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(ua_private.to_nonzero_scalar(), sender.as_affine());
    let ikm = webpush_ikm(shared.raw_secret_bytes(), auth, ua_public.as_bytes(), as_public);
    decrypt_aes128gcm(body, &ikm)
}

/// RFC 8188 decryption of a body with its input keying material (single record or several).
pub fn decrypt_aes128gcm(body: &[u8], ikm: &[u8]) -> Result<Vec<u8>, PushCryptoError> {
    let bad = || PushCryptoError::Undecryptable;
    let salt: [u8; 16] = body.get(..16).and_then(|s| s.try_into().ok()).ok_or_else(bad)?;
    let rs = u32::from_be_bytes(body.get(16..20).and_then(|s| s.try_into().ok()).ok_or_else(bad)?) as usize;
    let idlen = *body.get(20).ok_or_else(bad)? as usize;
    if rs <= TAG + 1 {
        return Err(bad());
    }
    let (cek, nonce) = content_keys(ikm, &salt);
    let cipher = Aes128Gcm::new((&cek).into());
    let records: Vec<&[u8]> = body.get(21 + idlen..).ok_or_else(bad)?.chunks(rs).collect();
    let mut out = Vec::new();
    for (seq, record) in records.iter().enumerate() {
        let mut n = nonce;
        for (i, b) in (seq as u64).to_be_bytes().iter().enumerate() {
            if let Some(x) = n.get_mut(4 + i) {
                *x ^= b;
            }
        }
        let mut plain = cipher.decrypt(Nonce::from_slice(&n), Payload { msg: record, aad: b"" }).map_err(|_| bad())?;
        // Strip the padding: zeros, then the delimiter (2 on the last record, 1 before).
        let end = plain.iter().rposition(|b| *b != 0).ok_or_else(bad)?;
        let last = seq + 1 == records.len();
        if plain.get(end) != Some(if last { &2 } else { &1 }) {
            return Err(bad());
        }
        plain.truncate(end);
        out.extend(plain);
    }
    Ok(out)
}

/// RFC 8291 §3.4: IKM = HKDF(auth, ecdh, "WebPush: info" || 0 || ua_public || as_public, 32).
fn webpush_ikm(ecdh: &[u8], auth: &[u8], ua_public: &[u8], as_public: &[u8]) -> [u8; 32] {
    let info = [b"WebPush: info\0".as_slice(), ua_public, as_public].concat();
    let mut ikm = [0u8; 32];
    // 32 bytes is a valid HKDF-SHA256 length.
    let _ = Hkdf::<Sha256>::new(Some(auth), ecdh).expand(&info, &mut ikm);
    ikm
}

/// RFC 8188 §2.2–2.3: the content-encryption key and the base nonce.
fn content_keys(ikm: &[u8], salt: &[u8; 16]) -> ([u8; 16], [u8; 12]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    let _ = hk.expand(b"Content-Encoding: aes128gcm\0", &mut cek);
    let _ = hk.expand(b"Content-Encoding: nonce\0", &mut nonce);
    (cek, nonce)
}

/// salt || rs || idlen || keyid.
fn header(salt: &[u8; 16], keyid: &[u8]) -> Vec<u8> {
    let mut h = salt.to_vec();
    h.extend(RECORD_SIZE.to_be_bytes());
    h.push(keyid.len() as u8);
    h.extend(keyid);
    h
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn b(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    // RFC 8291 Appendix A.
    const PLAINTEXT: &str = "When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn rfc8291_appendix_a_encrypts_to_the_published_body() {
        let sender = SecretKey::from_slice(&b(AS_PRIVATE)).unwrap();
        let salt: [u8; 16] = b(SALT).try_into().unwrap();
        let body = encrypt_with(PLAINTEXT.as_bytes(), &b(UA_PUBLIC), &b(AUTH), &sender, &salt).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(body), BODY);
    }

    #[test]
    fn rfc8291_appendix_a_body_decrypts_with_the_receivers_key() {
        let ua = SecretKey::from_slice(&b(UA_PRIVATE)).unwrap();
        assert_eq!(ua.public_key().to_encoded_point(false).as_bytes(), b(UA_PUBLIC).as_slice());
        assert_eq!(decrypt(&b(BODY), &ua, &b(AUTH)).unwrap(), PLAINTEXT.as_bytes());
        assert_eq!(decrypt(&b(BODY), &ua, &[0u8; 16]), Err(PushCryptoError::Undecryptable));
    }

    #[test]
    fn rfc8188_examples_decrypt() {
        // §3.1: one record, rs 4096, no key id.
        let one = b("I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg");
        assert_eq!(decrypt_aes128gcm(&one, &b("yqdlZ-tYemfogSmv7Ws5PQ")).unwrap(), b"I am the walrus");
        // §3.2: rs 25, key id "a1", two records.
        let two =
            b("uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA");
        assert_eq!(decrypt_aes128gcm(&two, &b("BO3ZVPxUlnLORbVGMpbT1Q")).unwrap(), b"I am the walrus");
    }

    #[test]
    fn a_fresh_message_round_trips_with_a_new_salt_and_key_each_time() {
        let ua = SecretKey::random(&mut OsRng);
        let p256dh = ua.public_key().to_encoded_point(false).as_bytes().to_vec();
        let auth = [7u8; 16];
        let (a, c) = (encrypt(b"hello", &p256dh, &auth).unwrap(), encrypt(b"hello", &p256dh, &auth).unwrap());
        assert_ne!(a.get(..16), c.get(..16));
        assert_eq!(decrypt(&a, &ua, &auth).unwrap(), b"hello");
        assert_eq!(encrypt(b"x", &[4u8; 65], &auth), Err(PushCryptoError::BadPublicKey));
        assert_eq!(encrypt(b"x", &p256dh, &[1u8; 15]), Err(PushCryptoError::BadAuthSecret));
        assert_eq!(encrypt(&[0u8; 5000], &p256dh, &auth), Err(PushCryptoError::TooLong));
    }
}
