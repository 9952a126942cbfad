//! The printed table: one line per scenario with its rate, latency, errors, share of the
//! `/healthz` ceiling, and the spec §9 target with PASS/MISS; and the server's resident memory.
use std::collections::BTreeMap;

use crate::procfs;

/// The p99 bound of every measured scenario at concurrency 64 (spec §9).
pub const P99_MS: f64 = 20.0;
/// The memory bound with 1,000,000 pending requests (spec §9).
pub const RSS_LIMIT_MB: f64 = 150.0;
pub const RSS_TARGET_COUNT: u64 = 1_000_000;

/// A scenario's target from spec §9.
#[derive(Clone, Copy)]
pub enum Goal {
    /// `/healthz` itself: the ceiling, no target.
    Ceiling,
    /// At least this share of the `/healthz` rate, and p99 under the bound.
    ShareOfCeiling(f64),
    /// At least this many per second, and p99 under the bound.
    PerSecond(f64),
    /// A latency: p99 under this many milliseconds (push: request → event on the device).
    P99Below(f64),
}

impl Goal {
    fn describe(self) -> String {
        match self {
            Self::Ceiling => "ceiling".into(),
            Self::ShareOfCeiling(share) => {
                format!(">={:.0}% of healthz, p99<{P99_MS:.0}ms", share * 100.0)
            }
            Self::PerSecond(rate) => format!(">={rate:.0}/s, p99<{P99_MS:.0}ms"),
            Self::P99Below(ms) => format!("event p99<{ms:.0}ms"),
        }
    }
}

/// One measured scenario.
pub struct Line {
    pub name: &'static str,
    pub unit: &'static str,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The p99 the target is checked against: the line's own, or for a flow the worst step's.
    pub p99_checked_ms: f64,
    pub errors: u64,
    pub goal: Goal,
    /// Cores used by the server and by this tool during the scenario, when known.
    pub cpu: (Option<f64>, Option<f64>),
}

pub fn header() {
    println!(
        "{:<12} {:>10} {:<7} {:>8} {:>8} {:>7} {:>8} {:>9}  {:<26} verdict",
        "scenario", "rate", "", "p50 ms", "p99 ms", "errors", "/healthz", "cpu s/b", "target (spec 9)"
    );
}

/// Prints the line; `ceiling` is the `/healthz` rate of the same run, if measured.
pub fn print(line: &Line, ceiling: Option<f64>) {
    let share = ceiling.filter(|c| *c > 0.0).map(|c| line.rate / c);
    let share_text = share.map_or_else(|| "-".into(), |s| format!("{:.1}%", s * 100.0));
    let cores = |c: Option<f64>| c.map_or_else(|| "-".into(), |c| format!("{c:.1}"));
    let cpu = format!("{}/{}", cores(line.cpu.0), cores(line.cpu.1));
    println!(
        "{:<12} {:>10.0} {:<7} {:>8.2} {:>8.2} {:>7} {:>8} {:>9}  {:<26} {}",
        line.name,
        line.rate,
        line.unit,
        line.p50_ms,
        line.p99_ms,
        line.errors,
        share_text,
        cpu,
        line.goal.describe(),
        verdict(line, share)
    );
}

/// PASS, or MISS with each shortfall and its size.
pub fn verdict(line: &Line, share: Option<f64>) -> String {
    let mut misses = Vec::new();
    match line.goal {
        Goal::Ceiling => return "-".into(),
        Goal::ShareOfCeiling(want) => match share {
            Some(s) if s >= want => {}
            Some(s) => misses.push(format!("{:.1}% < {:.0}%", s * 100.0, want * 100.0)),
            None => misses.push("no healthz ceiling".into()),
        },
        Goal::PerSecond(want) if line.rate < want => {
            misses.push(format!("{:.0}/s is {:.0}% of {want:.0}/s", line.rate, line.rate / want * 100.0));
        }
        Goal::PerSecond(_) | Goal::P99Below(_) => {}
    }
    let bound = match line.goal {
        Goal::P99Below(ms) => ms,
        _ => P99_MS,
    };
    if line.p99_checked_ms >= bound {
        misses.push(format!("p99 {:.1} ms >= {bound:.0} ms", line.p99_checked_ms));
    }
    if line.errors > 0 {
        misses.push(format!("{} errors", line.errors));
    }
    if misses.is_empty() { "PASS".into() } else { format!("MISS ({})", misses.join("; ")) }
}

/// Prints the error kinds seen, most frequent first, at most five.
pub fn print_errors(errors: &BTreeMap<String, u64>) {
    let mut kinds: Vec<_> = errors.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1));
    for (kind, n) in kinds.into_iter().take(5) {
        println!("{:<12}   error x{n}: {kind}", "");
    }
}

pub fn print_memory(pid: u32, pending: Option<u64>) {
    match procfs::memory_mb(pid) {
        Ok((rss, peak)) => {
            let check = match pending {
                Some(n) if n >= RSS_TARGET_COUNT => {
                    let verdict = if rss < RSS_LIMIT_MB { "PASS" } else { "MISS" };
                    format!("  target <{RSS_LIMIT_MB:.0} MB with {RSS_TARGET_COUNT} pending: {verdict}")
                }
                Some(_) => format!("  (the <{RSS_LIMIT_MB:.0} MB target applies at {RSS_TARGET_COUNT} pending)"),
                None => String::new(),
            };
            println!("server pid {pid} ({}): VmRSS {rss:.1} MB, VmHWM (peak) {peak:.1} MB{check}", procfs::name(pid));
        }
        Err(e) => println!("server pid {pid}: cannot read memory: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(goal: Goal, rate: f64, p99: f64, errors: u64) -> Line {
        Line {
            name: "x",
            unit: "req/s",
            rate,
            p50_ms: 1.0,
            p99_ms: p99,
            p99_checked_ms: p99,
            errors,
            goal,
            cpu: (None, None),
        }
    }

    #[test]
    fn share_of_ceiling_passes_at_the_share() {
        assert_eq!(verdict(&line(Goal::ShareOfCeiling(0.3), 300.0, 5.0, 0), Some(0.3)), "PASS");
    }

    #[test]
    fn misses_say_by_how_much() {
        let v = verdict(&line(Goal::PerSecond(2000.0), 500.0, 25.0, 2), None);
        assert_eq!(v, "MISS (500/s is 25% of 2000/s; p99 25.0 ms >= 20 ms; 2 errors)");
        let v = verdict(&line(Goal::ShareOfCeiling(0.45), 100.0, 1.0, 0), Some(0.1));
        assert_eq!(v, "MISS (10.0% < 45%)");
    }

    #[test]
    fn push_is_checked_against_its_own_bound() {
        assert_eq!(verdict(&line(Goal::P99Below(50.0), 10.0, 30.0, 0), None), "PASS");
        assert_eq!(verdict(&line(Goal::P99Below(50.0), 10.0, 60.0, 0), None), "MISS (p99 60.0 ms >= 50 ms)");
    }
}
