//! The in-process event hub that feeds the devices' event streams, and the notifier that
//! publishes into it. (A multi-node backend publishes through the database and delivers here.)
use async_trait::async_trait;
use phonelogin_core::notify::{Event, Notifier};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Hub(broadcast::Sender<Event>);

impl Default for Hub {
    fn default() -> Self {
        Self(broadcast::channel(4096).0)
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.subscribe()
    }

    /// Hands the event to every connected stream of this node; none connected is fine.
    pub fn deliver(&self, event: Event) {
        let _ = self.0.send(event);
    }
}

/// Publishes to this node's streams only: right for a single node.
pub struct LocalNotifier(pub Hub);

#[async_trait]
impl Notifier for LocalNotifier {
    async fn publish(&self, event: Event) {
        self.0.deliver(event);
    }
}
