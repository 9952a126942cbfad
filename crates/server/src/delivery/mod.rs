//! The one delivery worker (spec §11): claims due outbox messages (one node per message, under
//! a lease), sends each (`send.rs`), and records the outcome with core's backoff policy. A
//! handler that writes a message wakes the worker at once; otherwise it looks every second.
mod send;
pub mod vapid;

use std::sync::OnceLock;
use std::time::Duration;

use futures_util::future::join_all;
use phonelogin_core::outbox::backoff::{AfterFailure, LEASE, after_failure};
use phonelogin_core::outbox::{Attempt, Kind, Message, classify};
use tokio::sync::Notify;

use crate::state::SharedState;

/// Messages one worker claims at a time.
const BATCH: i64 = 32;

/// What the operator configured for delivery.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// `--sms-webhook`.
    pub sms_webhook: Option<String>,
    /// `--sms-webhook-secret`.
    pub sms_secret: Option<String>,
    /// `--vapid-subject`: the `sub` of VAPID tokens.
    pub vapid_subject: String,
    /// How often the worker looks for due messages when nobody wakes it.
    pub poll_every: Duration,
}

impl DeliveryConfig {
    /// The defaults for a public URL: no SMS sender, `mailto:admin@<host>`.
    pub fn new(public_url: &str) -> Self {
        let rest = public_url.split_once("://").map_or(public_url, |(_, r)| r);
        let host = phonelogin_core::outbox::endpoint::host(rest).unwrap_or("localhost");
        Self {
            sms_webhook: None,
            sms_secret: None,
            vapid_subject: format!("mailto:admin@{host}"),
            poll_every: Duration::from_secs(1),
        }
    }
}

/// The node's side of the outbox: the configuration, the wake-up bell, the VAPID key.
#[derive(Default)]
pub struct Outbox {
    config: OnceLock<DeliveryConfig>,
    wake: Notify,
    vapid: vapid::VapidCell,
}

impl Outbox {
    /// A handler wrote a message: deliver now rather than at the next look.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn config(&self) -> Option<&DeliveryConfig> {
        self.config.get()
    }

    /// Whether one-time codes can leave the server.
    pub fn sms_configured(&self) -> bool {
        self.config.get().is_some_and(|c| c.sms_webhook.is_some())
    }

    pub fn vapid(&self) -> &vapid::VapidCell {
        &self.vapid
    }
}

/// Configures delivery, loads (or creates) the VAPID key, makes waiting messages due at once
/// (this node may have been down) and starts the worker.
pub async fn start(state: SharedState, config: DeliveryConfig) -> Result<tokio::task::JoinHandle<()>, String> {
    let poll_every = config.poll_every;
    state.outbox.config.set(config).map_err(|_| "delivery is already started".to_string())?;
    state.outbox.vapid.get(&state).await.map_err(|e| e.to_string())?;
    state.store.retry_pending_now(state.clock.now()).await.map_err(|e| e.to_string())?;
    let pending = state.store.pending_messages().await.map_err(|e| e.to_string())?;
    metrics::gauge!("phonelogin_outbox_pending").set(pending as f64);
    for kind in Kind::ALL {
        for counter in ["phonelogin_outbox_delivered_total", "phonelogin_outbox_failed_attempts_total"] {
            metrics::counter!(counter, "kind" => kind.as_str()).increment(0);
        }
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("phonelogin")
        .build()
        .map_err(|e| e.to_string())?;
    Ok(tokio::spawn(async move {
        loop {
            let full = run_once(&state, &http).await;
            if !full {
                tokio::select! {
                    _ = state.outbox.wake.notified() => {}
                    _ = tokio::time::sleep(poll_every) => {}
                }
            }
        }
    }))
}

/// Claims and delivers one batch; returns whether the batch was full (more may be due).
async fn run_once(state: &SharedState, http: &reqwest::Client) -> bool {
    let now = state.clock.now();
    let batch = match state.store.claim_messages(now, LEASE, BATCH).await {
        Ok(batch) => batch,
        Err(e) => {
            tracing::warn!(error = %e, "outbox: cannot claim messages");
            return false;
        }
    };
    let full = batch.len() as i64 == BATCH;
    if batch.is_empty() {
        // Most wake-ups (a login for a user without Web Push) find nothing: no count either.
        return false;
    }
    join_all(batch.into_iter().map(|m| deliver(state, http, m))).await;
    if let Ok(n) = state.store.pending_messages().await {
        metrics::gauge!("phonelogin_outbox_pending").set(n as f64);
    }
    full
}

/// One attempt at one message, and its bookkeeping.
async fn deliver(state: &SharedState, http: &reqwest::Client, m: Message) {
    let now = state.clock.now();
    let kind = m.kind.as_str();
    let outcome = if now >= m.expires_at {
        Err("expired")
    } else {
        send::attempt(state, http, &m, now).await.map(|status| classify(m.kind, status))
    };
    let store = state.store.as_ref();
    let recorded = match outcome {
        Ok(Attempt::Delivered) => {
            metrics::counter!("phonelogin_outbox_delivered_total", "kind" => kind).increment(1);
            tracing::debug!(id = %m.id, kind, "outbox: delivered");
            store.message_delivered(&m.id, now).await
        }
        Ok(Attempt::Gone) => {
            metrics::counter!("phonelogin_outbox_dropped_total", "kind" => kind, "reason" => "gone").increment(1);
            tracing::info!(id = %m.id, "outbox: the push subscription is gone; removing it");
            if let Err(e) = store.delete_push_subscription(&m.target).await {
                tracing::warn!(error = %e, "outbox: cannot remove a push subscription");
            }
            store.message_dropped(&m.id, now).await
        }
        Ok(Attempt::Failed) => {
            metrics::counter!("phonelogin_outbox_failed_attempts_total", "kind" => kind).increment(1);
            match after_failure(m.attempts + 1, now, m.expires_at) {
                AfterFailure::RetryAt(at) => {
                    tracing::info!(id = %m.id, kind, attempts = m.attempts + 1, retry_in = at - now, "outbox: delivery failed");
                    store.message_failed(&m.id, at).await
                }
                AfterFailure::GiveUp => give_up(state, &m, "expired", now).await,
            }
        }
        Err(reason) => give_up(state, &m, reason, now).await,
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, id = %m.id, "outbox: cannot record a delivery outcome");
    }
}

async fn give_up(
    state: &SharedState,
    m: &Message,
    reason: &'static str,
    now: i64,
) -> phonelogin_core::store::StoreResult<()> {
    metrics::counter!("phonelogin_outbox_dropped_total", "kind" => m.kind.as_str(), "reason" => reason).increment(1);
    tracing::warn!(id = %m.id, kind = m.kind.as_str(), reason, "outbox: message dropped undelivered");
    state.store.message_dropped(&m.id, now).await
}
