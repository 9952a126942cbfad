//! The demo merchant's web page at its redirect URI: it exchanges the code server-side, greets
//! the customer, and keeps them logged in with a session cookie, so that a reload of the page
//! (whose code was single use) still greets them instead of failing with `invalid_grant`.
use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use phonelogin_core::crypto::{random_token, sha256_hex};
use serde::Deserialize;
use serde_json::Value;

use super::{PageOutcome, Shared};
use crate::paths;

const COOKIE: &str = "demo_store_session";
/// Sessions kept in memory; the oldest go first.
const KEEP: usize = 1000;

/// A customer logged in to the demo merchant's web page.
#[derive(Clone)]
struct Session {
    given_name: String,
    /// The code it was made from: a reload of that same URL finds it again.
    code_hash: String,
    created: u64,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    counter: Mutex<u64>,
}

impl Sessions {
    fn get(&self, id: &str) -> Option<Session> {
        self.map.lock().ok()?.get(&sha256_hex(id)).cloned()
    }

    /// Stores a session; returns the cookie value (only its hash is kept).
    fn create(&self, given_name: String, code_hash: String) -> String {
        let id = random_token();
        let created = self.counter.lock().map(|mut c| {
            *c += 1;
            *c
        });
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= KEEP
                && let Some(oldest) = map.iter().min_by_key(|(_, s)| s.created).map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
            map.insert(sha256_hex(&id), Session { given_name, code_hash, created: created.unwrap_or(0) });
        }
        id
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE).then(|| value.to_owned())
    })
}

pub async fn page_handler(State(m): State<Shared>, headers: HeaderMap, Query(q): Query<Callback>) -> Response {
    let state = q.state.clone().unwrap_or_default();
    if q.error.is_some() {
        m.page_outcome(&state, PageOutcome { status: "rejected", profile: None });
        return page(
            "Login cancelled",
            "<h1>Login cancelled</h1><p data-testid=\"welcome-rejected\">You cancelled the login. Nothing was shared.</p>",
        );
    }
    let session = cookie(&headers).and_then(|c| m.sessions.get(&c));
    let Some(code) = q.code else {
        return match session {
            Some(s) => greeting(&s.given_name),
            None => {
                page("Demo Store", "<h1>Demo Store</h1><p data-testid=\"welcome-anonymous\">You are not logged in.</p>")
            }
        };
    };
    // A reload of the page the login landed on: the code is spent, the session remembers it.
    if let Some(s) = session.filter(|s| s.code_hash == sha256_hex(&code)) {
        return greeting(&s.given_name);
    }
    let form = [("grant_type", "urn:vipps:params:grant-type:ciba-redirect"), ("code", code.as_str())];
    let tokens = match m.post(paths::TOKEN, &form).send().await {
        Ok(r) if r.status().is_success() => r.json::<Value>().await.unwrap_or(Value::Null),
        Ok(r) => {
            let body = r.json::<Value>().await.unwrap_or(Value::Null);
            let why = escape(body["error"].as_str().unwrap_or("error"));
            return page(
                "Login failed",
                &format!(
                    "<h1>Login failed</h1><p data-testid=\"welcome-error\">The login could not be completed ({why}).</p>"
                ),
            );
        }
        Err(_) => {
            return page(
                "Login failed",
                "<h1>Login failed</h1><p data-testid=\"welcome-error\">The provider could not be reached.</p>",
            );
        }
    };
    let profile = m.profile(&tokens).await;
    let name = profile.as_ref().and_then(|p| p["given_name"].as_str()).unwrap_or("there").to_owned();
    m.page_outcome(&state, PageOutcome { status: "approved", profile });
    let session = m.sessions.create(name.clone(), sha256_hex(&code));
    let mut response = greeting(&name);
    let set = format!("{COOKIE}={session}; Path={}; HttpOnly; SameSite=Lax", super::WELCOME);
    if let Ok(v) = HeaderValue::from_str(&set) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

fn greeting(name: &str) -> Response {
    page(
        "Welcome",
        &format!(
            "<h1 data-testid=\"welcome-name\">Welcome, {}!</h1><p>You are logged in to Demo Store's web shop. \
             You can close this page.</p>",
            escape(name)
        ),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The merchant's page: no link to the till (the customer reads this on their own phone).
fn page(title: &str, content: &str) -> Response {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Demo Store</title><link rel=\"icon\" href=\"/app/icon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/app/styles.css\"></head>\
         <body class=\"merchant\"><main class=\"main\"><section class=\"screen\">{content}</section></main></body></html>"
    ))
    .into_response()
}
