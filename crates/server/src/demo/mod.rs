//! The demo merchant (`serve --demo`): the point-of-sale page at `/demo/pos`, its server side
//! that calls the provider's endpoints over HTTP with the demo client's secret (never sent to
//! the browser), and the web page at its redirect URI (welcome.rs).
//!
//! A login's id carries what the merchant needs to go on with it (its `auth_req_id`, and the
//! `state` of a web-page login), so the till finishes its login after a server restart.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use phonelogin_core::clock::{Clock, UnixTime};
use phonelogin_core::crypto::random_token;
use phonelogin_core::fixtures::{ClientSpec, Fixtures, UserSpec};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::paths;

mod welcome;

pub const CLIENT_ID: &str = "demo-pos";
pub const WELCOME: &str = "/demo/welcome";
const KEEP: usize = 1000;

#[derive(Clone)]
struct Login {
    auth_req_id: String,
    /// The web-page flow's `state`; None when the login ends in the app.
    state: Option<String>,
    status: &'static str,
    profile: Option<Value>,
    error: Option<String>,
    next_poll: UnixTime,
    interval: i64,
    expires: UnixTime,
    created: UnixTime,
}

impl Login {
    fn new(auth_req_id: String, state: Option<String>, interval: i64, expires: UnixTime, now: UnixTime) -> Self {
        Self {
            auth_req_id,
            state,
            status: "waiting",
            profile: None,
            error: None,
            next_poll: now,
            interval,
            expires,
            created: now,
        }
    }

    /// `a.AUTH_REQ_ID`, or `w.STATE.AUTH_REQ_ID` for the web-page flow.
    fn id(&self) -> String {
        match &self.state {
            Some(state) => format!("w.{state}.{}", self.auth_req_id),
            None => format!("a.{}", self.auth_req_id),
        }
    }

    /// A login picked up again from its id (after a restart): the provider's answers to the
    /// polls (slow_down, expired_token) tell the interval and expiry that were forgotten.
    fn from_id(id: &str, now: UnixTime) -> Option<Self> {
        let token = |t: &str| {
            !t.is_empty() && t.len() <= 256 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let (state, auth_req_id) = match id.split_once('.')? {
            ("a", rest) => (None, rest),
            ("w", rest) => {
                let (state, rest) = rest.split_once('.')?;
                if !token(state) {
                    return None;
                }
                (Some(state.to_owned()), rest)
            }
            _ => return None,
        };
        token(auth_req_id).then(|| Self::new(auth_req_id.to_owned(), state, 5, UnixTime::MAX / 2, now))
    }
}

/// What the web page learnt of a web-page login, by its `state`.
#[derive(Clone)]
struct PageOutcome {
    status: &'static str,
    profile: Option<Value>,
}

/// The demo merchant's own state: its secret, its logins in progress, its web page's sessions.
pub struct Merchant {
    base: String,
    secret: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    logins: Mutex<HashMap<String, Login>>,
    outcomes: Mutex<HashMap<String, (UnixTime, PageOutcome)>>,
    sessions: welcome::Sessions,
}

pub type Shared = Arc<Merchant>;

/// The demo client and users; the client gets a fresh secret on every start.
pub fn fixtures(public_url: &str) -> (Fixtures, String) {
    let secret = random_token();
    let client: ClientSpec = serde_json::from_value(json!({
        "client_id": CLIENT_ID, "client_secret": secret, "name": "Demo Store",
        "scopes": ["openid", "name", "email", "phoneNumber", "address", "birthDate", "delegatedConsents"],
        "redirect_uris": [format!("{}{WELCOME}", public_url.trim_end_matches('/'))],
        "delegated_consents": {
            "heading": {"EN": "Join Demo Store Club", "NO": "Bli medlem i Demo Store-klubben"},
            "text": {"EN": "Members get offers and bonus points.", "NO": "Medlemmer får tilbud og bonuspoeng."},
            "terms_url": "https://demo.example/terms", "privacy_url": "https://demo.example/privacy",
            "consents": [{"id": "email", "required": true}, {"id": "sms", "required": false}, {"id": "personal", "required": false}]
        }
    }))
    .unwrap_or_else(|e| unreachable!("demo client: {e}"));
    let users: Vec<UserSpec> = serde_json::from_value(json!([
        {"phone_number": "4712345678", "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com",
         "email_verified": true, "birthdate": "1990-12-10",
         "addresses": [{"address_type": "home", "street_address": "Suburbia 23", "postal_code": "2101", "region": "OSLO", "country": "NO", "default": true}]},
        {"phone_number": "4798765432", "given_name": "Alan", "family_name": "Turing", "email": "alan@example.com",
         "email_verified": true, "birthdate": "1985-06-23"},
        {"phone_number": "4711111111", "given_name": "Grace", "family_name": "Hopper", "email": "grace@example.com",
         "email_verified": true, "birthdate": "1979-12-09"}
    ]))
    .unwrap_or_else(|e| unreachable!("demo users: {e}"));
    (Fixtures { clients: vec![client], users }, secret)
}

pub fn router(public_url: &str, secret: String, clock: Arc<dyn Clock>) -> Router {
    let merchant = Arc::new(Merchant {
        base: public_url.trim_end_matches('/').to_owned(),
        secret,
        http: reqwest::Client::new(),
        clock,
        logins: Mutex::default(),
        outcomes: Mutex::default(),
        sessions: welcome::Sessions::default(),
    });
    let router = Router::new()
        .route("/demo/pos", get(|| async { crate::web::file("demo/pos.html") }))
        .route("/demo/{file}", get(|Path(f): Path<String>| async move { crate::web::file(&format!("demo/{f}")) }))
        .route("/demo/api/logins", axum::routing::post(start))
        .route("/demo/api/logins/{id}", get(status))
        .route(WELCOME, get(welcome::page_handler))
        .with_state(merchant);
    crate::hardening::harden(router)
}

#[derive(Deserialize)]
struct Start {
    phone_number: String,
    #[serde(default)]
    binding_message: Option<String>,
    #[serde(default)]
    flow: Option<String>,
    #[serde(default)]
    delegated_consents: bool,
}

fn error(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Keeps at most KEEP entries: the oldest goes first.
fn keep<T>(map: &mut HashMap<String, T>, key: String, value: T, age: impl Fn(&T) -> UnixTime) {
    if map.len() >= KEEP
        && !map.contains_key(&key)
        && let Some(oldest) = map.iter().min_by_key(|(_, v)| age(v)).map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
    map.insert(key, value);
}

impl Merchant {
    fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base)).basic_auth(CLIENT_ID, Some(&self.secret)).form(form)
    }

    async fn profile(&self, tokens: &Value) -> Option<Value> {
        let token = tokens["access_token"].as_str()?;
        let r = self.http.get(format!("{}{}", self.base, paths::USERINFO)).bearer_auth(token).send().await.ok()?;
        r.json().await.ok()
    }

    /// Changes login `id`, known in memory or picked up again from its id.
    fn update(&self, id: &str, f: impl FnOnce(&mut Login)) -> Option<Login> {
        let mut logins = self.logins.lock().ok()?;
        if !logins.contains_key(id) {
            let login = Login::from_id(id, self.clock.now())?;
            keep(&mut logins, id.to_owned(), login, |l| l.created);
        }
        let login = logins.get_mut(id)?;
        f(login);
        Some(login.clone())
    }

    /// The web page's word on a web-page login: approved (with the profile) or rejected.
    fn page_outcome(&self, state: &str, outcome: PageOutcome) {
        if let Ok(mut outcomes) = self.outcomes.lock() {
            let now = self.clock.now();
            keep(&mut outcomes, state.to_owned(), (now, outcome), |(at, _)| *at);
        }
    }
}

async fn start(State(m): State<Shared>, Json(input): Json<Start>) -> Response {
    let webpage = input.flow.as_deref() == Some("webpage");
    let state = webpage.then(random_token);
    let hint = format!("urn:msisdn:{}", input.phone_number.trim());
    let scope = if input.delegated_consents {
        "openid name email phoneNumber address birthDate delegatedConsents"
    } else {
        "openid name email phoneNumber address birthDate"
    };
    let redirect = format!("{}{WELCOME}", m.base);
    let mut form = vec![("login_hint", hint.as_str()), ("scope", scope)];
    if let Some(b) = input.binding_message.as_deref().filter(|b| !b.is_empty()) {
        form.push(("binding_message", b));
    }
    if let Some(state) = &state {
        form.extend([
            ("requested_flow", "login_to_webpage"),
            ("redirect_uri", redirect.as_str()),
            ("state", state.as_str()),
        ]);
    }
    let r = match m.post(paths::BACKCHANNEL, &form).send().await {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_GATEWAY,
                json!({"error": "provider_unreachable", "error_description": e.to_string()}),
            );
        }
    };
    let status = r.status();
    let retry_after = r.headers().get(header::RETRY_AFTER).cloned();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    let Some(auth_req_id) = body["auth_req_id"].as_str().filter(|_| status.is_success()) else {
        // The provider's refusal as it came, with its Retry-After for the till to explain.
        let mut refusal = error(StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY), body);
        if let Some(v) = retry_after {
            refusal.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return refusal;
    };
    let now = m.clock.now();
    let interval = body["interval"].as_i64().unwrap_or(5);
    let expires = now + body["expires_in"].as_i64().unwrap_or(600);
    let login = Login::new(auth_req_id.to_owned(), state, interval, expires, now);
    let id = login.id();
    if let Ok(mut logins) = m.logins.lock() {
        keep(&mut logins, id.clone(), login, |l| l.created);
    }
    Json(json!({"id": id})).into_response()
}

/// The POS asks every second; the merchant polls the provider only when its interval allows.
/// A web-page login is never polled (a poll would take the tokens meant for the web page):
/// the web page tells how it ended.
async fn status(State(m): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(login) = m.update(&id, |_| {}) else {
        return error(StatusCode::NOT_FOUND, json!({"error": "not_found"}));
    };
    let now = m.clock.now();
    if let Some(state) = login.state.as_deref().filter(|_| login.status == "waiting") {
        let outcome = m.outcomes.lock().ok().and_then(|o| o.get(state).map(|(_, o)| o.clone()));
        if let Some(outcome) = outcome {
            m.update(&id, |l| {
                l.status = outcome.status;
                l.profile = outcome.profile;
            });
        }
    }
    if login.status == "waiting" && now >= login.expires {
        m.update(&id, |l| l.status = "expired");
    } else if login.status == "waiting" && login.state.is_none() && now >= login.next_poll {
        poll(&m, &id, &login, now).await;
    }
    let login = m.update(&id, |_| {}).unwrap_or(login);
    Json(json!({"status": login.status, "profile": login.profile, "error": login.error})).into_response()
}

async fn poll(m: &Merchant, id: &str, login: &Login, now: UnixTime) {
    let form = [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", login.auth_req_id.as_str())];
    let answer = match m.post(paths::TOKEN, &form).send().await {
        Ok(r) => Some((r.status(), r.json::<Value>().await.unwrap_or(Value::Null))),
        Err(_) => None,
    };
    let profile = match &answer {
        Some((s, tokens)) if s.is_success() => m.profile(tokens).await,
        _ => None,
    };
    m.update(id, |l| {
        l.next_poll = now + l.interval;
        match answer {
            Some((s, _)) if s.is_success() => {
                l.status = "approved";
                l.profile = profile;
            }
            Some((_, body)) => match body["error"].as_str() {
                Some("authorization_pending") | None => {}
                Some("slow_down") => l.interval += 5,
                Some("access_denied") => l.status = "rejected",
                Some("expired_token") => l.status = "expired",
                Some(other) => {
                    l.status = "error";
                    l.error = Some(other.to_owned());
                }
            },
            None => {}
        }
    });
}
