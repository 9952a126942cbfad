//! Retention (spec §10): what ended before the cut-off goes, in small batches so that the one
//! writer is never held for long.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{RetentionStore, StoreResult};

use super::SqliteStore;

/// One batch per kind: `?1` the cut-off, `?2` the batch size.
const PURGES: [&str; 6] = [
    "DELETE FROM login_requests WHERE id IN (SELECT id FROM login_requests WHERE expires_at < ?1 LIMIT ?2)",
    "DELETE FROM access_tokens WHERE token_hash IN (SELECT token_hash FROM access_tokens WHERE expires_at < ?1 LIMIT ?2)",
    "DELETE FROM enrollments WHERE enrollment_id IN (SELECT enrollment_id FROM enrollments WHERE expires_at < ?1 LIMIT ?2)",
    "DELETE FROM enrollment_guards WHERE phone_number IN (SELECT phone_number FROM enrollment_guards
       WHERE window_start < ?1 AND locked_until < ?1 LIMIT ?2)",
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < ?1 LIMIT ?2)",
    "DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages WHERE status <> 'pending' AND ended_at < ?1 LIMIT ?2)",
];

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn purge(&self, before: UnixTime, batch: i64) -> StoreResult<u64> {
        let mut deleted = 0;
        // One write per kind: other writes get their turn between them.
        for sql in PURGES {
            deleted += self.execute(sql, [before, batch]).await? as u64;
        }
        Ok(deleted)
    }
}
