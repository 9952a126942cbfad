//! The bench population (spec §8 format): one client `bench` and N users with fixed device
//! tokens and PINs, derived from the user's index so `fixtures` and `run` agree without sharing files.
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "bench";
/// Fixed on purpose: fixtures may carry known secrets so that a test setup is reproducible.
pub const CLIENT_SECRET: &str = "bench-secret-7f3c9a1e5b2d4c6e8a0f1b3d5c7e9a2b";
/// The secret of client `bench` on the speed peer (its own default).
pub const PEER_CLIENT_SECRET: &str = "bench-secret";
pub const PIN: &str = "1234";
/// Norwegian numbers are `47` + 8 digits: the bench uses 4790000000 + i.
pub const MAX_USERS: usize = 10_000_000;
const FIRST_MSISDN: u64 = 47_9000_0000;

/// The msisdn of bench user `i` (digits, no `+`).
pub fn msisdn(i: usize) -> String {
    (FIRST_MSISDN + i as u64).to_string()
}

/// The device token of bench user `i`: deterministic, 41 characters.
pub fn device_token(i: usize) -> String {
    format!("bench-device-token-{i:010}-phonelogin-lt")
}

/// The fixtures document for `users` bench users.
pub fn document(users: usize) -> Value {
    let users: Vec<Value> = (0..users)
        .map(|i| {
            json!({
                "phone_number": msisdn(i),
                "given_name": "Bench",
                "family_name": format!("User{i}"),
                "email": format!("bench{i}@example.com"),
                "email_verified": true,
                "devices": [{
                    "name": "bench phone",
                    "pin": PIN,
                    "app_version": "1.0.0",
                    "device_token": device_token(i),
                }],
            })
        })
        .collect();
    json!({
        "clients": [{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "name": "Bench Store",
            "token_endpoint_auth_method": "client_secret_basic",
            "scopes": ["openid", "name", "email", "phoneNumber"],
        }],
        "users": users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msisdns_are_47_and_8_digits() {
        assert_eq!(msisdn(0), "4790000000");
        assert_eq!(msisdn(MAX_USERS - 1), "4799999999");
    }

    #[test]
    fn device_tokens_are_long_and_distinct() {
        assert!(device_token(0).len() >= 32);
        assert_ne!(device_token(1), device_token(2));
    }

    #[test]
    fn document_has_one_client_and_the_users() {
        let doc = document(3);
        assert_eq!(doc["clients"][0]["client_id"], CLIENT_ID);
        assert_eq!(doc["users"].as_array().map(Vec::len), Some(3));
        assert_eq!(doc["users"][2]["devices"][0]["device_token"], device_token(2));
    }
}
