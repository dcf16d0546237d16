//! The netlink sockets the guard's sweep asks on: one kind of opening, and
//! one wait for an answer, for every table it dumps synchronously (nexthops,
//! labels, IPv6 routes, packet sockets).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// The longest a receive of a sweep's dump waits (a node that makes the
/// kernel slow to answer delays its own sweep, never the guard's loop).
pub const RECEIVE_WAIT: Duration = Duration::from_millis(200);

/// A netlink socket of `protocol` in the calling thread's namespace, with
/// `flags` (`SOCK_NONBLOCK`) added.
pub fn netlink(protocol: libc::c_int, flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain system calls; the descriptor is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | flags,
            protocol,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and is ours.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A netlink socket of `protocol` whose receives wait at most
/// [`RECEIVE_WAIT`].
pub fn waiting(protocol: libc::c_int) -> io::Result<OwnedFd> {
    let fd = netlink(protocol, 0)?;
    let wait = libc::timeval {
        tv_sec: 0,
        tv_usec: RECEIVE_WAIT.as_micros() as libc::suseconds_t,
    };
    set_option(&fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &wait)?;
    Ok(fd)
}

/// Set the socket option `level`/`name` of `fd` to `v`.
pub fn set_option<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, v: &T) -> io::Result<()> {
    // SAFETY: an option value of its own size, on our socket.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            v as *const T as *const libc::c_void,
            std::mem::size_of::<T>() as u32,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Send `request` on `fd` (a socket from [`waiting`]) and hand each receive
/// of its answer to `take` until `take` says the answer ended, nothing more
/// comes within [`RECEIVE_WAIT`], or answers were lost (`ENOBUFS`): what
/// was read is acted on, the rest waits for the next sweep.
pub fn ask(
    fd: &OwnedFd,
    request: &[u8],
    buf: &mut [u8],
    mut take: impl FnMut(&[u8]) -> bool,
) -> io::Result<()> {
    // SAFETY: a buffer we own, of its length.
    if unsafe { libc::send(fd.as_raw_fd(), request.as_ptr().cast(), request.len(), 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    loop {
        // SAFETY: receiving into a buffer we own, of its length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN | libc::ENOBUFS) => return Ok(()),
                _ => return Err(e),
            }
        }
        if n == 0 || take(&buf[..n as usize]) {
            return Ok(());
        }
    }
}
