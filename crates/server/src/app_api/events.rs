//! `GET /app-api/v1/events`: Server-Sent Events for one device — `login_request` the moment
//! a login for its user starts, `login_request_closed` when one ends or expires. Each stream
//! has one task that forwards its user's events, times the expiry of what it has shown, and
//! every `RESYNC` compares with the database, so an event lost between nodes still arrives.
//! A device holds at most 3 streams; a removed or locked device's streams close (at once on
//! its event, at the latest on the next resync), and so do all when the server stops.
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use phonelogin_core::app;
use phonelogin_core::login_request::{State as RequestState, Status};
use phonelogin_core::model::Device;
use phonelogin_core::notify::Event;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;

use super::AuthDevice;
use crate::streams::Ticket;

const RESYNC: Duration = Duration::from_secs(10);
use crate::error::AppResponse;
use crate::state::SharedState;

pub async fn stream(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppResponse> {
    let (tx, rx) = mpsc::channel(64);
    let ticket = s.streams.open(&d.device_id);
    tokio::spawn(forward(s.clone(), s.hub.subscribe(), d, ticket, tx));
    Ok(Sse::new(ReceiverStream::new(rx)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Runs until the device disconnects (the receiver is dropped).
async fn forward(
    s: SharedState,
    mut hub: broadcast::Receiver<Event>,
    device: Device,
    mut ticket: Ticket,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
) {
    let user_id = device.user_id.clone();
    // Requests shown on this stream (or open when it connected), by the instant they expire.
    let mut shown: BTreeMap<String, Instant> = BTreeMap::new();
    let now = s.clock.now();
    for r in s.store.open_login_requests(&user_id, now).await.unwrap_or_default() {
        shown.insert(r.id, Instant::now() + Duration::from_secs((r.expires_at - now).max(0) as u64));
    }
    let mut resync = tokio::time::interval_at(Instant::now() + RESYNC, RESYNC);
    loop {
        let next_expiry = shown.iter().min_by_key(|(_, at)| **at).map(|(id, at)| (id.clone(), *at));
        let event = tokio::select! {
            received = hub.recv() => match received {
                Ok(Event::DeviceRemoved { device_id, .. }) if device_id == device.device_id => return,
                Ok(Event::DeviceAdded { device_id, .. }) if device_id == device.device_id => continue,
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
            _ = resync.tick() => {
                if !still_valid(&s, &device).await {
                    return;
                }
                for event in missed(&s, &user_id, &shown).await {
                    let Some(sse) = render(&s, event, &mut shown).await else { continue };
                    if tx.send(Ok(sse)).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            _ = tx.closed() => return,
            () = ticket.closed() => return,
        };
        // A device removed or locked by an admin command on another process hears nothing
        // more: checked before any login is shown to it.
        if matches!(event, Event::LoginRequest { .. }) && !still_valid(&s, &device).await {
            return;
        }
        let Some(sse) = render(&s, event, &mut shown).await else { continue };
        if tx.send(Ok(sse)).await.is_err() {
            return;
        }
    }
}

/// What this stream should have heard but did not: requests opened that it has not shown,
/// and shown ones that have ended.
async fn missed(s: &SharedState, user_id: &str, shown: &BTreeMap<String, Instant>) -> Vec<Event> {
    let now = s.clock.now();
    let Ok(open) = s.store.open_login_requests(user_id, now).await else { return vec![] };
    let mut events: Vec<Event> = open
        .iter()
        .filter(|r| !shown.contains_key(&r.id))
        .map(|r| Event::LoginRequest { user_id: user_id.to_owned(), request_id: r.id.clone() })
        .collect();
    for id in shown.keys().filter(|id| !open.iter().any(|r| &r.id == *id)) {
        let state = s.store.login_request(id).await.ok().flatten().map(|r| r.state_at(now));
        let reason = match state {
            Some(RequestState::Approved | RequestState::Redeemed) => "approved",
            Some(RequestState::Rejected) => "rejected",
            _ => "expired",
        };
        events.push(Event::LoginRequestClosed { user_id: user_id.to_owned(), request_id: id.clone(), reason });
    }
    events
}

/// Whether the device may still listen: not removed, not locked (a decision made on another
/// node, or by an admin command, reaches this stream here).
async fn still_valid(s: &SharedState, device: &Device) -> bool {
    match s.store.device_by_token(&device.token_hash).await {
        Ok(found) => found.is_some_and(|d| !d.locked),
        // A passing database error does not end the stream.
        Err(_) => true,
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
        Event::DeviceAdded { device_id, name, .. } => {
            SseEvent::default().event("device_added").json_data(json!({"id": device_id, "name": name})).ok()
        }
        Event::DeviceRemoved { device_id, .. } => {
            SseEvent::default().event("device_removed").json_data(json!({"id": device_id})).ok()
        }
    }
}
