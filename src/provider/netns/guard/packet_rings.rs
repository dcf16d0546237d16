//! The rings of a node's packet sockets (`PACKET_RX_RING`,
//! `PACKET_TX_RING`): summed at every sweep, and past the bound the
//! processes that hold the biggest are killed, as the kernel's OOM killer
//! would kill a process past its memory limit. The second line: the first
//! refuses a request past the node's budget before the kernel makes the
//! ring ([`super::ring_requests`]).
//!
//! Why: root in a node keeps `CAP_NET_RAW` (tcpdump and ping need it), and
//! a packet socket's rings are pages the kernel charges to no one: probe21n
//! took 3.4 GB of the host's memory with six sockets while the node's
//! memory use stayed at 7.8 MB. A ring goes only with the last descriptor
//! of its socket. Every ring a node's process asks for is checked before
//! it is made; this sweep bounds what no checked request made (a ring of a
//! session an older `lab` started, of a process outside the filter), and
//! its list is what a request is counted against.
//!
//! How: a `NETLINK_SOCK_DIAG` socket opened inside the node lists its packet
//! sockets with their rings' sizes; past
//! [`table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS`] the sockets are taken
//! biggest first until the rest fit, and every process of the node holding
//! one of them (found by the socket's inode among its descriptors) is
//! killed.

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, attrs, message, messages,
};
#[cfg(doc)]
use super::super::table_bounds;
use super::sockets;
use std::io;
use std::os::fd::OwnedFd;

pub(super) const NETLINK_SOCK_DIAG: libc::c_int = 4;
/// `SOCK_DIAG_BY_FAMILY`: the one message of every sock_diag dump (its
/// lists of listeners and orphans too).
pub(super) const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `PACKET_SHOW_RING_CFG`: the rings' sizes with each socket.
const SHOW_RINGS: u32 = 0x4;
const PACKET_DIAG_RX_RING: u16 = 2;
const PACKET_DIAG_TX_RING: u16 = 3;

/// A node's `NETLINK_SOCK_DIAG` socket: its packet sockets with their
/// rings ([`SockDiag::list`]), its TCP listeners with their queues
/// ([`SockDiag::listeners`], [`super::accept_queues`]), and its orphaned
/// TCP connections ([`SockDiag::orphans`], [`super::orphans`]).
pub struct SockDiag {
    fd: OwnedFd,
    seq: u32,
}

/// The request for every packet socket with its rings.
fn request(seq: u32) -> Vec<u8> {
    // packet_diag_req: family, protocol, pad, inode, what to show, cookie.
    let mut body = vec![libc::AF_PACKET as u8, 0, 0, 0];
    body.extend_from_slice(&0u32.to_ne_bytes());
    body.extend_from_slice(&SHOW_RINGS.to_ne_bytes());
    body.extend_from_slice(&[0; 8]);
    message(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, &body)
}

/// The bytes of one `packet_diag_ring` (block size × blocks).
fn ring_bytes(ring: &[u8]) -> u64 {
    let word = |i: usize| {
        ring.get(i * 4..i * 4 + 4).map_or(0, |b| {
            u32::from_ne_bytes(b.try_into().expect("4 bytes")) as u64
        })
    };
    word(0) * word(1)
}

/// Sockets of one receive of the dump, `(inode, ring bytes)`, and whether
/// the dump ended.
fn read(b: &[u8], seq: u32, out: &mut Vec<(u32, u64)>) -> bool {
    for m in messages(b).filter(|m| m.seq == seq) {
        match m.ty {
            NLMSG_DONE | NLMSG_ERROR => return true,
            SOCK_DIAG_BY_FAMILY if m.body.len() >= 16 => {
                let inode = u32::from_ne_bytes(m.body[4..8].try_into().expect("4 bytes"));
                let bytes: u64 = attrs(&m.body[16..])
                    .into_iter()
                    .filter(|(ty, _)| *ty == PACKET_DIAG_RX_RING || *ty == PACKET_DIAG_TX_RING)
                    .map(|(_, ring)| ring_bytes(ring))
                    .sum();
                if bytes > 0 {
                    out.push((inode, bytes));
                }
            }
            _ => {}
        }
    }
    false
}

impl SockDiag {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> io::Result<SockDiag> {
        let fd = sockets::netlink(NETLINK_SOCK_DIAG, 0)?;
        Ok(SockDiag { fd, seq: 0 })
    }

    /// The node's packet sockets that have rings: `(inode, bytes)`.
    pub fn list(&mut self, buf: &mut [u8]) -> io::Result<Vec<(u32, u64)>> {
        let (seq, mut out) = (sockets::next_seq(&mut self.seq), Vec::new());
        sockets::ask(&self.fd, &request(seq), buf, |b| read(b, seq, &mut out))?;
        Ok(out)
    }

    /// The node's TCP listeners that hold connections, asked on the same
    /// socket ([`super::accept_queues`]): `(inode, queued)`.
    pub fn listeners(&mut self, buf: &mut [u8]) -> io::Result<Vec<(u32, u64)>> {
        super::accept_queues::list(&self.fd, &mut self.seq, buf)
    }

    /// The node's orphaned TCP connections ([`super::orphans`]).
    pub fn orphans(&mut self, buf: &mut [u8]) -> io::Result<Vec<super::orphans::Orphan>> {
        super::orphans::list(&self.fd, &mut self.seq, buf)
    }

    /// Reset `orphans`: how many the kernel refused.
    pub fn destroy(
        &mut self,
        orphans: &[super::orphans::Orphan],
        buf: &mut [u8],
    ) -> io::Result<u64> {
        super::orphans::destroy(&self.fd, orphans, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dumped packet socket of `inode` with an RX ring of `blocks` blocks
    /// of `size` bytes.
    fn socket(inode: u32, size: u32, blocks: u32, seq: u32) -> Vec<u8> {
        let mut body = vec![17u8, 3, 0, 3];
        body.extend_from_slice(&inode.to_ne_bytes());
        body.extend_from_slice(&[0; 8]);
        body.extend_from_slice(&32u16.to_ne_bytes());
        body.extend_from_slice(&PACKET_DIAG_RX_RING.to_ne_bytes());
        for w in [size, blocks, 2048, 0, 0, 0, 0] {
            body.extend_from_slice(&w.to_ne_bytes());
        }
        message(SOCK_DIAG_BY_FAMILY, 2, seq, &body)
    }

    #[test]
    fn a_sockets_rings_are_summed_from_the_dump() {
        let mut b = socket(7, 4 << 20, 64, 5);
        b.extend(socket(8, 1 << 20, 2, 4));
        let mut out = Vec::new();
        assert!(!read(&b, 5, &mut out));
        assert_eq!(out, [(7, 256 << 20)]);
        assert_eq!(request(5).len(), 36);
    }
}
