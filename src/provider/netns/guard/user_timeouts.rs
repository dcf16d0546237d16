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

use super::ring_requests::{Answered, caller, caller_socket, last_errno, read_from, still_valid};
use std::os::fd::{AsRawFd, RawFd};

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
    let failed = |errno: i32| (Answered::Failed { errno }, -1, errno);
    let d = &n.data;
    // A short value: the kernel refuses it (`EINVAL`).
    if d.args[4] < 4 {
        return (Answered::Continue, 0, 0);
    }
    let pidfd = match caller(listener, n) {
        Ok(pidfd) => pidfd,
        Err(answer) => return answer,
    };
    let (sock, _) = match caller_socket(&pidfd, d.args[0] as u32 as i32) {
        Ok(both) => both,
        Err(errno) => return failed(errno),
    };
    let mut asked = [0u8; 4];
    if !read_from(n.pid, d.args[3], &mut asked) {
        return failed(libc::EFAULT);
    }
    // What was read is the caller's, at the time of its request.
    if !still_valid(listener, n.id) {
        return (Answered::Gone, -1, libc::ESRCH);
    }
    let ms = bounded(i32::from_ne_bytes(asked));
    // SAFETY: setsockopt on our copy of the socket, an int of ours.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_USER_TIMEOUT,
            &ms as *const i32 as *const libc::c_void,
            4,
        )
    };
    let errno = if r == 0 { 0 } else { last_errno() };
    (Answered::Made { bytes: 0, errno }, r.into(), errno)
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
