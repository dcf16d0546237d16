//! The guard as the nodes' ring supervisor: its socket, where every entry
//! to a node, a pod or a probe hands over its filter's listener (see
//! `supervised`), and the listeners it holds, whose ring requests it
//! answers as they come ([`super::ring_requests`]).
//!
//! Making a ring waits for the kernel's RCU grace period (`packet_set_ring`
//! calls `synchronize_net`: 9.4 ms a ring on average for a process of this
//! machine's host making 100 itself), and the guard makes them one at a
//! time, one a listener each time it polls: it spends at most [`ANSWERING`]
//! of each second on them, and past that the callers wait for the next
//! second while every node's events and sweeps go on (every node asking
//! for rings in a loop would otherwise hold the guard: 251 nodes, about
//! 2.4 s a round).
//!
//! A listener goes when no process is left under its filter (`POLLHUP`).
//! The guard gone, its listeners close with it, and the requests of every
//! node then fail with `ENOSYS` until a new entry (`apply` starts the
//! guard again).

use super::super::table_bounds;
use super::ring_requests::{self, Answered};
use super::sockets::inside;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// The most of each second spent answering ring requests.
pub const ANSWERING: Duration = Duration::from_millis(250);

/// The time spent answering in the current second.
#[derive(Debug, Clone, Copy)]
struct Share {
    since: Instant,
    spent: Duration,
}

impl Share {
    /// Whether more may be spent at `now` (a new second starts afresh).
    fn open(&mut self, now: Instant) -> bool {
        if now.saturating_duration_since(self.since) >= Duration::from_secs(1) {
            *self = Share {
                since: now,
                spent: Duration::ZERO,
            };
        }
        self.spent < ANSWERING
    }
}

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
    share: Share,
    /// Refusals by namespace inode, since the last report.
    pub refused: HashMap<u64, Refusals>,
    /// Requests made (rings of more than no bytes) since the last report.
    pub made: u64,
    /// The sockets with a filter the guard attached, by namespace inode
    /// (see [`super::filter_requests`]).
    filters: HashMap<u64, Filtered>,
    /// Socket filters refused by namespace inode, since the last report.
    pub filters_refused: HashMap<u64, u64>,
    /// Sockets that receive copies let through lately (see
    /// [`super::socket_requests`]).
    let_through: super::socket_requests::LetThrough,
    /// Such sockets refused by namespace inode since the last report: how
    /// many, and the most the namespace held.
    pub sockets_refused: HashMap<u64, (u64, u64)>,
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
            share: Share {
                since: Instant::now(),
                spent: Duration::ZERO,
            },
            refused: HashMap::new(),
            made: 0,
            filters: HashMap::new(),
            filters_refused: HashMap::new(),
            let_through: Default::default(),
            sockets_refused: HashMap::new(),
        })
    }

    /// What `poll` waits on: the socket, the connections, the listeners
    /// (none while this second's share of answering is spent).
    pub fn poll_list(&mut self) -> impl Iterator<Item = libc::pollfd> + '_ {
        let listeners = match self.share.open(Instant::now()) {
            true => &self.listeners[..],
            false => &[],
        };
        std::iter::once(&self.socket)
            .chain(&self.pending)
            .chain(listeners)
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
                let started = Instant::now();
                if !self.share.open(started) {
                    keep.push(l);
                    continue;
                }
                let home = &self.home;
                let mut held = |netns: &OwnedFd| rings_held(netns, home, buf);
                let filters = &mut self.filters;
                let mut room = |netns: &OwnedFd, sock: u64| filter_room(filters, netns, sock);
                let answered = ring_requests::answer(
                    l.as_raw_fd(),
                    &mut held,
                    &mut room,
                    &mut self.let_through,
                );
                self.share.spent += started.elapsed();
                match answered {
                    Answered::Refused { bytes, held, netns } => {
                        let r = self.refused.entry(netns).or_default();
                        r.count += 1;
                        r.biggest = r.biggest.max(bytes);
                        r.held = held;
                    }
                    Answered::FilterRefused { netns, .. } => {
                        *self.filters_refused.entry(netns).or_default() += 1;
                    }
                    Answered::SocketRefused { netns, held } => {
                        let r = self.sockets_refused.entry(netns).or_default();
                        (r.0, r.1) = (r.0 + 1, r.1.max(held));
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

/// The sockets with a filter the guard attached in one namespace, and
/// when a look at its processes' descriptors last gave up.
#[derive(Debug, Default)]
pub struct Filtered {
    sockets: HashSet<u64>,
    gave_up: Option<Instant>,
}

/// How long after a look at a namespace's descriptors gave up (past
/// [`super::WALK`]) its filter requests at the bound are refused without
/// another.
const NO_LOOK_AFTER_GIVING_UP: Duration = Duration::from_secs(10);

/// Whether `fd` is a seccomp listener (what an entry sends; anything else
/// is dropped).
/// Whether the namespace `netns` may hold one more socket with a filter
/// (`sock`, its inode), which is then counted: past
/// [`table_bounds::SOCKET_FILTERS_A_NODE_HOLDS`], the sockets no process
/// of the namespace holds any more are forgotten first (a look at every
/// process's descriptors, taken only then).
fn filter_room(filters: &mut HashMap<u64, Filtered>, netns: &OwnedFd, sock: u64) -> bool {
    let most = table_bounds::SOCKET_FILTERS_A_NODE_HOLDS;
    let f = filters.entry(ring_requests::inode_of(netns)).or_default();
    let held = &mut f.sockets;
    let looked_late = f
        .gave_up
        .is_some_and(|t| t.elapsed() < NO_LOOK_AFTER_GIVING_UP);
    if held.len() >= most && !held.contains(&sock) && !looked_late {
        // A look that ran out of time forgets none: refused (fail closed),
        // and the next look waits (probe21x: requests back to back, each
        // a full look, slowed the guard's bounds of every node).
        match sockets_in(ring_requests::inode_of(netns)) {
            Some(live) => {
                held.retain(|s| live.contains(s));
                f.gave_up = None;
            }
            None => f.gave_up = Some(Instant::now()),
        }
    }
    if held.len() >= most && !held.contains(&sock) {
        return false;
    }
    held.insert(sock);
    true
}

/// The inodes of the sockets that the processes of the network namespace
/// of inode `netns` hold; `None` when they were not all looked at within
/// [`super::WALK`].
fn sockets_in(netns: u64) -> Option<HashSet<u64>> {
    let until = Instant::now() + super::WALK;
    let want = format!("net:[{netns}]");
    let mut out = HashSet::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Some(out);
    };
    for p in procs.flatten() {
        let Ok(pid) = p.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if std::fs::read_link(p.path().join("ns/net")).ok().as_deref() == Some(Path::new(&want)) {
            for s in super::sockets_of(pid, until) {
                out.insert(s?);
            }
        }
    }
    Some(out)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answering_takes_at_most_its_share_of_each_second() {
        let t0 = Instant::now();
        let mut share = Share {
            since: t0,
            spent: Duration::ZERO,
        };
        assert!(share.open(t0));
        share.spent += ANSWERING - Duration::from_millis(1);
        assert!(share.open(t0 + Duration::from_millis(500)));
        share.spent += Duration::from_millis(20);
        assert!(!share.open(t0 + Duration::from_millis(999)));
        // The next second starts afresh.
        assert!(share.open(t0 + Duration::from_millis(1000)));
        assert_eq!(share.spent, Duration::ZERO);
    }

    /// probe21x: filter requests at the bound back to back, each a look at
    /// every descriptor of a node holding 500,000, slowed the guard's
    /// bounds of every node. After a look gave up, the next requests at the
    /// bound are refused without one for a while.
    #[test]
    fn after_a_look_gave_up_requests_at_the_bound_are_refused_without_one() {
        let answers = std::thread::spawn(|| {
            // A namespace of this thread alone: no process's, so a look
            // finds none of the filtered sockets left.
            // SAFETY: unshare of this thread's network namespace.
            assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0);
            let netns: OwnedFd = File::open("/proc/thread-self/ns/net").unwrap().into();
            let full = |gave_up| {
                let mut filters = HashMap::new();
                filters.insert(
                    ring_requests::inode_of(&netns),
                    Filtered {
                        sockets: (1..=table_bounds::SOCKET_FILTERS_A_NODE_HOLDS as u64).collect(),
                        gave_up,
                    },
                );
                filters
            };
            let looked = filter_room(&mut full(None), &netns, 9999);
            let refused = filter_room(&mut full(Some(Instant::now())), &netns, 9999);
            let long_ago = Instant::now().checked_sub(NO_LOOK_AFTER_GIVING_UP * 2);
            let again = filter_room(&mut full(long_ago), &netns, 9999);
            (looked, refused, again)
        })
        .join()
        .unwrap();
        assert_eq!(answers, (true, false, true));
    }
}
