//! How a process that enters a node hands the listener of its system-call
//! filter to the ring supervisor (the lab's guard, see
//! `guard::ring_requests`), so that no process of the node ever holds it.
//!
//! Why: the filter ([`super::seccomp`]) hands a packet socket's ring
//! request (`PACKET_RX_RING`, `PACKET_TX_RING`) to whoever holds its
//! listener, which reads the size behind the pointer and refuses a ring
//! past the node's budget before the kernel allocates it. A process holding
//! its own listener could answer its own requests; one whose listener is
//! held by no one gets `ENOSYS` for them (the kernel's answer: fail closed).
//!
//! How: before the fork, `lab` connects to the guard's socket (a unix
//! socket in the lab's state folder, which no node sees: [`Handoff`]); the
//! child, after it installed the filter (the last step before exec), sends
//! the listener over that connection (`SCM_RIGHTS`) and closes both
//! ([`hand_off`]: system calls only). No guard there (not started, gone,
//! its backlog full): the connection is none, the listener is closed, and
//! the node's ring requests fail.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A connection to the guard's socket, made before the fork, open until
/// the child has started (the child holds a copy of its own).
#[derive(Debug)]
pub struct Handoff(Option<OwnedFd>);

impl Handoff {
    /// Connect to the guard's socket at `path` without waiting; none when
    /// it cannot be reached.
    pub fn connect(path: &Path) -> Handoff {
        Handoff(connect(path).ok())
    }

    /// The descriptor the child sends on (-1: none).
    pub fn raw(&self) -> RawFd {
        self.0.as_ref().map_or(-1, |f| f.as_raw_fd())
    }
}

/// A unix stream socket that never blocks, connected to `path` through its
/// folder's descriptor (a path of any length: `sun_path` holds 108 bytes).
pub fn connect(path: &Path) -> std::io::Result<OwnedFd> {
    let (folder, fd) = at_folder(path)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let short = format!(
        "/proc/self/fd/{}/{}",
        folder.as_raw_fd(),
        name.to_string_lossy()
    );
    let (addr, len) = address(&short)?;
    // SAFETY: connect on our socket with an address of ours and its length.
    let r = unsafe {
        libc::connect(
            fd.as_raw_fd(),
            &addr as *const libc::sockaddr_un as *const libc::sockaddr,
            len,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(fd)
}

/// The folder of `path` (opened `O_PATH`) and a new unix stream socket.
pub fn at_folder(path: &Path) -> std::io::Result<(std::fs::File, OwnedFd)> {
    use std::os::unix::fs::OpenOptionsExt;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let folder = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(parent)?;
    // SAFETY: socket(2); the descriptor is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and is ours.
    Ok((folder, unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// A `sockaddr_un` of `path` (which fits) and its length.
pub fn address(path: &str) -> std::io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain data; all zeros is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_bytes();
    if bytes.len() >= addr.sun_path.len() {
        return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
    }
    for (d, s) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    Ok((addr, len as libc::socklen_t))
}

/// In the child, after the filter: send `listener` on `handoff` (unless it
/// is -1) and close both. Errors are not the child's to act on: a
/// listener not sent is closed, and the node's ring requests fail. System
/// calls only, on stack memory (async-signal-safe).
pub fn hand_off(listener: RawFd, handoff: RawFd) {
    if handoff >= 0 {
        let _ = send_fd(handoff, listener);
    }
    // SAFETY: close on descriptors of this process.
    unsafe {
        libc::close(listener);
        if handoff >= 0 {
            libc::close(handoff);
        }
    }
}

/// Bytes of a control message's buffer: far more than one descriptor's.
const SPACE: usize = 64;

/// A control message's buffer, aligned as `cmsghdr` needs.
#[repr(C, align(8))]
struct Control([u8; SPACE]);

/// Send `fd` with one byte on the unix socket `on` (no `SIGPIPE`, no wait).
pub fn send_fd(on: RawFd, fd: RawFd) -> std::io::Result<()> {
    let mut control = Control([0; SPACE]);
    let mut byte = [1u8];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr() as *mut libc::c_void,
        iov_len: 1,
    };
    // SAFETY: a msghdr over our stack buffers, the control message written
    // within `control` (CMSG_SPACE of one int is far below 64 bytes).
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.0.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut RawFd, fd);
        if libc::sendmsg(on, &msg, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) != 1 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Receive a descriptor sent by [`send_fd`] on `from`: `Ok(None)` when
/// the peer closed without one (or sent something else), `WouldBlock`
/// when nothing is there yet.
pub fn receive_fd(from: RawFd) -> std::io::Result<Option<OwnedFd>> {
    let mut control = Control([0; SPACE]);
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr() as *mut libc::c_void,
        iov_len: 1,
    };
    // SAFETY: recvmsg into our stack buffers; the control messages are read
    // within the length the kernel wrote, each descriptor owned at once.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.0.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = SPACE as _;
        let n = libc::recvmsg(from, &mut msg, libc::MSG_CMSG_CLOEXEC | libc::MSG_DONTWAIT);
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut got = None;
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(c);
                let bytes = (*c).cmsg_len as usize - (data as usize - c as usize);
                for i in 0..bytes / std::mem::size_of::<RawFd>() {
                    let fd = std::ptr::read_unaligned((data as *const RawFd).add(i));
                    let owned = OwnedFd::from_raw_fd(fd);
                    if got.is_none() {
                        got = Some(owned);
                    }
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descriptor_goes_over_a_socket_pair_and_a_long_path_is_refused() {
        let mut pair = [0; 2];
        // SAFETY: socketpair into an array of two.
        assert_eq!(
            unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, pair.as_mut_ptr()) },
            0
        );
        // SAFETY: the pair's descriptors are ours.
        let (a, b) = unsafe { (OwnedFd::from_raw_fd(pair[0]), OwnedFd::from_raw_fd(pair[1])) };
        assert_eq!(
            receive_fd(b.as_raw_fd()).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock
        );
        let file = std::fs::File::open("/proc/self/exe").unwrap();
        send_fd(a.as_raw_fd(), file.as_raw_fd()).unwrap();
        let got = receive_fd(b.as_raw_fd()).unwrap().expect("a descriptor");
        let same = |f: RawFd| std::fs::metadata(format!("/proc/self/fd/{f}")).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(same(got.as_raw_fd()).ino(), same(file.as_raw_fd()).ino());
        drop(a);
        assert!(receive_fd(b.as_raw_fd()).unwrap().is_none());
        assert!(address(&"x".repeat(108)).is_err());
        assert_eq!(address("/a").unwrap().1, 2 + 2 + 1);
    }

    #[test]
    fn a_guard_that_is_not_there_is_no_connection() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("x".repeat(120));
        std::fs::create_dir(&deep).unwrap();
        assert_eq!(Handoff::connect(&deep.join("guard.sock")).raw(), -1);
    }
}
