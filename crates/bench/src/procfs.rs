//! What /proc says about the machine and the server under load: load average, a process's
//! CPU time and resident memory. Linux only; on a busy machine every figure is low.
use std::time::Instant;

/// Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every mainstream Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// User + system CPU seconds a process has used (`self` for this one).
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are fixed: utime is the 14th field.
    let after_name = stat.rsplit_once(')')?.1;
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// The process's name, to show which process a `--server-pid` points at.
pub fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map_or_else(|_| "?".into(), |s| s.trim().to_owned())
}

/// `VmRSS` and `VmHWM` (peak) of a process, from /proc/PID/status, in MB.
pub fn memory_mb(pid: u32) -> Result<(f64, f64), String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    let mb = |key: &str| -> Result<f64, String> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .ok_or_else(|| format!("/proc/{pid}/status has no {key}"))
    };
    Ok((mb("VmRSS:")?, mb("VmHWM:")?))
}

/// CPU used by the server and by this tool over a span, in cores (1.0 = one core busy).
pub struct CpuMeter {
    server: Option<String>,
    start: Instant,
    server_cpu: Option<f64>,
    own_cpu: Option<f64>,
}

impl CpuMeter {
    pub fn start(server_pid: Option<u32>) -> Self {
        let server = server_pid.map(|p| p.to_string());
        let server_cpu = server.as_deref().and_then(cpu_seconds);
        Self { server, start: Instant::now(), server_cpu, own_cpu: cpu_seconds("self") }
    }

    /// (server, this tool) cores used since `start`, when known.
    pub fn cores(&self) -> (Option<f64>, Option<f64>) {
        let wall = self.start.elapsed().as_secs_f64().max(1e-9);
        let server = match (self.server.as_deref().and_then(cpu_seconds), self.server_cpu) {
            (Some(now), Some(then)) => Some((now - then) / wall),
            _ => None,
        };
        let own = match (cpu_seconds("self"), self.own_cpu) {
            (Some(now), Some(then)) => Some((now - then) / wall),
            _ => None,
        };
        (server, own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_visible() {
        let (rss, peak) = memory_mb(std::process::id()).unwrap();
        assert!(rss > 0.0 && peak >= rss);
        assert!(cpu_seconds("self").is_some());
        assert!(load_average().is_some());
        assert!(!name(std::process::id()).is_empty());
    }
}
