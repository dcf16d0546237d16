//! A node's IPv4 routes, every table together: counted at every sweep, and
//! a node past the bound ([`table_bounds::routes_a_node_keeps`]) is stopped.
//!
//! Why: a route's nexthop keeps the route exceptions the kernel makes for
//! destinations behind it (`struct fib_nh_exception`, 96 bytes, up to about
//! 12,800 a nexthop: 1.2 MB of the host's), charged to no one and kept five
//! or ten minutes. A node makes them from its own packets in more ways than
//! can be closed one by one: a "fragmentation needed" it sends itself
//! (probe21x), an ICMP redirect (probe21y), a TCP connection over its own
//! loopback, the path MTU of a VXLAN device of its own or of the lab's
//! `flannel.1` (probe21aa: 1.2 M sends, 99 MB in 10 s). What holds them is
//! the route: the node's routes bound them all, whatever made them, and
//! removing the routes (the node's namespace going) frees them. Routes
//! themselves are charged to the node.
//!
//! How: a route dump (`RTM_GETROUTE`, IPv4, every table) on the node's
//! socket for looks, each route counted once for each of its nexthops
//! (`RTA_MULTIPATH`'s entries). Nexthop objects, which keep exceptions too,
//! are bounded with the rest of their kind (see [`super::dumped`]).

use super::super::netlink::msg::{NLM_F_DUMP, NLM_F_REQUEST, attrs_of, message, messages};
#[cfg(doc)]
use super::super::table_bounds;
use super::ipset::ask_counting;
use std::io;
use std::os::fd::OwnedFd;

pub const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
/// `struct rtmsg`, then the attributes.
const RTMSG: usize = 12;
const RTA_MULTIPATH: u16 = 9;

/// The nexthops of a dumped route's attributes `a`: one, or one for each
/// `struct rtnexthop` of its `RTA_MULTIPATH`.
fn nexthops(a: &[u8]) -> u64 {
    let Some(multipath) = attrs_of(a, RTA_MULTIPATH).next() else {
        return 1;
    };
    let (mut n, mut at) = (0, 0);
    while let Some(len) = multipath.get(at..at + 2) {
        let len = u16::from_ne_bytes([len[0], len[1]]) as usize;
        if len < 8 {
            break;
        }
        n += 1;
        at += (len + 3) & !3;
    }
    n.max(1)
}

/// The nexthops of the routes one receive `b` tells of (answers to request
/// `seq` only).
fn routes(b: &[u8], seq: u32) -> u64 {
    messages(b)
        .filter(|m| m.seq == seq && m.ty == RTM_NEWROUTE)
        .map(|m| nexthops(m.body.get(RTMSG..).unwrap_or_default()))
        .sum()
}

/// The IPv4 routes of the node whose socket for looks is `fd`, every
/// table, a multipath route once for each of its nexthops (sequence
/// numbers from `seq`, advanced).
pub fn count(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8]) -> io::Result<u64> {
    let seq = super::sockets::next_seq(seq);
    let mut rtmsg = [0u8; RTMSG];
    rtmsg[0] = libc::AF_INET as u8;
    let dump = message(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq, &rtmsg);
    ask_counting(fd, &dump, seq, buf, |r| routes(r, seq))
}

/// The most nexthops one route may have. A packet to a multipath route
/// whose path MTU falls makes an exception on each of its nexthops, and a
/// route of 3000 made 1.8 M in half a second (probe21ac); one too big for a
/// dump message hid itself and every route after it from the count. The
/// lab makes no multipath route.
pub const MOST_NEXTHOPS_A_ROUTE: u64 = 16;

/// Why a node that made the route an event's `body` tells of must be
/// stopped at once: an IPv4 route of more than [`MOST_NEXTHOPS_A_ROUTE`].
pub fn too_many_nexthops(body: &[u8]) -> Option<String> {
    if body.first() != Some(&(libc::AF_INET as u8)) {
        return None;
    }
    let n = nexthops(body.get(RTMSG..).unwrap_or_default());
    (n > MOST_NEXTHOPS_A_ROUTE).then(|| {
        format!(
            "an IPv4 route of {n} nexthops, past the bound of {MOST_NEXTHOPS_A_ROUTE} a route \
             (a packet to it makes a route exception of the host's on each)"
        )
    })
}

/// `RTA_OIF`, a route's device; `RTN_UNICAST`, a route's type (byte 7 of
/// `struct rtmsg`); loopback's index, the same in every namespace.
const RTA_OIF: u16 = 4;
const RTN_UNICAST: u8 = 1;
const LOOPBACK_INDEX: u32 = 1;

/// Why a node that made the route an event's `body` tells of (IPv4 or
/// IPv6) must be stopped: a unicast route out of `lo`. What arrives on
/// `lo` for it is forwarded out of `lo` again, so each packet goes round
/// until its TTL runs out: 254 passes a packet, each uncounted by the frame
/// bound, which leaves `lo` out, and run in the host's softirq when a
/// qdisc of the node's releases them (probe21ao: 11,000 queued frames, 0.9
/// of a host core for 1.8 s, the node's processes 0.05 s). The lab makes
/// none (its own routes out of `lo` are the kernel's local ones).
pub fn out_of_loopback(body: &[u8]) -> Option<String> {
    let rt = body.get(..RTMSG)?;
    if rt[7] != RTN_UNICAST {
        return None;
    }
    let a = body.get(RTMSG..).unwrap_or_default();
    let index = |v: &[u8]| {
        v.get(..4)
            .map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")))
    };
    let direct = attrs_of(a, RTA_OIF).any(|v| index(v) == Some(LOOPBACK_INDEX));
    // Each `struct rtnexthop`: length (u16), flags, hops, ifindex (i32).
    let mut multipath = false;
    for m in attrs_of(a, RTA_MULTIPATH) {
        let mut at = 0;
        while let Some(len) = m
            .get(at..at + 2)
            .map(|b| u16::from_ne_bytes([b[0], b[1]]) as usize)
        {
            multipath |= m.get(at + 4..at + 8).and_then(index) == Some(LOOPBACK_INDEX);
            if len < 8 {
                break;
            }
            at += (len + 3) & !3;
        }
    }
    (direct || multipath).then(|| {
        "a unicast route out of `lo` (which lab makes none of): what arrives on `lo` for it is \
         forwarded out of `lo` again until its TTL runs out, in the host's softirq, charged to \
         no one"
            .to_string()
    })
}

/// Why a node must be stopped for its routes as `counted` (see [`count`]):
/// past `bound`, or a route too big for the kernel's dump, which ends the
/// dump with `EMSGSIZE` and would hide the routes after it.
pub fn why_stop_counted(counted: io::Result<u64>, bound: usize) -> Option<String> {
    match counted {
        Ok(n) => why_stop(n, bound),
        Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => Some(
            "an IPv4 route too big for the kernel's dump of routes (thousands of nexthops): \
             it hides itself and the routes after it from the count"
                .to_string(),
        ),
        Err(_) => None,
    }
}

/// Why a node with `held` IPv4 routes must be stopped, past `bound`.
pub fn why_stop(held: u64, bound: usize) -> Option<String> {
    (held > bound as u64).then(|| {
        format!(
            "{held} IPv4 routes, past the bound of {bound} (each route's nexthop keeps up to \
             about 1.2 MB of route exceptions of the host's, outside the node's limit)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe21ao finding 1: a unicast route out of `lo`, direct or as one
    /// of a multipath route's nexthops; the kernel's local routes (type
    /// local) and routes out of other devices are left.
    #[test]
    fn a_unicast_route_out_of_loopback_is_told_apart() {
        use crate::provider::netns::netlink::msg::attr;
        let route = |ty: u8, oif: u32| {
            let mut b = vec![libc::AF_INET as u8, 16, 0, 0, 254, 3, 0, ty, 0, 0, 0, 0];
            attr(&mut b, RTA_OIF, &oif.to_ne_bytes());
            b
        };
        assert!(out_of_loopback(&route(RTN_UNICAST, 1)).is_some());
        assert!(out_of_loopback(&route(RTN_UNICAST, 3)).is_none());
        assert!(out_of_loopback(&route(2, 1)).is_none(), "a local route");
        let mut mp = vec![
            libc::AF_INET6 as u8,
            64,
            0,
            0,
            254,
            3,
            0,
            RTN_UNICAST,
            0,
            0,
            0,
            0,
        ];
        let mut hops = Vec::new();
        for i in [3i32, 1] {
            hops.extend_from_slice(&8u16.to_ne_bytes());
            hops.extend_from_slice(&[0, 0]);
            hops.extend_from_slice(&i.to_ne_bytes());
        }
        attr(&mut mp, RTA_MULTIPATH, &hops);
        assert!(out_of_loopback(&mp).is_some());
    }
    use crate::provider::netns::netlink::msg::attr;

    #[test]
    fn a_multipath_route_counts_each_nexthop() {
        let route = |seq: u32, hops: usize| {
            let mut body = vec![0u8; RTMSG];
            body[0] = libc::AF_INET as u8;
            if hops > 0 {
                let mut mp = Vec::new();
                for i in 0..hops {
                    // struct rtnexthop (8 bytes) and one RTA_GATEWAY.
                    mp.extend_from_slice(&16u16.to_ne_bytes());
                    mp.extend_from_slice(&[0, 0]);
                    mp.extend_from_slice(&(i as i32 + 2).to_ne_bytes());
                    attr(&mut mp, 5, &[10, 0, 0, i as u8]);
                }
                attr(&mut body, RTA_MULTIPATH, &mp);
            }
            message(RTM_NEWROUTE, 2, seq, &body)
        };
        let mut b = route(3, 0);
        b.extend(route(3, 3));
        b.extend(route(2, 5));
        assert_eq!(routes(&b, 3), 4);
        assert_eq!(why_stop(70, 70), None);
        assert_eq!(too_many_nexthops(&route(3, 16)[16..]), None);
        assert!(
            too_many_nexthops(&route(3, 17)[16..])
                .unwrap()
                .contains("17 nexthops")
        );
        let emsgsize = io::Error::from_raw_os_error(libc::EMSGSIZE);
        assert!(
            why_stop_counted(Err(emsgsize), 70)
                .unwrap()
                .contains("too big")
        );
        assert_eq!(why_stop_counted(Err(io::Error::other("busy")), 70), None);
        assert!(
            why_stop(71, 70)
                .unwrap()
                .starts_with("71 IPv4 routes, past the bound of 70")
        );
    }

    /// A live dump, of the namespace the test runs in.
    #[test]
    fn the_namespaces_routes_are_counted() {
        let fd = super::super::sockets::netlink(libc::NETLINK_ROUTE, 0).unwrap();
        let mut buf = vec![0u8; 256 << 10];
        let held = count(&fd, &mut 0, &mut buf).unwrap();
        let listed = std::process::Command::new("ip")
            .args(["-4", "route", "show", "table", "all"])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .filter(|l| !l.starts_with('\t') && !l.starts_with("\tnexthop"))
                    .count() as u64
            });
        if let Ok(listed) = listed {
            assert!(held >= listed, "{held} < {listed}");
        }
        assert!(held >= 1);
    }
}
