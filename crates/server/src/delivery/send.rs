//! One HTTP attempt per message kind: the SMS webhook and merchant webhooks (signed JSON), the
//! CIBA ping (bearer token), Web Push (aes128gcm, VAPID). Returns the receiver's status (`None`:
//! no answer), or why the message cannot be sent at all. Bodies are never logged.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::outbox::{Kind, Message, endpoint, open_body, signature, webpush};
use serde_json::Value;

use crate::state::SharedState;

type Sent = Result<Option<u16>, &'static str>;

pub async fn attempt(state: &SharedState, http: &reqwest::Client, m: &Message, now: UnixTime) -> Sent {
    let body = open_body(&state.keys, m).ok_or("unreadable")?;
    match m.kind {
        Kind::Sms => sms(state, http, &body, now).await,
        Kind::Webhook => webhook(state, http, m, &body, now).await,
        Kind::Ping => ping(state, http, m, &body).await,
        Kind::WebPush => push(state, http, m, &body, now).await,
    }
}

async fn status(request: reqwest::RequestBuilder) -> Option<u16> {
    match request.send().await {
        Ok(r) => Some(r.status().as_u16()),
        Err(e) => {
            tracing::debug!(error = %e.without_url(), "outbox: no answer");
            None
        }
    }
}

/// A JSON body signed with `Phonelogin-Signature` (spec §11).
fn signed(http: &reqwest::Client, url: &str, secret: &str, body: &Value, now: UnixTime) -> reqwest::RequestBuilder {
    let raw = body.to_string();
    http.post(url)
        .header("content-type", "application/json")
        .header(signature::HEADER, signature::sign(secret, now, raw.as_bytes()))
        .body(raw)
}

async fn sms(state: &SharedState, http: &reqwest::Client, body: &Value, now: UnixTime) -> Sent {
    let config = state.outbox.config().ok_or("no SMS sender")?;
    // A sender configured when the code was written may be gone after a restart: keep trying
    // until the code expires, in case it comes back.
    let Some(url) = config.sms_webhook.as_deref() else { return Ok(None) };
    let secret = config.sms_secret.as_deref().unwrap_or_default();
    Ok(status(signed(http, url, secret, body, now)).await)
}

async fn webhook(state: &SharedState, http: &reqwest::Client, m: &Message, body: &Value, now: UnixTime) -> Sent {
    let client = state.store.client(&m.target).await.map_err(|_| "store")?.ok_or("client gone")?;
    let url = client.delivery.webhook_url.as_deref().ok_or("no webhook")?;
    let sealed = client.delivery.webhook_secret.as_deref().ok_or("no webhook secret")?;
    let secret = state.keys.open(sealed).and_then(|s| String::from_utf8(s).ok()).ok_or("unreadable secret")?;
    Ok(status(signed(http, url, &secret, body, now)).await)
}

async fn ping(state: &SharedState, http: &reqwest::Client, m: &Message, body: &Value) -> Sent {
    let client = state.store.client(&m.target).await.map_err(|_| "store")?.ok_or("client gone")?;
    let url = client.delivery.notification_endpoint.as_deref().ok_or("no notification endpoint")?;
    endpoint::check_url(url, state.settings.dev, false).map_err(|_| "endpoint refused")?;
    let token = body["token"].as_str().ok_or("unreadable")?;
    Ok(status(http.post(url).bearer_auth(token).json(&body["body"])).await)
}

async fn push(state: &SharedState, http: &reqwest::Client, m: &Message, payload: &Value, now: UnixTime) -> Sent {
    let sub = state.store.push_subscription(&m.target).await.map_err(|_| "store")?.ok_or("no subscription")?;
    endpoint::check_url(&sub.endpoint, state.settings.dev, true).map_err(|_| "endpoint refused")?;
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
    let (p256dh, auth) = (decode(&sub.p256dh).map_err(|_| "bad keys")?, decode(&sub.auth).map_err(|_| "bad keys")?);
    let body = webpush::encrypt(payload.to_string().as_bytes(), &p256dh, &auth).map_err(|_| "bad keys")?;
    let config = state.outbox.config().ok_or("not started")?;
    let vapid = state.outbox.vapid().get(state).await.map_err(|_| "no VAPID key")?;
    let authorization = vapid.authorization(&sub.endpoint, &config.vapid_subject, now).ok_or("bad endpoint")?;
    let request = http
        .post(&sub.endpoint)
        .header("authorization", authorization)
        .header("content-encoding", "aes128gcm")
        .header("content-type", "application/octet-stream")
        .header("ttl", (m.expires_at - now).max(0).to_string())
        .header("urgency", "high")
        .body(body);
    Ok(status(request).await)
}
