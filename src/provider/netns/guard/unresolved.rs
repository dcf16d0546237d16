//! A node's neighbours left unresolved past what the host's parameters
//! allow: removed at a sweep, which frees the packets queued for them.
//!
//! Why: an unresolved neighbour (`INCOMPLETE`) holds the packets sent to it
//! until it resolves or fails, and the host's parameters fail one within
//! about three seconds (three probes a second apart). A node that raised its
//! parameters for a moment (`ip ntable change … queue 60000 retrans
//! 2000000000`), queued packets, and put them back before the guard's next
//! look ([`super::neigh_params`]) kept 100 MB queued for an entry whose
//! timer was set 23 days out (probe21u).
//!
//! How: the node's rtnetlink socket for its neighbour parameters
//! ([`super::neigh_params::NeighParams`]) dumps its neighbours (IPv4 and IPv6) every
//! [`every_sweeps`] sweeps; an entry `INCOMPLETE` for more than
//! [`UNRESOLVED_FOR`] is removed (`RTM_DELNEIGH`), which drops its queue.

use super::super::netlink::msg::{
    NDA_DST, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, RTM_NEWNEIGH, attr as put_attr,
    attrs, message, messages,
};
use super::entry::{RTM_DELNEIGH, RTM_GETNEIGH};
use super::sockets;
use std::os::fd::{AsRawFd, OwnedFd};

const NDA_CACHEINFO: u16 = 3;
const NUD_INCOMPLETE: u16 = 0x01;
/// How long a neighbour may stay unresolved, in the kernel's clock ticks
/// of its cache info (`USER_HZ`, 100 a second): ten seconds, three times
/// what the host's parameters take to fail one.
pub const UNRESOLVED_FOR: u32 = 10 * 100;

/// Sweeps between two looks at a node when the host's table did not rise
/// (see [`HOST_RISE`]), in a lab of `nodes` nodes: a dump walks the host's
/// whole table of neighbours, every namespace's (1.4 ms a node in a lab of
/// 251 nodes whose namespaces hold 125,833 entries: every fifth sweep took
/// 8 % of a core at rest there, measured on this project's machine), so
/// every fifth sweep in a small lab, every tenth node's count of sweeps
/// (at most 25) in a large one. A rise counted from the last level can be
/// hidden by other labs' entries going meanwhile; this bounds how long.
pub fn every_sweeps(nodes: usize) -> u64 {
    (nodes as u64 / 10).clamp(5, 25)
}

/// The `RTM_DELNEIGH` body of an entry of one dump's message body, if it is
/// unresolved for longer than [`UNRESOLVED_FOR`].
fn too_long_unresolved(body: &[u8]) -> Option<Vec<u8>> {
    // struct ndmsg: family, pads, ifindex, state (u16), flags, type.
    let nd = body.get(..12)?;
    let state = u16::from_ne_bytes([nd[8], nd[9]]);
    if state & NUD_INCOMPLETE == 0 {
        return None;
    }
    let list = attrs(&body[12..]);
    let get = |ty: u16| list.iter().find(|(t, _)| *t == ty).map(|(_, v)| *v);
    // struct nda_cacheinfo: confirmed, used, updated, refcnt (ages).
    let updated = get(NDA_CACHEINFO)?.get(8..12)?;
    if u32::from_ne_bytes(updated.try_into().ok()?) <= UNRESOLVED_FOR {
        return None;
    }
    let mut delete = vec![nd[0], 0, 0, 0];
    delete.extend_from_slice(&nd[4..8]);
    delete.extend_from_slice(&[0; 4]);
    put_attr(&mut delete, NDA_DST, get(NDA_DST)?);
    Some(delete)
}

/// What a look at a node's neighbours found and did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Looked {
    /// Entries removed, unresolved for too long.
    pub removed: u64,
    /// Entries unresolved (`INCOMPLETE`), of any age.
    pub unresolved: usize,
}

/// Whether a dumped neighbour's body tells of an unresolved entry.
fn is_unresolved(body: &[u8]) -> bool {
    body.get(8..10)
        .is_some_and(|s| u16::from_ne_bytes([s[0], s[1]]) & NUD_INCOMPLETE != 0)
}

/// The neighbours the host has made since it started (every namespace's:
/// one table for IPv4, one for IPv6, which a node's root may turn on
/// again), summed over the CPUs' lines of `allocs` in `arp_cache` and
/// `ndisc_cache` of `/proc/net/stat`; none when the first cannot be read.
/// A count of entries made, not of entries held: another lab's entries
/// going while a node makes its own cannot hide them. The kernel puts those
/// files in the host's own namespace only, and the guard runs in the lab's
/// `.nat`: they are read as PID 1's (the host's namespace), and as the
/// caller's where PID 1's are not there. (Read as the caller's, the guard
/// never saw a rise: probe21bf's 300 unresolved neighbours stood until a
/// node's fifth sweep.)
fn host_made() -> Option<u64> {
    let made = |file: &str| {
        let text = std::fs::read_to_string(format!("/proc/1/net/stat/{file}"))
            .or_else(|_| std::fs::read_to_string(format!("/proc/net/stat/{file}")))
            .ok()?;
        text.lines()
            .skip(1)
            .map(|l| {
                let allocs = l.split_whitespace().nth(1)?;
                u64::from_str_radix(allocs, 16).ok()
            })
            .sum::<Option<u64>>()
    };
    Some(made("arp_cache")? + made("ndisc_cache").unwrap_or(0))
}

/// How many neighbours the host may make after the last look before every
/// node's neighbours are looked at: a neighbour added by hand as
/// `incomplete` makes no event (probe21af: 300 stood 13 s, unseen), and
/// about 930 would overflow the host's table for every namespace. Counted
/// from the last look, not the last sweep, so that a slow rise (60 a
/// second) is seen as a fast one is.
pub const HOST_RISE: u64 = 64;

/// How often the host's table is read (one read of a short file, about
/// 10 µs): at the rate probe21bf measured (300 entries in 8.8 ms), a node
/// adds about 350 between two reads, where a sweep's second let one add
/// tens of thousands and fill the host's table (1024 on a stock host).
pub const HOST_LOOK: std::time::Duration = std::time::Duration::from_millis(10);

/// The host's neighbour table, read every [`HOST_LOOK`].
#[derive(Default)]
pub struct HostTable {
    /// The neighbours made when they were last counted from: a rise is
    /// counted from here.
    last: Option<u64>,
    /// When the last rise had the nodes looked at.
    looked: Option<std::time::Instant>,
}

impl HostTable {
    /// Whether the host made more than [`HOST_RISE`] neighbours since the
    /// last rise, at most once every `gap` (a look at every node walks the
    /// host's whole table for each: 1.4 ms a node at 251 nodes).
    pub fn rose(&mut self, gap: std::time::Duration) -> bool {
        host_made().is_some_and(|now| self.rose_to(now, gap))
    }

    /// [`HostTable::rose`] with the host's count read as `now`.
    fn rose_to(&mut self, now: u64, gap: std::time::Duration) -> bool {
        let Some(base) = self.last else {
            self.last = Some(now);
            return false;
        };
        if self.looked.is_some_and(|t| t.elapsed() < gap) {
            return false;
        }
        let rose = now > base.saturating_add(HOST_RISE);
        if rose || now < base {
            self.last = Some(now);
        }
        if rose {
            self.looked = Some(std::time::Instant::now());
        }
        rose
    }
}

/// The least time between two looks at every node of a lab of `nodes`
/// nodes that a rise asks for: [`HOST_LOOK`], and 2 ms a node past five.
pub fn rise_gap(nodes: usize) -> std::time::Duration {
    HOST_LOOK.max(std::time::Duration::from_millis(2 * nodes as u64))
}

/// Remove the neighbours unresolved for too long of the node whose
/// rtnetlink socket is `fd` (its requests numbered from `seq`): how many.
pub fn remove(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8]) -> Looked {
    let asked = super::sockets::next_seq(seq);
    // ndmsg: every family (IPv4's and IPv6's), the rest any.
    let mut nd = vec![libc::AF_UNSPEC as u8, 0, 0, 0];
    nd.extend_from_slice(&[0; 8]);
    let request = message(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, asked, &nd);
    let mut gone = Vec::new();
    let mut unresolved = 0;
    let dumped = sockets::ask(fd, &request, buf, |b| {
        for m in messages(b).filter(|m| m.seq == asked) {
            match m.ty {
                NLMSG_DONE | NLMSG_ERROR => return true,
                RTM_NEWNEIGH => {
                    unresolved += usize::from(is_unresolved(m.body));
                    gone.extend(too_long_unresolved(m.body));
                }
                _ => {}
            }
        }
        false
    });
    if dumped.is_err() {
        return Looked::default();
    }
    let mut removed = 0;
    for d in &gone {
        if sockets::send(fd, &message(RTM_DELNEIGH, NLM_F_REQUEST, 0, d)).is_ok() {
            removed += 1;
        }
    }
    // Refusals (gone meanwhile) are read and dropped.
    while let Ok(sockets::Received::Bytes(_)) = sockets::receive(fd.as_raw_fd(), buf) {}
    Looked {
        removed,
        unresolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dumped IPv4 neighbour of device 7, `state`, updated `age` ticks ago.
    fn neighbour(state: u16, age: u32) -> Vec<u8> {
        let mut b = vec![2u8, 0, 0, 0];
        b.extend_from_slice(&7i32.to_ne_bytes());
        b.extend_from_slice(&state.to_ne_bytes());
        b.extend_from_slice(&[0, 1]);
        put_attr(&mut b, NDA_DST, &[10, 77, 0, 2]);
        let info: Vec<u8> = [0u32, 0, age, 1]
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect();
        put_attr(&mut b, NDA_CACHEINFO, &info);
        b
    }

    #[test]
    fn a_neighbour_unresolved_past_the_hosts_time_is_removed() {
        assert_eq!(too_long_unresolved(&neighbour(NUD_INCOMPLETE, 300)), None);
        // Reachable (0x02) for long: kept.
        assert_eq!(too_long_unresolved(&neighbour(0x02, 90_000)), None);
        let d = too_long_unresolved(&neighbour(NUD_INCOMPLETE, UNRESOLVED_FOR + 1)).unwrap();
        assert_eq!(&d[..8], &[2, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(&d[12..], &[8, 0, 1, 0, 10, 77, 0, 2]);
    }
}

#[cfg(test)]
mod host_tests {
    use super::*;
    use std::time::Duration;

    /// The host's count is read (every namespace's neighbours made), and a
    /// first read is no rise.
    #[test]
    fn the_hosts_table_is_read_and_a_first_read_is_no_rise() {
        assert!(host_made().is_some());
        let mut t = HostTable::default();
        assert!(!t.rose(Duration::ZERO));
    }

    #[test]
    fn a_small_lab_is_looked_at_every_fifth_sweep_a_large_one_less_often() {
        assert_eq!(every_sweeps(3), 5);
        assert_eq!(every_sweeps(100), 10);
        assert_eq!(every_sweeps(251), 25);
    }

    /// A rise is counted from the level of the last rise, so that many
    /// small ones add up; a fall lowers the level; within the gap after a
    /// rise, none is seen (and none is lost: it is counted from there).
    #[test]
    fn small_rises_add_up() {
        let mut t = HostTable::default();
        assert!(!t.rose_to(1000, Duration::ZERO));
        assert!(!t.rose_to(1040, Duration::ZERO), "40 is no rise");
        assert!(t.rose_to(1065, Duration::ZERO));
        assert!(
            !t.rose_to(1100, Duration::ZERO),
            "counted from the new level"
        );
        assert!(!t.rose_to(500, Duration::ZERO));
        assert_eq!(t.last, Some(500), "a fall lowers the level");
        assert!(!t.rose_to(1000, Duration::from_secs(60)), "within the gap");
        assert_eq!(t.last, Some(500));
        assert_eq!(rise_gap(3), HOST_LOOK);
        assert_eq!(rise_gap(251), Duration::from_millis(502));
    }
}
