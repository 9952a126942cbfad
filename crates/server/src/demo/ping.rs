//! The demo merchant's CIBA notification endpoint (CIBA Core §10.2): the provider posts
//! `{"auth_req_id"}` with the login's `client_notification_token` as the bearer; the till's
//! waiting status call wakes and fetches the token at once.
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::Shared;

pub const PATH: &str = "/demo/api/ciba-ping";
/// The longest a till's status call waits for a change.
const LONGEST_WAIT: u64 = 25;

/// `?wait=N`: seconds a status call may wait for a change while the login is waiting.
#[derive(Deserialize, Default)]
pub struct Wait {
    wait: Option<u64>,
}

impl Wait {
    pub fn duration(&self) -> Option<Duration> {
        self.wait.filter(|w| *w > 0).map(|w| Duration::from_secs(w.min(LONGEST_WAIT)))
    }
}

pub async fn handler(State(m): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> StatusCode {
    let bearer = crate::oidc::userinfo::bearer(&headers).unwrap_or_default();
    let Some(auth_req_id) = body["auth_req_id"].as_str().filter(|a| !a.is_empty() && a.len() <= 256) else {
        return StatusCode::BAD_REQUEST;
    };
    // A login this merchant holds must come with its own token. One it has forgotten (a
    // restart) is taken on trust: a ping only makes the till's next status call poll now, with
    // the merchant's own secret, and the provider's answer is what counts.
    let known = m.logins.lock().ok().and_then(|l| l.get(&format!("a.{auth_req_id}")).cloned());
    if known.is_some_and(|l| l.notification_token.as_deref().is_some_and(|t| bearer.is_empty() || t != bearer)) {
        return StatusCode::UNAUTHORIZED;
    }
    if let Ok(mut pinged) = m.pinged.lock() {
        if pinged.len() >= super::KEEP {
            pinged.clear();
        }
        pinged.insert(auth_req_id.to_owned());
    }
    m.changed.notify_waiters();
    StatusCode::NO_CONTENT
}
