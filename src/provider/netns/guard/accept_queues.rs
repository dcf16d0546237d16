//! The connections a node's TCP listeners hold, accepted by the kernel and
//! not yet by the listener: summed at every sweep, and past the bound the
//! processes holding the fullest listeners are killed, which frees them.
//!
//! Why: the kernel makes a whole socket for each connection it completes
//! for a listener, in its own context, and charges it to no one until the
//! listener accepts it: probe21r's node1 held 163,880 of them (388 MB of
//! the host's memory, the node's use 6.5 MB) with 40 listeners at the
//! default backlog, in 6.3 s. The backlog bounds one listener, not how many
//! a node opens.
//!
//! How: the node's `NETLINK_SOCK_DIAG` socket ([`SockDiag`], which lists
//! its packet rings too) is opened inside the node; asked for TCP sockets
//! in `LISTEN` (IPv4, then IPv6), it gives each listener's accept queue
//! (`idiag_rqueue`) and inode.

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, message, messages,
};
use super::super::table_bounds;
use super::packet_rings::{SOCK_DIAG_BY_FAMILY, SockDiag};
use super::sockets;
use std::io;
use std::os::fd::OwnedFd;

/// `1 << TCP_LISTEN`.
const LISTENING: u32 = 1 << 10;

/// The request for every TCP listener of `family`.
fn request(family: u8, seq: u32) -> Vec<u8> {
    // inet_diag_req_v2: family, protocol, extensions, pad, states, then
    // the socket id (48 bytes: any).
    let mut body = vec![family, libc::IPPROTO_TCP as u8, 0, 0];
    body.extend_from_slice(&LISTENING.to_ne_bytes());
    body.extend_from_slice(&[0; 48]);
    message(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, &body)
}

/// Listeners of one receive of the dump, `(inode, connections queued)`,
/// and whether the dump ended.
fn read(b: &[u8], seq: u32, out: &mut Vec<(u32, u64)>) -> bool {
    let word =
        |body: &[u8], at: usize| u32::from_ne_bytes(body[at..at + 4].try_into().expect("4 bytes"));
    for m in messages(b).filter(|m| m.seq == seq) {
        match m.ty {
            NLMSG_DONE | NLMSG_ERROR => return true,
            // inet_diag_msg: the queue at byte 56, the inode at 68.
            SOCK_DIAG_BY_FAMILY if m.body.len() >= 72 => {
                let queued = word(m.body, 56) as u64;
                if queued > 0 {
                    out.push((word(m.body, 68), queued));
                }
            }
            _ => {}
        }
    }
    false
}

/// The node's TCP listeners that hold connections: `(inode, queued)`.
pub fn list(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8]) -> io::Result<Vec<(u32, u64)>> {
    let mut out = Vec::new();
    sockets::ask_inet(fd, seq, buf, request, |b, asked| read(b, asked, &mut out))?;
    Ok(out)
}

/// What the node's listeners hold in all, and the listeners to take (their
/// inodes, fullest first) while they queue more than
/// [`table_bounds::CONNECTIONS_A_NODE_QUEUES`]; none when they do not.
pub fn past_bound(sockets: &mut SockDiag, buf: &mut [u8]) -> Option<(u64, Vec<u32>)> {
    let queues = sockets.listeners(buf).ok()?;
    let gone = super::biggest_past(&queues, table_bounds::CONNECTIONS_A_NODE_QUEUES);
    (!gone.is_empty()).then(|| (queues.iter().map(|q| q.1).sum(), gone))
}

/// Why the node is stopped when no process of it holds those listeners.
pub fn what(total: u64) -> String {
    format!(
        "{total} connections queued on TCP listeners, past the bound of {}",
        table_bounds::CONNECTIONS_A_NODE_QUEUES
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dumped listener of `inode` with `queued` connections.
    fn listener(inode: u32, queued: u32, seq: u32) -> Vec<u8> {
        let mut body = vec![2u8, 10, 0, 0];
        body.extend_from_slice(&[0; 48]);
        for w in [0, queued, 4096, 0, inode] {
            body.extend_from_slice(&w.to_ne_bytes());
        }
        message(SOCK_DIAG_BY_FAMILY, 2, seq, &body)
    }

    #[test]
    fn a_listeners_queue_is_read_from_the_dump() {
        let mut b = listener(7, 4096, 5);
        b.extend(listener(8, 0, 5));
        b.extend(listener(9, 12, 4));
        let mut out = Vec::new();
        assert!(!read(&b, 5, &mut out));
        assert_eq!(out, [(7, 4096)]);
        assert_eq!(request(2, 5).len(), 16 + 56);
    }
}
