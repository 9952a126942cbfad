//! Cross-node app events over PostgreSQL `LISTEN/NOTIFY`: every node publishes on one channel
//! and delivers what it hears to its own event streams. A notification lost while a listener
//! reconnects is caught up by the streams' periodic resync (server `app_api::events`).
use std::time::Duration;

use async_trait::async_trait;
use phonelogin_core::notify::{Event, Notifier};
use phonelogin_core::store::{StoreError, StoreResult};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use crate::err;

const CHANNEL: &str = "phonelogin_events";

/// Publishes and listens on the shared channel, with its own small pool.
#[derive(Clone)]
pub struct PgEvents {
    pool: PgPool,
}

impl PgEvents {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(url)
            .await
            .map_err(|e| StoreError(format!("cannot connect to PostgreSQL for events: {e}")))?;
        Ok(Self { pool })
    }

    /// Delivers every event any node publishes to `deliver`, until the process ends; reconnects
    /// by itself when the connection drops.
    pub async fn listen(&self, deliver: impl Fn(Event) + Send + 'static) -> StoreResult<()> {
        let mut listener = PgListener::connect_with(&self.pool).await.map_err(err)?;
        listener.listen(CHANNEL).await.map_err(err)?;
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        if let Some(event) = decode(n.payload()) {
                            deliver(event);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener lost its connection; reconnecting");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}

#[async_trait]
impl Notifier for PgEvents {
    async fn publish(&self, event: Event) {
        let sent = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(encode(&event)).execute(&self.pool).await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not publish an app event; devices will see it on their next resync");
        }
    }
}

/// `L user request`, `C user request reason`, `A user device name…` or `R user device`: ids
/// hold no spaces; a device name (last) may.
fn encode(e: &Event) -> String {
    match e {
        Event::LoginRequest { user_id, request_id } => format!("L {user_id} {request_id}"),
        Event::LoginRequestClosed { user_id, request_id, reason } => format!("C {user_id} {request_id} {reason}"),
        Event::DeviceAdded { user_id, device_id, name } => format!("A {user_id} {device_id} {name}"),
        Event::DeviceRemoved { user_id, device_id } => format!("R {user_id} {device_id}"),
    }
}

fn decode(s: &str) -> Option<Event> {
    let mut parts = s.splitn(4, ' ');
    let (kind, user_id, id) = (parts.next()?, parts.next()?.to_owned(), parts.next()?.to_owned());
    match kind {
        "L" => Some(Event::LoginRequest { user_id, request_id: id }),
        "C" => {
            let said = parts.next()?;
            let reason = ["approved", "rejected", "expired"].into_iter().find(|r| *r == said)?;
            Some(Event::LoginRequestClosed { user_id, request_id: id, reason })
        }
        "A" => Some(Event::DeviceAdded { user_id, device_id: id, name: parts.next()?.to_owned() }),
        "R" => Some(Event::DeviceRemoved { user_id, device_id: id }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_the_wire() {
        for e in [
            Event::LoginRequest { user_id: "u1".into(), request_id: "r1".into() },
            Event::LoginRequestClosed { user_id: "u1".into(), request_id: "r1".into(), reason: "expired" },
            Event::DeviceAdded { user_id: "u1".into(), device_id: "d1".into(), name: "Ada's phone (2)".into() },
            Event::DeviceRemoved { user_id: "u1".into(), device_id: "d1".into() },
        ] {
            assert_eq!(decode(&encode(&e)), Some(e));
        }
        assert_eq!(decode("C u r unknown"), None);
        assert_eq!(decode("X"), None);
    }
}
