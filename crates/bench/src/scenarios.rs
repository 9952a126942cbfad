//! The operations the driver repeats (spec §9): `GET /healthz` (the ceiling), a backchannel
//! request, a token poll on a pending request, and a complete flow through the App API.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::HeaderValue;
use serde_json::Value;

use crate::fixtures::{device_token, msisdn};
use crate::load::{Outcome, Record, Run, drive};
use crate::target::{Api, Conn, Endpoint, Req, Target, header};

const FORM: &str = "application/x-www-form-urlencoded";
const CIBA_GRANT: &str = "urn%3Aopenid%3Aparams%3Agrant-type%3Aciba";
const APPROVE_BODY: &str = r#"{"pin":"1234","consent":true,"delegated_consents":{}}"#;
/// The flow's steps on phonelogin, in order; their latencies are reported one by one.
const FLOW_STEPS: [&str; 5] = ["backchannel", "list", "approve", "token", "userinfo"];
/// On the peer the phone's part is one call to its admin port.
const PEER_FLOW_STEPS: [&str; 4] = ["backchannel", "approve", "token", "userinfo"];

/// The steps of a flow on this API.
pub fn flow_steps(api: &Api) -> &'static [&'static str] {
    match api {
        Api::Phonelogin => &FLOW_STEPS,
        Api::OidcProvider { .. } => &PEER_FLOW_STEPS,
    }
}

/// How hard and how long: workers, time, and a cap on operations.
#[derive(Clone, Copy)]
pub struct Load {
    pub concurrency: usize,
    pub duration: Duration,
    pub max: u64,
}

/// The kind of an unexpected answer: its status and the `error` member when there is one.
fn unexpected(status: StatusCode, body: &[u8]) -> String {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    match parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str) {
        Some(code) => format!("HTTP {} {code}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// The body of a 200 answer, or the kind of the failure.
pub(crate) async fn expect_ok(conn: &mut Conn, req: Req) -> Result<Bytes, String> {
    match conn.send(req).await? {
        (StatusCode::OK, body) => Ok(body),
        (status, body) => Err(unexpected(status, &body)),
    }
}

fn outcome(result: Result<Bytes, String>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok("ok"),
        Err(kind) => Outcome::Err(kind),
    }
}

/// A form POST of the bench client (client_secret_basic).
pub(crate) fn client_post(t: &Target, path: &str, body: Bytes) -> Req {
    Req::post(path, FORM, body).auth(t.client_auth.clone())
}

pub(crate) fn backchannel_body(t: &Target, user: usize, extra: &str) -> String {
    format!("scope={}&login_hint=urn%3Amsisdn%3A{}{extra}", t.api.scope(), msisdn(user))
}

fn pick<T: Clone>(items: &[T], seq: u64) -> T {
    items[(seq % items.len() as u64) as usize].clone()
}

/// Bodies prepared once, handed out without copying.
fn bodies(texts: impl Iterator<Item = String>) -> Arc<[Bytes]> {
    texts.map(Bytes::from).collect()
}

/// `GET /healthz`; success is 200.
pub async fn healthz(t: Arc<Target>, load: Load) -> Run {
    let path = t.path(Endpoint::Ceiling);
    drive(&t, load.concurrency, load.duration, load.max, move |mut conn, _, _| {
        let req = Req::get(path.clone());
        async move {
            let result = expect_ok(&mut conn, req).await;
            (conn, outcome(result))
        }
    })
    .await
}

/// Backchannel requests for the users in turn; success is 200. Each one leaves a pending request.
pub async fn backchannel(t: Arc<Target>, users: usize, load: Load) -> Run {
    let bodies = bodies((0..users).map(|u| backchannel_body(&t, u, "")));
    let path = t.path(Endpoint::Backchannel);
    let target = Arc::clone(&t);
    drive(&t, load.concurrency, load.duration, load.max, move |mut conn, _, seq| {
        let req = client_post(&target, &path, pick(&bodies, seq));
        async move {
            let result = expect_ok(&mut conn, req).await;
            (conn, outcome(result))
        }
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
    let bodies = bodies((0..users).map(|u| backchannel_body(&t, u, "")));
    let path = t.path(Endpoint::Backchannel);
    let ids = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let collected = Arc::clone(&ids);
    let target = Arc::clone(&t);
    let run = drive(&t, concurrency, Duration::from_secs(3600), count as u64, move |mut conn, _, seq| {
        let req = client_post(&target, &path, pick(&bodies, seq));
        let ids = Arc::clone(&collected);
        async move {
            let body = match expect_ok(&mut conn, req).await {
                Ok(body) => body,
                Err(kind) => return (conn, Outcome::Err(kind)),
            };
            let parsed = serde_json::from_slice::<Value>(&body).ok();
            let outcome = match parsed.as_ref().and_then(|v| v.get("auth_req_id")).and_then(Value::as_str) {
                Some(id) => {
                    ids.lock().unwrap_or_else(PoisonError::into_inner).push(id.to_owned());
                    Outcome::Ok("ok")
                }
                None => Outcome::Err("200 without auth_req_id".into()),
            };
            (conn, outcome)
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
    let bodies = bodies(auth_req_ids.iter().map(|id| format!("grant_type={CIBA_GRANT}&auth_req_id={id}")));
    let path = t.path(Endpoint::Token);
    let target = Arc::clone(&t);
    drive(&t, load.concurrency, load.duration, load.max, move |mut conn, _, seq| {
        let req = client_post(&target, &path, pick(&bodies, seq));
        async move {
            let outcome = match conn.send(req).await {
                Ok((StatusCode::BAD_REQUEST, body)) => {
                    let parsed = serde_json::from_slice::<Value>(&body).ok();
                    match parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str) {
                        Some("authorization_pending") => Outcome::Ok("authorization_pending"),
                        Some("slow_down") => Outcome::Ok("slow_down"),
                        _ => Outcome::Err(unexpected(StatusCode::BAD_REQUEST, &body)),
                    }
                }
                Ok((status, body)) => Outcome::Err(unexpected(status, &body)),
                Err(kind) => Outcome::Err(kind),
            };
            (conn, outcome)
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
    /// Each worker's connection to the peer's admin port (unused on phonelogin).
    admin_conns: Vec<Mutex<Option<Conn>>>,
    steps: Mutex<Vec<Record>>,
    urls: FlowUrls,
}

struct FlowUrls {
    backchannel: String,
    list: String,
    token: String,
    userinfo: String,
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
    let device_auth =
        (0..users).map(|u| header(&format!("Bearer {}", device_token(u)))).collect::<Result<Vec<_>, _>>()?;
    let urls = FlowUrls {
        backchannel: t.path(Endpoint::Backchannel),
        list: t.path(Endpoint::LoginRequests),
        token: t.path(Endpoint::Token),
        userinfo: t.path(Endpoint::Userinfo),
    };
    let shared = Arc::new(Flow {
        t: Arc::clone(&t),
        users,
        workers,
        nonce: run_nonce(),
        device_auth,
        iterations: (0..workers).map(|_| AtomicU64::new(0)).collect(),
        admin_conns: (0..workers).map(|_| Mutex::new(None)).collect(),
        steps: Mutex::new(flow_steps(&t.api).iter().map(|_| Record::default()).collect()),
        urls,
    });
    let ctx = Arc::clone(&shared);
    let run = drive(&t, workers, load.duration, load.max, move |conn, w, _| one_flow(Arc::clone(&ctx), conn, w)).await;
    let steps = std::mem::take(&mut *shared.steps.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(FlowRun { run, steps })
}

async fn one_flow(c: Arc<Flow>, mut conn: Conn, worker: usize) -> (Conn, Outcome) {
    let k = c.iterations.get(worker).map_or(0, |n| n.fetch_add(1, Ordering::Relaxed));
    let owned = (c.users - worker).div_ceil(c.workers) as u64;
    let user = worker + c.workers * usize::try_from(k % owned).unwrap_or(0);
    let binding = format!("{}{}", c.nonce, base36(k, 5));
    let mut times = Vec::with_capacity(FLOW_STEPS.len());
    let result = run_flow(&c, &mut conn, worker, user, &binding, &mut times).await;
    {
        let mut steps = c.steps.lock().unwrap_or_else(PoisonError::into_inner);
        for (i, (latency, step)) in times.into_iter().enumerate() {
            if let Some(r) = steps.get_mut(i) {
                r.add(latency, step);
            }
        }
    }
    let outcome = match result {
        Ok(()) => Outcome::Ok("flow"),
        Err(kind) => Outcome::Err(kind),
    };
    (conn, outcome)
}

/// Sends one step of a flow, records its latency, and returns its JSON answer if 200.
async fn step(conn: &mut Conn, times: &mut Vec<(Duration, Outcome)>, api: &Api, req: Req) -> Result<Value, String> {
    let name = flow_steps(api).get(times.len()).copied().unwrap_or("step");
    let start = Instant::now();
    let result = expect_ok(conn, req)
        .await
        .and_then(|b| serde_json::from_slice::<Value>(&b).map_err(|_| "200 without JSON".into()));
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

async fn run_flow(
    c: &Flow,
    conn: &mut Conn,
    worker: usize,
    user: usize,
    binding: &str,
    times: &mut Vec<(Duration, Outcome)>,
) -> Result<(), String> {
    let device = c.device_auth.get(user).cloned().ok_or("no such user")?;
    let u = &c.urls;

    let body = backchannel_body(&c.t, user, &format!("&binding_message={binding}"));
    let started = step(conn, times, &c.t.api, client_post(&c.t, &u.backchannel, body.into())).await?;
    let auth_req_id = field(&started, "auth_req_id", "backchannel")?;

    match c.t.peer_approval(auth_req_id) {
        Some((admin, req)) => peer_approve(c, worker, admin, req, times).await?,
        None => app_approve(c, conn, device, binding, times).await?,
    }

    let body = format!("grant_type={CIBA_GRANT}&auth_req_id={auth_req_id}");
    let tokens = step(conn, times, &c.t.api, client_post(&c.t, &u.token, body.into())).await?;
    field(&tokens, "id_token", "token")?;
    let bearer: HeaderValue = header(&format!("Bearer {}", field(&tokens, "access_token", "token")?))?;

    let info = step(conn, times, &c.t.api, Req::get(u.userinfo.clone()).auth(bearer)).await?;
    field(&info, "sub", "userinfo")?;
    Ok(())
}

/// The phone's part on phonelogin: list the user's requests, find this one by its binding
/// message, approve it with the PIN and consent.
async fn app_approve(
    c: &Flow,
    conn: &mut Conn,
    device: HeaderValue,
    binding: &str,
    times: &mut Vec<(Duration, Outcome)>,
) -> Result<(), String> {
    let u = &c.urls;

    let listed = step(conn, times, &c.t.api, Req::get(u.list.clone()).auth(device.clone())).await?;
    let mine = listed
        .get("login_requests")
        .and_then(Value::as_array)
        .and_then(|list| list.iter().find(|r| r.get("binding_message").and_then(Value::as_str) == Some(binding)))
        .ok_or("list: the new request is not listed")?;
    let id = field(mine, "id", "list")?;

    let approve = Req::post(format!("{}/{id}/approve", u.list), "application/json", APPROVE_BODY).auth(device);
    step(conn, times, &c.t.api, approve).await.map(drop)
}

/// The phone's part on the peer: one call to its admin port (204), on the worker's own
/// keep-alive connection to it.
async fn peer_approve(
    c: &Flow,
    worker: usize,
    admin: Arc<Target>,
    req: Req,
    times: &mut Vec<(Duration, Outcome)>,
) -> Result<(), String> {
    let slot = c.admin_conns.get(worker).ok_or("no such worker")?;
    let mut conn = slot.lock().unwrap_or_else(PoisonError::into_inner).take().unwrap_or_else(|| Conn::new(admin));
    let start = Instant::now();
    let answer = conn.send(req).await;
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(conn);
    let result = match answer {
        Ok((StatusCode::NO_CONTENT, _)) => Ok(()),
        Ok((status, body)) => Err(unexpected(status, &body)),
        Err(kind) => Err(kind),
    };
    let outcome = result.as_ref().map_or_else(|kind| Outcome::Err(kind.clone()), |()| Outcome::Ok("ok"));
    times.push((start.elapsed(), outcome));
    result.map_err(|kind| format!("approve: {kind}"))
}

/// Prefix of this run's binding messages, so leftovers of an earlier run are never taken for
/// this run's.
pub(crate) fn run_nonce() -> String {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    base36(since_epoch.as_secs(), 3)
}

/// `n` upper-case base-36 digits of `value` (the low ones), for binding messages.
pub(crate) fn base36(mut value: u64, n: usize) -> String {
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
        let ours = Target::new("http://127.0.0.1:9").expect("loopback");
        assert_eq!(backchannel_body(&ours, 1, ""), "scope=openid+name&login_hint=urn%3Amsisdn%3A4790000001");
        let peer = Target::peer("http://127.0.0.1:9", "http://127.0.0.1:10").expect("loopback");
        assert_eq!(backchannel_body(&peer, 1, "&x=1"), "scope=openid+profile&login_hint=urn%3Amsisdn%3A4790000001&x=1");
    }

    #[test]
    fn unexpected_answers_show_status_and_error_code() {
        assert_eq!(
            unexpected(StatusCode::TOO_MANY_REQUESTS, br#"{"error":"too_many_requests"}"#),
            "HTTP 429 too_many_requests"
        );
        assert_eq!(unexpected(StatusCode::INTERNAL_SERVER_ERROR, b"oops"), "HTTP 500");
    }
}
