//! The TCP connections a node's processes closed and the kernel still
//! finishes for them (orphans): counted at every sweep, and past the node's
//! share ([`table_bounds::orphans_a_node_keeps`]) the rest are reset, as the
//! kernel resets its own past `net.ipv4.tcp_max_orphans`.
//!
//! Why: orphans are one count for the whole host. Past
//! `tcp_max_orphans` the kernel resets the host's own closing connections:
//! probe21r's node made 131,214 (a listener never accepting, connections
//! closed at once) and the host's own 4 MiB answers over loopback were cut.
//! A node's `tcp_fin_timeout` is read-only now, but a process sets its own
//! (`TCP_LINGER2`, up to 120 s), and a node that untracks its own traffic
//! is not held to the lab's rate of new connections.
//!
//! How: each sweep reads the node's `/proc/net/sockstat`, opened inside the
//! node (the file stays the node's): its `TCP: inuse` counts every TCP
//! socket of the node in the kernel's tables, orphans among them, and costs
//! a read. Only past the bound does the node's `NETLINK_SOCK_DIAG` socket
//! ([`SockDiag`]) dump its TCP sockets in the states of a connection closed
//! by its side (a walk of the host's whole table of connections: a few
//! hundred microseconds); those no process holds (inode 0) are orphans, and
//! those past the bound get `SOCK_DESTROY`: the kernel sends their peers a
//! reset and frees them (an orphan too, from Linux 6.11 on).
//!
//! At a node's stop and at `lab destroy`, once the namespace's processes
//! are gone and before its name is removed, every TCP socket left in it is
//! reset the same way ([`reset_every`]), not only those past the share: an
//! orphan with a user timeout retransmits for up to 24.8 days, holding its
//! send queue and (by its reference) the namespace with no name, lab or
//! cgroup left to answer for them (probe21az finding 1: 10 orphans, 80 MB
//! of the host's, outlived `lab destroy`, which said nothing). The
//! namespace's `TCP: inuse` is then read until it is 0 (sockstat's
//! `orphan`, `alloc` and `mem` are the host's counts, not the
//! namespace's); what is left is said.

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, message, messages,
};
#[cfg(doc)]
use super::super::table_bounds;
use super::packet_rings::{SOCK_DIAG_BY_FAMILY, SockDiag};
use super::sockets;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

const SOCK_DESTROY: u16 = 21;
/// The states of a connection its own side closed: `FIN_WAIT1`,
/// `FIN_WAIT2`, `LAST_ACK`, `CLOSING` (a bit each, `1 << state`).
const CLOSED_BY_ITS_SIDE: u32 = (1 << 4) | (1 << 5) | (1 << 9) | (1 << 11);
/// Every state of a TCP socket but `TIME_WAIT` (6; a timer of a few bytes
/// that holds no namespace: the kernel purges them with it) and the
/// request sockets of `NEW_SYN_RECV` (12; they go with their listener).
const EVERY_STATE: u32 = 0xffe & !(1 << 6);
/// Bytes of resets sent at once (below the socket's send buffer).
const SEND_BYTES: usize = 64 * 1024;

/// One TCP socket as the kernel named it (an orphan, or any socket of a
/// namespace being removed): its family and its socket id (ports,
/// addresses, interface, cookie), which `SOCK_DESTROY` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    family: u8,
    id: [u8; 48],
}

/// What [`reset_every`] did in a namespace: the TCP sockets it reset, and
/// those its sockstat still counted after (`TCP: inuse`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cleared {
    pub reset: u64,
    pub left: u64,
}

/// What a sweep found past the bound: orphans, how many were reset, and
/// the node's share.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    pub found: u64,
    pub reset: u64,
    pub kept: u64,
}

/// A node's count of its TCP sockets, and its share of orphans.
pub struct Orphans {
    sockstat: File,
    keep: u64,
}

impl Orphans {
    /// Open it in the namespace the calling thread is in, keeping `keep`.
    pub fn open(keep: u64) -> io::Result<Orphans> {
        let sockstat = File::open("/proc/thread-self/net/sockstat")?;
        Ok(Orphans { sockstat, keep })
    }

    /// The TCP sockets of the node in the kernel's tables (`TCP: inuse`).
    fn in_use(&mut self) -> io::Result<u64> {
        self.sockstat.rewind()?;
        let mut text = String::new();
        (&mut self.sockstat).take(4096).read_to_string(&mut text)?;
        tcp_in_use(&text).ok_or_else(|| io::Error::other("no `TCP: inuse` in sockstat"))
    }

    /// Reset the node's orphans past its share (`None`: the node is within
    /// it, or could not be looked at).
    pub fn bound(&mut self, diag: &mut SockDiag, buf: &mut [u8]) -> Option<Reset> {
        if self.in_use().ok()? <= self.keep {
            return None;
        }
        let orphans = diag.orphans(buf).ok()?;
        let past = orphans.get(self.keep as usize..).unwrap_or_default();
        if past.is_empty() {
            return None;
        }
        let refused = diag.destroy(past, buf).unwrap_or(past.len() as u64);
        Some(Reset {
            found: orphans.len() as u64,
            reset: past.len() as u64 - refused.min(past.len() as u64),
            kept: self.keep,
        })
    }
}

/// The count on sockstat's `TCP:` line after `inuse`.
fn tcp_in_use(sockstat: &str) -> Option<u64> {
    let line = sockstat.lines().find_map(|l| l.strip_prefix("TCP:"))?;
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        if w == "inuse" {
            return words.next()?.parse().ok();
        }
    }
    None
}

/// The request for the TCP sockets of `family` in `states`.
fn request_in(family: u8, states: u32, seq: u32) -> Vec<u8> {
    // inet_diag_req_v2: family, protocol, extensions, pad, states, then
    // the socket id (48 bytes: any).
    let mut body = vec![family, libc::IPPROTO_TCP as u8, 0, 0];
    body.extend_from_slice(&states.to_ne_bytes());
    body.extend_from_slice(&[0; 48]);
    message(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, &body)
}

/// The request for the TCP sockets of `family` its side closed.
fn request(family: u8, seq: u32) -> Vec<u8> {
    request_in(family, CLOSED_BY_ITS_SIDE, seq)
}

/// The request for every TCP socket of `family` ([`EVERY_STATE`]).
fn request_every(family: u8, seq: u32) -> Vec<u8> {
    request_in(family, EVERY_STATE, seq)
}

/// The sockets of one receive of the dump (only those no process holds
/// when `orphans_only`), and whether the dump ended.
fn read(b: &[u8], seq: u32, orphans_only: bool, out: &mut Vec<Orphan>) -> bool {
    for m in messages(b).filter(|m| m.seq == seq) {
        match m.ty {
            NLMSG_DONE | NLMSG_ERROR => return true,
            // inet_diag_msg: family, state, timer, retransmits, the id
            // (bytes 4 to 52), then the inode at byte 68.
            SOCK_DIAG_BY_FAMILY
                if m.body.len() >= 72 && (!orphans_only || m.body[68..72] == [0; 4]) =>
            {
                out.push(Orphan {
                    family: m.body[0],
                    id: m.body[4..52].try_into().expect("48 bytes"),
                });
            }
            _ => {}
        }
    }
    false
}

/// The node's orphans, dumped on `fd` (IPv4, then IPv6).
pub fn list(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8]) -> io::Result<Vec<Orphan>> {
    let mut out = Vec::new();
    sockets::ask_inet(fd, seq, buf, request, |b, asked| {
        read(b, asked, true, &mut out)
    })?;
    Ok(out)
}

/// Every TCP socket of the namespace, dumped on `fd` (IPv4, then IPv6).
fn list_every(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8]) -> io::Result<Vec<Orphan>> {
    let mut out = Vec::new();
    sockets::ask_inet(fd, seq, buf, request_every, |b, asked| {
        read(b, asked, false, &mut out)
    })?;
    Ok(out)
}

/// How long [`reset_every`] looks again for sockets its resets have not
/// freed yet (a socket another CPU is sending on is freed when it is done).
pub const RESET_WITHIN: Duration = Duration::from_secs(1);

/// Reset every TCP socket of the namespace at `netns` (its name's file,
/// `/run/netns/NAME`), from a thread that enters it and ends, until its
/// sockstat counts none or [`RESET_WITHIN`] has passed. Call it once the
/// namespace's processes are gone: a socket a process still holds is reset
/// too (its calls then fail with `ECONNABORTED`).
/// A name's file that holds no namespace (an `up` killed between making
/// the file and mounting the namespace on it) holds no socket: nothing to
/// reset.
pub fn reset_every(netns: &Path) -> io::Result<Cleared> {
    let netns = File::open(netns)?;
    if !holds_a_namespace(&netns)? {
        return Ok(Cleared { reset: 0, left: 0 });
    }
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: setns of this thread alone, which ends here.
            if unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            let fd = sockets::netlink(super::packet_rings::NETLINK_SOCK_DIAG, 0)?;
            let mut sockstat = Orphans::open(0)?;
            let (mut seq, mut buf) = (0, vec![0u8; 64 * 1024]);
            let until = Instant::now() + RESET_WITHIN;
            // A namespace with none costs a read, not a dump (a walk of the
            // host's whole table of connections, about 1.3 ms each family).
            let mut cleared = Cleared {
                reset: 0,
                left: sockstat.in_use()?,
            };
            while cleared.left > 0 && Instant::now() < until {
                let found = list_every(&fd, &mut seq, &mut buf)?;
                let refused = destroy(&fd, &found, &mut buf)?;
                cleared.reset += (found.len() as u64).saturating_sub(refused);
                cleared.left = sockstat.in_use()?;
                if cleared.left > 0 {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            Ok(cleared)
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the reset of TCP sockets panicked")))
    })
}

/// Whether `f` is a namespace (on nsfs), not the plain file a name's
/// mount was to go on.
fn holds_a_namespace(f: &File) -> io::Result<bool> {
    // SAFETY: fstatfs on a descriptor this process owns, into a zeroed struct.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(f.as_raw_fd(), &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.f_type == libc::NSFS_MAGIC)
}

/// The `SOCK_DESTROY` of one orphan.
fn destroy_request(o: &Orphan) -> Vec<u8> {
    let mut body = vec![o.family, libc::IPPROTO_TCP as u8, 0, 0];
    body.extend_from_slice(&CLOSED_BY_ITS_SIDE.to_ne_bytes());
    body.extend_from_slice(&o.id);
    message(SOCK_DESTROY, NLM_F_REQUEST, 0, &body)
}

/// Reset `orphans` on `fd`: how many the kernel refused (gone meanwhile,
/// or a kernel before 6.11 that keeps an orphan it was asked to destroy
/// says nothing: the next sweep finds it again).
pub fn destroy(fd: &OwnedFd, orphans: &[Orphan], buf: &mut [u8]) -> io::Result<u64> {
    let out: Vec<u8> = orphans.iter().flat_map(destroy_request).collect();
    let mut refused = 0;
    for batch in sockets::batches(&out, SEND_BYTES) {
        sockets::send(fd, batch)?;
        // Only a refusal is answered (no acknowledgement was asked for);
        // read them before the next batch so none is lost.
        while let sockets::Received::Bytes(n) = sockets::receive(fd.as_raw_fd(), buf)? {
            refused += messages(&buf[..n])
                .filter(|m| m.ty == NLMSG_ERROR)
                .filter(|m| m.body.get(..4).is_some_and(|e| e != [0; 4]))
                .count() as u64;
        }
    }
    Ok(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nodes_tcp_sockets_are_read_from_sockstat() {
        let text = "sockets: used 15\nTCP: inuse 3049 orphan 1524 tw 0 alloc 3050 mem 91\n\
                    UDP: inuse 0 mem 0\n";
        assert_eq!(tcp_in_use(text), Some(3049));
        assert_eq!(tcp_in_use("UDP: inuse 4\n"), None);
        assert_eq!(tcp_in_use("TCP: inuse x\n"), None);
    }

    /// A dumped TCP socket of `inode`, its id's first byte `tag`.
    fn socket(inode: u32, tag: u8, seq: u32) -> Vec<u8> {
        let mut body = vec![2u8, 5, 0, 0];
        let mut id = [0u8; 48];
        id[0] = tag;
        body.extend_from_slice(&id);
        for w in [0u32, 0, 0, 0, inode] {
            body.extend_from_slice(&w.to_ne_bytes());
        }
        message(SOCK_DIAG_BY_FAMILY, 2, seq, &body)
    }

    #[test]
    fn an_orphan_is_a_closing_socket_no_process_holds() {
        let mut b = socket(0, 1, 5);
        b.extend(socket(77, 2, 5));
        b.extend(socket(0, 3, 4));
        b.extend(socket(0, 4, 5));
        let mut out = Vec::new();
        assert!(!read(&b, 5, true, &mut out));
        let tags: Vec<u8> = out.iter().map(|o| o.id[0]).collect();
        assert_eq!(tags, [1, 4]);
        // Every socket of the dump, for a namespace being removed.
        let mut every = Vec::new();
        assert!(!read(&b, 5, false, &mut every));
        let tags: Vec<u8> = every.iter().map(|o| o.id[0]).collect();
        assert_eq!(tags, [1, 2, 4]);
        assert_eq!(out[0].family, 2);
        // A reset names the socket as the dump did.
        let d = destroy_request(&out[0]);
        assert_eq!(d.len(), 16 + 56);
        assert_eq!(u16::from_ne_bytes([d[4], d[5]]), SOCK_DESTROY);
        assert_eq!(&d[16 + 8..], &out[0].id);
        assert_eq!(request(2, 5).len(), 16 + 56);
    }
}

#[cfg(test)]
mod reset_tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    /// Bring up `lo` of the calling thread's namespace.
    fn loopback_up() {
        // SAFETY: an ifreq of ours on a socket of ours.
        unsafe {
            let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
            let mut ifr: libc::ifreq = std::mem::zeroed();
            ifr.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
            ifr.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            assert_eq!(libc::ioctl(s, libc::SIOCSIFFLAGS, &ifr), 0);
            libc::close(s);
        }
    }

    /// probe21az finding 1: a namespace's TCP sockets (a listener and both
    /// ends of a connection, one with data queued) are all reset, and its
    /// sockstat counts none after.
    /// A name's file with no namespace mounted on it (an `up` killed
    /// between the two) has nothing to reset. Seen failing without the
    /// check: `setns` said EINVAL and `destroy` exited 3.
    #[test]
    fn a_names_file_with_no_namespace_has_nothing_to_reset() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("ns");
        std::fs::write(&plain, "").unwrap();
        let cleared = reset_every(&plain).unwrap();
        assert_eq!((cleared.reset, cleared.left), (0, 0));
    }

    #[test]
    fn every_tcp_socket_of_a_namespace_is_reset() {
        let (to_test, from_thread) = std::sync::mpsc::channel();
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let held = std::thread::spawn(move || {
            // SAFETY: unshare of this thread's network namespace.
            assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0);
            loopback_up();
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            let (a, _) = l.accept().unwrap();
            c.write_all(&[7; 4096]).unwrap();
            assert_eq!(Orphans::open(0).unwrap().in_use().unwrap(), 3);
            // SAFETY: gettid.
            to_test.send(unsafe { libc::gettid() }).unwrap();
            wait.recv().unwrap();
            // The reset connection says so.
            let mut b = [0u8; 16];
            let got = (&a).read(&mut b).map_err(|e| e.raw_os_error());
            (got, l, c)
        });
        let tid = from_thread.recv().unwrap();
        let path = format!("/proc/{}/task/{tid}/ns/net", std::process::id());
        let cleared = reset_every(Path::new(&path)).unwrap();
        done.send(()).unwrap();
        let (got, _l, _c) = held.join().unwrap();
        // Three sockets; the reset of one end may close the other first
        // (its peer's reset reaches it over `lo`).
        assert_eq!(cleared.left, 0, "{cleared:?}");
        assert!((2..=3).contains(&cleared.reset), "{cleared:?}");
        assert!(
            matches!(got, Err(Some(_)) | Ok(0) | Ok(4096) | Ok(16)),
            "{got:?}"
        );
    }
}
