//! Everything phonelogin sends out (spec §11): the message kinds and their bodies, the backoff
//! policy, webhook signatures, Web Push encryption and VAPID. A message is written to the
//! store's outbox in the same transaction as its cause, with its body sealed by the server
//! secret (an SMS body holds a one-time code, a ping its bearer token); one delivery worker
//! in the server sends it.
pub mod backoff;
pub mod endpoint;
pub mod signature;
pub mod vapid;
pub mod webpush;

use serde_json::{Value, json};

use crate::clock::{UnixTime, rfc3339};
use crate::crypto::{DerivedKeys, sortable_id};
use crate::msisdn::Msisdn;

/// How long a `device_added` push is worth delivering.
pub const DEVICE_ADDED_TTL: i64 = 3600;
/// Merchant webhooks are retried for 24 hours (spec §11).
pub const WEBHOOK_RETRY_WINDOW: i64 = 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A one-time code to the SMS webhook.
    Sms,
    /// A Web Push message to one device's subscription.
    WebPush,
    /// A merchant webhook (`consent.revoked`).
    Webhook,
    /// A CIBA ping to the client's notification endpoint.
    Ping,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Sms, Kind::WebPush, Kind::Webhook, Kind::Ping];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sms => "sms",
            Kind::WebPush => "web_push",
            Kind::Webhook => "webhook",
            Kind::Ping => "ciba_ping",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a new message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The configured SMS sender.
    SmsSender,
    /// A client's registered URL (webhook or notification endpoint).
    Client(String),
    /// Every push subscription of the user's devices (but one): the store writes one message
    /// per subscription, with `id` = message id + ":" + device id.
    UserDevices { user_id: String, except_device: Option<String> },
}

/// A message to write with its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Stays the same across retries; receivers deduplicate by it.
    pub id: String,
    pub kind: Kind,
    pub target: Target,
    /// The body, sealed with the server secret.
    pub body: Vec<u8>,
    pub created_at: UnixTime,
    /// No attempt after this time.
    pub expires_at: UnixTime,
}

/// A message a worker has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub kind: Kind,
    /// The client id (webhook, ping), the device id (push), or empty (SMS).
    pub target: String,
    pub body: Vec<u8>,
    /// Failed attempts so far.
    pub attempts: i64,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// What an attempt came to, from the receiver's HTTP status (`None`: no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// The push subscription is gone (404, 410): delete it and drop the message.
    Gone,
    Failed,
}

pub fn classify(kind: Kind, status: Option<u16>) -> Attempt {
    match status {
        Some(s) if (200..300).contains(&s) => Attempt::Delivered,
        Some(404 | 410) if kind == Kind::WebPush => Attempt::Gone,
        _ => Attempt::Failed,
    }
}

fn sealed(keys: &DerivedKeys, body: &Value) -> Vec<u8> {
    keys.seal(body.to_string().as_bytes())
}

/// The SMS carrying an enrollment code; worth sending until the code expires.
pub fn enrollment_sms(keys: &DerivedKeys, to: &Msisdn, code: &str, now: UnixTime, expires_at: UnixTime) -> NewMessage {
    let id = sortable_id();
    let body = json!({
        "id": id, "kind": "enrollment_code", "to": format!("+{to}"),
        "message": format!("Your phonelogin code is {code}. It is valid for {} minutes.", (expires_at - now) / 60),
    });
    NewMessage {
        body: sealed(keys, &body),
        id,
        kind: Kind::Sms,
        target: Target::SmsSender,
        created_at: now,
        expires_at,
    }
}

/// The push of a new login request to the user's devices, until the request expires.
pub fn login_request_push(
    keys: &DerivedKeys,
    user_id: &str,
    request_id: &str,
    merchant: &str,
    now: UnixTime,
    expires_at: UnixTime,
) -> NewMessage {
    let body =
        json!({"type": "login_request", "request_id": request_id, "merchant": merchant, "expires_at": expires_at});
    NewMessage {
        id: sortable_id(),
        kind: Kind::WebPush,
        target: Target::UserDevices { user_id: user_id.to_owned(), except_device: None },
        body: sealed(keys, &body),
        created_at: now,
        expires_at,
    }
}

/// The push telling a user's other devices that a device was added.
pub fn device_added_push(keys: &DerivedKeys, user_id: &str, device_id: &str, name: &str, now: UnixTime) -> NewMessage {
    let body = json!({"type": "device_added", "device_id": device_id, "device_name": name});
    NewMessage {
        id: sortable_id(),
        kind: Kind::WebPush,
        target: Target::UserDevices { user_id: user_id.to_owned(), except_device: Some(device_id.to_owned()) },
        body: sealed(keys, &body),
        created_at: now,
        expires_at: now + DEVICE_ADDED_TTL,
    }
}

/// `consent.revoked` to a merchant's webhook, retried for 24 hours.
pub fn consent_revoked(keys: &DerivedKeys, client_id: &str, sub: &str, now: UnixTime) -> NewMessage {
    let id = sortable_id();
    let body = json!({"id": id, "type": "consent.revoked", "client_id": client_id, "sub": sub, "time": rfc3339(now)});
    NewMessage {
        body: sealed(keys, &body),
        id,
        kind: Kind::Webhook,
        target: Target::Client(client_id.to_owned()),
        created_at: now,
        expires_at: now + WEBHOOK_RETRY_WINDOW,
    }
}

/// The sealed CIBA ping (CIBA Core §10.2) of a request, prepared when the request starts and
/// sent by the store when the user decides: `{"auth_req_id"}` with the client's bearer token.
pub fn ping_body(keys: &DerivedKeys, auth_req_id: &str, client_notification_token: &str) -> Vec<u8> {
    sealed(keys, &json!({"body": {"auth_req_id": auth_req_id}, "token": client_notification_token}))
}

/// The id of the ping of a login request.
pub fn ping_id(request_id: &str) -> String {
    format!("ping-{request_id}")
}

/// A claimed message's body, opened.
pub fn open_body(keys: &DerivedKeys, message: &Message) -> Option<Value> {
    serde_json::from_slice(&keys.open(&message.body)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ServerSecret;

    fn claimed(m: &NewMessage) -> Message {
        Message {
            id: m.id.clone(),
            kind: m.kind,
            target: String::new(),
            body: m.body.clone(),
            attempts: 0,
            created_at: m.created_at,
            expires_at: m.expires_at,
        }
    }

    #[test]
    fn the_sms_body_is_the_webhook_body_and_is_sealed() {
        let keys = ServerSecret::generate().keys();
        let m = enrollment_sms(&keys, &Msisdn::parse("4712345678").unwrap(), "123456", 100, 700);
        assert!(!String::from_utf8_lossy(&m.body).contains("123456"), "sealed at rest");
        let body = open_body(&keys, &claimed(&m)).unwrap();
        assert_eq!(body["id"], m.id.as_str());
        assert_eq!(body["kind"], "enrollment_code");
        assert_eq!(body["to"], "+4712345678");
        assert!(body["message"].as_str().unwrap().contains("123456"));
        assert_eq!(m.expires_at, 700);
        assert!(open_body(&ServerSecret::generate().keys(), &claimed(&m)).is_none());
    }

    #[test]
    fn consent_revoked_carries_the_pairwise_sub_and_an_rfc3339_time_for_24_hours() {
        let keys = ServerSecret::generate().keys();
        let m = consent_revoked(&keys, "shop", "sub-1", 1_767_225_600);
        let body = open_body(&keys, &claimed(&m)).unwrap();
        assert_eq!(
            body,
            json!({"id": m.id, "type": "consent.revoked", "client_id": "shop", "sub": "sub-1", "time": "2026-01-01T00:00:00Z"})
        );
        assert_eq!(m.expires_at - m.created_at, 24 * 3600);
        assert_eq!(m.target, Target::Client("shop".into()));
    }

    #[test]
    fn the_login_push_payload_holds_nothing_personal() {
        let keys = ServerSecret::generate().keys();
        let m = login_request_push(&keys, "u1", "r1", "Demo Store", 10, 610);
        let body = open_body(&keys, &claimed(&m)).unwrap();
        assert_eq!(
            body,
            json!({"type": "login_request", "request_id": "r1", "merchant": "Demo Store", "expires_at": 610})
        );
        let added = device_added_push(&keys, "u1", "d2", "Ada's phone", 10);
        assert_eq!(added.target, Target::UserDevices { user_id: "u1".into(), except_device: Some("d2".into()) });
    }

    #[test]
    fn a_2xx_delivers_404_and_410_end_a_push_subscription_anything_else_retries() {
        assert_eq!(classify(Kind::Sms, Some(204)), Attempt::Delivered);
        assert_eq!(classify(Kind::WebPush, Some(201)), Attempt::Delivered);
        assert_eq!(classify(Kind::WebPush, Some(410)), Attempt::Gone);
        assert_eq!(classify(Kind::WebPush, Some(404)), Attempt::Gone);
        assert_eq!(classify(Kind::Webhook, Some(404)), Attempt::Failed);
        assert_eq!(classify(Kind::Ping, Some(500)), Attempt::Failed);
        assert_eq!(classify(Kind::Sms, None), Attempt::Failed);
        assert_eq!(classify(Kind::Sms, Some(302)), Attempt::Failed);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }
}
