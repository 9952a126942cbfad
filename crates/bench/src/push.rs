//! The push scenario (spec §9): a backchannel request sent → its `login_request` event on the
//! user's device stream, on this node or another node of a cluster.
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::fixtures::device_token;
use crate::load::{Outcome, Record, Run, drive};
use crate::scenarios::{Load, backchannel_body, base36, client_post, expect_ok, run_nonce};
use crate::target::{Endpoint, EventStream, Req, Target, header};

/// Longest wait for a request's `login_request` event before it counts as lost.
const PUSH_WAIT: Duration = Duration::from_secs(5);

/// Push latency (spec §9): worker `w` holds user `w`'s event stream (opened untimed, on
/// `streams`: another node of a cluster when given) and times each backchannel request from
/// sending it until the `login_request` event with its binding message arrives. The run's rate
/// counts requests; the returned record holds the event latencies.
pub async fn push(t: Arc<Target>, streams: Arc<Target>, users: usize, load: Load) -> Result<(Run, Record), String> {
    let workers = load.concurrency.min(users);
    let mut opened = Vec::with_capacity(workers);
    for user in 0..workers {
        let device = header(&format!("Bearer {}", device_token(user)))?;
        let stream = EventStream::open(&streams, Req::get(streams.path(Endpoint::Events)).auth(device)).await?;
        opened.push(Mutex::new(Some(stream)));
    }
    let slots = Arc::new(opened);
    let events = Arc::new(Mutex::new(Record::default()));
    let (path, target, record) = (t.path(Endpoint::Backchannel), Arc::clone(&t), Arc::clone(&events));
    let nonce = run_nonce();
    let run = drive(&t, workers, load.duration, load.max, move |mut conn, w, seq| {
        let binding = format!("{nonce}{}", base36(seq, 5));
        let req =
            client_post(&target, &path, backchannel_body(&target, w, &format!("&binding_message={binding}")).into());
        let (slots, record) = (Arc::clone(&slots), Arc::clone(&record));
        async move {
            let Some(mut stream) = slots.get(w).and_then(|s| s.lock().unwrap_or_else(PoisonError::into_inner).take())
            else {
                return (conn, Outcome::Err("event stream lost".into()));
            };
            let start = Instant::now();
            let (answer, event) = tokio::join!(expect_ok(&mut conn, req), wait_for(&mut stream, &binding));
            let outcome = match (answer, event) {
                (Ok(_), Ok(at)) => {
                    record.lock().unwrap_or_else(PoisonError::into_inner).add(at - start, Outcome::Ok("event"));
                    Outcome::Ok("ok")
                }
                (Err(kind), _) => Outcome::Err(kind),
                (_, Err(kind)) => Outcome::Err(kind),
            };
            if let Some(slot) = slots.get(w) {
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(stream);
            }
            (conn, outcome)
        }
    })
    .await;
    let events = std::mem::take(&mut *events.lock().unwrap_or_else(PoisonError::into_inner));
    Ok((run, events))
}

/// When the `login_request` event of the request with `binding` arrived.
async fn wait_for(stream: &mut EventStream, binding: &str) -> Result<Instant, String> {
    let wanted = format!("\"binding_message\":\"{binding}\"");
    let found = async {
        loop {
            let (name, data) = stream.next().await?;
            if name == "login_request" && data.contains(&wanted) {
                return Ok::<_, String>(Instant::now());
            }
        }
    };
    tokio::time::timeout(PUSH_WAIT, found).await.unwrap_or_else(|_| Err("no login_request event within 5 s".into()))
}
