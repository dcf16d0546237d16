//! A network of its own for kubectl run without a cluster: whatever the
//! line says, it reaches nothing outside its own process.
//!
//! Why: offline, kubectl judges the book's line as typed (its flags, its
//! files), and a line can name its own cluster. probe21at: a second
//! `--kubeconfig=FILE` (kubectl takes the last one) sent the host's
//! kubectl, as root, to the server in FILE, which logged a real `DELETE`
//! while the report said kubectl "did not run it". The recogniser refuses
//! such lines now, but a fence does not depend on knowing every flag of
//! every kubectl version: kubectl runs in a new network namespace of its
//! own holding only `lo` (up, so the offline kubeconfig's loopback server
//! is refused at once, as before), which the kernel removes when kubectl
//! and its children end. Nothing named, nothing to clean up.
//!
//! As root the namespace is made alone; without root (a user's `lab
//! book` run for its kubectl only), inside a user namespace of its own,
//! where the caller keeps its own files' access. If neither can be made,
//! kubectl does not run: the line is an error, never a run unfenced.

use std::io;

/// Put the calling process into a network namespace of its own with `lo`
/// up. Called between fork and exec: only system calls, nothing that
/// allocates or locks.
pub(super) fn own_network() -> io::Result<()> {
    // SAFETY: plain system calls on this process; no memory is shared.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNET) != 0 {
            let first = io::Error::last_os_error();
            if first.raw_os_error() != Some(libc::EPERM)
                || libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) != 0
            {
                return Err(io::Error::last_os_error());
            }
        }
        loopback_up()
    }
}

/// Set `lo` up in the current network namespace (`SIOCSIFFLAGS`).
unsafe fn loopback_up() -> io::Result<()> {
    // SAFETY: a socket of our own, an ifreq on the stack, closed after.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut r = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if r == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            r = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        let e = io::Error::last_os_error();
        libc::close(fd);
        if r != 0 { Err(e) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    /// A program fenced cannot reach a listener on the host's loopback;
    /// the same program unfenced can (so the check can fail), and inside
    /// the fence its own loopback works (the offline server is refused
    /// at once, not unreachable).
    #[test]
    fn a_fenced_program_reaches_nothing_outside_itself() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let try_connect = |fenced: bool| {
            let mut cmd = std::process::Command::new("bash");
            cmd.arg("-c").arg(format!(
                "exec 3<>/dev/tcp/127.0.0.1/{port} && echo reached; \
                 {{ exec 4<>/dev/tcp/127.0.0.1/1; }} 2>&1 | grep -q refused && echo refused; true"
            ));
            if fenced {
                // SAFETY: own_network makes only system calls.
                unsafe { cmd.pre_exec(own_network) };
            }
            String::from_utf8(cmd.output().unwrap().stdout).unwrap()
        };
        let open = try_connect(false);
        assert!(open.contains("reached"), "{open}");
        let fenced = try_connect(true);
        assert!(!fenced.contains("reached"), "{fenced}");
        assert!(fenced.contains("refused"), "lo is up inside: {fenced}");
    }
}
