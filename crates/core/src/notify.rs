//! Events for the user's devices (the "push"): a login started or ended, a device added or
//! removed. Publishing is fire-and-forget; devices that miss an event still see the request
//! by listing, and a removed device's streams also close on their next resync.
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    LoginRequest {
        user_id: String,
        request_id: String,
    },
    LoginRequestClosed {
        user_id: String,
        request_id: String,
        reason: &'static str,
    },
    /// A device was enrolled: the user's other devices are told (spec §10).
    DeviceAdded {
        user_id: String,
        device_id: String,
        name: String,
    },
    /// A device was removed or locked: its event streams close.
    DeviceRemoved {
        user_id: String,
        device_id: String,
    },
}

impl Event {
    pub fn user_id(&self) -> &str {
        match self {
            Event::LoginRequest { user_id, .. }
            | Event::LoginRequestClosed { user_id, .. }
            | Event::DeviceAdded { user_id, .. }
            | Event::DeviceRemoved { user_id, .. } => user_id,
        }
    }
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn publish(&self, event: Event);
}
