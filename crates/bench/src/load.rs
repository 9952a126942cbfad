//! The closed-loop driver: exactly `concurrency` workers, each sending its next request when the
//! previous one answered, until the deadline or the request cap; latencies recorded per operation.
//! Each worker owns one keep-alive connection, handed to the operation and back.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::target::{Conn, Target};

/// What one operation came to: a success (with a label worth counting) or an error kind.
pub enum Outcome {
    Ok(&'static str),
    Err(String),
}

/// When to stop: a deadline and a cap on operations started, shared by every worker.
struct Limits {
    deadline: Instant,
    max: u64,
    started: AtomicU64,
}

impl Limits {
    /// The sequence number of the next operation, or None when it is time to stop.
    fn next(&self) -> Option<u64> {
        if Instant::now() >= self.deadline {
            return None;
        }
        let seq = self.started.fetch_add(1, Ordering::Relaxed);
        (seq < self.max).then_some(seq)
    }
}

/// One worker's (then everyone's) record: latencies in microseconds and outcome counts.
#[derive(Default)]
pub struct Record {
    latencies_us: Vec<u32>,
    pub ok: u64,
    pub labels: BTreeMap<&'static str, u64>,
    pub errors: BTreeMap<String, u64>,
}

impl Record {
    pub fn add(&mut self, latency: Duration, outcome: Outcome) {
        self.latencies_us.push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
        match outcome {
            Outcome::Ok(label) => {
                self.ok += 1;
                *self.labels.entry(label).or_default() += 1;
            }
            Outcome::Err(kind) => *self.errors.entry(kind).or_default() += 1,
        }
    }

    pub fn merge(&mut self, other: Self) {
        self.latencies_us.extend(other.latencies_us);
        self.ok += other.ok;
        for (k, v) in other.labels {
            *self.labels.entry(k).or_default() += v;
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Latency percentiles in milliseconds, nearest-rank over every recorded operation.
    pub fn percentiles_ms(&mut self, ps: &[f64]) -> Vec<f64> {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        ps.iter()
            .map(|p| {
                if n == 0 {
                    return 0.0;
                }
                let rank = ((p / 100.0) * n as f64).ceil() as usize;
                let i = rank.clamp(1, n) - 1;
                f64::from(self.latencies_us.get(i).copied().unwrap_or(0)) / 1000.0
            })
            .collect()
    }
}

/// The result of one run: everyone's record and the wall time from start to the last answer.
pub struct Run {
    pub record: Record,
    pub elapsed: Duration,
}

impl Run {
    /// Successful operations per second.
    pub fn rate(&self) -> f64 {
        self.record.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `op(conn, worker, seq)` in `concurrency` closed loops for at most `duration` and `max`
/// operations and records each operation's latency and outcome; `seq` numbers the operations of
/// the run, `conn` is the worker's connection, which the operation hands back with its outcome.
pub async fn drive<F, Fut>(target: &Arc<Target>, concurrency: usize, duration: Duration, max: u64, op: F) -> Run
where
    F: Fn(Conn, usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = (Conn, Outcome)> + Send,
{
    let start = Instant::now();
    let limits = Arc::new(Limits { deadline: start + duration, max, started: AtomicU64::new(0) });
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let limits = Arc::clone(&limits);
            let op = op.clone();
            let mut conn = Conn::new(Arc::clone(target));
            tokio::spawn(async move {
                let mut record = Record::default();
                while let Some(seq) = limits.next() {
                    let t = Instant::now();
                    let (back, outcome) = op(conn, w, seq).await;
                    conn = back;
                    record.add(t.elapsed(), outcome);
                }
                record
            })
        })
        .collect();
    let mut record = Record::default();
    for w in workers {
        match w.await {
            Ok(r) => record.merge(r),
            Err(e) => *record.errors.entry(format!("worker failed: {e}")).or_default() += 1,
        }
    }
    Run { record, elapsed: start.elapsed() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut r = Record::default();
        for ms in 1..=100u64 {
            r.add(Duration::from_millis(ms), Outcome::Ok("ok"));
        }
        assert_eq!(r.percentiles_ms(&[50.0, 99.0, 100.0]), vec![50.0, 99.0, 100.0]);
    }

    #[test]
    fn empty_record_has_zero_percentiles() {
        assert_eq!(Record::default().percentiles_ms(&[50.0]), vec![0.0]);
    }

    /// A target nothing is sent to: these operations never use their connection.
    fn idle() -> Arc<Target> {
        Arc::new(Target::new("http://127.0.0.1:9").expect("a loopback URL"))
    }

    #[tokio::test]
    async fn the_cap_bounds_the_operations() {
        let run = drive(&idle(), 4, Duration::from_secs(10), 25, |c, _, _| async { (c, Outcome::Ok("ok")) }).await;
        assert_eq!(run.record.ok, 25);
        assert_eq!(run.record.labels.get("ok"), Some(&25));
    }

    #[tokio::test]
    async fn errors_are_counted_by_kind() {
        let run = drive(&idle(), 2, Duration::from_secs(10), 10, |c, _, seq| async move {
            (c, if seq % 2 == 0 { Outcome::Err("HTTP 500".into()) } else { Outcome::Ok("ok") })
        })
        .await;
        assert_eq!(run.record.error_count(), 5);
        assert_eq!(run.record.errors.get("HTTP 500"), Some(&5));
    }
}
