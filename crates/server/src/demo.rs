//! The demo merchant (`serve --demo`): the point-of-sale page at `/demo/pos`, its server side
//! that calls the provider's endpoints over HTTP with the demo client's secret (never sent to
//! the browser), and the welcome page at its redirect URI that exchanges the code.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use phonelogin_core::clock::{Clock, UnixTime};
use phonelogin_core::crypto::{random_id, random_token};
use phonelogin_core::fixtures::{ClientSpec, Fixtures, UserSpec};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::paths;

pub const CLIENT_ID: &str = "demo-pos";
pub const WELCOME: &str = "/demo/welcome";
const KEEP: usize = 1000;

#[derive(Clone)]
struct Login {
    auth_req_id: String,
    webpage: bool,
    status: &'static str,
    profile: Option<Value>,
    error: Option<String>,
    next_poll: UnixTime,
    interval: i64,
    expires: UnixTime,
    created: UnixTime,
}

/// The demo merchant's own state: its secret and its logins in progress.
pub struct Merchant {
    base: String,
    secret: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    logins: Mutex<HashMap<String, Login>>,
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
    });
    let router = Router::new()
        .route("/demo/pos", get(|| async { crate::web::file("demo/pos.html") }))
        .route("/demo/{file}", get(|Path(f): Path<String>| async move { crate::web::file(&format!("demo/{f}")) }))
        .route("/demo/api/logins", axum::routing::post(start))
        .route("/demo/api/logins/{id}", get(status))
        .route(WELCOME, get(welcome))
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

impl Merchant {
    fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base)).basic_auth(CLIENT_ID, Some(&self.secret)).form(form)
    }

    async fn profile(&self, tokens: &Value) -> Option<Value> {
        let token = tokens["access_token"].as_str()?;
        let r = self.http.get(format!("{}{}", self.base, paths::USERINFO)).bearer_auth(token).send().await.ok()?;
        r.json().await.ok()
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Login)) -> Option<Login> {
        let mut logins = self.logins.lock().ok()?;
        let login = logins.get_mut(id)?;
        f(login);
        Some(login.clone())
    }
}

async fn start(State(m): State<Shared>, Json(input): Json<Start>) -> Response {
    let id = random_id();
    let webpage = input.flow.as_deref() == Some("webpage");
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
    if webpage {
        form.extend([
            ("requested_flow", "login_to_webpage"),
            ("redirect_uri", redirect.as_str()),
            ("state", id.as_str()),
        ]);
    }
    let answer = match m.post(paths::BACKCHANNEL, &form).send().await {
        Ok(r) => (r.status(), r.json::<Value>().await.unwrap_or(Value::Null)),
        Err(e) => {
            return error(
                StatusCode::BAD_GATEWAY,
                json!({"error": "provider_unreachable", "error_description": e.to_string()}),
            );
        }
    };
    let (status, body) = answer;
    let Some(auth_req_id) = body["auth_req_id"].as_str().filter(|_| status.is_success()) else {
        return error(StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY), body);
    };
    let now = m.clock.now();
    let login = Login {
        auth_req_id: auth_req_id.to_owned(),
        webpage,
        status: "waiting",
        profile: None,
        error: None,
        next_poll: now,
        interval: body["interval"].as_i64().unwrap_or(5),
        expires: now + body["expires_in"].as_i64().unwrap_or(600),
        created: now,
    };
    if let Ok(mut logins) = m.logins.lock() {
        if logins.len() >= KEEP
            && let Some(oldest) = logins.iter().min_by_key(|(_, l)| l.created).map(|(k, _)| k.clone())
        {
            logins.remove(&oldest);
        }
        logins.insert(id.clone(), login);
    }
    Json(json!({"id": id})).into_response()
}

/// The POS asks every second; the merchant polls the provider only when its interval allows.
async fn status(State(m): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(login) = m.update(&id, |_| {}) else {
        return error(StatusCode::NOT_FOUND, json!({"error": "not_found"}));
    };
    let now = m.clock.now();
    if login.status == "waiting" && now >= login.expires {
        m.update(&id, |l| l.status = "expired");
    } else if login.status == "waiting" && !login.webpage && now >= login.next_poll {
        let form = [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", login.auth_req_id.as_str())];
        let answer = match m.post(paths::TOKEN, &form).send().await {
            Ok(r) => Some((r.status(), r.json::<Value>().await.unwrap_or(Value::Null))),
            Err(_) => None,
        };
        let profile = match &answer {
            Some((s, tokens)) if s.is_success() => m.profile(tokens).await,
            _ => None,
        };
        m.update(&id, |l| {
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
    let login = m.update(&id, |_| {}).unwrap_or(login);
    Json(json!({"status": login.status, "profile": login.profile, "error": login.error})).into_response()
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The merchant's page at its redirect URI: exchanges the code server-side and greets the user.
async fn welcome(State(m): State<Shared>, Query(q): Query<Callback>) -> Response {
    let id = q.state.unwrap_or_default();
    if q.error.is_some() {
        m.update(&id, |l| {
            if l.webpage && l.status == "waiting" {
                l.status = "rejected";
            }
        });
        return page(
            "Login cancelled",
            "<p data-testid=\"welcome-rejected\">You cancelled the login. Nothing was shared.</p>",
        );
    }
    let Some(code) = q.code else { return page("Demo Store", "<p>Nothing to see here.</p>") };
    let form = [("grant_type", "urn:vipps:params:grant-type:ciba-redirect"), ("code", code.as_str())];
    let tokens = match m.post(paths::TOKEN, &form).send().await {
        Ok(r) if r.status().is_success() => r.json::<Value>().await.unwrap_or(Value::Null),
        Ok(r) => {
            let body = r.json::<Value>().await.unwrap_or(Value::Null);
            let why = escape(body["error"].as_str().unwrap_or("error"));
            return page(
                "Login failed",
                &format!("<p data-testid=\"welcome-error\">The login could not be completed ({why}).</p>"),
            );
        }
        Err(_) => {
            return page("Login failed", "<p data-testid=\"welcome-error\">The provider could not be reached.</p>");
        }
    };
    let profile = m.profile(&tokens).await;
    let name = profile.as_ref().and_then(|p| p["given_name"].as_str()).unwrap_or("there").to_owned();
    m.update(&id, |l| {
        l.status = "approved";
        l.profile = profile;
    });
    page(
        "Welcome",
        &format!(
            "<h1 data-testid=\"welcome-name\">Welcome, {}!</h1><p>You are logged in to Demo Store.</p>",
            escape(&name)
        ),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(title: &str, content: &str) -> Response {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Demo Store</title><link rel=\"stylesheet\" href=\"/app/styles.css\"></head>\
         <body class=\"merchant\"><main class=\"screen\">{content}<p><a href=\"/demo/pos\">Back to the shop</a></p></main></body></html>"
    ))
    .into_response()
}
