//! A node's (or a pod's) request for a socket that the kernel fills with
//! copies of what other sockets receive (netlink, packet, raw IP), and for
//! a bigger receive buffer on one: answered by the guard, within bounds.
//!
//! Why: a netlink event, a frame a packet socket sees, a packet a raw
//! socket matches is cloned once for each such socket; the clone's head
//! (256 bytes of `skbuff_head_cache`) is charged to no one, while the
//! socket's receive limit counts the whole packet (about 830 bytes), so an
//! unread socket keeps about a third of its buffer in the host's memory
//! (probe21v: 150 unread netlink sockets with `SO_RCVBUF` 4 MiB (8 MiB) held
//! 384 MB of the host's in 0.55 s for 0.53 MB of the node's; 20 packet
//! sockets, 59.6 MB in 0.06 s). TCP and UDP buffers are charged to the
//! node: not these.
//!
//! How: the filter hands the guard `socket(AF_NETLINK | AF_PACKET, …)`,
//! `socket(AF_INET | AF_INET6, SOCK_RAW, …)` and `setsockopt(…, SOL_SOCKET,
//! SO_RCVBUF, …)`. A socket: the guard counts those the caller's network
//! namespace holds (its `/proc/PID/net/protocols` counts every one made,
//! bound or not, but the kernel's own) and those it let through that may
//! still be under way (see [`LetThrough`]); at [`table_bounds::RECEIVING_SOCKETS_A_NAMESPACE_HOLDS`] it
//! answers `ENOBUFS`, else the kernel goes on (`SECCOMP_USER_NOTIF_FLAG_
//! CONTINUE`: the arguments are values, nothing is read twice). A buffer:
//! on such a socket the guard sets it itself, on a copy of the socket, at
//! most [`table_bounds::RECEIVE_BUFFER_BYTES`]; on any other the kernel
//! goes on. So a namespace's unread sockets keep at most about 20 MB of
//! the host's.
//!
//! `setsockopt(…, SOL_SOCKET, SO_SNDBUF, …)` too: on a netlink socket the
//! guard sets it itself, at most [`NETLINK_SEND_BUFFER_ASKED`] (the kernel
//! doubles it: the default send buffer, 212,992 bytes); on any other the
//! kernel goes on. A netlink send is one buffer of at most the socket's send
//! buffer, whose messages the kernel handles without checking for a signal:
//! probe21au's 524,288-byte sends of rules (the namespace's `wmem_max` is
//! the host's 4 MiB, read-only in a namespace: up to 8 MiB a send) kept a
//! process killed mid-call running 75 s under the memory hold at a stop.

use super::super::table_bounds;
use super::int_options::{caller_int_socket, failed, set_asked_int};
use super::ring_requests::{Answered, still_valid};
use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

/// How long a socket let through may take to show in the lists: a call
/// the kernel goes on with ends in microseconds.
pub const RECENT: Duration = Duration::from_millis(100);

/// Whether the call of `d` is one this module answers.
pub fn is_socket_request(d: &libc::seccomp_data) -> bool {
    match d.nr as libc::c_long {
        libc::SYS_socket => copies_received(d.args[0] as u32 as i32, d.args[1] as u32 as i32),
        libc::SYS_setsockopt => {
            d.args[1] as u32 as i32 == libc::SOL_SOCKET
                && matches!(d.args[2] as u32 as i32, libc::SO_RCVBUF | libc::SO_SNDBUF)
        }
        _ => false,
    }
}

/// Whether a socket of `family` and `kind` (its type, flags included)
/// receives copies of what others receive.
pub fn copies_received(family: i32, kind: i32) -> bool {
    match family {
        libc::AF_NETLINK | libc::AF_PACKET => true,
        // `SOCK_PACKET` (10): the old packet socket, an `AF_PACKET` one.
        libc::AF_INET | libc::AF_INET6 => kind & 0xf == libc::SOCK_RAW || kind & 0xf == 10,
        _ => false,
    }
}

/// The sockets let through lately, by namespace inode: when, and to which
/// thread. A thread's next request says its last one ended (the socket is
/// counted in the namespace's list by then); one of another thread's may
/// still be under way for [`RECENT`].
#[derive(Debug, Default)]
pub struct LetThrough(HashMap<u64, VecDeque<(Instant, u32)>>);

impl LetThrough {
    /// Those of `netns` still under way at `now`, as thread `tid` asks
    /// (older ones, and `tid`'s own, forgotten).
    fn under_way(&mut self, netns: u64, tid: u32, now: Instant) -> usize {
        let q = self.0.entry(netns).or_default();
        q.retain(|(t, by)| *by != tid && now.duration_since(*t) <= RECENT);
        q.len()
    }

    fn add(&mut self, netns: u64, tid: u32, now: Instant) {
        self.0.entry(netns).or_default().push_back((now, tid));
        if self.0.len() > 4096 {
            self.0.retain(|_, q| !q.is_empty());
        }
    }
}

/// What to answer to request `n` (see [`is_socket_request`]).
pub fn decide(
    listener: RawFd,
    n: &libc::seccomp_notif,
    let_through: &mut LetThrough,
) -> (Answered, i64, i32) {
    match n.data.nr as libc::c_long {
        libc::SYS_socket => socket(listener, n, let_through),
        _ => receive_buffer(listener, n),
    }
}

/// The protocols whose sockets receive copies, as `/proc/net/protocols`
/// names them.
const COPIED: [&str; 4] = ["NETLINK", "PACKET", "RAW", "RAWv6"];

/// The sockets of those protocols that `protocols` (the text of a
/// namespace's `/proc/net/protocols`: name, size, sockets in use, …)
/// counts: every one made and not closed, bound or not; the kernel's own
/// netlink sockets are not counted there.
pub fn copied_in(protocols: &str) -> usize {
    protocols
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let name = f.next()?;
            let n: usize = f.nth(1)?.parse().ok()?;
            COPIED.contains(&name).then_some(n)
        })
        .sum()
}

/// The sockets that receive copies in process `pid`'s network namespace.
pub fn held_by_namespace_of(pid: u32) -> Option<usize> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/protocols")).ok()?;
    Some(copied_in(&text))
}

fn socket(
    listener: RawFd,
    n: &libc::seccomp_notif,
    let_through: &mut LetThrough,
) -> (Answered, i64, i32) {
    let Ok(netns) = std::fs::metadata(format!("/proc/{}/ns/net", n.pid)).map(|m| m.ino()) else {
        return (Answered::Gone, -1, libc::ESRCH);
    };
    let held = held_by_namespace_of(n.pid);
    // What was read is of the caller's namespace.
    if !still_valid(listener, n.id) {
        return (Answered::Gone, -1, libc::ESRCH);
    }
    let now = Instant::now();
    let bound = table_bounds::RECEIVING_SOCKETS_A_NAMESPACE_HOLDS;
    match held {
        Some(h) if h + let_through.under_way(netns, n.pid, now) < bound => {
            let_through.add(netns, n.pid, now);
            (Answered::Continue, 0, 0)
        }
        // Unlisted: refused (fail closed).
        h => (
            Answered::SocketRefused {
                netns,
                held: h.map_or(u64::MAX, |h| h as u64),
            },
            -1,
            libc::ENOBUFS,
        ),
    }
}

/// The buffer set on a socket that receives copies, asked `asked`.
#[cfg(test)]
pub fn receive_buffer_bytes(asked: i32) -> i32 {
    asked.clamp(0, table_bounds::RECEIVE_BUFFER_BYTES)
}

/// The most `SO_SNDBUF` a netlink socket of a node is given (the kernel
/// doubles it: 212,992 bytes, the default every socket starts with, so a
/// program asking more keeps what it had).
pub const NETLINK_SEND_BUFFER_ASKED: i32 = 106_496;

/// Which buffer request `d` is (`SO_RCVBUF` or `SO_SNDBUF`), whether a
/// socket of `family` and `kind` has it set by the guard, and at most what.
fn bounded_buffer(option: i32, family: i32, kind: i32) -> Option<i32> {
    match option {
        libc::SO_SNDBUF => (family == libc::AF_NETLINK).then_some(NETLINK_SEND_BUFFER_ASKED),
        _ => copies_received(family, kind).then_some(table_bounds::RECEIVE_BUFFER_BYTES),
    }
}

fn receive_buffer(listener: RawFd, n: &libc::seccomp_notif) -> (Answered, i64, i32) {
    let sock = match caller_int_socket(listener, n) {
        Ok(sock) => sock,
        Err(answer) => return answer,
    };
    let (Some(family), Some(kind)) = (option(&sock, libc::SO_DOMAIN), option(&sock, libc::SO_TYPE))
    else {
        return failed(libc::ENOTSOCK);
    };
    let option = n.data.args[2] as u32 as i32;
    let Some(most) = bounded_buffer(option, family, kind) else {
        return (Answered::Continue, 0, 0);
    };
    let bound = |asked: i32| asked.clamp(0, most);
    set_asked_int(
        listener,
        n,
        &sock,
        (libc::SOL_SOCKET, option),
        bound,
        |bytes| bytes as u64,
    )
}

/// An int option of socket `fd` at `SOL_SOCKET`.
fn option(fd: &OwnedFd, name: i32) -> Option<i32> {
    let mut v: i32 = 0;
    let mut len = 4 as libc::socklen_t;
    // SAFETY: getsockopt into an int of ours.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            &mut v as *mut i32 as *mut libc::c_void,
            &mut len,
        )
    };
    (r == 0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_netlink_sockets_send_buffer_is_bounded() {
        let most = Some(NETLINK_SEND_BUFFER_ASKED);
        assert_eq!(
            bounded_buffer(libc::SO_SNDBUF, libc::AF_NETLINK, libc::SOCK_RAW),
            most
        );
        assert_eq!(
            bounded_buffer(libc::SO_SNDBUF, libc::AF_INET, libc::SOCK_RAW),
            None
        );
        assert_eq!(
            bounded_buffer(libc::SO_SNDBUF, libc::AF_INET, libc::SOCK_DGRAM),
            None
        );
        let most = Some(table_bounds::RECEIVE_BUFFER_BYTES);
        assert_eq!(
            bounded_buffer(libc::SO_RCVBUF, libc::AF_PACKET, libc::SOCK_RAW),
            most
        );
        assert_eq!(
            bounded_buffer(libc::SO_RCVBUF, libc::AF_INET, libc::SOCK_DGRAM),
            None
        );
        let d = |option: i32| libc::seccomp_data {
            nr: libc::SYS_setsockopt as i32,
            arch: 0,
            instruction_pointer: 0,
            args: [3, libc::SOL_SOCKET as u64, option as u64, 0, 4, 0],
        };
        assert!(is_socket_request(&d(libc::SO_SNDBUF)));
        assert!(is_socket_request(&d(libc::SO_RCVBUF)));
        assert!(!is_socket_request(&d(libc::SO_KEEPALIVE)));
    }

    #[test]
    fn the_sockets_that_receive_copies_are_netlink_packet_and_raw_ones() {
        assert!(copies_received(libc::AF_NETLINK, libc::SOCK_RAW));
        assert!(copies_received(libc::AF_PACKET, libc::SOCK_DGRAM));
        assert!(copies_received(
            libc::AF_INET6,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC
        ));
        assert!(copies_received(libc::AF_INET, 10 | libc::SOCK_NONBLOCK));
        assert!(!copies_received(libc::AF_INET, libc::SOCK_DGRAM));
        assert!(!copies_received(libc::AF_INET, libc::SOCK_STREAM));
        assert!(!copies_received(libc::AF_UNIX, libc::SOCK_DGRAM));
        let most = table_bounds::RECEIVE_BUFFER_BYTES;
        assert_eq!(receive_buffer_bytes(4 << 20), most);
        assert_eq!(receive_buffer_bytes(4096), 4096);
        assert_eq!(receive_buffer_bytes(-1), 0);
    }

    #[test]
    fn sockets_let_through_count_until_their_thread_asks_again_or_for_a_moment() {
        let mut l = LetThrough::default();
        let t = Instant::now();
        l.add(7, 100, t);
        l.add(7, 101, t);
        assert_eq!(l.under_way(7, 102, t + RECENT / 2), 2);
        assert_eq!(l.under_way(8, 102, t), 0);
        // Thread 100 asks again: its last one is done.
        assert_eq!(l.under_way(7, 100, t + RECENT / 2), 1);
        assert_eq!(l.under_way(7, 102, t + RECENT * 2), 0);
    }

    #[test]
    fn the_namespaces_sockets_are_counted_by_protocol() {
        let text = "protocol  size sockets  memory press maxhdr  slab module\n\
                    PACKET    1536      3      -1   NI       0   no   kernel\n\
                    PINGv6    1224      9      -1   NI       0   yes  kernel\n\
                    RAWv6     1224      2      -1   NI       0   yes  kernel\n\
                    UDP       1344     40       0   NI       0   yes  kernel\n\
                    NETLINK   1104      5      -1   NI       0   no   kernel\n\
                    RAW       1032      2      -1   NI       0   yes  kernel\n";
        assert_eq!(copied_in(text), 12);
        assert!(held_by_namespace_of(std::process::id()).is_some());
    }
}
