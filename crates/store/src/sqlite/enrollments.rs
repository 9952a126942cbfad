//! Enrollments (one-time codes, hashed): started under the per-number and per-address limits,
//! guesses counted per code and per number before any comparison; and the dev-only SMS outbox.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::outbox::NewMessage;
use phonelogin_core::store::{
    CodeGuard, CodeTry, Enrollment, EnrollmentStore, LimitKey, OutboxMessage, RateLimit, StoreResult,
};
use rusqlite::params;

use super::{SqliteStore, all, exec, one};
use crate::err;
use crate::rows::{ENROLLMENT_COLS, Fields, enrollment, outbox_message};

#[async_trait]
impl EnrollmentStore for SqliteStore {
    async fn start_enrollment_sending(
        &self,
        e: &Enrollment,
        limits: &[RateLimit],
        now: UnixTime,
        sms: &[NewMessage],
    ) -> StoreResult<Option<UnixTime>> {
        let (e, limits, sms) = (e.clone(), limits.to_vec(), sms.to_vec());
        self.write(move |c| {
            for limit in &limits {
                let (sql, key) = match limit.key {
                    LimitKey::PhoneNumber => (
                        "SELECT created_at FROM enrollments WHERE phone_number = ?1 AND created_at > ?2
                         ORDER BY created_at DESC LIMIT 1 OFFSET ?3",
                        &e.phone_number,
                    ),
                    LimitKey::ClientAddr => (
                        "SELECT created_at FROM enrollments WHERE client_addr = ?1 AND created_at > ?2
                         ORDER BY created_at DESC LIMIT 1 OFFSET ?3",
                        &e.client_addr,
                    ),
                };
                // The max-th newest enrollment in the window: while it is in the window, the limit holds.
                let nth = one(c, sql, params![key, now - limit.window, limit.max - 1], |row| row.int("created_at"))?;
                if let Some(at) = nth {
                    return Ok(Some(at + limit.window));
                }
            }
            exec(
                c,
                "UPDATE enrollments SET voided = 1 WHERE phone_number = ?1 AND used = 0 AND voided = 0",
                [&e.phone_number],
            )?;
            exec(
                c,
                "INSERT INTO enrollments (enrollment_id, phone_number, user_id, code_hash, client_addr, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![e.enrollment_id, e.phone_number, e.user_id, e.code_hash, e.client_addr, e.created_at, e.expires_at],
            )?;
            super::outbox::insert_messages(c, &sms)?;
            Ok(None)
        })
        .await
    }

    async fn count_code_try(&self, enrollment_id: &str, guard: &CodeGuard, now: UnixTime) -> StoreResult<CodeTry> {
        let (enrollment_id, guard) = (enrollment_id.to_owned(), *guard);
        self.write(move |c| {
            let counted = one(
                c,
                &format!("UPDATE enrollments SET attempts = attempts + 1 WHERE enrollment_id = ?1 RETURNING {ENROLLMENT_COLS}"),
                [&enrollment_id],
                |r| enrollment(r),
            )?;
            let Some(e) = counted else { return Ok(CodeTry::Unknown) };
            // A new window starts when the last one is over and the number is not locked. SET
            // expressions see the row as it was.
            let guarded = one(
                c,
                "INSERT INTO enrollment_guards (phone_number, window_start, tries, locked_until) VALUES (?1, ?2, 1, 0)
                 ON CONFLICT (phone_number) DO UPDATE SET
                   tries = CASE WHEN window_start <= ?2 - ?3 AND locked_until <= ?2 THEN 1 ELSE tries + 1 END,
                   window_start = CASE WHEN window_start <= ?2 - ?3 AND locked_until <= ?2 THEN ?2 ELSE window_start END
                 RETURNING tries, locked_until",
                params![e.phone_number, now, guard.window],
                |row| Ok((row.int("tries")?, row.int("locked_until")?)),
            )?
            .ok_or_else(|| err("the enrollment guard upsert returned no row"))?;
            let (tries, locked_until) = guarded;
            if locked_until > now {
                return Ok(CodeTry::Locked { until: locked_until });
            }
            if tries > guard.max_tries {
                return Ok(CodeTry::Locked { until: now + guard.lock_for });
            }
            Ok(CodeTry::Counted { enrollment: e, tries })
        })
        .await
    }

    async fn lock_enrollment_number(&self, phone_number: &str, until: UnixTime) -> StoreResult<()> {
        let sql = "UPDATE enrollment_guards SET locked_until = MAX(locked_until, ?2) WHERE phone_number = ?1";
        self.execute(sql, (phone_number.to_owned(), until)).await.map(drop)
    }

    async fn right_code(&self, enrollment_id: &str, consume: bool) -> StoreResult<bool> {
        let enrollment_id = enrollment_id.to_owned();
        self.write(move |c| {
            let phone = one(
                c,
                "UPDATE enrollments SET attempts = MAX(attempts - 1, 0), used = CASE WHEN ?2 THEN 1 ELSE used END
                 WHERE enrollment_id = ?1 AND used = 0 RETURNING phone_number",
                params![enrollment_id, consume],
                |row| row.text("phone_number"),
            )?;
            let Some(phone) = phone else { return Ok(false) };
            exec(c, "UPDATE enrollment_guards SET tries = MAX(tries - 1, 0) WHERE phone_number = ?1", [phone])?;
            Ok(true)
        })
        .await
    }

    async fn unlock_enrollment_number(&self, phone_number: &str) -> StoreResult<bool> {
        Ok(self.execute("DELETE FROM enrollment_guards WHERE phone_number = ?1", [phone_number.to_owned()]).await? == 1)
    }

    async fn push_outbox(&self, m: &OutboxMessage) -> StoreResult<()> {
        let sql = "INSERT INTO outbox (phone_number, message, code, sent_at) VALUES (?1, ?2, ?3, ?4)";
        self.execute(sql, (m.phone_number.clone(), m.message.clone(), m.code.clone(), m.sent_at)).await.map(drop)
    }

    async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        self.read(|c| {
            all(c, "SELECT phone_number, message, code, sent_at FROM outbox ORDER BY id DESC LIMIT ?1", [limit], |r| {
                outbox_message(r)
            })
        })
    }
}
