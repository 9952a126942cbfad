//! The operations the driver repeats (spec §9): `GET /healthz` (the ceiling), a backchannel
//! request, a token poll on a pending request, and a complete flow through the App API.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{RequestBuilder, StatusCode, Url};
use serde_json::Value;

use crate::fixtures::{device_token, msisdn};
use crate::load::{Outcome, Record, Run, drive};
use crate::target::{BACKCHANNEL, HEALTHZ, LOGIN_REQUESTS, TOKEN, Target, USERINFO};

const FORM: &str = "application/x-www-form-urlencoded";
const CIBA_GRANT: &str = "urn%3Aopenid%3Aparams%3Agrant-type%3Aciba";
const APPROVE_BODY: &str = r#"{"pin":"1234","consent":true,"delegated_consents":{}}"#;
/// The flow's steps, in order; their latencies are reported one by one.
pub const FLOW_STEPS: [&str; 5] = ["backchannel", "list", "approve", "token", "userinfo"];

/// How hard and how long: workers, time, and a cap on operations.
#[derive(Clone, Copy)]
pub struct Load {
    pub concurrency: usize,
    pub duration: Duration,
    pub max: u64,
}

/// Sends a request and reads the whole answer, so the connection goes back to the pool.
async fn exchange(req: RequestBuilder) -> Result<(StatusCode, String), String> {
    let resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    let body = resp.text().await.map_err(transport)?;
    Ok((status, body))
}

fn transport(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        format!("transport: {}", e.without_url())
    }
}

/// The kind of an unexpected answer: its status and the `error` member when there is one.
fn unexpected(status: StatusCode, body: &str) -> String {
    let parsed = serde_json::from_str::<Value>(body).ok();
    match parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str) {
        Some(code) => format!("HTTP {} {code}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// The body of a 200 answer, or the kind of the failure.
async fn expect_ok(req: RequestBuilder) -> Result<String, String> {
    match exchange(req).await? {
        (StatusCode::OK, body) => Ok(body),
        (status, body) => Err(unexpected(status, &body)),
    }
}

fn outcome(result: Result<String, String>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok("ok"),
        Err(kind) => Outcome::Err(kind),
    }
}

fn client_post(t: &Target, url: &Url, body: String) -> RequestBuilder {
    t.http.post(url.clone()).header(AUTHORIZATION, t.client_auth.clone()).header(CONTENT_TYPE, FORM).body(body)
}

fn backchannel_body(user: usize, extra: &str) -> String {
    format!("scope=openid+name&login_hint=urn%3Amsisdn%3A{}{extra}", msisdn(user))
}

fn pick<T: Clone>(items: &[T], seq: u64) -> T {
    items[(seq % items.len() as u64) as usize].clone()
}

/// `GET /healthz`; success is 200.
pub async fn healthz(t: Arc<Target>, load: Load) -> Run {
    let url = t.url(HEALTHZ);
    drive(load.concurrency, load.duration, load.max, move |_, _| {
        let req = t.http.get(url.clone());
        async move { outcome(expect_ok(req).await) }
    })
    .await
}

/// Backchannel requests for the users in turn; success is 200. Each one leaves a pending request.
pub async fn backchannel(t: Arc<Target>, users: usize, load: Load) -> Run {
    let bodies: Arc<[String]> = (0..users).map(|u| backchannel_body(u, "")).collect();
    let url = t.url(BACKCHANNEL);
    drive(load.concurrency, load.duration, load.max, move |_, seq| {
        let req = client_post(&t, &url, pick(&bodies, seq));
        async move { outcome(expect_ok(req).await) }
    })
    .await
}

/// Creates `count` pending requests (not timed) and returns their `auth_req_id`s.
pub async fn create_pending(
    t: Arc<Target>,
    users: usize,
    count: usize,
    concurrency: usize,
) -> Result<Vec<String>, String> {
    let bodies: Arc<[String]> = (0..users).map(|u| backchannel_body(u, "")).collect();
    let url = t.url(BACKCHANNEL);
    let ids = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let collected = Arc::clone(&ids);
    let run = drive(concurrency, Duration::from_secs(3600), count as u64, move |_, seq| {
        let req = client_post(&t, &url, pick(&bodies, seq));
        let ids = Arc::clone(&collected);
        async move {
            let body = match expect_ok(req).await {
                Ok(body) => body,
                Err(kind) => return Outcome::Err(kind),
            };
            let parsed = serde_json::from_str::<Value>(&body).ok();
            match parsed.as_ref().and_then(|v| v.get("auth_req_id")).and_then(Value::as_str) {
                Some(id) => {
                    ids.lock().unwrap_or_else(PoisonError::into_inner).push(id.to_owned());
                    Outcome::Ok("ok")
                }
                None => Outcome::Err("200 without auth_req_id".into()),
            }
        }
    })
    .await;
    let ids = std::mem::take(&mut *ids.lock().unwrap_or_else(PoisonError::into_inner));
    if ids.is_empty() {
        return Err(format!("no pending request could be created: {:?}", run.record.errors));
    }
    Ok(ids)
}

/// Token polls on pending requests in turn; success is 400 `authorization_pending` or
/// `slow_down`, both right for a pending request (the second once it is polled too soon).
pub async fn poll(t: Arc<Target>, auth_req_ids: &[String], load: Load) -> Run {
    let bodies: Arc<[String]> =
        auth_req_ids.iter().map(|id| format!("grant_type={CIBA_GRANT}&auth_req_id={id}")).collect();
    let url = t.url(TOKEN);
    drive(load.concurrency, load.duration, load.max, move |_, seq| {
        let req = client_post(&t, &url, pick(&bodies, seq));
        async move {
            match exchange(req).await {
                Ok((StatusCode::BAD_REQUEST, body)) => {
                    let parsed = serde_json::from_str::<Value>(&body).ok();
                    match parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str) {
                        Some("authorization_pending") => Outcome::Ok("authorization_pending"),
                        Some("slow_down") => Outcome::Ok("slow_down"),
                        _ => Outcome::Err(unexpected(StatusCode::BAD_REQUEST, &body)),
                    }
                }
                Ok((status, body)) => Outcome::Err(unexpected(status, &body)),
                Err(kind) => Outcome::Err(kind),
            }
        }
    })
    .await
}

/// What the flow workers share. Worker `w` owns the users `w`, `w + workers`, ... so a user's
/// open requests change only under one worker; its own request is found by its binding message.
struct Flow {
    t: Arc<Target>,
    users: usize,
    workers: usize,
    /// Prefix of this run's binding messages, so leftovers of an earlier run are never picked.
    nonce: String,
    device_auth: Vec<HeaderValue>,
    iterations: Vec<AtomicU64>,
    steps: Mutex<Vec<Record>>,
    urls: FlowUrls,
}

struct FlowUrls {
    backchannel: Url,
    list: Url,
    token: Url,
    userinfo: Url,
}

/// The flow run, with a record per step.
pub struct FlowRun {
    pub run: Run,
    pub steps: Vec<Record>,
}

/// Complete flows: backchannel → list the user's requests → approve with PIN and consent →
/// token (200 with an ID token) → userinfo (200). Uses at most one worker per user.
pub async fn flow(t: Arc<Target>, users: usize, load: Load) -> Result<FlowRun, String> {
    let workers = load.concurrency.min(users);
    let device_auth = (0..users)
        .map(|u| HeaderValue::from_str(&format!("Bearer {}", device_token(u))).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let urls = FlowUrls {
        backchannel: t.url(BACKCHANNEL),
        list: t.url(LOGIN_REQUESTS),
        token: t.url(TOKEN),
        userinfo: t.url(USERINFO),
    };
    let shared = Arc::new(Flow {
        t,
        users,
        workers,
        nonce: base36(since_epoch.as_secs(), 3),
        device_auth,
        iterations: (0..workers).map(|_| AtomicU64::new(0)).collect(),
        steps: Mutex::new(FLOW_STEPS.iter().map(|_| Record::default()).collect()),
        urls,
    });
    let ctx = Arc::clone(&shared);
    let run = drive(workers, load.duration, load.max, move |w, _| one_flow(Arc::clone(&ctx), w)).await;
    let steps = std::mem::take(&mut *shared.steps.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(FlowRun { run, steps })
}

async fn one_flow(c: Arc<Flow>, worker: usize) -> Outcome {
    let k = c.iterations.get(worker).map_or(0, |n| n.fetch_add(1, Ordering::Relaxed));
    let owned = (c.users - worker).div_ceil(c.workers) as u64;
    let user = worker + c.workers * usize::try_from(k % owned).unwrap_or(0);
    let binding = format!("{}{}", c.nonce, base36(k, 5));
    let mut times = Vec::with_capacity(FLOW_STEPS.len());
    let result = flow_steps(&c, user, &binding, &mut times).await;
    {
        let mut steps = c.steps.lock().unwrap_or_else(PoisonError::into_inner);
        for (i, (latency, step)) in times.into_iter().enumerate() {
            if let Some(r) = steps.get_mut(i) {
                r.add(latency, step);
            }
        }
    }
    match result {
        Ok(()) => Outcome::Ok("flow"),
        Err(kind) => Outcome::Err(kind),
    }
}

/// Sends one step of a flow, records its latency, and returns its JSON answer if 200.
async fn step(times: &mut Vec<(Duration, Outcome)>, req: RequestBuilder) -> Result<Value, String> {
    let name = FLOW_STEPS.get(times.len()).copied().unwrap_or("step");
    let start = Instant::now();
    let result =
        expect_ok(req).await.and_then(|b| serde_json::from_str::<Value>(&b).map_err(|_| "200 without JSON".into()));
    let latency = start.elapsed();
    match result {
        Ok(v) => {
            times.push((latency, Outcome::Ok("ok")));
            Ok(v)
        }
        Err(kind) => {
            times.push((latency, Outcome::Err(kind.clone())));
            Err(format!("{name}: {kind}"))
        }
    }
}

fn field<'a>(v: &'a Value, name: &str, what: &str) -> Result<&'a str, String> {
    v.get(name).and_then(Value::as_str).ok_or_else(|| format!("{what}: answer without {name}"))
}

async fn flow_steps(c: &Flow, user: usize, binding: &str, times: &mut Vec<(Duration, Outcome)>) -> Result<(), String> {
    let device = c.device_auth.get(user).cloned().ok_or("no such user")?;
    let http = &c.t.http;

    let body = backchannel_body(user, &format!("&binding_message={binding}"));
    let started = step(times, client_post(&c.t, &c.urls.backchannel, body)).await?;
    let auth_req_id = field(&started, "auth_req_id", "backchannel")?;

    let listed = step(times, http.get(c.urls.list.clone()).header(AUTHORIZATION, device.clone())).await?;
    let mine = listed
        .get("login_requests")
        .and_then(Value::as_array)
        .and_then(|list| list.iter().find(|r| r.get("binding_message").and_then(Value::as_str) == Some(binding)))
        .ok_or("list: the new request is not listed")?;
    let id = field(mine, "id", "list")?;

    let approve = http
        .post(format!("{}/{id}/approve", c.urls.list))
        .header(AUTHORIZATION, device)
        .header(CONTENT_TYPE, "application/json")
        .body(APPROVE_BODY);
    step(times, approve).await?;

    let body = format!("grant_type={CIBA_GRANT}&auth_req_id={auth_req_id}");
    let tokens = step(times, client_post(&c.t, &c.urls.token, body)).await?;
    field(&tokens, "id_token", "token")?;
    let access_token = field(&tokens, "access_token", "token")?;

    let info = step(times, http.get(c.urls.userinfo.clone()).bearer_auth(access_token)).await?;
    field(&info, "sub", "userinfo")?;
    Ok(())
}

/// `n` upper-case base-36 digits of `value` (the low ones), for binding messages.
fn base36(mut value: u64, n: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = vec![b'0'; n];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS.get((value % 36) as usize).copied().unwrap_or(b'0');
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_pads_and_wraps() {
        assert_eq!(base36(0, 3), "000");
        assert_eq!(base36(35, 3), "00Z");
        assert_eq!(base36(36 * 36 * 36 + 1, 3), "001");
    }

    #[test]
    fn binding_messages_match_the_spec_pattern() {
        let b = format!("{}{}", base36(1_700_000_000, 3), base36(123_456, 5));
        assert_eq!(b.len(), 8);
        assert!(b.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    }

    #[test]
    fn backchannel_body_encodes_the_hint() {
        assert_eq!(backchannel_body(1, ""), "scope=openid+name&login_hint=urn%3Amsisdn%3A4790000001");
    }

    #[test]
    fn unexpected_answers_show_status_and_error_code() {
        assert_eq!(
            unexpected(StatusCode::TOO_MANY_REQUESTS, r#"{"error":"too_many_requests"}"#),
            "HTTP 429 too_many_requests"
        );
        assert_eq!(unexpected(StatusCode::INTERNAL_SERVER_ERROR, "oops"), "HTTP 500");
    }
}
