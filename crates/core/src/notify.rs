//! Events for the user's devices (the "push"): a login started, a login ended. Publishing is
//! fire-and-forget; devices that miss an event still see the request by listing.
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    LoginRequest { user_id: String, request_id: String },
    LoginRequestClosed { user_id: String, request_id: String, reason: &'static str },
}

impl Event {
    pub fn user_id(&self) -> &str {
        match self {
            Event::LoginRequest { user_id, .. } | Event::LoginRequestClosed { user_id, .. } => user_id,
        }
    }
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn publish(&self, event: Event);
}
