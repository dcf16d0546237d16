//! The packets a node's qdiscs hold: a node past [`HELD_BOUND`] is
//! stopped.
//!
//! Why: a slow qdisc a node attaches to a device of its own (`tbf rate
//! 8bit limit 4000000000`, an `htb` class at 8 bit/s with a `pfifo` of a
//! huge limit under it) keeps every packet sent into it, and each packet
//! keeps the socket that sent it, closed or not: a loop of UDP sockets
//! (`SO_SNDBUF` 4 MiB, filled, closed) queued 110 MB in 0.16 s, 172 MB of
//! the host's memory charged to no cgroup, kept after every process of the
//! node was gone (probe21ae finding 1). The bound on traffic control
//! objects ([`super::tc`]) counts qdiscs, not what they hold.
//!
//! How: a qdisc dump (`RTM_GETQDISC`) on a socket of the node's own reads
//! each qdisc's queue statistics (`TCA_STATS2`'s `TCA_STATS_QUEUE`, or the
//! older `TCA_STATS`): packets and bytes held. What that holds of the
//! host's is estimated from above ([`held`]). The dump is taken at every
//! sweep, and, for a node with a qdisc of its own (one its events told
//! of, or the last dump showed, or whose events were lost) or whose
//! qdiscs hold packets, every [`FAST`]: at the rate measured, 110 MB fill
//! in 0.16 s, a second is too long. The lab attaches no qdisc: a node of a
//! chapter has none of its own, and is dumped once a sweep.

use super::super::netlink::msg::{NLM_F_DUMP, NLM_F_REQUEST, attrs_of, message, messages};
use super::ipset::ask_counting;
use std::cell::Cell;
use std::io;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

/// The most host memory a node's qdiscs may hold, as [`held`] estimates
/// it: a full default queue (1000 packets) of full-size frames is 4.3 MB
/// by that estimate, so this is three such queues and more, while the
/// host's memory they take (about half the estimate: 2,247 B a queued
/// 1400-byte datagram was measured, 4,308 B estimated) stays within 10 MB
/// a node. The lab itself queues nothing in a qdisc of a node's.
pub const HELD_BOUND: u64 = 16 << 20;

/// How often the qdiscs of a node that has a qdisc of its own are looked
/// at: a node fills about 35 MB in that time (110 MB in 0.16 s).
pub const FAST: Duration = Duration::from_millis(50);

const RTM_NEWQDISC: u16 = 36;
const RTM_GETQDISC: u16 = 38;
/// `struct tcmsg`, then the attributes.
const TCMSG: usize = 20;
const TCA_STATS: u16 = 3;
const TCA_STATS2: u16 = 7;
/// A qdisc's size table: what the kernel counts a packet as (probe21ah:
/// `stab overhead -70000` made a 64 KB datagram count as one byte, and
/// 6,000 held 395 MB under the bound).
const TCA_STAB: u16 = 8;
const TCA_STATS_QUEUE: u16 = 3;

/// What a qdisc holding `packets` packets of `bytes` bytes holds of the
/// host's memory, at least: each packet's data in a slab object of a power
/// of two (at most twice its length), with the shared info of its data
/// (320 B), the headroom its sender left (up to about 128 B) and its
/// `struct sk_buff` (256 B) besides: 2 × bytes + 1,280 B a packet.
/// Measured here: 76,554 datagrams of 1400 B, 110 MB of backlog, took
/// 172 MB (2,247 B each); this says 318 MB.
pub fn held(packets: u64, bytes: u64) -> u64 {
    2 * bytes + 1280 * packets
}

fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    let v = b.get(at..at + 4)?;
    Some(u32::from_ne_bytes(v.try_into().expect("4 bytes")) as u64)
}

/// The packets and bytes one dumped qdisc (its attributes `a`) holds.
fn queue_of(a: &[u8]) -> (u64, u64) {
    // struct gnet_stats_queue: qlen, backlog, drops, requeues, overlimits.
    let q = attrs_of(a, TCA_STATS2).find_map(|s| attrs_of(s, TCA_STATS_QUEUE).next());
    if let Some((Some(qlen), Some(backlog))) = q.map(|q| (u32_at(q, 0), u32_at(q, 4))) {
        return (qlen, backlog);
    }
    // struct tc_stats: bytes (8), packets, drops, overlimits, bps, pps,
    // qlen, backlog.
    let s = attrs_of(a, TCA_STATS).next().unwrap_or_default();
    (u32_at(s, 28).unwrap_or(0), u32_at(s, 32).unwrap_or(0))
}

/// What one receive `b` of the dump of request `seq` tells: the host
/// memory its qdiscs hold ([`held`]; a qdisc is counted with those under
/// it, as the kernel counts its queue: counted again, never less), and
/// whether one is a node's own (a handle: the kernel's default qdiscs
/// have none).
fn part(b: &[u8], seq: u32) -> (u64, bool, bool) {
    let (mut bytes, mut own, mut sized) = (0, false, false);
    for m in messages(b).filter(|m| m.seq == seq && m.ty == RTM_NEWQDISC) {
        let Some(handle) = u32_at(m.body, 8) else {
            continue;
        };
        let a = m.body.get(TCMSG..).unwrap_or_default();
        let (packets, backlog) = queue_of(a);
        bytes += held(packets, backlog);
        own |= handle != 0 || packets > 0;
        sized |= attrs_of(a, TCA_STAB).next().is_some();
    }
    (bytes, own, sized)
}

/// A node's qdiscs, through a rtnetlink socket of its namespace.
pub struct QdiscBacklog {
    fd: OwnedFd,
    seq: u32,
    /// The node has a qdisc of its own (or may have: events were lost):
    /// looked at every [`FAST`].
    pub fast: bool,
    /// When it was last looked at.
    looked: Option<Instant>,
}

impl QdiscBacklog {
    /// A socket of the calling thread's namespace.
    pub fn open() -> io::Result<QdiscBacklog> {
        Ok(QdiscBacklog {
            fd: super::sockets::netlink(libc::NETLINK_ROUTE, 0)?,
            seq: 0,
            fast: false,
            looked: None,
        })
    }

    /// When the next fast look is due, if the node is looked at fast.
    pub fn due(&self) -> Option<Instant> {
        self.fast
            .then(|| self.looked.map_or_else(Instant::now, |t| t + FAST))
    }

    /// Look at the node's qdiscs if a look is due (`at_sweep`: in any
    /// case): why to stop the node, if its qdiscs hold past the bound.
    pub fn why_stop(&mut self, at_sweep: bool, buf: &mut [u8]) -> Option<String> {
        if !at_sweep && self.due().is_none_or(|t| t > Instant::now()) {
            return None;
        }
        self.looked = Some(Instant::now());
        let seq = super::sockets::next_seq(&mut self.seq);
        let mut tcm = vec![0u8; TCMSG];
        tcm[0] = libc::AF_UNSPEC as u8;
        let ask = message(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP, seq, &tcm);
        let (own, sized) = (Cell::new(false), Cell::new(false));
        let bytes = ask_counting(&self.fd, &ask, seq, buf, |r| {
            let (b, o, z) = part(r, seq);
            own.set(own.get() | o);
            sized.set(sized.get() | z);
            b
        });
        // A dump that failed tells nothing: the node stays looked at fast.
        let bytes = bytes.ok()?;
        self.fast = own.get();
        if sized.get() {
            return Some(
                "a qdisc with a size table (what it counts a packet as is the node's to say, so \
                 what its qdiscs hold cannot be counted; the lab sets none)"
                    .to_string(),
            );
        }
        why_stop(bytes)
    }
}

/// Why a node whose qdiscs hold `bytes` (as [`held`] says) is stopped.
fn why_stop(bytes: u64) -> Option<String> {
    (bytes > HELD_BOUND).then(|| {
        format!(
            "its qdiscs hold packets of about {} MiB of the host's memory, past the bound of {} \
             MiB",
            bytes >> 20,
            HELD_BOUND >> 20
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::guard::entry::put_attr;

    fn qdisc(handle: u32, stats2: Option<(u32, u32)>, stats: Option<(u32, u32)>) -> Vec<u8> {
        let mut body = vec![0u8; TCMSG];
        body[8..12].copy_from_slice(&handle.to_ne_bytes());
        put_attr(&mut body, 1, b"tbf\0");
        if let Some((qlen, backlog)) = stats2 {
            let mut q = Vec::new();
            for v in [qlen, backlog, 0, 0, 0] {
                q.extend_from_slice(&v.to_ne_bytes());
            }
            let mut nest = Vec::new();
            put_attr(&mut nest, TCA_STATS_QUEUE, &q);
            put_attr(&mut body, TCA_STATS2 | 0x8000, &nest);
        }
        if let Some((qlen, backlog)) = stats {
            let mut s = vec![0u8; 28];
            s.extend_from_slice(&qlen.to_ne_bytes());
            s.extend_from_slice(&backlog.to_ne_bytes());
            put_attr(&mut body, TCA_STATS, &s);
        }
        message(RTM_NEWQDISC, 0, 7, &body)
    }

    #[test]
    fn what_qdiscs_hold_is_read_from_either_statistics() {
        let tbf = qdisc(0x1_0000, Some((76_554, 110_390_868)), Some((1, 1)));
        let (bytes, own, _) = part(&tbf, 7);
        assert_eq!(bytes, held(76_554, 110_390_868));
        assert!(own);
        // The older statistics alone.
        let old = qdisc(0x1_0000, None, Some((93, 134_106)));
        assert_eq!(part(&old, 7), (held(93, 134_106), true, false));
        // Another request's answer is not this one's.
        assert_eq!(part(&old, 8), (0, false, false));
    }

    #[test]
    fn a_default_qdisc_holding_nothing_is_no_nodes_own() {
        let noqueue = qdisc(0, Some((0, 0)), Some((0, 0)));
        assert_eq!(part(&noqueue, 7), (0, false, false));
        // One holding packets is looked at fast all the same.
        let held_up = qdisc(0, Some((3, 4200)), None);
        assert_eq!(part(&held_up, 7), (held(3, 4200), true, false));
    }

    /// probe21ae finding 1's queue (110 MB in 76,554 packets) is past the
    /// bound many times; one default queue of full frames is within it.
    #[test]
    fn the_bound_stops_the_probes_queue_and_not_a_default_one() {
        assert!(why_stop(held(76_554, 110_390_868)).is_some());
        assert!(why_stop(held(1000, 1000 * 1514)).is_none());
        assert!(held(76_554, 110_390_868) >= 172_000_000);
    }
}
