//! The guard as the nodes' ring supervisor: its socket, where every entry
//! to a node, a pod or a probe hands over its filter's listener (see
//! `supervised`), and the listeners it holds, whose ring requests it
//! answers as they come ([`super::ring_requests`]).
//!
//! A listener goes when no process is left under its filter (`POLLHUP`).
//! The guard gone, its listeners close with it, and the requests of every
//! node then fail with `ENOSYS` until a new entry (`apply` starts the
//! guard again).

use super::ring_requests::{self, Answered};
use super::sockets::inside;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

/// The most listeners (and connections not yet sent on) held at once:
/// past it, new entries' requests fail (their listener is dropped).
pub const LISTENERS: usize = 16384;

/// Requests refused in one namespace since the last report.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Refusals {
    pub count: u64,
    pub biggest: u64,
    pub held: u64,
}

pub struct Supervisor {
    socket: OwnedFd,
    /// Connections whose listener has not come yet.
    pending: Vec<OwnedFd>,
    listeners: Vec<OwnedFd>,
    home: File,
    /// Refusals by namespace inode, since the last report.
    pub refused: HashMap<u64, Refusals>,
    /// Requests made (rings of more than no bytes) since the last report.
    pub made: u64,
}

impl Supervisor {
    /// Listen on `path` (a stale socket there is replaced), from the
    /// guard's namespace `home`.
    pub fn bind(path: &Path, home: &File) -> io::Result<Supervisor> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let (folder, socket) = super::super::supervised::at_folder(path)?;
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        let short = format!(
            "/proc/self/fd/{}/{}",
            folder.as_raw_fd(),
            name.to_string_lossy()
        );
        let (addr, len) = super::super::supervised::address(&short)?;
        // SAFETY: bind and listen on our socket, an address of ours.
        unsafe {
            if libc::bind(
                socket.as_raw_fd(),
                &addr as *const libc::sockaddr_un as *const libc::sockaddr,
                len,
            ) != 0
                || libc::listen(socket.as_raw_fd(), 4096) != 0
            {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Supervisor {
            socket,
            pending: Vec::new(),
            listeners: Vec::new(),
            home: home.try_clone()?,
            refused: HashMap::new(),
            made: 0,
        })
    }

    /// What `poll` waits on: the socket, the connections, the listeners.
    pub fn poll_list(&self) -> impl Iterator<Item = libc::pollfd> + '_ {
        std::iter::once(&self.socket)
            .chain(&self.pending)
            .chain(&self.listeners)
            .map(|f| libc::pollfd {
                fd: f.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
    }

    /// Act on what `poll` said of [`Supervisor::poll_list`]'s descriptors
    /// (in its order); `buf` is for the namespaces' socket lists.
    pub fn ready(&mut self, polled: &[libc::pollfd], buf: &mut [u8]) {
        let (socket, rest) = polled.split_first().expect("the socket is polled");
        let (pending, listeners) = rest.split_at(self.pending.len());
        // Listeners first (their indices are those polled).
        let mut keep = Vec::with_capacity(self.listeners.len());
        for (i, l) in std::mem::take(&mut self.listeners).into_iter().enumerate() {
            let revents = listeners.get(i).map_or(0, |p| p.revents);
            if revents & libc::POLLIN != 0 {
                let home = &self.home;
                let mut held = |netns: &OwnedFd| rings_held(netns, home, buf);
                match ring_requests::answer(l.as_raw_fd(), &mut held) {
                    Answered::Refused { bytes, held, netns } => {
                        let r = self.refused.entry(netns).or_default();
                        r.count += 1;
                        r.biggest = r.biggest.max(bytes);
                        r.held = held;
                    }
                    Answered::Made { bytes, errno: 0 } if bytes > 0 => self.made += 1,
                    _ => {}
                }
                keep.push(l);
            } else if revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) == 0 {
                keep.push(l);
            }
        }
        self.listeners = keep;
        let mut waiting = Vec::with_capacity(self.pending.len());
        for (c, p) in std::mem::take(&mut self.pending).into_iter().zip(pending) {
            if p.revents == 0 {
                waiting.push(c);
                continue;
            }
            match super::super::supervised::receive_fd(c.as_raw_fd()) {
                Ok(Some(l)) if is_listener(&l) => self.listeners.push(l),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => waiting.push(c),
                _ => {}
            }
        }
        self.pending = waiting;
        if socket.revents != 0 {
            self.accept();
        }
    }

    /// Take every connection waiting, up to [`LISTENERS`] held in all.
    fn accept(&mut self) {
        loop {
            // SAFETY: accept4 on our socket, no address asked.
            let fd = unsafe {
                libc::accept4(
                    self.socket.as_raw_fd(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                )
            };
            if fd < 0 {
                return;
            }
            // SAFETY: returned by accept4, ours.
            let c = unsafe { OwnedFd::from_raw_fd(fd) };
            if self.pending.len() + self.listeners.len() < LISTENERS {
                self.pending.push(c);
            }
        }
    }
}

/// Whether `fd` is a seccomp listener (what an entry sends; anything else
/// is dropped).
fn is_listener(fd: &OwnedFd) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .is_ok_and(|l| l.as_os_str() == "anon_inode:seccomp notify")
}

/// The bytes of the rings of the namespace open at `netns`, listed from
/// inside it.
fn rings_held(netns: &OwnedFd, home: &File, buf: &mut [u8]) -> io::Result<u64> {
    let netns = File::from(netns.try_clone()?);
    let mut diag = inside(&netns, home, super::packet_rings::SockDiag::open)??;
    Ok(diag.list(buf)?.iter().map(|r| r.1).sum())
}
