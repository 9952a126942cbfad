//! Enrollments: one-time codes under their limits, and the dev SMS outbox.
use async_trait::async_trait;

use super::StoreResult;
use crate::clock::UnixTime;
use crate::outbox::NewMessage;

/// An enrollment: a one-time code for a phone number. `user_id` is `None` when no active user
/// has the number: such a code is never sent and never matches, but it is counted and limited
/// like any other, so that nobody learns whether a number has an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    pub enrollment_id: String,
    pub phone_number: String,
    pub user_id: Option<String>,
    pub code_hash: String,
    /// The address that started it (the per-address limit).
    pub client_addr: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub attempts: i64,
    pub used: bool,
    /// A newer code for the same number replaced it.
    pub voided: bool,
}

/// What a rate limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKey {
    PhoneNumber,
    ClientAddr,
}

/// At most `max` enrollments started per `window` seconds for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub key: LimitKey,
    pub max: i64,
    pub window: i64,
}

/// The per-number guard on code guesses: `max_tries` compared codes per `window` seconds;
/// the `max_tries`-th wrong one locks the number's enrollment for `lock_for` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeGuard {
    pub max_tries: i64,
    pub window: i64,
    pub lock_for: i64,
}

/// A code guess, counted before the code is compared.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeTry {
    /// No such enrollment.
    Unknown,
    /// The number's enrollment is locked (or its guesses are used up) until then.
    Locked { until: UnixTime },
    /// Counted: the enrollment after the count, and the number's guesses in its window.
    Counted { enrollment: Enrollment, tries: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub phone_number: String,
    pub message: String,
    pub code: String,
    pub sent_at: UnixTime,
}

#[async_trait]
pub trait EnrollmentStore {
    /// Starts an enrollment under `limits`, atomically: when any limit is reached nothing is
    /// written and the answer is the time a new one would be allowed; otherwise the number's
    /// earlier unused codes are voided and this one is inserted.
    async fn start_enrollment(
        &self,
        e: &Enrollment,
        limits: &[RateLimit],
        now: UnixTime,
    ) -> StoreResult<Option<UnixTime>> {
        self.start_enrollment_sending(e, limits, now, &[]).await
    }
    /// `start_enrollment`, with the messages carrying the code (spec §11) written in the same
    /// transaction when the enrollment is.
    async fn start_enrollment_sending(
        &self,
        e: &Enrollment,
        limits: &[RateLimit],
        now: UnixTime,
        sms: &[NewMessage],
    ) -> StoreResult<Option<UnixTime>>;
    /// Counts one guess of the enrollment's code, for the code (`attempts`) and for its number
    /// (`guard`), atomically and before any comparison.
    async fn count_code_try(&self, enrollment_id: &str, guard: &CodeGuard, now: UnixTime) -> StoreResult<CodeTry>;
    /// After a wrong guess that brought the number to `guard.max_tries`: locks the number's
    /// enrollment until `until`.
    async fn lock_enrollment_number(&self, phone_number: &str, until: UnixTime) -> StoreResult<()>;
    /// After a right guess: gives the guess back to the code and its number, and with
    /// `consume` marks the code used; false when it was used already (a racing verification won).
    async fn right_code(&self, enrollment_id: &str, consume: bool) -> StoreResult<bool>;
    /// Lifts the number's enrollment lock and forgets its guesses; false when there was none.
    async fn unlock_enrollment_number(&self, phone_number: &str) -> StoreResult<bool>;
    /// Dev-only SMS outbox.
    async fn push_outbox(&self, m: &OutboxMessage) -> StoreResult<()>;
    async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>>;
}
