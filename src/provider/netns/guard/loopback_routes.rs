//! Routes out of `lo`: a node with a unicast route (IPv4 or IPv6) whose
//! device is loopback is stopped.
//!
//! Why: what arrives on `lo` for such a route is forwarded out of `lo`
//! again, so each packet goes round until its TTL runs out: 254 passes a
//! packet, each uncounted by the frame bound, which leaves `lo` out, and
//! run in the host's softirq when a qdisc of the node's releases them
//! (probe21ao: 11,000 queued frames, 0.9 of a host core for 1.8 s, the
//! node's processes 0.05 s). The lab makes none (its own routes out of `lo`
//! are the kernel's local and broadcast ones).
//!
//! How: each route event is read as it comes (see `watch`). Events lost
//! (`ENOBUFS`) tell of nothing, so every dump of the node's routes reads
//! each route the same way: the IPv4 count ([`super::ipv4_routes`]) and
//! the IPv6 dump ([`super::dumped`]), both at once after a loss and at
//! every sweep. A route through a nexthop object names the nexthop's
//! device too, in its event and in a dump (a nexthop replaced under it is
//! seen at the next dump at the latest): so `nexthop_compat_mode`, on by
//! default, has it; a node cannot turn it off (it is no sysctl a node may
//! write, see `enter::WRITABLE_NET_SYSCTLS`). Nor can a node turn IPv6 on:
//! its IPv6 routes are read as a second line.

use super::super::netlink::msg::attrs_of;

/// `struct rtmsg`, then the attributes; `RTA_OIF`, a route's device;
/// `RTA_MULTIPATH`, its nexthops; `RTN_UNICAST`, a route's type (byte 7
/// of `struct rtmsg`); loopback's index, the same in every namespace.
const RTMSG: usize = 12;
const RTA_OIF: u16 = 4;
const RTA_MULTIPATH: u16 = 9;
const RTN_UNICAST: u8 = 1;
const LOOPBACK_INDEX: u32 = 1;

/// What the guard says of a node with a unicast route out of `lo`.
pub const WHY: &str = "a unicast route out of `lo` (which lab makes none of): what arrives on \
                       `lo` for it is forwarded out of `lo` again until its TTL runs out, in \
                       the host's softirq, charged to no one";

/// A device index attribute's value.
fn index(v: &[u8]) -> Option<u32> {
    v.get(..4)
        .map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")))
}

/// Whether the route a message `body` tells of (an event's or a dump's,
/// IPv4 or IPv6) is a unicast route out of `lo`, directly or through one
/// of a multipath route's nexthops.
pub fn out_of_loopback(body: &[u8]) -> bool {
    let Some(rt) = body.get(..RTMSG) else {
        return false;
    };
    if rt[7] != RTN_UNICAST {
        return false;
    }
    let a = body.get(RTMSG..).unwrap_or_default();
    if attrs_of(a, RTA_OIF).any(|v| index(v) == Some(LOOPBACK_INDEX)) {
        return true;
    }
    // Each `struct rtnexthop`: length (u16), flags, hops, ifindex (i32).
    attrs_of(a, RTA_MULTIPATH).any(|m| {
        let mut at = 0;
        while let Some(len) = m
            .get(at..at + 2)
            .map(|b| u16::from_ne_bytes([b[0], b[1]]) as usize)
        {
            if m.get(at + 4..at + 8).and_then(index) == Some(LOOPBACK_INDEX) {
                return true;
            }
            if len < 8 {
                break;
            }
            at += (len + 3) & !3;
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    /// A route's `struct rtmsg` of `family` and type `ty`.
    fn rtmsg(family: i32, ty: u8) -> Vec<u8> {
        vec![family as u8, 16, 0, 0, 254, 3, 0, ty, 0, 0, 0, 0]
    }

    /// Probe21ao finding 1: a unicast route out of `lo`, direct or as one
    /// of a multipath route's nexthops; the kernel's local routes (type
    /// local), IPv6's unreachable ones (on `lo` too) and routes out of
    /// other devices are left.
    #[test]
    fn a_unicast_route_out_of_loopback_is_told_apart() {
        let route = |ty: u8, oif: u32| {
            let mut b = rtmsg(libc::AF_INET, ty);
            attr(&mut b, RTA_OIF, &oif.to_ne_bytes());
            b
        };
        assert!(out_of_loopback(&route(RTN_UNICAST, 1)));
        assert!(!out_of_loopback(&route(RTN_UNICAST, 3)));
        assert!(!out_of_loopback(&route(2, 1)), "a local route");
        assert!(!out_of_loopback(&route(7, 1)), "an unreachable route");
        assert!(!out_of_loopback(&[2, 16, 0]), "too short");
        let mut mp = rtmsg(libc::AF_INET6, RTN_UNICAST);
        let mut hops = Vec::new();
        for i in [3i32, 1] {
            hops.extend_from_slice(&8u16.to_ne_bytes());
            hops.extend_from_slice(&[0, 0]);
            hops.extend_from_slice(&i.to_ne_bytes());
        }
        attr(&mut mp, RTA_MULTIPATH, &hops);
        assert!(out_of_loopback(&mp));
    }
}
