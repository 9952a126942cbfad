//! The store traits, split by concern. A backend implements them all; each method's doc
//! says its contract. Backends decide no protocol outcome: they apply the transitions core
//! chose, atomically, and report whether they won.
mod admin;
mod consents;
mod devices;
mod enrollments;
mod login_requests;
mod outbox;
mod records;
mod tokens;

pub use admin::*;
pub use consents::*;
pub use devices::*;
pub use enrollments::*;
pub use login_requests::*;
pub use outbox::*;
pub use records::*;
pub use tokens::*;

use async_trait::async_trait;

use crate::clock::UnixTime;

#[derive(Debug, Clone, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

pub type StoreResult<T> = Result<T, StoreError>;

/// Deletes what ended long ago (spec §10, `--retention`).
#[async_trait]
pub trait RetentionStore {
    /// Deletes at most `batch` rows of each kind that ended before `before`: login requests
    /// decided or expired, enrollments, access tokens, dev outbox messages. Returns how many
    /// rows went; the caller repeats until none. On a cluster, one node at a time does it.
    async fn purge(&self, before: UnixTime, batch: i64) -> StoreResult<u64>;
}

/// Everything a backend provides.
pub trait Store:
    ClientStore
    + UserStore
    + DeviceStore
    + EnrollmentStore
    + LoginRequestStore
    + TokenStore
    + ConsentStore
    + KeyStore
    + OutboxStore
    + PushStore
    + AdminStore
    + ProvisioningStore
    + JtiStore
    + UserCodeStore
    + RetentionStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: ClientStore
        + UserStore
        + DeviceStore
        + EnrollmentStore
        + LoginRequestStore
        + TokenStore
        + ConsentStore
        + KeyStore
        + OutboxStore
        + PushStore
        + AdminStore
        + ProvisioningStore
        + JtiStore
        + UserCodeStore
        + RetentionStore
        + Send
        + Sync
{
}
