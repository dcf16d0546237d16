//! The netlink sockets the guard holds in a node: one way to open one
//! (joined to event groups or not; opened inside the node, see [`inside`]),
//! and one way to ask on one and read the
//! whole answer without waiting, for every table the sweep looks at
//! (nexthops, labels, IPv6 routes, multicast entries, packet sockets, ipset
//! sets).
//!
//! No wait is needed: the kernel writes an acknowledgement, and each part
//! of a dump, while the request is sent or the last part read, so an answer
//! that is not there when it is read will not come. A node cannot make the
//! guard's loop wait on its tables.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A netlink socket of `protocol` in the calling thread's namespace that
/// never blocks, bound to the event groups `groups` (a bit each; 0: none).
pub fn netlink(protocol: libc::c_int, groups: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain system calls; the descriptor is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            protocol,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and is ours.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // Bound even without groups: a socket bound to nothing has port id 0,
    // which the kernel's notifications exclude, so groups joined later
    // (`NETLINK_ADD_MEMBERSHIP`) bring it no event (probe21y).
    {
        // SAFETY: a sockaddr_nl of its size, on our socket.
        let r = unsafe {
            let mut sa: libc::sockaddr_nl = std::mem::zeroed();
            sa.nl_family = libc::AF_NETLINK as u16;
            sa.nl_groups = groups;
            libc::bind(
                fd.as_raw_fd(),
                &sa as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    // Connected to the kernel (port id 0): the kernel then refuses every
    // other sender's message to it (`ECONNREFUSED`). Bound only, it took
    // messages from any process of the node with `CAP_NET_ADMIN` in its
    // namespace, which found the port ids in its `/proc/net/netlink`, and a
    // flood of junk there held its unresolved neighbours unseen for 12 s
    // (probe21bi finding 2). The kernel's events (its multicast groups)
    // still come.
    {
        // SAFETY: a sockaddr_nl of its size, on our socket.
        let r = unsafe {
            let mut sa: libc::sockaddr_nl = std::mem::zeroed();
            sa.nl_family = libc::AF_NETLINK as u16;
            libc::connect(
                fd.as_raw_fd(),
                &sa as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
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

/// Send `request` on `fd` (from [`netlink`]) and hand each receive of its
/// answer to `take` until `take` says the answer ended or nothing more is
/// there (`Ok` either way: what was read is acted on, the rest is looked
/// at next sweep). Answers lost (`ENOBUFS`) end it the same way.
pub fn ask(
    fd: &OwnedFd,
    request: &[u8],
    buf: &mut [u8],
    mut take: impl FnMut(&[u8]) -> bool,
) -> io::Result<()> {
    send(fd, request)?;
    loop {
        // SAFETY: receiving into a buffer we own, of its length.
        let n = unsafe {
            libc::recv(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
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

/// Ask `request(family, seq)` on `fd` (a sock_diag socket) for IPv4, then
/// IPv6, each with the next sequence number of `seq`, handing each receive
/// with its number to `take` as [`ask`] does.
pub fn ask_inet(
    fd: &OwnedFd,
    seq: &mut u32,
    buf: &mut [u8],
    request: fn(u8, u32) -> Vec<u8>,
    mut take: impl FnMut(&[u8], u32) -> bool,
) -> io::Result<()> {
    for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
        let asked = next_seq(seq);
        ask(fd, &request(family, asked), buf, |b| take(b, asked))?;
    }
    Ok(())
}

/// The next sequence number after `seq`, stored there (never 0: events
/// carry 0).
pub fn next_seq(seq: &mut u32) -> u32 {
    *seq = seq.wrapping_add(1).max(1);
    *seq
}

/// Send `b` on `fd` (a socket of [`netlink`]).
pub fn send(fd: &OwnedFd, b: &[u8]) -> io::Result<()> {
    // SAFETY: a buffer we own, of its length.
    if unsafe { libc::send(fd.as_raw_fd(), b.as_ptr().cast(), b.len(), 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `out`, netlink messages back to back, in batches of whole messages of
/// at most `bytes` (a message longer than that alone): what one send
/// carries.
pub fn batches(out: &[u8], bytes: usize) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at;
        while at < out.len() && (at == start || at - start < bytes) {
            let len = out.get(at..at + 4).map_or(out.len(), |l| {
                u32::from_ne_bytes(l.try_into().expect("4 bytes")) as usize
            });
            at = (at + len.max(16)).min(out.len());
        }
        (at > start).then(|| &out[start..at])
    })
}

/// What one receive without waiting got.
pub enum Received {
    Bytes(usize),
    /// Nothing waits.
    Nothing,
    /// Events were lost (`ENOBUFS`): the caller learns again.
    Lost,
}

/// Receive once from `fd` into `buf`, without waiting (again if a signal
/// came). `Err` only for a socket that no longer works.
pub fn receive(fd: i32, buf: &mut [u8]) -> io::Result<Received> {
    loop {
        // SAFETY: receiving into a buffer we own, of its length.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n >= 0 {
            return Ok(Received::Bytes(n as usize));
        }
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EAGAIN) => Ok(Received::Nothing),
            Some(libc::EINTR) => continue,
            Some(libc::ENOBUFS) => Ok(Received::Lost),
            _ => Err(e),
        };
    }
}

/// Run `f` inside the network namespace `netns`, then return to `home`.
pub fn inside<T>(
    netns: &std::fs::File,
    home: &std::fs::File,
    f: impl FnOnce() -> T,
) -> io::Result<T> {
    // SAFETY: setns on a descriptor we hold open.
    if unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let out = f();
    // SAFETY: as above. Failing to return would leave the guard in a node.
    if unsafe { libc::setns(home.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        let e = io::Error::last_os_error();
        eprintln!("lab guard: cannot return to its own namespace: {e}");
        std::process::exit(3);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn batches_hold_whole_messages_up_to_their_size() {
        let m = |n: usize| {
            let mut b = vec![0u8; n];
            b[..4].copy_from_slice(&(n as u32).to_ne_bytes());
            b
        };
        let out = [m(16), m(20), m(40), m(16)].concat();
        let sizes: Vec<usize> = super::batches(&out, 36).map(<[u8]>::len).collect();
        assert_eq!(sizes, [36, 40, 16]);
        assert_eq!(super::batches(&[], 36).count(), 0);
        // A length cut short ends the last batch at the end of `out`.
        let mut cut = m(16);
        cut.extend(&(999u32).to_ne_bytes());
        assert_eq!(
            super::batches(&cut, 16)
                .map(<[u8]>::len)
                .collect::<Vec<_>>(),
            [16, 4]
        );
    }
}
