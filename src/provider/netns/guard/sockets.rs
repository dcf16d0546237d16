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
