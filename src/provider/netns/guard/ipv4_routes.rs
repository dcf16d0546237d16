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

/// What a dump of a node's IPv4 routes found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Routes {
    /// Nexthops, every route's (a route once for each).
    pub nexthops: u64,
    /// A unicast route out of `lo` among them (see [`super::loopback_routes`]).
    pub out_of_loopback: bool,
}

/// The routes one receive `b` tells of (answers to request `seq` only),
/// added to `seen`: their nexthops counted, each route read for its device.
fn routes(b: &[u8], seq: u32, seen: &mut Routes) {
    for m in messages(b).filter(|m| m.seq == seq && m.ty == RTM_NEWROUTE) {
        seen.nexthops += nexthops(m.body.get(RTMSG..).unwrap_or_default());
        seen.out_of_loopback |= super::loopback_routes::out_of_loopback(m.body);
    }
}

/// The IPv4 routes of the node whose socket for looks is `fd`, every
/// table, a multipath route once for each of its nexthops, and whether one
/// is a unicast route out of `lo` (sequence numbers from `seq`, advanced).
/// This is the look that follows a loss of events too: nothing else tells
/// of a route added meanwhile.
pub fn count(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8]) -> io::Result<Routes> {
    let seq = super::sockets::next_seq(seq);
    let mut rtmsg = [0u8; RTMSG];
    rtmsg[0] = libc::AF_INET as u8;
    let dump = message(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq, &rtmsg);
    let seen = std::cell::Cell::new(Routes::default());
    let nexthops = ask_counting(fd, &dump, seq, buf, |r| {
        let mut s = seen.get();
        let before = s.nexthops;
        routes(r, seq, &mut s);
        seen.set(s);
        s.nexthops - before
    })?;
    Ok(Routes {
        nexthops,
        ..seen.get()
    })
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

/// Why a node must be stopped for its routes as `counted` (see [`count`]):
/// a unicast route out of `lo`, past `bound`, or a route too big for the
/// kernel's dump, which ends the dump with `EMSGSIZE` and would hide the
/// routes after it.
pub fn why_stop_counted(counted: io::Result<Routes>, bound: usize) -> Option<String> {
    match counted {
        Ok(r) if r.out_of_loopback => Some(super::loopback_routes::WHY.to_string()),
        Ok(r) => why_stop(r.nexthops, bound),
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
        let mut seen = Routes::default();
        routes(&b, 3, &mut seen);
        assert_eq!(seen.nexthops, 4);
        assert!(!seen.out_of_loopback);
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

    /// A route out of `lo` added while events were lost is told of by the
    /// dump alone: the dump reads each route's device as the event does
    /// (seen failing with the dump counting only).
    #[test]
    fn a_dump_finds_a_unicast_route_out_of_loopback() {
        let route = |seq: u32, ty: u8, oif: u32| {
            let mut body = vec![libc::AF_INET as u8, 16, 0, 0, 254, 3, 0, ty, 0, 0, 0, 0];
            attr(&mut body, 4, &oif.to_ne_bytes());
            message(RTM_NEWROUTE, 2, seq, &body)
        };
        // The kernel's local route on `lo`, a route out of another device,
        // and another request's route out of `lo`.
        let mut b = [route(5, 2, 1), route(5, 1, 3), route(4, 1, 1)].concat();
        let mut seen = Routes::default();
        routes(&b, 5, &mut seen);
        assert_eq!(seen.nexthops, 2);
        assert!(!seen.out_of_loopback);
        assert_eq!(why_stop_counted(Ok(seen), 70), None);
        b.extend(route(5, 1, 1));
        routes(&b, 5, &mut seen);
        assert!(seen.out_of_loopback);
        let why = why_stop_counted(Ok(seen), 70).unwrap();
        assert!(why.contains("a unicast route out of `lo`"), "{why}");
    }

    /// A live dump, of the namespace the test runs in.
    #[test]
    fn the_namespaces_routes_are_counted() {
        let fd = super::super::sockets::netlink(libc::NETLINK_ROUTE, 0).unwrap();
        let mut buf = vec![0u8; 256 << 10];
        let held = count(&fd, &mut 0, &mut buf).unwrap().nexthops;
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
