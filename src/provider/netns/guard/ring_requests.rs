//! A node's request for a packet socket's ring, answered before the kernel
//! allocates it: made by the guard, on a copy of the caller's socket, when
//! it fits the namespace's budget; refused with `ENOMEM` when it does not.
//!
//! Why: root in a node keeps `CAP_NET_RAW` (tcpdump needs it), and a packet
//! socket's rings are pages the kernel charges to no one. One
//! `setsockopt(PACKET_RX_RING)` asks for `block_size × block_nr` bytes
//! (gigabytes if it likes: probe21n's six sockets took 3.4 GB), which the
//! sweep ([`super::packet_rings`]) takes back only a second later. The
//! system-call filter cannot read a size behind a pointer, so it hands
//! these requests (`SECCOMP_RET_USER_NOTIF`) to the guard, which holds every
//! entry's listener (see `supervised`).
//!
//! How ([`answer`]): the request is read from the caller's memory
//! (`process_vm_readv`, checked to be still the caller's request after),
//! the ring's bytes counted (in 64 bits: 65,536 blocks of 64 KiB are 4 GiB,
//! which the kernel makes, and 0 in 32 bits); the caller's socket is
//! copied (`pidfd_getfd`) and its namespace's rings listed (`sock_diag`);
//! when the ring fits what the namespace has left of
//! [`table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS`], the guard makes it
//! itself, with the copy of the request it checked (the caller may change
//! its memory after the check: the kernel never reads it), and answers
//! with that call's result. A request of no blocks frees a ring: made too.
//! The guard answers one request at a time, so two requests of one node
//! cannot both fit a budget that holds one.

use super::super::table_bounds;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `struct tpacket_req`: block size, blocks, frame size, frames.
const REQ: usize = 16;
/// `struct tpacket_req3` (`TPACKET_V3`): three words more.
const REQ3: usize = 28;

/// How many bytes of the caller's request the kernel would read (and the
/// guard copies and passes on), from the `optlen` it gave: the kernel reads
/// 16 bytes or 28 (by the socket's version) and refuses a shorter
/// `optlen` with `EINVAL`.
pub fn request_len(optlen: u64) -> Result<usize, i32> {
    let optlen = optlen as u32 as i32;
    if optlen < REQ as i32 {
        return Err(libc::EINVAL);
    }
    Ok((optlen as usize).min(REQ3))
}

/// The ring's bytes a request asks for: block size × blocks, in 64 bits
/// (0: none, a request that frees the socket's ring).
pub fn ring_bytes(request: &[u8]) -> u64 {
    let word = |i: usize| {
        request.get(i * 4..i * 4 + 4).map_or(0, |b| {
            u32::from_ne_bytes(b.try_into().expect("4 bytes")) as u64
        })
    };
    word(0) * word(1)
}

/// Whether a ring of `bytes` fits a namespace whose rings hold `held`.
pub fn fits(bytes: u64, held: u64) -> bool {
    bytes <= table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS.saturating_sub(held)
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// Made (or tried: `errno` is what the kernel said, 0 when it worked).
    Made { bytes: u64, errno: i32 },
    /// Refused with `ENOMEM`: `bytes` did not fit, the namespace
    /// (`netns`, its inode) holding `held`.
    Refused { bytes: u64, held: u64, netns: u64 },
    /// A socket filter of `instructions` refused with `ENOPROTOOPT`: the
    /// namespace (`netns`) holds as many filters as it may (see
    /// [`super::filter_requests`]).
    FilterRefused { instructions: u64, netns: u64 },
    /// A socket that receives copies of what others receive refused with
    /// `ENOBUFS`: the namespace (`netns`) holds `held` (`u64::MAX`: they
    /// could not be counted; see [`super::socket_requests`]).
    SocketRefused { netns: u64, held: u64 },
    /// Let through: the kernel goes on with the call as made.
    Continue,
    /// Answered with an error before anything was counted (`errno`): no
    /// such socket, memory it could not read, a call the filter does not
    /// hand over.
    Failed { errno: i32 },
    /// The caller was gone (killed, or its call interrupted): no answer.
    Gone,
}

/// Take one request waiting on `listener` and answer it; `held` lists the
/// rings of the namespace open at its argument (an error refuses the
/// request: fail closed).
pub fn answer(
    listener: RawFd,
    held: &mut dyn FnMut(&OwnedFd) -> io::Result<u64>,
    room: &mut dyn FnMut(&OwnedFd, u64) -> bool,
    let_through: &mut super::socket_requests::LetThrough,
) -> Answered {
    // SAFETY: seccomp_notif is plain data; all zeros is what RECV wants.
    let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: the ioctl writes one seccomp_notif into `n`.
    if unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut n) } != 0 {
        return Answered::Gone;
    }
    let (what, val, errno) = if super::filter_requests::is_filter_request(&n.data) {
        super::filter_requests::decide(listener, &n, room)
    } else if super::socket_requests::is_socket_request(&n.data) {
        super::socket_requests::decide(listener, &n, let_through)
    } else if super::user_timeouts::is_user_timeout(&n.data) {
        super::user_timeouts::decide(listener, &n)
    } else {
        decide(listener, &n, held)
    };
    let resp = libc::seccomp_notif_resp {
        id: n.id,
        val,
        error: -errno,
        flags: match what {
            Answered::Continue => libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
            _ => 0,
        },
    };
    // SAFETY: the ioctl reads one seccomp_notif_resp.
    if unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SEND, &resp) } != 0 {
        return Answered::Gone;
    }
    what
}

/// Whether request `id` still waits (its caller is still the process
/// whose PID it names).
pub(super) fn still_valid(listener: RawFd, id: u64) -> bool {
    // SAFETY: the ioctl reads one u64.
    unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 }
}

pub(super) fn last_errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// What to answer to `n`: the outcome, the call's value, its errno.
fn decide(
    listener: RawFd,
    n: &libc::seccomp_notif,
    held: &mut dyn FnMut(&OwnedFd) -> io::Result<u64>,
) -> (Answered, i64, i32) {
    let failed = |errno: i32| (Answered::Failed { errno }, -1, errno);
    let d = &n.data;
    let optname = d.args[2] as u32 as i32;
    if d.nr as libc::c_long != libc::SYS_setsockopt
        || d.args[1] as u32 as i32 != libc::SOL_PACKET
        || (optname != libc::PACKET_RX_RING && optname != libc::PACKET_TX_RING)
    {
        return failed(libc::EPERM);
    }
    let len = match request_len(d.args[4]) {
        Ok(len) => len,
        Err(errno) => return failed(errno),
    };
    let pidfd = match caller(listener, n) {
        Ok(pidfd) => pidfd,
        Err(answer) => return answer,
    };
    let mut request = [0u8; REQ3];
    if !read_from(n.pid, d.args[3], &mut request[..len]) {
        return failed(libc::EFAULT);
    }
    // What was read is the caller's, at the time of its request.
    if !still_valid(listener, n.id) {
        return (Answered::Gone, -1, libc::ESRCH);
    }
    let bytes = ring_bytes(&request[..len]);
    let (sock, netns) = match caller_socket(&pidfd, d.args[0] as u32 as i32) {
        Ok(both) => both,
        Err(errno) => return failed(errno),
    };
    if bytes > 0 {
        let inode = inode_of(&netns);
        match held(&netns) {
            Ok(h) if fits(bytes, h) => {}
            Ok(h) => return refused(bytes, h, inode),
            Err(_) => return refused(bytes, u64::MAX, inode),
        }
    }
    // SAFETY: setsockopt on our copy of the socket with our copy of the
    // request, of the length read.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_PACKET,
            optname,
            request.as_ptr() as *const libc::c_void,
            len as libc::socklen_t,
        )
    };
    let errno = if r == 0 { 0 } else { last_errno() };
    (Answered::Made { bytes, errno }, r.into(), errno)
}

/// Read `into.len()` bytes at `at` of process `pid` into `into` (whether
/// all were read).
pub(super) fn read_from(pid: u32, at: u64, into: &mut [u8]) -> bool {
    let local = libc::iovec {
        iov_base: into.as_mut_ptr() as *mut libc::c_void,
        iov_len: into.len(),
    };
    let remote = libc::iovec {
        iov_base: at as usize as *mut libc::c_void,
        iov_len: into.len(),
    };
    // SAFETY: reads at most `into.len()` bytes into `into`.
    let read = unsafe { libc::process_vm_readv(pid as libc::pid_t, &local, 1, &remote, 1, 0) };
    read == into.len() as isize
}

/// A descriptor of the caller of request `n` (`pidfd_open`), taken while
/// its request still waits (so its PID is not another's), or the answer.
pub(super) fn caller(
    listener: RawFd,
    n: &libc::seccomp_notif,
) -> Result<OwnedFd, (Answered, i64, i32)> {
    // SAFETY: pidfd_open; the descriptor is owned at once.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, n.pid as libc::pid_t, 0) };
    if pidfd < 0 {
        return Err((Answered::Failed { errno: libc::ESRCH }, -1, libc::ESRCH));
    }
    // SAFETY: returned by pidfd_open, ours.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) };
    if !still_valid(listener, n.id) {
        return Err((Answered::Gone, -1, libc::ESRCH));
    }
    Ok(pidfd)
}

/// A copy of the caller's descriptor `fd` (through its `pidfd`) and the
/// network namespace of the socket it is, or the errno to answer.
pub(super) fn caller_socket(pidfd: &OwnedFd, fd: i32) -> Result<(OwnedFd, OwnedFd), i32> {
    // SAFETY: pidfd_getfd on our pidfd; the copy is owned at once.
    let sock = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    if sock < 0 {
        return Err(last_errno());
    }
    // SAFETY: returned by pidfd_getfd, ours.
    let sock = unsafe { OwnedFd::from_raw_fd(sock as RawFd) };
    // SAFETY: SIOCGSKNS takes no argument and returns a descriptor.
    let netns = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGSKNS as _) };
    if netns < 0 {
        return Err(libc::ENOTSOCK);
    }
    // SAFETY: returned by the ioctl, ours.
    Ok((sock, unsafe { OwnedFd::from_raw_fd(netns) }))
}

fn refused(bytes: u64, held: u64, netns: u64) -> (Answered, i64, i32) {
    (Answered::Refused { bytes, held, netns }, -1, libc::ENOMEM)
}

/// The inode of a namespace's descriptor (what names it).
pub fn inode_of(fd: &OwnedFd) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_or(0, |m| m.ino())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(size: u32, blocks: u32) -> Vec<u8> {
        [size, blocks, 2048, 0, 0, 0, 0]
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect()
    }

    #[test]
    fn a_rings_bytes_are_counted_in_64_bits() {
        assert_eq!(ring_bytes(&request(4 << 20, 512)[..REQ]), 2 << 30);
        // 65536 × 65536 is 0 in 32 bits: counted as the 4 GiB it asks.
        assert_eq!(ring_bytes(&request(1 << 16, 1 << 16)), 1 << 32);
        assert_eq!(
            ring_bytes(&request(u32::MAX, u32::MAX)),
            u32::MAX as u64 * u32::MAX as u64
        );
        // No blocks: a ring freed.
        assert_eq!(ring_bytes(&request(4 << 20, 0)), 0);
        assert_eq!(ring_bytes(&[1, 0]), 0);
    }

    #[test]
    fn the_request_is_read_as_the_kernel_reads_it() {
        assert_eq!(request_len(16), Ok(16));
        assert_eq!(request_len(28), Ok(28));
        assert_eq!(request_len(20), Ok(20));
        assert_eq!(request_len(4096), Ok(28));
        assert_eq!(request_len(15), Err(libc::EINVAL));
        assert_eq!(request_len(0), Err(libc::EINVAL));
        // A negative int (the kernel's optlen is one), and high bits the
        // kernel drops.
        assert_eq!(request_len(u32::MAX as u64), Err(libc::EINVAL));
        assert_eq!(request_len((1 << 32) | 16), Ok(16));
    }

    #[test]
    fn a_ring_fits_what_the_namespace_has_left() {
        let bound = table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS;
        assert!(fits(2 << 20, 0));
        assert!(fits(bound, 0));
        assert!(!fits(bound + 1, 0));
        assert!(fits(bound / 2, bound / 2));
        assert!(!fits(1, bound));
        assert!(fits(0, u64::MAX));
        assert!(!fits(2 << 30, 0));
    }

    /// A child under the nodes' filter, its listener sent on a socket pair
    /// to this process (as to the guard), makes `asks` ring requests
    /// (`PACKET_RX_RING`, block size and blocks, frames of 2048 bytes) on
    /// one packet socket; this process answers them with [`answer`] unless
    /// `supervise` is false (the listener is dropped at once). The
    /// requests' errnos, and the answers.
    fn supervised(asks: &[(u32, u32)], supervise: bool) -> (Vec<i32>, Vec<Answered>) {
        let (mut pair, mut pipe) = ([0; 2], [0; 2]);
        let asks: Vec<Vec<u8>> = asks
            .iter()
            .map(|&(size, blocks)| {
                let frames = (size as u64 * blocks as u64 / 2048) as u32;
                [size, blocks, 2048, frames]
                    .iter()
                    .flat_map(|w| w.to_ne_bytes())
                    .collect()
            })
            .collect();
        // SAFETY: socketpair and pipe into arrays of two; the child makes
        // system calls only on memory made before the fork, then _exits.
        let pid = unsafe {
            assert_eq!(
                libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, pair.as_mut_ptr()),
                0
            );
            assert_eq!(libc::pipe(pipe.as_mut_ptr()), 0);
            let pid = libc::fork();
            assert!(pid >= 0);
            if pid == 0 {
                libc::close(pair[0]);
                libc::close(pipe[0]);
                // The socket first: under the filter, making one is a
                // request too (see `socket_requests`).
                let all = (libc::ETH_P_ALL as u16).to_be() as libc::c_int;
                let p = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, all);
                if p < 0 {
                    libc::_exit(101);
                }
                if super::super::super::seccomp::install(pair[1]).is_err() {
                    libc::_exit(100);
                }
                for a in &asks {
                    let r = libc::setsockopt(
                        p,
                        libc::SOL_PACKET,
                        libc::PACKET_RX_RING,
                        a.as_ptr() as *const libc::c_void,
                        REQ as libc::socklen_t,
                    );
                    let e: i32 = if r == 0 { 0 } else { *libc::__errno_location() };
                    libc::write(pipe[1], (&e as *const i32).cast(), 4);
                }
                libc::_exit(0);
            }
            libc::close(pair[1]);
            libc::close(pipe[1]);
            pid
        };
        // SAFETY: the parent's ends, ours.
        let (ours, results) =
            unsafe { (OwnedFd::from_raw_fd(pair[0]), File::from_raw_fd(pipe[0])) };
        let mut answers = Vec::new();
        let wait = |fd: RawFd| {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: poll on one pollfd of ours.
            unsafe { libc::poll(&mut p, 1, 10_000) };
            p.revents
        };
        wait(ours.as_raw_fd());
        let listener = super::super::super::supervised::receive_fd(ours.as_raw_fd())
            .unwrap()
            .expect("the child's listener");
        if supervise {
            let mut held = |netns: &OwnedFd| {
                assert!(inode_of(netns) > 0);
                Ok(0)
            };
            while wait(listener.as_raw_fd()) & libc::POLLIN != 0 {
                answers.push(answer(
                    listener.as_raw_fd(),
                    &mut held,
                    &mut |_, _| true,
                    &mut Default::default(),
                ));
            }
        }
        drop(listener);
        let mut status = 0;
        // SAFETY: waits for our child.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{status:#x}"
        );
        use std::io::Read;
        let mut bytes = Vec::new();
        (&results).read_to_end(&mut bytes).unwrap();
        let errnos = bytes
            .chunks(4)
            .map(|c| i32::from_ne_bytes(c.try_into().unwrap()))
            .collect();
        (errnos, answers)
    }

    use std::fs::File;

    #[test]
    fn a_ring_past_the_budget_is_refused_and_one_within_it_made_for_the_caller() {
        let (errnos, answers) = supervised(
            &[
                (4 << 20, 512),
                (1 << 16, 1 << 16),
                (1 << 20, 2),
                (1 << 20, 2),
            ],
            true,
        );
        // 2 GiB and the 4 GiB that wraps in 32 bits: refused; 2 MiB: made,
        // on the caller's socket (a second ring there is `EBUSY`, the
        // kernel's answer passed on).
        assert_eq!(errnos, [libc::ENOMEM, libc::ENOMEM, 0, libc::EBUSY]);
        assert!(
            matches!(answers[0], Answered::Refused { bytes, held: 0, .. } if bytes == 2 << 30),
            "{answers:?}"
        );
        assert_eq!(
            answers[2..],
            [
                Answered::Made {
                    bytes: 2 << 20,
                    errno: 0
                },
                Answered::Made {
                    bytes: 2 << 20,
                    errno: libc::EBUSY
                }
            ]
        );
    }

    #[test]
    fn with_no_one_answering_a_ring_request_fails_closed() {
        let (errnos, answers) = supervised(&[(1 << 20, 2)], false);
        assert_eq!(errnos, [libc::ENOSYS]);
        assert!(answers.is_empty());
    }
}
