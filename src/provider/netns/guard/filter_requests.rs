//! A node's request to attach a classic BPF filter to a socket
//! (`SO_ATTACH_FILTER`, `SO_ATTACH_REUSEPORT_CBPF`), answered before the
//! kernel compiles it: attached by the guard, on a copy of the caller's
//! socket, when the filter is short and the node holds few; refused with
//! `ENOPROTOOPT` (as a kernel without socket filters says) when not.
//!
//! Why: any process may attach a filter to its socket, no capability
//! needed, and the kernel compiles each into the host's one budget of
//! compiled BPF (`net.core.bpf_jit_limit`, 528 MB here), charged to no one;
//! past it, every unprivileged filter fails, seccomp's included, so every
//! lab's entries and the host's services that filter after dropping root
//! would fail. probe21t's node1 took the whole budget with 9423 sockets of
//! 4002 instructions (about 57 KB compiled each). ping attaches 8
//! instructions, tcpdump's filters a few dozen; libpcap filters in its own
//! process when the kernel refuses with `ENOPROTOOPT`, saying nothing.
//!
//! How ([`decide`]): the filter's header (`sock_fprog`) and its
//! instructions are read from the caller's memory (checked to be the
//! caller's request after), its length bounded by
//! [`table_bounds::SOCKET_FILTER_INSTRUCTIONS`]; the caller's socket is
//! copied (`pidfd_getfd`) and the node asked whether it may hold one more
//! (`room`: at most [`table_bounds::SOCKET_FILTERS_A_NODE_HOLDS`] sockets
//! with filters, those whose sockets are gone forgotten); the guard
//! attaches the copy of the instructions it read, and answers with that
//! call's result.

use super::super::table_bounds;
use super::ring_requests::{
    Answered, caller, caller_socket, inode_of, last_errno, read_from, still_valid,
};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// `struct sock_fprog`: the length (u16, padded) and the pointer.
const FPROG: usize = 16;

/// The instructions of a filter of `len`, or the errno of a refusal: none
/// (the kernel's `EINVAL`), or past the bound (`ENOPROTOOPT`).
pub fn instructions(len: u16) -> Result<usize, i32> {
    match len as usize {
        0 => Err(libc::EINVAL),
        n if n > table_bounds::SOCKET_FILTER_INSTRUCTIONS => Err(libc::ENOPROTOOPT),
        n => Ok(n),
    }
}

/// Whether the call of `d` is one this module answers.
pub fn is_filter_request(d: &libc::seccomp_data) -> bool {
    let optname = d.args[2] as u32 as i32;
    d.nr as libc::c_long == libc::SYS_setsockopt
        && d.args[1] as u32 as i32 == libc::SOL_SOCKET
        && (optname == libc::SO_ATTACH_FILTER || optname == libc::SO_ATTACH_REUSEPORT_CBPF)
}

/// What to answer to the filter request `n` (see [`is_filter_request`]);
/// `room` says whether the namespace (its descriptor) may hold one more
/// socket with a filter (the socket's inode), and counts it if so.
pub fn decide(
    listener: RawFd,
    n: &libc::seccomp_notif,
    room: &mut dyn FnMut(&OwnedFd, u64) -> bool,
) -> (Answered, i64, i32) {
    let failed = |errno: i32| (Answered::Failed { errno }, -1, errno);
    let d = &n.data;
    if (d.args[4] as u32 as i32) < FPROG as i32 {
        return failed(libc::EINVAL);
    }
    let pidfd = match caller(listener, n) {
        Ok(pidfd) => pidfd,
        Err(answer) => return answer,
    };
    let mut fprog = [0u8; FPROG];
    if !read_from(n.pid, d.args[3], &mut fprog) {
        return failed(libc::EFAULT);
    }
    let len = u16::from_ne_bytes([fprog[0], fprog[1]]);
    let count = match instructions(len) {
        Ok(c) => c,
        Err(errno) => return failed(errno),
    };
    let at = u64::from_ne_bytes(fprog[8..16].try_into().expect("8 bytes"));
    let mut program = vec![0u8; count * 8];
    if !read_from(n.pid, at, &mut program) {
        return failed(libc::EFAULT);
    }
    // What was read is the caller's, at the time of its request.
    if !still_valid(listener, n.id) {
        return (Answered::Gone, -1, libc::ESRCH);
    }
    let (sock, netns) = match caller_socket(&pidfd, d.args[0] as u32 as i32) {
        Ok(both) => both,
        Err(errno) => return failed(errno),
    };
    if !room(&netns, inode_of(&sock)) {
        let refused = Answered::FilterRefused {
            instructions: count as u64,
            netns: inode_of(&netns),
        };
        return (refused, -1, libc::ENOPROTOOPT);
    }
    let ours = libc::sock_fprog {
        len,
        filter: program.as_mut_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: setsockopt on our copy of the socket with our copy of the
    // filter, which lives for the call.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            d.args[2] as u32 as i32,
            &ours as *const libc::sock_fprog as *const libc::c_void,
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    let errno = if r == 0 { 0 } else { last_errno() };
    (Answered::Made { bytes: 0, errno }, r.into(), errno)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_bounded_by_its_instructions() {
        assert_eq!(instructions(0), Err(libc::EINVAL));
        assert_eq!(instructions(8), Ok(8));
        let most = table_bounds::SOCKET_FILTER_INSTRUCTIONS;
        assert_eq!(instructions(most as u16), Ok(most));
        assert_eq!(instructions(most as u16 + 1), Err(libc::ENOPROTOOPT));
        assert_eq!(instructions(4002), Err(libc::ENOPROTOOPT));
    }
}
