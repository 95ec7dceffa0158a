//! Latency samples and process readings for the load generator.

use serde::Serialize;

/// Latency percentiles in microseconds.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Percentiles {
    pub samples: usize,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

pub fn percentiles(mut v: Vec<u64>) -> Percentiles {
    if v.is_empty() {
        return Percentiles::default();
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Percentiles { samples: v.len(), p50: at(0.50), p90: at(0.90), p99: at(0.99), p999: at(0.999), max: v[v.len() - 1] }
}

/// Resident memory (KiB) and CPU time (clock ticks: user + system) of a process.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ProcReading {
    pub rss_kib: u64,
    pub cpu_ticks: u64,
}

pub fn read_proc(pid: u32) -> Option<ProcReading> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after ") ".
    let rest = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(ProcReading { rss_kib, cpu_ticks: utime + stime })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let p = percentiles((1..=1000).collect());
        assert_eq!((p.p50, p.p90, p.p99, p.max), (501, 900, 990, 1000));
        assert_eq!(percentiles(Vec::new()).samples, 0);
    }

    #[test]
    fn reads_this_process() {
        let r = read_proc(std::process::id()).unwrap();
        assert!(r.rss_kib > 0);
    }
}
