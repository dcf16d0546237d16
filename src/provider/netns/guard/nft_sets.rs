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
//! (`NFT_MSG_GETSET`) and each one's `NFTA_SET_DESC_SIZE` is summed. The
//! bound counts declarations, not elements: no answer the kernel gives
//! tells a set's element count short of dumping every element.

use super::super::netlink::msg::{NLM_F_DUMP, NLM_F_REQUEST, attrs, attrs_of, message, messages};
use super::ipset::ask_counting;
use std::io;
use std::os::fd::OwnedFd;

/// `NFNL_SUBSYS_NFTABLES`, `NFT_MSG_GETSET`; each set comes as an
/// `NFT_MSG_NEWSET`.
const GET_SETS: u16 = (10 << 8) | 10;
const NEW_SET: u16 = (10 << 8) | 9;
/// `NFTA_SET_DESC` (nested), and inside it `NFTA_SET_DESC_SIZE` (u32,
/// network order).
const NFTA_SET_DESC: u16 = 9;
const NFTA_SET_DESC_SIZE: u16 = 1;

/// The dump of every family's sets (`struct nfgenmsg`: `NFPROTO_UNSPEC`,
/// version 0, resource 0).
fn dump(seq: u32) -> Vec<u8> {
    message(GET_SETS, NLM_F_REQUEST | NLM_F_DUMP, seq, &[0, 0, 0, 0])
}

/// The sizes declared by the sets one receive `b` tells of (answers to
/// request `seq` only), summed.
fn declared(b: &[u8], seq: u32) -> u64 {
    messages(b)
        .filter(|m| m.seq == seq && m.ty == NEW_SET)
        .flat_map(|m| attrs_of(m.body.get(4..).unwrap_or_default(), NFTA_SET_DESC))
        .flat_map(attrs)
        .filter(|(t, v)| *t == NFTA_SET_DESC_SIZE && v.len() == 4)
        .map(|(_, v)| u64::from(u32::from_be_bytes(v.try_into().expect("4 bytes"))))
        .sum()
}

/// The room the node's sets declare, summed, asked on its netfilter socket
/// `fd`.
pub fn declared_room(fd: &OwnedFd, seq: u32, buf: &mut [u8]) -> io::Result<u64> {
    ask_counting(fd, &dump(seq), seq, buf, |r| declared(r, seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    /// One set's answer: nfgenmsg, its table and name, and the
    /// description `desc` when given.
    fn set(seq: u32, desc: Option<&[u8]>) -> Vec<u8> {
        let mut body = vec![2, 0, 0, 0];
        attr(&mut body, 1, b"t\0");
        attr(&mut body, 2, b"s\0");
        if let Some(d) = desc {
            attr(&mut body, NFTA_SET_DESC | 0x8000, d);
        }
        message(NEW_SET, 2, seq, &body)
    }

    #[test]
    fn the_sizes_of_the_sets_answering_the_request_are_summed() {
        let size = |n: u32| {
            let mut d = Vec::new();
            attr(&mut d, NFTA_SET_DESC_SIZE, &n.to_be_bytes());
            d
        };
        let mut b = set(7, Some(&size(65_535)));
        b.extend(set(7, Some(&size(4_000_000))));
        // No size, a description without one, another request's set.
        b.extend(set(7, None));
        b.extend(set(7, Some(&[])));
        b.extend(set(6, Some(&size(9))));
        let mut asked = dump(7);
        asked.extend_from_slice(&[0; 4]);
        b.extend(asked);
        assert_eq!(declared(&b, 7), 4_065_535);
        let d = dump(3);
        assert_eq!(u16::from_ne_bytes([d[4], d[5]]), 0x0a0a);
        assert_eq!(&d[16..], &[0, 0, 0, 0]);
    }
}
