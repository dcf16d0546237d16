//! A node's (or a pod's) `setsockopt(…, IPPROTO_TCP, TCP_USER_TIMEOUT, …)`:
//! set by the guard, at most [`MOST_MS`].
//!
//! Why: a TCP connection closed with its data unacknowledged is an orphan
//! the kernel goes on retransmitting for; with a user timeout set, for that
//! long (up to 2^31-1 ms, 24.8 days), not for the kernel's
//! `tcp_orphan_retries` (about 150 s here). Each orphan keeps its send
//! queue (up to 8 MiB) and, by its reference, its network namespace after
//! the namespace's name is gone, charged to no living cgroup once the node
//! is removed (probe21az finding 1: 10 orphans of a node held 80 MB of the
//! host's after `lab destroy`, for as long as their 900 s timeout). `lab`
//! resets a namespace's TCP sockets before it removes it (see
//! [`super::orphans::reset_every`]); this bounds the rest: a node that
//! lives on, a socket the reset could not reach.
//!
//! How: the filter hands the guard this one TCP option (no other: a web
//! server's `setsockopt` calls stay the kernel's). The guard reads the
//! caller's value, and sets it on its copy of the socket (the same socket),
//! at most [`MOST_MS`]: a program asking more gets the bound (a program
//! that reads it back sees what it has), a value the kernel refuses (a
//! negative one) is refused as the kernel would, with the kernel's errno.

use super::int_options::{caller_int_socket, set_asked_int};
use super::ring_requests::Answered;
use std::os::fd::RawFd;

/// The most `TCP_USER_TIMEOUT` a node's socket is given, in ms: 120 s, the
/// most `TCP_LINGER2` keeps an orphan in `FIN_WAIT2`.
pub const MOST_MS: i32 = 120_000;

/// Whether the call of `d` is one this module answers.
pub fn is_user_timeout(d: &libc::seccomp_data) -> bool {
    d.nr as libc::c_long == libc::SYS_setsockopt
        && d.args[1] as u32 as i32 == libc::IPPROTO_TCP
        && d.args[2] as u32 as i32 == libc::TCP_USER_TIMEOUT
}

/// The user timeout set when `asked` is asked (the kernel refuses a
/// negative one itself).
pub fn bounded(asked: i32) -> i32 {
    asked.min(MOST_MS)
}

/// What to answer to request `n` (see [`is_user_timeout`]).
pub fn decide(listener: RawFd, n: &libc::seccomp_notif) -> (Answered, i64, i32) {
    let sock = match caller_int_socket(listener, n) {
        Ok(sock) => sock,
        Err(answer) => return answer,
    };
    let timeout = (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT);
    set_asked_int(listener, n, &sock, timeout, bounded, |_| 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_timeout_past_the_bound_is_set_at_the_bound() {
        assert_eq!(bounded(i32::MAX), MOST_MS);
        assert_eq!(bounded(600_000), MOST_MS);
        assert_eq!(bounded(20_000), 20_000);
        assert_eq!(bounded(0), 0);
        // The kernel refuses it, on the guard's copy as on the caller's.
        assert_eq!(bounded(-1), -1);
        let d = |level: i32, option: i32| libc::seccomp_data {
            nr: libc::SYS_setsockopt as i32,
            arch: 0,
            instruction_pointer: 0,
            args: [3, level as u64, option as u64, 0, 4, 0],
        };
        assert!(is_user_timeout(&d(
            libc::IPPROTO_TCP,
            libc::TCP_USER_TIMEOUT
        )));
        assert!(!is_user_timeout(&d(libc::IPPROTO_TCP, libc::TCP_NODELAY)));
        assert!(!is_user_timeout(&d(
            libc::SOL_SOCKET,
            libc::TCP_USER_TIMEOUT
        )));
    }
}
