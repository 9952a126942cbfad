//! The retention job (spec §10): every `EVERY`, what ended more than `--retention` days ago is
//! deleted in small batches (on PostgreSQL by one node of the cluster at a time).
use std::sync::Arc;
use std::time::Duration;

use phonelogin_core::clock::Clock;
use phonelogin_core::store::{Store, StoreResult};

const EVERY: Duration = Duration::from_secs(600);
/// Rows of each kind per batch: short transactions that never hold the writer for long.
pub const BATCH: i64 = 500;

/// Deletes, batch after batch, everything that ended before `days` ago; returns the count.
pub async fn run_once(store: &dyn Store, clock: &dyn Clock, days: i64) -> StoreResult<u64> {
    let before = clock.now() - days * 86_400;
    let mut total = 0;
    loop {
        let n = store.purge(before, BATCH).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Runs the job in the background until the process ends.
pub fn spawn(store: Arc<dyn Store>, clock: Arc<dyn Clock>, days: i64) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            match run_once(store.as_ref(), clock.as_ref(), days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "retention: deleted ended records"),
                Err(e) => tracing::warn!(error = %e, "retention job failed; it runs again later"),
            }
        }
    });
}
