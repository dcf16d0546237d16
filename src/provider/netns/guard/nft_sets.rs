//! The room a node's nf_tables sets declare (`size`), all families, summed
//! every few sweeps with its rules (see [`super::rules`]); a node past the
//! bound is stopped.
//!
//! Why: a rule may add to a set from the packet path (`update @s { ip
//! daddr . udp dport }`, `add @s …`, a `meter`), and such an element comes
//! from memory charged to no one, kept with no process until the set or the
//! namespace goes (probe21u: a set of `size 4000000` grew by a million
//! elements from one process's datagrams in 15 s, 61 MB of the host's, the
//! node's own use up 0.14 MB). The kernel bounds a set by its declared
//! size alone, which the node chooses (up to 2^32), and gives a set a rule
//! adds to without one the size of 65,535. Any set can be such a set (the
//! `dynamic` flag is not asked for), so every set's size counts; a set
//! without one holds only what a request adds, charged to its node.
//!
//! How: the node's `NETLINK_NETFILTER` socket (the one of
//! [`super::nf_objects`]) dumps the sets of every family
//! (`NFT_MSG_GETSET`), and each one's largest `NFTA_SET_DESC_SIZE` seen
//! while it lives is summed: a set's size may be lowered under the elements
//! it holds, which stay (probe21x). The
//! bound counts declarations, not elements: no answer the kernel gives
//! tells a set's element count short of dumping every element.

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, attr, attrs, attrs_of, message, messages,
};
use super::ipset::ask_counting;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;

/// `NFNL_SUBSYS_NFTABLES`, `NFT_MSG_GETSET`; each set comes as an
/// `NFT_MSG_NEWSET`.
const GET_SETS: u16 = (10 << 8) | 10;
const NEW_SET: u16 = (10 << 8) | 9;
/// `NFTA_SET_TABLE`, `NFTA_SET_HANDLE` (u64, network order),
/// `NFTA_SET_DESC` (nested), and inside it `NFTA_SET_DESC_SIZE` (u32,
/// network order).
const NFTA_SET_TABLE: u16 = 1;
const NFTA_SET_NAME: u16 = 2;
const NFTA_SET_HANDLE: u16 = 16;
/// `NFT_MSG_GETSETELEM`, answered with `NFT_MSG_NEWSETELEM`s: the table,
/// the set, and a list of elements (`NFTA_LIST_ELEM` each).
const GET_ELEMENTS: u16 = (10 << 8) | 13;
const NEW_ELEMENTS: u16 = (10 << 8) | 12;
const NFTA_SET_ELEM_LIST_TABLE: u16 = 1;
const NFTA_SET_ELEM_LIST_SET: u16 = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS: u16 = 3;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_SET_DESC: u16 = 9;
const NFTA_SET_DESC_SIZE: u16 = 1;

/// The dump of every family's sets (`struct nfgenmsg`: `NFPROTO_UNSPEC`,
/// version 0, resource 0).
fn dump(seq: u32) -> Vec<u8> {
    message(GET_SETS, NLM_F_REQUEST | NLM_F_DUMP, seq, &[0, 0, 0, 0])
}

/// A set: its family, table and handle (a table's handles are never
/// reused while it lives).
pub type SetKey = (u8, Vec<u8>, u64);

/// One set the dump told of: its key, its name, the size it declares (0:
/// none).
struct Set {
    key: SetKey,
    name: Vec<u8>,
    size: u64,
}

/// The sets one receive `b` tells of (answers to request `seq` only).
fn sets(b: &[u8], seq: u32) -> Vec<Set> {
    messages(b)
        .filter(|m| m.seq == seq && m.ty == NEW_SET)
        .filter_map(|m| set_of(m.body))
        .collect()
}

/// `NFT_MSG_DELSET`: a set gone, as its events tell.
const DEL_SET: u16 = (10 << 8) | 11;
/// `NFT_MSG_NEWRULE`, `NFT_MSG_NEWSETELEM`.
const NEW_RULE: u16 = (10 << 8) | 6;
const NEW_SETELEM: u16 = (10 << 8) | 12;
/// The most receives of events at one call of [`hear`] (the rest wait for
/// the next: `poll` says so).
const RECEIVES: usize = 1024;

/// What [`hear`] found on the events socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// Every event that waited was read.
    All,
    /// More wait than one call reads.
    More,
    /// Events were lost (the socket overflowed: `ENOBUFS`) or cannot be
    /// read: what was missed is learnt only by a look, which cannot see a
    /// size a set declared and lowered in between.
    Lost,
}

/// Hear the node's nf_tables events on `events` (joined to
/// `NFNLGRP_NFTABLES`), as they come (the socket is in the guard's `poll`
/// list): each set made or changed raises its largest size in `most`, each
/// set gone leaves it. A look every fifth sweep sees a set's size only then,
/// and a set filled by packets and lowered in between held its elements
/// unseen once they expired (probe21ac: `timeout 300ms`, `gc-interval 24h`,
/// 2.6 M elements); an event tells of every size a set ever declares. Heard
/// only at the sweep, on a socket of the default buffer, a flood of other
/// events (tables made and removed) lost the sets' own (probe21ad: 910,000
/// elements held).
///
/// A rule, set or element the lab never makes (see
/// [`super::rules::refused_message`]: connlimit, `fwd`, `dup`, a TTL
/// rewritten) sets `refused`,
/// as it comes: a look every fifth sweep left it seconds (probe21af: 139 MB
/// in 0.75 s).
pub fn hear(
    events: &OwnedFd,
    buf: &mut [u8],
    most: &mut HashMap<SetKey, u64>,
    refused: &mut Option<&'static str>,
) -> Heard {
    use super::sockets::{Received, receive};
    use std::os::fd::AsRawFd;
    for _ in 0..RECEIVES {
        match receive(events.as_raw_fd(), buf) {
            Ok(Received::Bytes(n)) if n > 0 => {
                for m in messages(&buf[..n]) {
                    if matches!(m.ty, NEW_RULE | NEW_SET | NEW_SETELEM) && refused.is_none() {
                        *refused = super::rules::refused_message(m.ty, m.body);
                    }
                    let Some(s) = set_of(m.body) else { continue };
                    match m.ty {
                        NEW_SET => {
                            let size = most.entry(s.key).or_insert(0);
                            *size = (*size).max(s.size);
                        }
                        DEL_SET => {
                            most.remove(&s.key);
                        }
                        _ => {}
                    }
                }
            }
            Ok(Received::Nothing) => return Heard::All,
            _ => return Heard::Lost,
        }
    }
    Heard::More
}

/// The set a set message's `body` tells of.
fn set_of(body: &[u8]) -> Option<Set> {
    let family = *body.first()?;
    let a = attrs(body.get(4..)?);
    let of = |ty: u16| a.iter().find(|(t, _)| *t == ty).map(|(_, v)| *v);
    let handle = u64::from_be_bytes(of(NFTA_SET_HANDLE)?.try_into().ok()?);
    let size = of(NFTA_SET_DESC)
        .into_iter()
        .flat_map(|d| attrs_of(d, NFTA_SET_DESC_SIZE))
        .find_map(|v| Some(u64::from(u32::from_be_bytes(v.try_into().ok()?))))
        .unwrap_or(0);
    Some(Set {
        key: (family, of(NFTA_SET_TABLE)?.to_vec(), handle),
        name: of(NFTA_SET_NAME)?.to_vec(),
        size,
    })
}

/// The dump of the elements of set `name` of `table` (names as the set
/// dump gave them, NUL and all) of `family`.
fn elements_dump(family: u8, table: &[u8], name: &[u8], seq: u32) -> Vec<u8> {
    let mut body = vec![family, 0, 0, 0];
    attr(&mut body, NFTA_SET_ELEM_LIST_TABLE, table);
    attr(&mut body, NFTA_SET_ELEM_LIST_SET, name);
    message(GET_ELEMENTS, NLM_F_REQUEST | NLM_F_DUMP, seq, &body)
}

/// The elements one receive `b` tells of (answers to request `seq` only).
fn elements_in(b: &[u8], seq: u32) -> u64 {
    messages(b)
        .filter(|m| m.seq == seq && m.ty == NEW_ELEMENTS)
        .flat_map(|m| {
            attrs_of(
                m.body.get(4..).unwrap_or_default(),
                NFTA_SET_ELEM_LIST_ELEMENTS,
            )
        })
        .map(|list| attrs_of(list, NFTA_LIST_ELEM).count() as u64)
        .sum()
}

/// What a look at a node's sets found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sets {
    /// The room they declare, each set's largest size seen.
    pub declared: u64,
    /// Their elements, counted up to one past the bound (`None`: past it,
    /// the count given up on, the socket's dump left unread).
    pub elements: Option<u64>,
}

/// The node's sets, asked on its netfilter socket `fd` (sequence numbers
/// from `seq`, advanced): their room (each set's largest size seen while it
/// lives, `most` remembering it) and their elements, counted up to one past
/// `bound`. A set's size may be lowered under the elements it holds, which
/// stay (probe21x: four sets filled to 65,000 and set to size 1, ten times
/// over, held 2.6 million elements), so both count.
pub fn look(
    fd: &OwnedFd,
    seq: &mut u32,
    buf: &mut [u8],
    most: &mut HashMap<SetKey, u64>,
    bound: u64,
) -> io::Result<Sets> {
    let asked = super::sockets::next_seq(seq);
    let found = RefCell::new(Vec::new());
    ask_counting(fd, &dump(asked), asked, buf, |r| {
        found.borrow_mut().extend(sets(r, asked));
        0
    })?;
    let found = found.into_inner();
    let declared = largest(
        most,
        found.iter().map(|s| (s.key.clone(), s.size)).collect(),
    );
    let mut counted = 0u64;
    for s in &found {
        let asked = super::sockets::next_seq(seq);
        let mut past = false;
        let mut ended = None;
        super::sockets::ask(
            fd,
            &elements_dump(s.key.0, &s.key.1, &s.name, asked),
            buf,
            |r| {
                counted += elements_in(r, asked);
                ended = super::ipset::part_of(r, asked).1;
                past = counted > bound;
                past || ended.is_some()
            },
        )?;
        if past {
            return Ok(Sets {
                declared,
                elements: None,
            });
        }
    }
    Ok(Sets {
        declared,
        elements: Some(counted),
    })
}

/// The sum of each of `sets`' largest size, `most` remembering it (and
/// forgetting the sets gone).
fn largest(most: &mut HashMap<SetKey, u64>, sets: Vec<(SetKey, u64)>) -> u64 {
    let mut now = HashMap::with_capacity(sets.len());
    for (key, size) in sets {
        let m = most.get(&key).copied().unwrap_or(0).max(size);
        now.insert(key, m);
    }
    *most = now;
    most.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    /// One set's answer: nfgenmsg, its table, name and handle, and the
    /// description `desc` when given.
    fn set(seq: u32, handle: u64, desc: Option<&[u8]>) -> Vec<u8> {
        let mut body = vec![2, 0, 0, 0];
        attr(&mut body, NFTA_SET_TABLE, b"t\0");
        attr(&mut body, 2, b"s\0");
        attr(&mut body, NFTA_SET_HANDLE, &handle.to_be_bytes());
        if let Some(d) = desc {
            attr(&mut body, NFTA_SET_DESC | 0x8000, d);
        }
        message(NEW_SET, 2, seq, &body)
    }

    fn size(n: u32) -> Vec<u8> {
        let mut d = Vec::new();
        attr(&mut d, NFTA_SET_DESC_SIZE, &n.to_be_bytes());
        d
    }

    fn sizes(b: &[u8], seq: u32) -> Vec<u64> {
        sets(b, seq).into_iter().map(|s| s.size).collect()
    }

    #[test]
    fn the_sizes_of_the_sets_answering_the_request_are_read() {
        let mut b = set(7, 1, Some(&size(65_535)));
        b.extend(set(7, 2, Some(&size(4_000_000))));
        // No size, a description without one, another request's set.
        b.extend(set(7, 3, None));
        b.extend(set(7, 4, Some(&[])));
        b.extend(set(6, 5, Some(&size(9))));
        let mut asked = dump(7);
        asked.extend_from_slice(&[0; 4]);
        b.extend(asked);
        assert_eq!(sizes(&b, 7), [65_535, 4_000_000, 0, 0]);
        let d = dump(3);
        assert_eq!(u16::from_ne_bytes([d[4], d[5]]), 0x0a0a);
        assert_eq!(&d[16..], &[0, 0, 0, 0]);
    }

    /// probe21x: a set filled, then its size lowered, keeps its elements;
    /// its largest size counts while it lives.
    #[test]
    fn a_sets_largest_size_counts_until_it_goes() {
        let mut most = HashMap::new();
        let key = |h: u64| (2u8, b"t\0".to_vec(), h);
        assert_eq!(
            largest(&mut most, vec![(key(1), 65_000), (key(2), 10)]),
            65_010
        );
        assert_eq!(largest(&mut most, vec![(key(1), 1), (key(2), 10)]), 65_010);
        assert_eq!(largest(&mut most, vec![(key(1), 1), (key(3), 5)]), 65_005);
        assert_eq!(largest(&mut most, vec![(key(3), 5)]), 5);
    }

    #[test]
    fn a_sets_elements_are_asked_by_name_and_counted() {
        let d = elements_dump(1, b"t\0", b"s\0", 4);
        assert_eq!(u16::from_ne_bytes([d[4], d[5]]), 0x0a0d);
        assert_eq!(d[16], 1);
        let mut list = Vec::new();
        for _ in 0..3 {
            attr(&mut list, NFTA_LIST_ELEM | 0x8000, &[]);
        }
        let mut body = vec![1, 0, 0, 0];
        attr(&mut body, NFTA_SET_ELEM_LIST_TABLE, b"t\0");
        attr(&mut body, NFTA_SET_ELEM_LIST_ELEMENTS | 0x8000, &list);
        let mut b = message(NEW_ELEMENTS, 2, 4, &body);
        b.extend(message(NEW_ELEMENTS, 2, 4, &body));
        b.extend(message(NEW_ELEMENTS, 2, 5, &body));
        assert_eq!(elements_in(&b, 4), 6);
    }
}
