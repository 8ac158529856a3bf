//! The process's own resources, read from `/proc/self` when `/metrics` is scraped, under the
//! names Prometheus client libraries use (so stock dashboards and alerts work): resident
//! memory, CPU seconds, open file descriptors and their limit. Elsewhere than Linux nothing is
//! published.

/// Gauge: resident set size, bytes.
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// Counter: user + system CPU time, seconds.
pub const CPU_SECONDS: &str = "process_cpu_seconds_total";
/// Gauge: open file descriptors.
pub const OPEN_FDS: &str = "process_open_fds";
/// Gauge: the file descriptor limit (soft).
pub const MAX_FDS: &str = "process_max_fds";

/// `/proc` counts CPU time in clock ticks of `USER_HZ`, which Linux fixes at 100 for user space.
const USER_HZ: f64 = 100.0;

/// Registers the help texts.
pub fn describe() {
    metrics::describe_gauge!(
        RESIDENT_MEMORY,
        metrics::Unit::Bytes,
        "Resident memory of the cirrus process."
    );
    metrics::describe_counter!(
        CPU_SECONDS,
        metrics::Unit::Seconds,
        "User and system CPU time of the cirrus process."
    );
    metrics::describe_gauge!(OPEN_FDS, "Open file descriptors of the cirrus process.");
    metrics::describe_gauge!(
        MAX_FDS,
        "The cirrus process's limit of open file descriptors."
    );
}

/// Reads `/proc/self` and sets the values; what cannot be read is left as it was.
pub fn record() {
    if let Some(bytes) = resident_bytes() {
        metrics::gauge!(RESIDENT_MEMORY).set(bytes as f64);
    }
    if let Some(ticks) = cpu_ticks() {
        metrics::counter!(CPU_SECONDS).absolute((ticks as f64 / USER_HZ) as u64);
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!(OPEN_FDS).set(entries.count() as f64);
    }
    if let Some(limit) = fd_limit() {
        metrics::gauge!(MAX_FDS).set(limit as f64);
    }
}

fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_kib_field(&status, "VmRSS:").map(|kib| kib * 1024)
}

fn cpu_ticks() -> Option<u64> {
    parse_cpu_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

fn fd_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// A `Name:   1234 kB` field of `/proc/self/status`.
fn parse_kib_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// utime + stime of `/proc/self/stat` (fields 14 and 15; the command name before them is in
/// parentheses and may contain spaces).
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_formats() {
        let status = "Name:\tcirrus\nVmHWM:\t   30000 kB\nVmRSS:\t   25120 kB\n";
        assert_eq!(parse_kib_field(status, "VmRSS:"), Some(25_120));
        assert_eq!(parse_kib_field(status, "VmSwap:"), None);
        // A command name with spaces and a parenthesis must not shift the fields.
        let stat =
            "4242 (cirrus (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 1 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn reads_this_process() {
        // This test process has memory, has run, and has stdin/stdout/stderr open.
        assert!(resident_bytes().is_some_and(|b| b > 0));
        assert!(cpu_ticks().is_some());
        assert!(fd_limit().is_some_and(|l| l >= 3));
    }
}
