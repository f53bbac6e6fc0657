//! The operating system's limits that ten thousand connections run into. Ephemeral ports: one
//! source address to one destination runs out near 28k (Linux's default range), so beyond
//! [`PER_SOURCE_ADDRESS`] connections to a loopback central system are spread over 127.0.0.1,
//! 127.0.0.2, … (all of 127/8 is loopback on Linux). Open files: every socket is a descriptor,
//! so the soft RLIMIT_NOFILE is raised to the hard one when it is short — through util-linux's
//! `prlimit`, since this crate forbids `unsafe` and adds no libc binding for one call.

use std::net::{IpAddr, Ipv4Addr};

/// Connections per source address, comfortably below the ~28k ephemeral ports of one.
pub const PER_SOURCE_ADDRESS: usize = 20_000;

/// The source addresses for `count` connections; empty means "let the kernel choose".
pub fn source_addresses(count: usize, loopback: bool) -> Vec<IpAddr> {
    if !loopback || count <= PER_SOURCE_ADDRESS {
        return Vec::new();
    }
    let needed = count.div_ceil(PER_SOURCE_ADDRESS).min(250);
    (1..=needed as u8)
        .map(|last| IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .collect()
}

/// The soft and hard limits on open files, from `/proc/self/limits` (Linux).
fn open_files_limit() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line["Max open files".len()..].split_whitespace();
    let parse = |s: Option<&str>| match s? {
        "unlimited" => Some(u64::MAX),
        n => n.parse().ok(),
    };
    Some((parse(numbers.next())?, parse(numbers.next())?))
}

/// Makes room for `needed` descriptors if it can; returns a warning when it cannot.
pub fn ensure_open_files(needed: u64) -> Option<String> {
    let (soft, hard) = open_files_limit()?;
    if soft >= needed {
        return None;
    }
    if hard > soft {
        let pid = std::process::id().to_string();
        let limit = format!("--nofile={hard}:{hard}");
        let raised = std::process::Command::new("prlimit")
            .args(["--pid", &pid, &limit])
            .status()
            .is_ok_and(|s| s.success());
        if raised && open_files_limit().is_some_and(|(soft, _)| soft >= needed) {
            return None;
        }
    }
    let (soft, hard) = open_files_limit().unwrap_or((soft, hard));
    Some(format!(
        "{needed} connections need about {needed} open files, but the limit is {soft} (hard {hard}): \
         run `ulimit -n {needed}` (or higher) in this shell first"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_loads_beyond_twenty_thousand_use_several_source_addresses() {
        assert!(source_addresses(10_000, true).is_empty());
        assert!(source_addresses(50_000, false).is_empty());
        let spread = source_addresses(50_000, true);
        assert_eq!(spread.len(), 3);
        assert_eq!(spread[2], IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)));
    }

    #[test]
    fn the_open_files_limit_is_read_from_proc() {
        let (soft, hard) = open_files_limit().expect("Linux has /proc/self/limits");
        assert!(soft > 0 && hard >= soft);
        assert_eq!(ensure_open_files(1), None);
    }
}
