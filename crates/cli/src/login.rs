//! `phonelogin login`: the merchant side of a CIBA login (PRODUCT §13) against any provider
//! that speaks the standard — discovery, the backchannel request, polling that honours
//! `interval` and `slow_down`, the ID token verified against the JWKS, then userinfo.
mod id_token;
mod poll;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use serde_json::Value;

use poll::Step;

#[derive(Args)]
pub struct LoginArgs {
    /// The provider's issuer; discovery is read from ISSUER/.well-known/openid-configuration.
    #[arg(long)]
    pub issuer: String,
    #[arg(long)]
    pub client_id: String,
    /// Any text, one starting with `-` included (generated secrets often do).
    #[arg(long, env = "PHONELOGIN_CLIENT_SECRET", hide_env_values = true, allow_hyphen_values = true)]
    pub client_secret: String,
    /// Scopes to ask for (space-separated; `openid` is added when missing).
    #[arg(long, default_value = "openid")]
    pub scope: String,
    /// Shown on the phone so the user can match it with this screen.
    #[arg(long)]
    pub binding_message: Option<String>,
    /// The phone number (digits, `+` allowed), sent as `urn:msisdn:DIGITS`; a value that
    /// starts with `urn:` is sent as the login_hint unchanged.
    pub phone: String,
}

fn login_hint(phone: &str) -> String {
    if phone.starts_with("urn:") {
        return phone.to_owned();
    }
    format!("urn:msisdn:{}", phone.chars().filter(char::is_ascii_digit).collect::<String>())
}

/// RFC 6749 §2.3.1: each part form-urlencoded inside the Basic credentials.
fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

async fn json(r: reqwest::Result<reqwest::Response>, what: &str) -> Result<(u16, Value), String> {
    let r = r.map_err(|e| format!("{what}: {e}"))?;
    let status = r.status().as_u16();
    let text = r.text().await.map_err(|e| format!("{what}: {e}"))?;
    let body = serde_json::from_str(&text).map_err(|_| format!("{what}: HTTP {status}, not JSON: {text:.200}"))?;
    Ok((status, body))
}

fn field<'a>(v: &'a Value, name: &str, what: &str) -> Result<&'a str, String> {
    v[name].as_str().ok_or_else(|| format!("{what} has no {name}"))
}

fn oauth_error(what: &str, status: u16, b: &Value) -> String {
    let description = b["error_description"].as_str().map(|d| format!(": {d}")).unwrap_or_default();
    format!("{what} refused (HTTP {status}): {}{description}", b["error"].as_str().unwrap_or("?"))
}

pub async fn run(a: LoginArgs) -> Result<(), String> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().map_err(|e| e.to_string())?;
    let auth = basic(&a.client_id, &a.client_secret);

    let url = format!("{}/.well-known/openid-configuration", a.issuer.trim_end_matches('/'));
    let (status, disco) = json(http.get(&url).send().await, "discovery").await?;
    if status != 200 {
        return Err(format!("discovery: HTTP {status} from {url}"));
    }
    let issuer = field(&disco, "issuer", "discovery")?;
    if issuer.trim_end_matches('/') != a.issuer.trim_end_matches('/') {
        return Err(format!("discovery names issuer {issuer}, not {}", a.issuer));
    }
    let backchannel = field(&disco, "backchannel_authentication_endpoint", "discovery (no CIBA?)")?;
    let token_endpoint = field(&disco, "token_endpoint", "discovery")?;
    let jwks_uri = field(&disco, "jwks_uri", "discovery")?;
    println!("provider   {issuer}");

    let scope =
        if a.scope.split_whitespace().any(|s| s == "openid") { a.scope.clone() } else { format!("openid {}", a.scope) };
    let nonce = phonelogin_core::crypto::random_token();
    let mut form = vec![("scope", scope.clone()), ("login_hint", login_hint(&a.phone)), ("nonce", nonce.clone())];
    if let Some(m) = &a.binding_message {
        form.push(("binding_message", m.clone()));
    }
    let sent = http.post(backchannel).header("authorization", &auth).form(&form).send().await;
    let (status, started) = json(sent, "backchannel authentication").await?;
    if status != 200 {
        return Err(oauth_error("backchannel authentication", status, &started));
    }
    let auth_req_id = field(&started, "auth_req_id", "the backchannel response")?.to_owned();
    let expires_in = started["expires_in"].as_u64().ok_or("the backchannel response has no expires_in")?;
    let mut interval = started["interval"].as_u64().unwrap_or(5).max(1);
    println!("started    login for {} ({scope}); expires in {expires_in} s", a.phone);
    if let Some(m) = &a.binding_message {
        println!("           the phone shows: {m}");
    }
    println!("waiting    for the user to confirm on the phone (polling every {interval} s)");

    let deadline = Instant::now() + Duration::from_secs(expires_in);
    let tokens = loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        if Instant::now() > deadline + Duration::from_secs(interval) {
            return Err("the login expired before the user confirmed".into());
        }
        let form = [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", auth_req_id.as_str())];
        let polled = http.post(token_endpoint).header("authorization", &auth).form(&form).send().await;
        let (status, b) = json(polled, "token").await?;
        match poll::step(status, &b, interval) {
            Step::Tokens => break b,
            Step::Wait(next) => {
                if next != interval {
                    println!("slow_down  polling every {next} s from now");
                }
                interval = next;
            }
            Step::Fail(why) => return Err(why),
        }
    };

    let id_token = field(&tokens, "id_token", "the token response")?;
    let (_, jwks) = json(http.get(jwks_uri).send().await, "JWKS").await?;
    let claims = id_token::verify(id_token, &jwks, issuer, &a.client_id, &nonce, now())?;
    println!("id token   verified: signature ({}), iss, aud, exp{}", claims.alg, claims.nonce_note);
    println!("{}", serde_json::to_string_pretty(&claims.claims).unwrap_or_default());

    let access_token = field(&tokens, "access_token", "the token response")?;
    match disco["userinfo_endpoint"].as_str() {
        Some(userinfo) => {
            let (status, info) = json(http.get(userinfo).bearer_auth(access_token).send().await, "userinfo").await?;
            if status != 200 {
                return Err(oauth_error("userinfo", status, &info));
            }
            if info["sub"] != claims.claims["sub"] {
                return Err("userinfo's sub is not the ID token's sub".into());
            }
            println!("userinfo");
            println!("{}", serde_json::to_string_pretty(&info).unwrap_or_default());
        }
        None => println!("userinfo   the provider has no userinfo endpoint"),
    }
    Ok(())
}
