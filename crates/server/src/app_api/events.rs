//! `GET /app-api/v1/events`: Server-Sent Events for one device — `login_request` the moment
//! a login for its user starts, `login_request_closed` when one ends or expires. Each stream
//! has one task that forwards its user's events and times the expiry of what it has shown.
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use phonelogin_core::app;
use phonelogin_core::login_request::Status;
use phonelogin_core::notify::Event;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;

use super::AuthDevice;
use crate::error::AppResponse;
use crate::state::SharedState;

pub async fn stream(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppResponse> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(forward(s.clone(), s.hub.subscribe(), d.user_id, tx));
    Ok(Sse::new(ReceiverStream::new(rx)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Runs until the device disconnects (the receiver is dropped).
async fn forward(
    s: SharedState,
    mut hub: broadcast::Receiver<Event>,
    user_id: String,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
) {
    // Requests shown on this stream, by the instant they expire.
    let mut shown: BTreeMap<String, Instant> = BTreeMap::new();
    loop {
        let next_expiry = shown.iter().min_by_key(|(_, at)| **at).map(|(id, at)| (id.clone(), *at));
        let event = tokio::select! {
            received = hub.recv() => match received {
                Ok(e) if e.user_id() == user_id => e,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = sleep_until(next_expiry.as_ref().map(|(_, at)| *at)) => {
                let Some((id, _)) = next_expiry else { continue };
                shown.remove(&id);
                let open = s.store.login_request(&id).await.ok().flatten().is_some_and(|r| r.status == Status::Pending);
                if !open { continue }
                Event::LoginRequestClosed { user_id: user_id.clone(), request_id: id, reason: "expired" }
            }
            _ = tx.closed() => return,
        };
        let Some(sse) = render(&s, event, &mut shown).await else { continue };
        if tx.send(Ok(sse)).await.is_err() {
            return;
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn render(s: &SharedState, event: Event, shown: &mut BTreeMap<String, Instant>) -> Option<SseEvent> {
    match event {
        Event::LoginRequest { request_id, .. } => {
            let now = s.clock.now();
            let request = s.store.login_request(&request_id).await.ok()??;
            let view = app::build_view(s.store.as_ref(), &request, now).await.ok()?;
            let left = (request.expires_at - now).max(0) as u64;
            shown.insert(request_id, Instant::now() + Duration::from_secs(left));
            SseEvent::default().event("login_request").json_data(view).ok()
        }
        Event::LoginRequestClosed { request_id, reason, .. } => {
            shown.remove(&request_id);
            SseEvent::default()
                .event("login_request_closed")
                .json_data(json!({"id": request_id, "reason": reason}))
                .ok()
        }
    }
}
