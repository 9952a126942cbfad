//! When a failed delivery is tried again (spec §11): the first retry within 5 s, then
//! doubling, never more than a minute apart — inside the spec's "at most 5 minutes", and
//! short enough that a message reaches a receiver within a minute of it coming back.
use crate::clock::UnixTime;

/// The wait before the first retry.
pub const FIRST_RETRY: i64 = 5;
/// The longest wait between two attempts.
pub const MAX_RETRY_GAP: i64 = 60;
/// How long one node holds a claimed message before another may take it (a node that died
/// mid-delivery releases its messages after this).
pub const LEASE: i64 = 30;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(UnixTime),
    /// The message is no longer worth sending (its code, request or window expired).
    GiveUp,
}

/// The wait after the `attempts`-th failed attempt (1-based): 5, 10, 20, 40, 60, 60, ...
pub fn delay(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 16) - 1;
    (FIRST_RETRY << doublings).min(MAX_RETRY_GAP)
}

/// After the `attempts`-th failure at `now`, for a message that is worth sending until
/// `expires_at`: the next try, or — when the wait would pass the expiry — one last try a second
/// before it.
pub fn after_failure(attempts: i64, now: UnixTime, expires_at: UnixTime) -> AfterFailure {
    let last_chance = expires_at - 1;
    if now >= last_chance {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt((now + delay(attempts)).min(last_chance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    #[test]
    fn the_first_retry_comes_within_5_seconds_then_the_gap_doubles_up_to_a_minute() {
        let gaps: Vec<i64> = (1..=8).map(delay).collect();
        assert_eq!(gaps, vec![5, 10, 20, 40, 60, 60, 60, 60]);
        assert!(gaps.iter().all(|g| *g <= 300), "never more than 5 minutes apart");
        assert_eq!(delay(10_000), MAX_RETRY_GAP);
    }

    #[test]
    fn retries_stop_when_the_message_expires() {
        let clock = ManualClock::new(1_000);
        let expires = clock.now() + 30;
        let mut attempts = 0;
        let mut schedule = Vec::new();
        loop {
            attempts += 1;
            match after_failure(attempts, clock.now(), expires) {
                AfterFailure::RetryAt(at) => {
                    schedule.push(at - 1_000);
                    clock.advance(at - clock.now());
                }
                AfterFailure::GiveUp => break,
            }
        }
        // 5, 15, then the last try a second before the expiry instead of after it.
        assert_eq!(schedule, vec![5, 15, 29]);
        assert_eq!(clock.now(), expires - 1);
    }
}
