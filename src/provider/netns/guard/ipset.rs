//! The elements of a node's ipset sets (`ipset add`, `ipset restore`):
//! kernel memory no cgroup is charged for (a hash set's table is charged to
//! the node, its elements are not: probe21m put 100,000 in one set in 18 s,
//! 3.2 MB of the host's, up to 256 sets a namespace, `maxelem` chosen by
//! the node). No event tells of an element added, so at each sweep the
//! guard lists the headers of the node's sets on a `NETLINK_NETFILTER`
//! socket opened inside the node, sums their element counts, and, past the
//! bound, flushes every set of the node (the lab makes none; a set an
//! iptables rule uses cannot be destroyed, but can be emptied). What a node
//! adds between two looks is a sweep's worth.
//!
//! A range is added whole by one message (`ipset add S 10.0.0.0/13
//! comment …`: 524,288 elements of about 670 bytes in 1.3 s, probe21ai),
//! and the flush that frees them runs on the guard's CPU (0.49 s for
//! 475,000), which put its next sweep off by ten seconds for every node.
//! So a node that has a set is looked at every [`FAST`], not every sweep,
//! and a node whose sets passed the bound a second time is stopped rather
//! than flushed again ([`FLUSHES_BEFORE_STOP`]).

use super::super::netlink::msg::{
    Message, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, attr, message, messages,
};
use super::entry::attrs;
use std::io;
use std::os::fd::OwnedFd;

const NETLINK_NETFILTER: libc::c_int = 12;
/// `NFNL_SUBSYS_IPSET`: a message's type is the subsystem, then the command.
const NFNL_SUBSYS_IPSET: u16 = 6;
const IPSET_CMD_FLUSH: u16 = 4;
const IPSET_CMD_LIST: u16 = 7;
/// `IPSET_PROTOCOL` (a flush must name it exactly; a list, at least 6).
const IPSET_PROTOCOL: u8 = 7;
const IPSET_ATTR_PROTOCOL: u16 = 1;
const IPSET_ATTR_FLAGS: u16 = 6;
const IPSET_ATTR_DATA: u16 = 7;
/// Inside `IPSET_ATTR_DATA`: the set's element count (u32, network order).
const IPSET_ATTR_ELEMENTS: u16 = 24;
/// The list holds each set's header, not its members.
const IPSET_FLAG_LIST_HEADER: u32 = 1 << 2;

/// A request of command `cmd` carrying `attributes`, after the netfilter
/// header (`struct nfgenmsg`: family `AF_INET`, version 0, resource 0).
fn request(cmd: u16, flags: u16, seq: u32, attributes: &[u8]) -> Vec<u8> {
    // nfgenmsg: family, version, resource id; then the attributes.
    let mut body = vec![libc::AF_INET as u8, 0, 0, 0];
    body.extend_from_slice(attributes);
    message(
        (NFNL_SUBSYS_IPSET << 8) | cmd,
        NLM_F_REQUEST | flags,
        seq,
        &body,
    )
}

/// The dump of every set's header (no members).
pub fn list_headers(seq: u32) -> Vec<u8> {
    let mut a = Vec::new();
    attr(&mut a, IPSET_ATTR_PROTOCOL, &[IPSET_PROTOCOL]);
    attr(
        &mut a,
        IPSET_ATTR_FLAGS,
        &IPSET_FLAG_LIST_HEADER.to_be_bytes(),
    );
    request(IPSET_CMD_LIST, NLM_F_DUMP, seq, &a)
}

/// The flush of every set (no set named), acknowledged.
pub fn flush_all(seq: u32) -> Vec<u8> {
    let mut a = Vec::new();
    attr(&mut a, IPSET_ATTR_PROTOCOL, &[IPSET_PROTOCOL]);
    request(IPSET_CMD_FLUSH, NLM_F_ACK, seq, &a)
}

/// What one receive of a reply to request `seq` told.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Part {
    /// The elements of the sets whose header came, summed.
    pub elements: u64,
    /// The reply ended: `Some(0)` done (or acknowledged), `Some(-errno)`
    /// refused; `None`, more is to come.
    pub ended: Option<i32>,
}

/// Read the messages of one receive `b`, those of request `seq` only (one
/// an earlier look gave up on may still be coming).
pub fn part(b: &[u8], seq: u32) -> Part {
    let elements = messages(b)
        .filter(|m| m.seq == seq && m.ty == (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_LIST)
        .map(|m| elements(m.body.get(4..).unwrap_or_default()))
        .sum();
    Part {
        elements,
        ended: part_of(b, seq).1,
    }
}

/// The messages of one receive `b` answering request `seq` (but its end),
/// counted, and its end when it came: `Some(0)` done or acknowledged,
/// `Some(-errno)` refused (a dump of any netfilter subsystem).
pub fn part_of(b: &[u8], seq: u32) -> (u64, Option<i32>) {
    let (mut n, mut ended) = (0, None);
    for Message { ty, body, .. } in messages(b).filter(|m| m.seq == seq) {
        match ty {
            NLMSG_DONE | NLMSG_ERROR => {
                ended = Some(body.get(..4).map_or(-libc::EPROTO, |e| {
                    i32::from_ne_bytes(e.try_into().expect("4 bytes"))
                }));
            }
            _ => n += 1,
        }
    }
    (n, ended)
}

/// Send request `b` (of sequence `seq`) on a netfilter socket `fd` and
/// read its reply to the end, summing what `count` finds in each receive.
/// `Err` when the kernel refused it or the reply did not come whole.
pub fn ask_counting(
    fd: &OwnedFd,
    b: &[u8],
    seq: u32,
    buf: &mut [u8],
    count: impl Fn(&[u8]) -> u64,
) -> io::Result<u64> {
    let (mut n, mut ended) = (0, None);
    super::sockets::ask(fd, b, buf, |r| {
        n += count(r);
        ended = part_of(r, seq).1;
        ended.is_some()
    })?;
    match ended {
        Some(0) => Ok(n),
        Some(e) => Err(io::Error::from_raw_os_error(-e)),
        None => Err(io::Error::other("the reply did not end")),
    }
}

/// The element count a set's header (its attributes) tells; 0 if none.
fn elements(header: &[u8]) -> u64 {
    let count = |data: &[u8]| {
        attrs(data)
            .into_iter()
            .find(|(t, v)| *t == IPSET_ATTR_ELEMENTS && v.len() == 4)
            .map(|(_, v)| u32::from_be_bytes(v.try_into().expect("4 bytes")))
    };
    attrs(header)
        .into_iter()
        .filter(|(t, _)| *t == IPSET_ATTR_DATA)
        .find_map(|(_, data)| count(data))
        .map_or(0, u64::from)
}

/// What a look at a node's sets found.
#[derive(Debug, PartialEq, Eq)]
pub enum Looked {
    Fine,
    /// Past the bound: this many elements flushed.
    Flushed(u64),
    /// Past the bound again: the node must be stopped, why.
    Stop(String),
}

/// How often a node that has a set is looked at.
pub const FAST: std::time::Duration = std::time::Duration::from_millis(100);

/// Flushes after which a node past the bound again is stopped.
pub const FLUSHES_BEFORE_STOP: u32 = 1;

/// A node's ipset, through a socket of the node's namespace.
pub struct Ipset {
    fd: OwnedFd,
    seq: u32,
    /// When the node was last looked at, if it had a set then.
    had_sets: Option<std::time::Instant>,
    /// Its sets were flushed this many times.
    pub flushes: u32,
}

impl Ipset {
    /// A `NETLINK_NETFILTER` socket of the calling thread's namespace
    /// (`Err` on a kernel without it: then there is no ipset to bound).
    pub fn open() -> io::Result<Ipset> {
        let fd = super::sockets::netlink(NETLINK_NETFILTER, 0)?;
        Ok(Ipset {
            fd,
            seq: 0,
            had_sets: None,
            flushes: 0,
        })
    }

    /// When the node is next to be looked at between sweeps: [`FAST`]
    /// after a look that found a set (none found: at the sweep).
    pub fn due(&self) -> Option<std::time::Instant> {
        self.had_sets.map(|t| t + FAST)
    }

    /// Send request `b` and read its reply to the end: the elements it
    /// told of. `Err` when the kernel refused it or the reply
    /// did not come whole.
    fn ask(&mut self, b: &[u8], seq: u32, buf: &mut [u8]) -> io::Result<u64> {
        ask_counting(&self.fd, b, seq, buf, |r| part(r, seq).elements)
    }

    fn next_seq(&mut self) -> u32 {
        super::sockets::next_seq(&mut self.seq)
    }

    /// The sweep's look: the node's elements, summed over its sets; when
    /// they pass `bound`, every set is flushed and the count returned.
    fn bound(&mut self, bound: u64, buf: &mut [u8]) -> io::Result<Option<u64>> {
        let seq = self.next_seq();
        let sets = std::cell::Cell::new(0u64);
        let listed = ask_counting(&self.fd, &list_headers(seq), seq, buf, |r| {
            sets.set(sets.get() + part_of(r, seq).0);
            part(r, seq).elements
        })?;
        self.had_sets = (sets.get() > 0).then(std::time::Instant::now);
        if listed <= bound {
            return Ok(None);
        }
        if self.flushes >= FLUSHES_BEFORE_STOP {
            return Ok(Some(listed));
        }
        let seq = self.next_seq();
        super::cleanup_cpu(|| self.ask(&flush_all(seq), seq, buf))?;
        self.flushes += 1;
        Ok(Some(listed))
    }

    /// The look at the sweep or when [`Ipset::due`]: past `bound`, the
    /// sets are flushed ([`Looked::Flushed`]) or, after
    /// [`FLUSHES_BEFORE_STOP`] flushes, left for the node's stop
    /// ([`Looked::Stop`], why).
    pub fn look(&mut self, bound: u64, buf: &mut [u8]) -> io::Result<Looked> {
        let flushed_before = self.flushes;
        Ok(match self.bound(bound, buf)? {
            None => Looked::Fine,
            Some(listed) if flushed_before >= FLUSHES_BEFORE_STOP => Looked::Stop(format!(
                "its ipset sets held {listed} elements, past the bound of {bound}, after they \
                 were flushed once (each element is kept outside the node's limit, and a flush \
                 costs the guard's time): only removing its namespace frees them"
            )),
            Some(listed) => Looked::Flushed(listed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message the kernel would send: header, then `body`.
    fn message(ty: u16, seq: u32, body: &[u8]) -> Vec<u8> {
        // NLM_F_MULTI, padded to 4 bytes as a receive holds it.
        let mut b = super::message(ty, 2, seq, body);
        b.resize(b.len().next_multiple_of(4), 0);
        b
    }

    /// A set's header as this kernel lists one (Linux 6.18: `hash:ip`,
    /// with `n` elements; the numbers are `ip_set.h`'s).
    fn header(seq: u32, name: &str, n: u32) -> Vec<u8> {
        let mut body = vec![libc::AF_INET as u8, 0, 0, 0];
        attr(&mut body, 1, &[7]); // protocol
        attr(&mut body, 2, format!("{name}\0").as_bytes());
        attr(&mut body, 3, b"hash:ip\0");
        attr(&mut body, 5, &[2]);
        attr(&mut body, 4, &[6]);
        attr(&mut body, 11, &0u16.to_be_bytes());
        let mut data = Vec::new();
        attr(&mut data, 18, &1024u32.to_be_bytes()); // hashsize
        attr(&mut data, 19, &100_000u32.to_be_bytes()); // maxelem
        attr(&mut data, 25, &0u32.to_be_bytes()); // references
        attr(&mut data, 26, &336u32.to_be_bytes()); // memsize
        attr(&mut data, 24, &n.to_be_bytes()); // elements
        attr(&mut body, 7 | 0x8000, &data); // data, nested
        message(0x607, seq, &body)
    }

    #[test]
    fn the_list_asks_for_headers_only_and_the_flush_names_no_set() {
        let l = list_headers(5);
        assert_eq!(
            u32::from_ne_bytes(l[..4].try_into().unwrap()) as usize,
            l.len()
        );
        assert_eq!(u16::from_ne_bytes([l[4], l[5]]), 0x607);
        assert_eq!(u16::from_ne_bytes([l[6], l[7]]), 0x301);
        assert_eq!(u32::from_ne_bytes(l[8..12].try_into().unwrap()), 5);
        let a = attrs(&l[20..]);
        assert_eq!(a, vec![(1, &[7u8][..]), (6, &[0u8, 0, 0, 4][..])]);

        let f = flush_all(6);
        assert_eq!(u16::from_ne_bytes([f[4], f[5]]), 0x604);
        assert_eq!(u16::from_ne_bytes([f[6], f[7]]), NLM_F_REQUEST | NLM_F_ACK);
        assert_eq!(attrs(&f[20..]), vec![(1, &[7u8][..])]);
    }

    #[test]
    fn headers_are_summed_until_the_dump_of_this_look_ends() {
        let mut b = header(3, "a", 1500);
        b.extend(header(3, "b", 700));
        // Of a look given up on: not counted.
        b.extend(header(2, "a", 9999));
        assert_eq!(
            part(&b, 3),
            Part {
                elements: 2200,
                ended: None
            }
        );
        b.extend(message(NLMSG_DONE, 3, &0i32.to_ne_bytes()));
        assert_eq!(part(&b, 3).ended, Some(0));
        // A refusal ends it too, with its error.
        let refused = message(NLMSG_ERROR, 4, &(-libc::EBUSY).to_ne_bytes());
        assert_eq!(part(&refused, 4).ended, Some(-libc::EBUSY));
        // A truncated header counts none.
        let mut cut = header(3, "c", 5);
        cut.truncate(cut.len() - 8);
        let len = cut.len() as u32;
        cut[..4].copy_from_slice(&len.to_ne_bytes());
        assert_eq!(part(&cut, 3).elements, 0);
    }
}
