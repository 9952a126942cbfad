//! The demo merchant's CIBA notification endpoint (CIBA Core §10.2): the provider posts
//! `{"auth_req_id"}` with the login's `client_notification_token` as the bearer; the merchant
//! fetches the token at once and wakes the till's waiting status call.
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::{Shared, poll};

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
    let id = format!("a.{}", body["auth_req_id"].as_str().unwrap_or_default());
    let login = m.logins.lock().ok().and_then(|logins| logins.get(&id).cloned());
    let Some(login) = login.filter(|l| !bearer.is_empty() && l.notification_token.as_deref() == Some(bearer)) else {
        return StatusCode::UNAUTHORIZED;
    };
    if login.status == "waiting" {
        poll(&m, &id, &login, m.clock.now()).await;
        m.changed.notify_waiters();
    }
    StatusCode::NO_CONTENT
}
