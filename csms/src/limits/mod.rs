//! Bounds on what the network can make this process hold: connections per client address,
//! and counts of attempts per key in a time window (failed logins per email, registrations
//! and logins per address). Every structure here has a fixed capacity, keys are kept only as
//! keyed hashes (never a raw email of any length), and an entry lives no longer than its window
//! or its connection. In cluster mode the windows are also counted across the nodes, in Redis
//! ([`shared`]).

pub mod shared;
mod window;

use std::{
    hash::{BuildHasher, Hash},
    net::IpAddr,
    sync::Arc,
};

use dashmap::DashMap;

pub use window::{Verdict, WindowLimiter};

/// The address a limit counts: an IPv4 address, or an IPv6 /64 (one subscriber's network:
/// a client can pick any of its 2^64 addresses, so counting them one by one would count nothing).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
    }
}

/// A keyed hash of any key, with a key of this process's own: what the limiters keep instead
/// of the key itself.
pub(crate) fn digest<K: Hash + ?Sized>(hasher: &std::hash::RandomState, key: &K) -> u64 {
    hasher.hash_one(key)
}

/// Open connections per client address, at most `per_address` each. An entry exists only while
/// the address has a connection open, so the map never holds more entries than connections.
#[derive(Debug)]
pub struct ConnectionSlots {
    open: Arc<DashMap<IpAddr, usize>>,
    per_address: usize,
}

/// One connection's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    open: Arc<DashMap<IpAddr, usize>>,
    key: IpAddr,
}

impl ConnectionSlots {
    pub fn new(per_address: usize) -> ConnectionSlots {
        ConnectionSlots {
            open: Arc::default(),
            per_address,
        }
    }

    /// Takes a slot for a connection from `ip`, unless its address has all of its own.
    pub fn take(&self, ip: IpAddr) -> Option<Slot> {
        let key = client_key(ip);
        let mut open = self.open.entry(key).or_insert(0);
        if *open >= self.per_address {
            return None;
        }
        *open += 1;
        Some(Slot {
            open: self.open.clone(),
            key,
        })
    }

    /// How many connections `ip`'s address has open.
    pub fn open(&self, ip: IpAddr) -> usize {
        self.open.get(&client_key(ip)).map_or(0, |n| *n)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.remove_if_mut(&self.key, |_, n| {
            *n -= 1;
            *n == 0
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_slots_and_no_more_and_an_empty_one_is_forgotten() {
        let slots = ConnectionSlots::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = slots.take(a).unwrap();
        let second = slots.take(a).unwrap();
        assert!(slots.take(a).is_none());
        assert!(slots.take(b).is_some(), "another address has its own");
        drop(first);
        let third = slots.take(a).unwrap();
        drop((second, third));
        assert_eq!(slots.open(a), 0);
        assert!(slots.open.is_empty(), "no entry outlives its connections");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_bit_network() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other_host: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other_net: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(one), client_key(other_host));
        assert_ne!(client_key(one), client_key(other_net));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
