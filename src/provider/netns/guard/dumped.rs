//! Nexthop objects (`ip nexthop add`), IPv6 address labels (`ip addrlabel
//! add`), IPv6 routes and the multicast group entries of its bridges
//! (`bridge mdb add`) of a node: dumped at every sweep (nexthops and
//! multicast entries only after an event told of one), and those past the
//! bound removed.
//!
//! Why: the kernel bounds neither, and charges neither to the node's memory
//! limit. 20,000 `nexthop add id N blackhole` lines took a third of a
//! second in one node and 7.7 MB of the host's memory (`kmalloc-192`
//! +40,005) while the node's own kernel memory rose 0.3 MB; 20,000
//! `addrlabel add` lines 1.3 MB (`kmalloc-64` +19,746) in a quarter of a
//! second; 20,000 IPv6 routes (`ip -6 route add blackhole 2001:db8:N::/48`)
//! 10 MB (`kmalloc-512` +20,003) in under half a second, of which the node
//! was charged 5.7 MB (IPv4's routes are charged whole). The lab makes none
//! of them (a node starts with the kernel's ten default address labels;
//! IPv6 is off on its devices). probe21n put 60,000 multicast entries (27
//! MB, the node charged 0.3 MB) on a bridge it made, whose hash limit it
//! raised (`mcast_hash_max`).
//!
//! How: a routing socket opened inside the node, used only at the sweep:
//! each table is dumped in full (read without waiting, see [`sockets`]),
//! and what comes past the bound, in the kernel's order, is removed by a
//! message of the kind `ip nexthop del`, `ip addrlabel del`, `ip -6 route
//! flush` or `bridge mdb del` sends. What a node adds between two sweeps is a
//! second's worth; at most [`REMOVALS`] go a sweep.

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, attrs_of, message, messages,
};
use super::sockets::{self, Received};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const RTM_GETROUTE: u16 = 26;
const RTM_NEWADDRLABEL: u16 = 72;
const RTM_NEWMDB: u16 = 84;
const RTM_DELMDB: u16 = 85;
const RTM_GETMDB: u16 = 86;
/// `MDBA_MDB` › `MDBA_MDB_ENTRY` › `MDBA_MDB_ENTRY_INFO` (a `struct
/// br_mdb_entry`, then attributes); a removal's `MDBA_SET_ENTRY`.
const MDBA_MDB: u16 = 1;
const MDBA_MDB_ENTRY: u16 = 1;
const MDBA_MDB_ENTRY_INFO: u16 = 1;
const MDBA_SET_ENTRY: u16 = 1;
/// `sizeof(struct br_mdb_entry)`, which a removal must carry exactly.
const MDB_ENTRY_BYTES: usize = 28;
const RTM_DELADDRLABEL: u16 = 73;
const RTM_GETADDRLABEL: u16 = 74;
const RTM_NEWNEXTHOP: u16 = 104;
const RTM_DELNEXTHOP: u16 = 105;
const RTM_GETNEXTHOP: u16 = 106;
/// `NHA_ID`: a nexthop object's id.
const NHA_ID: u16 = 1;
/// `NHA_RES_GROUP` › `NHA_RES_GROUP_BUCKETS` (u16): a resilient group's
/// buckets.
const NHA_RES_GROUP: u16 = 12;
const NHA_RES_GROUP_BUCKETS: u16 = 1;
/// A resilient group's buckets that weigh as much as one nexthop: its table
/// is about 32 bytes a bucket, a nexthop about 330 (probe21y: 190 groups of
/// 65,535 buckets took 350 MB of the host's vmalloc in a quarter of a
/// second, the node charged nothing).
const BUCKETS_A_NEXTHOP: usize = 10;
/// `NHA_OIF`: a nexthop with a device, which keeps route exceptions as a
/// route's nexthop does (see `ipv4_routes`): it weighs this many.
const NHA_OIF: u16 = 5;
const WITH_A_DEVICE: usize = 4;
/// The most removals a sweep sends, per table.
const REMOVALS: usize = 100_000;
/// The most objects past the bound a dump reads: past them it ends unread
/// and the node is stopped. The kernel resumes a dump of labels (and rules)
/// by walking from the head of its list, so reading n of them costs O(n²)
/// of the guard's time: 300,000 address labels, made in 0.34 s, took it
/// 3.2 s, when no node of the lab was answered (probe21ax). The lab makes
/// none of these beyond the kernel's defaults.
pub const READ_PAST_THE_BOUND: usize = 10_000;
/// Bytes of removals sent at once (their refusals, if any, fit the
/// socket's receive buffer).
const SEND_BYTES: usize = 4 * 1024;

/// A table dumped at each sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nexthops,
    AddressLabels,
    Ipv6Routes,
    /// Multicast group entries of the node's bridges (`bridge mdb add`).
    Mdb,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Nexthops,
        Kind::AddressLabels,
        Kind::Ipv6Routes,
        Kind::Mdb,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Nexthops => "nexthop objects",
            Kind::AddressLabels => "IPv6 address labels",
            Kind::Ipv6Routes => "IPv6 routes",
            Kind::Mdb => "bridge multicast group entries",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The dump's request: its type and body (an `nhmsg` of every family,
    /// an IPv6 `ifaddrlblmsg`: labels are IPv6's alone; an IPv6 `rtmsg`,
    /// every table).
    fn request(self) -> (u16, Vec<u8>) {
        match self {
            Kind::Nexthops => (RTM_GETNEXTHOP, vec![0; 8]),
            Kind::AddressLabels => {
                let mut b = vec![0; 12];
                b[0] = libc::AF_INET6 as u8;
                (RTM_GETADDRLABEL, b)
            }
            Kind::Ipv6Routes => {
                let mut b = vec![0; 12];
                b[0] = libc::AF_INET6 as u8;
                (RTM_GETROUTE, b)
            }
            Kind::Mdb => {
                let mut b = vec![0; 8];
                b[0] = libc::AF_BRIDGE as u8;
                (RTM_GETMDB, b)
            }
        }
    }

    /// The type of what the dump answers with.
    fn answer(self) -> u16 {
        match self {
            Kind::Nexthops => RTM_NEWNEXTHOP,
            Kind::AddressLabels => RTM_NEWADDRLABEL,
            Kind::Ipv6Routes => RTM_NEWROUTE,
            // The bridge's dump answers with its request's type.
            Kind::Mdb => RTM_GETMDB,
        }
    }

    /// How much the object a dumped message `body` tells of counts against
    /// the bound: one; a nexthop with a device [`WITH_A_DEVICE`]; a
    /// resilient nexthop group one more for each [`BUCKETS_A_NEXTHOP`] of
    /// its buckets.
    fn weight(self, body: &[u8]) -> usize {
        let Kind::Nexthops = self else {
            return 1;
        };
        let a = body.get(8..).unwrap_or_default();
        let buckets = attrs_of(a, NHA_RES_GROUP)
            .next()
            .and_then(|g| attrs_of(g, NHA_RES_GROUP_BUCKETS).next())
            .and_then(|b| Some(u16::from_ne_bytes(b.get(..2)?.try_into().ok()?)))
            .unwrap_or(0);
        let one = if attrs_of(a, NHA_OIF).next().is_some() {
            WITH_A_DEVICE
        } else {
            1
        };
        one + usize::from(buckets) / BUCKETS_A_NEXTHOP
    }

    /// The removals of the objects a dumped message `body` tells of, one
    /// each: a nexthop by its id, a label or a route by the body it was
    /// dumped with (prefix, length, device, label or table and the rest, as
    /// `ip addrlabel del` and `ip -6 route flush` name them), a bridge's
    /// multicast entries (a message holds all of one bridge's) by the
    /// bridge and each entry, as `bridge mdb del` names them.
    fn removals(self, body: &[u8]) -> Vec<(u16, Vec<u8>)> {
        match self {
            Kind::Nexthops => {
                let Some(id) = body.get(8..).and_then(|a| attrs_of(a, NHA_ID).next()) else {
                    return Vec::new();
                };
                let mut b = vec![0u8; 8];
                b.extend_from_slice(&8u16.to_ne_bytes());
                b.extend_from_slice(&NHA_ID.to_ne_bytes());
                b.extend_from_slice(id.get(..4).unwrap_or(&[0; 4]));
                vec![(RTM_DELNEXTHOP, b)]
            }
            Kind::AddressLabels => vec![(RTM_DELADDRLABEL, body.to_vec())],
            Kind::Ipv6Routes => vec![(RTM_DELROUTE, body.to_vec())],
            Kind::Mdb => {
                let Some(bridge) = body.get(..8) else {
                    return Vec::new();
                };
                let groups = body.get(8..).unwrap_or_default();
                attrs_of(groups, MDBA_MDB)
                    .flat_map(|mdb| attrs_of(mdb, MDBA_MDB_ENTRY))
                    .flat_map(|e| attrs_of(e, MDBA_MDB_ENTRY_INFO))
                    .filter_map(|info| info.get(..MDB_ENTRY_BYTES))
                    .map(|entry| {
                        // The dump leaves the family out; a removal names it.
                        let mut b = bridge.to_vec();
                        b[0] = libc::AF_BRIDGE as u8;
                        b.extend_from_slice(&(4 + MDB_ENTRY_BYTES as u16).to_ne_bytes());
                        b.extend_from_slice(&MDBA_SET_ENTRY.to_ne_bytes());
                        b.extend_from_slice(entry);
                        (RTM_DELMDB, b)
                    })
                    .collect()
            }
        }
    }
}

/// How many of the messages of `b` refuse a request of ours, and how many
/// say its object was not there (`ENOENT`: gone meanwhile, neither
/// refused nor removed): errors answering sequence 0, which every removal
/// is sent with.
fn refusals(b: &[u8]) -> (u64, u64) {
    let errors = messages(b).filter(|m| m.ty == NLMSG_ERROR && m.seq == 0);
    let codes = errors.filter_map(|m| Some(i32::from_ne_bytes(m.body.get(..4)?.try_into().ok()?)));
    codes.fold((0, 0), |(refused, gone), c| match c {
        0 => (refused, gone),
        c if c == -libc::ENOENT => (refused, gone + 1),
        _ => (refused + 1, gone),
    })
}

/// What a dump has seen so far: the objects' weight together, the
/// heaviest one's, and whether one is a unicast route out of `lo` (see
/// [`super::loopback_routes`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub weight: usize,
    pub heaviest: usize,
    pub out_of_loopback: bool,
    /// Past the bound by more than [`READ_PAST_THE_BOUND`]: the dump ended
    /// unread there.
    pub overflowed: bool,
}

/// What one receive of a dump held: the removals of objects past `bound`
/// (`seen` counts the objects so far, each by its [`Kind::weight`]), and
/// whether the dump ended.
fn read_dump(
    kind: Kind,
    b: &[u8],
    seq: u32,
    bound: usize,
    seen: &mut Seen,
    out: &mut Vec<u8>,
) -> bool {
    for m in messages(b).filter(|m| m.seq == seq) {
        match m.ty {
            NLMSG_DONE | NLMSG_ERROR => return true,
            t if t == kind.answer() => {
                seen.out_of_loopback |=
                    kind == Kind::Ipv6Routes && super::loopback_routes::out_of_loopback(m.body);
                let weight = kind.weight(m.body);
                seen.heaviest = seen.heaviest.max(weight);
                for (dt, body) in kind.removals(m.body) {
                    seen.weight += weight;
                    if seen.weight > bound && out.len() < REMOVALS * 64 {
                        out.extend_from_slice(&message(dt, NLM_F_REQUEST, 0, &body));
                    }
                }
                if seen.weight > bound.saturating_add(READ_PAST_THE_BOUND) {
                    seen.overflowed = true;
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// A node's routing socket for the sweep's dumps, and one joined to its
/// nexthop events: nexthops are dumped only after one came (their dump
/// takes the kernel's one routing lock, which 250 nodes' dumps a second
/// kept busy; labels and IPv6 routes are dumped without it).
pub struct Dumped {
    fd: OwnedFd,
    told: OwnedFd,
    seq: u32,
    /// Nexthops to be dumped at the next sweep (an event came, or none was
    /// looked at yet).
    nexthops_due: bool,
    /// Multicast group entries to be dumped at the next sweep (as nexthops).
    mdb_due: bool,
    /// The heaviest object a dump saw since [`Dumped::take_heaviest`].
    heaviest: usize,
    /// A unicast route out of `lo` a dump saw since
    /// [`Dumped::take_out_of_loopback`].
    out_of_loopback: bool,
    /// A table whose dump ended unread past [`READ_PAST_THE_BOUND`].
    overflowed: Option<Kind>,
}

/// `RTNLGRP_NEXTHOP` and `RTNLGRP_MDB`, joined by number (the first past
/// the 32 bits of a bind).
const RTNLGRP_NEXTHOP: libc::c_int = 32;
const RTNLGRP_MDB: libc::c_int = 26;
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_ADD_MEMBERSHIP: libc::c_int = 1;

impl Dumped {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> io::Result<Dumped> {
        let fd = sockets::netlink(libc::NETLINK_ROUTE, 0)?;
        let told = sockets::netlink(libc::NETLINK_ROUTE, 0)?;
        for group in [RTNLGRP_NEXTHOP, RTNLGRP_MDB] {
            sockets::set_option(&told, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group)?;
        }
        Ok(Dumped {
            fd,
            told,
            seq: 0,
            nexthops_due: true,
            mdb_due: true,
            heaviest: 0,
            out_of_loopback: false,
            overflowed: None,
        })
    }

    /// The socket that hears the node's nexthop and multicast-entry events
    /// (for `poll`: they are trimmed as they come, see [`super::watch::Watch::trim_told`]).
    pub fn told_fd(&self) -> i32 {
        self.told.as_raw_fd()
    }

    /// The heaviest object the dumps saw since the last time asked (see
    /// [`Kind::weight`]).
    pub fn take_heaviest(&mut self) -> usize {
        std::mem::take(&mut self.heaviest)
    }

    /// A table whose dump ended unread, past the bound by more than
    /// [`READ_PAST_THE_BOUND`], since the last time asked.
    pub fn take_overflowed(&mut self) -> Option<Kind> {
        self.overflowed.take()
    }

    /// Whether the dumps saw a unicast route out of `lo` since the last
    /// time asked.
    pub fn take_out_of_loopback(&mut self) -> bool {
        std::mem::take(&mut self.out_of_loopback)
    }

    /// Whether `kind` is to be dumped at this sweep: nexthops when an event
    /// (or a loss of events) came since the last, the rest always.
    pub fn due(&mut self, kind: Kind, buf: &mut [u8]) -> bool {
        if !matches!(kind, Kind::Nexthops | Kind::Mdb) {
            return true;
        }
        loop {
            match sockets::receive(self.told.as_raw_fd(), buf) {
                Ok(Received::Bytes(n)) if n > 0 => {
                    for m in messages(&buf[..n]) {
                        match m.ty {
                            RTM_NEWMDB | RTM_DELMDB => self.mdb_due = true,
                            _ => self.nexthops_due = true,
                        }
                    }
                }
                Ok(Received::Nothing) => break,
                // Lost events, or a socket that no longer works: dump.
                _ => {
                    (self.nexthops_due, self.mdb_due) = (true, true);
                    break;
                }
            }
        }
        match kind {
            Kind::Mdb => std::mem::take(&mut self.mdb_due),
            _ => std::mem::take(&mut self.nexthops_due),
        }
    }

    /// Dump `kind` and remove what is past `bound`: how many were removed,
    /// and how many removals the kernel refused. A dump that failed, or
    /// removals refused, leave `kind` due: no further event may come to
    /// have it looked at again.
    pub fn trim(&mut self, kind: Kind, bound: usize, buf: &mut [u8]) -> io::Result<(u64, u64)> {
        let r = self.trim_once(kind, bound, buf);
        if !matches!(r, Ok((_, 0))) {
            match kind {
                Kind::Nexthops => self.nexthops_due = true,
                Kind::Mdb => self.mdb_due = true,
                _ => {}
            }
        }
        r
    }

    fn trim_once(&mut self, kind: Kind, bound: usize, buf: &mut [u8]) -> io::Result<(u64, u64)> {
        let seq = super::sockets::next_seq(&mut self.seq);
        let (ty, body) = kind.request();
        let request = message(ty, NLM_F_REQUEST | NLM_F_DUMP, seq, &body);
        let (mut seen, mut out) = (Seen::default(), Vec::new());
        sockets::ask(&self.fd, &request, buf, |b| {
            read_dump(kind, b, seq, bound, &mut seen, &mut out)
        })?;
        self.heaviest = self.heaviest.max(seen.heaviest);
        self.out_of_loopback |= seen.out_of_loopback;
        if seen.overflowed {
            // The node is stopped; nothing is removed (the rest of the dump
            // is left unread on this socket, which is not asked again).
            self.overflowed = Some(kind);
            return Ok((0, 0));
        }
        let removed = messages(&out).count() as u64;
        // The kernel answers a removal (sent without asking for an answer)
        // only to refuse it, before `send` returns; the refusals of a few
        // kilobytes of removals fit the socket's buffer, so each batch's
        // are read before the next is sent. A batch whose refusals were
        // lost all the same counts as refused: "removed" never claims more.
        let (mut refused, mut gone) = (0, 0);
        for batch in sockets::batches(&out, SEND_BYTES) {
            sockets::send(&self.fd, batch)?;
            loop {
                match sockets::receive(self.fd.as_raw_fd(), buf) {
                    Ok(Received::Bytes(n)) if n > 0 => {
                        let (r, g) = refusals(&buf[..n]);
                        (refused, gone) = (refused + r, gone + g);
                    }
                    Ok(Received::Lost) => {
                        refused += messages(batch).count() as u64;
                        break;
                    }
                    _ => break,
                }
            }
        }
        let refused = refused.min(removed);
        Ok((removed - refused - gone.min(removed - refused), refused))
    }
}

#[cfg(test)]
#[path = "dumped_tests.rs"]
mod tests;
