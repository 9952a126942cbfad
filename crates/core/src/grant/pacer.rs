//! The token poll's pace (CIBA §11, spec §3.3): a pending request polled sooner than its
//! interval is `slow_down`, and its interval grows by `SLOW_DOWN_STEP`. Kept in memory on this
//! node when the store does not keep it (SQLite, one server), so that a pending poll is a pure
//! read of the store. PostgreSQL keeps the pace itself, shared by the nodes, with this rule.
//!
//! Memory stays bounded by the pending requests that are being polled: an entry is dropped
//! when its request is seen decided or expired, and each shard sweeps out its expired entries
//! once a minute (of the settable clock), on the first poll after that minute.
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::clock::UnixTime;
use crate::crypto::sha256;
use crate::login_request::SLOW_DOWN_STEP;

const SHARDS: usize = 64;
/// How often (seconds) a shard drops its expired entries.
const SWEEP_EVERY: i64 = 60;

/// A polled request, by its id as a number, so the pace needs no allocation per poll.
pub type PaceKey = u128;

/// The pace key of a request: its id's 128 bits (login request ids are UUIDs, whose low bits
/// are random), or for any other id the first half of its SHA-256.
pub fn pace_key(request_id: &str) -> PaceKey {
    uuid::Uuid::try_parse(request_id).map_or_else(
        |_| sha256(request_id.as_bytes()).iter().take(16).fold(0, |key, b| key << 8 | PaceKey::from(*b)),
        |id| id.as_u128(),
    )
}

#[derive(Debug, Clone, Copy)]
struct Pace {
    last_poll: UnixTime,
    interval: i64,
    expires_at: UnixTime,
}

#[derive(Debug, Default)]
struct Shard {
    paces: HashMap<PaceKey, Pace>,
    next_sweep: UnixTime,
}

/// The pace of each pending request polled on this node.
#[derive(Debug)]
pub struct Pacer {
    shards: Box<[Mutex<Shard>]>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::default()).collect() }
    }
}

impl Pacer {
    fn shard(&self, key: PaceKey) -> std::sync::MutexGuard<'_, Shard> {
        // The key's low bits are random (see `pace_key`): they pick the shard evenly. `SHARDS` is not zero.
        let i = (key % SHARDS as u128) as usize;
        self.shards.get(i).unwrap_or_else(|| unreachable!("i < SHARDS")).lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a poll of a pending, unexpired request whose stored interval is `interval`;
    /// true when it came sooner than its interval (which then grows by `SLOW_DOWN_STEP`).
    pub fn poll(&self, key: PaceKey, interval: i64, expires_at: UnixTime, now: UnixTime) -> bool {
        let mut shard = self.shard(key);
        if now >= shard.next_sweep {
            shard.paces.retain(|_, p| p.expires_at > now);
            shard.next_sweep = now + SWEEP_EVERY;
        }
        let pace = shard.paces.entry(key).or_insert(Pace { last_poll: UnixTime::MIN, interval, expires_at });
        let too_soon = pace.last_poll != UnixTime::MIN && now < pace.last_poll + pace.interval;
        if too_soon {
            pace.interval += SLOW_DOWN_STEP;
        }
        pace.last_poll = now;
        too_soon
    }

    /// Forgets a request that is no longer pending (decided, redeemed or expired).
    pub fn forget(&self, key: PaceKey) {
        self.shard(key).paces.remove(&key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).paces.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: UnixTime = 1_000;

    #[test]
    fn first_poll_is_not_too_soon_and_an_early_one_grows_the_interval() {
        let p = Pacer::default();
        assert!(!p.poll(1, 5, T + 600, T));
        assert!(p.poll(1, 5, T + 600, T + 2), "sooner than 5 s");
        assert!(p.poll(1, 5, T + 600, T + 2 + 9), "the interval is 10 s now");
        assert!(!p.poll(1, 5, T + 600, T + 11 + 15), "waited the grown 15 s");
        assert!(!p.poll(1, 5, T + 600, T + 26 + 15), "and it stays 15 s");
    }

    #[test]
    fn a_poll_after_the_interval_keeps_it() {
        let p = Pacer::default();
        for i in 0..5 {
            assert!(!p.poll(7, 5, T + 600, T + 5 * i), "poll {i}");
        }
    }

    #[test]
    fn requests_are_paced_apart_and_a_forgotten_one_starts_over() {
        let p = Pacer::default();
        assert!(!p.poll(1, 5, T + 600, T));
        assert!(!p.poll(2, 5, T + 600, T), "another request");
        assert!(!p.poll(1 + SHARDS as u128, 5, T + 600, T), "another request in the same shard");
        p.forget(1);
        assert!(!p.poll(1, 5, T + 600, T + 1));
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn expired_entries_are_swept_on_a_later_poll() {
        let p = Pacer::default();
        for key in 0..1_000u128 {
            p.poll(key * SHARDS as u128, 5, T + 10, T);
        }
        assert_eq!(p.len(), 1_000);
        // The shard swept at T; a poll a minute later sweeps again.
        p.poll(5_000 * SHARDS as u128, 5, T + 600, T + SWEEP_EVERY);
        assert_eq!(p.len(), 1, "only the unexpired request is left");
    }

    #[test]
    fn racing_early_polls_are_each_slowed_down() {
        let p = std::sync::Arc::new(Pacer::default());
        p.poll(9, 5, T + 600, T);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || p.poll(9, 5, T + 600, T + 1))
            })
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap()));
        // Eight early polls grew 5 s by 8 × 5 s: waiting 44 s is still too soon.
        assert!(p.poll(9, 5, T + 600, T + 1 + 44));
    }
}
