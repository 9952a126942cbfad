//! The outbox of everything sent out (spec §11).
use async_trait::async_trait;

use super::StoreResult;
use crate::clock::UnixTime;
use crate::outbox::{Message, NewMessage};

/// The outbox of everything sent out (spec §11). Messages are written by the methods whose
/// change causes them (in the same transaction), or by `enqueue_messages`.
#[async_trait]
pub trait OutboxStore {
    /// Writes messages on their own; a `UserDevices` target becomes one message per push
    /// subscription of the user's devices (none when there is none).
    async fn enqueue_messages(&self, messages: &[NewMessage]) -> StoreResult<()>;
    /// Claims up to `limit` pending messages due at `now` whose lease is free, and leases them
    /// until `now + lease`, atomically: two nodes never hold one message.
    async fn claim_messages(&self, now: UnixTime, lease: i64, limit: i64) -> StoreResult<Vec<Message>>;
    /// Ends a delivered message and forgets its body.
    async fn message_delivered(&self, id: &str, now: UnixTime) -> StoreResult<()>;
    /// Counts a failed attempt, frees the lease and makes the message due again at `retry_at`.
    async fn message_failed(&self, id: &str, retry_at: UnixTime) -> StoreResult<()>;
    /// Ends a message undelivered (expired, or its receiver is gone) and forgets its body.
    async fn message_dropped(&self, id: &str, now: UnixTime) -> StoreResult<()>;
    /// Makes every pending message due at `now` and frees leases that ended (a node that starts
    /// retries at once what waited for it).
    async fn retry_pending_now(&self, now: UnixTime) -> StoreResult<u64>;
    /// Pending messages (a gauge for `/metrics`).
    async fn pending_messages(&self) -> StoreResult<i64>;
}
