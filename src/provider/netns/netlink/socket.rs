//! A rtnetlink socket of the namespace the calling thread is in, sending
//! ops in large batches (many messages to one `sendmsg`, which the kernel
//! handles in order before it returns) and reading its verdicts: an error
//! message for each failed op, an acknowledgement for the last of a batch.

use super::Op;
use super::msg::{self, Lookup, NLMSG_ERROR};
use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Bytes of messages sent at once (the kernel refuses a send larger than
/// the socket's send buffer).
const BATCH_BYTES: usize = 64 * 1024;
const SOL_NETLINK: i32 = 270;
const NETLINK_CAP_ACK: i32 = 10;
const NETLINK_EXT_ACK: i32 = 11;
const NLMSGERR_ATTR_MSG: u16 = 1;

/// A refused op: what it was and the kernel's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub op: String,
    pub error: String,
}

pub struct Socket {
    fd: OwnedFd,
    seq: u32,
    /// Device indexes looked up in this namespace.
    index: HashMap<String, u32>,
    /// Namespaces of veth peers in the batch being built (open until sent).
    peers: HashMap<String, File>,
    buf: Vec<u8>,
    /// Sequence number → (the op's place in the caller's list, tolerant) of
    /// the batch being built. An op is shown as text only when refused: at
    /// 1000 workers, formatting each of three million ops cost more than
    /// encoding it.
    pending: Vec<(u32, usize, bool)>,
    last: usize,
}

impl Lookup for Socket {
    fn index(&self, dev: &str) -> u32 {
        self.index.get(dev).copied().unwrap_or(0)
    }
    fn netns_fd(&self, netns: &str) -> i32 {
        self.peers.get(netns).map(|f| f.as_raw_fd()).unwrap_or(-1)
    }
}

impl Socket {
    /// A socket of the calling thread's network namespace.
    pub fn open() -> io::Result<Socket> {
        // SAFETY: plain system calls; the descriptor is owned right away.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by socket(2) and is ours.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        for opt in [NETLINK_CAP_ACK, NETLINK_EXT_ACK] {
            let one: libc::c_int = 1;
            // SAFETY: a valid option value of the right size. Failure (an
            // old kernel) only costs the longer acks and error texts.
            unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    SOL_NETLINK,
                    opt,
                    &one as *const _ as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
        }
        Ok(Socket {
            fd,
            seq: 0,
            index: HashMap::new(),
            peers: HashMap::new(),
            buf: Vec::with_capacity(BATCH_BYTES + 4096),
            pending: Vec::new(),
            last: 0,
        })
    }

    /// Add `ops[at]` to the batch (sending what is queued first when the op
    /// needs a device index that an earlier op of the batch may make).
    /// A tolerant op may fail (a deletion of what may be gone).
    pub fn push(&mut self, ops: &[Op], at: usize, tolerant: bool) -> Result<(), Refused> {
        let op = &ops[at];
        for dev in op.devices() {
            if !self.index.contains_key(dev) {
                self.flush(ops)?;
                let index = if_index(dev).ok_or_else(|| Refused {
                    op: op.to_string(),
                    error: format!("no device {dev}"),
                })?;
                self.index.insert(dev.to_string(), index);
            }
        }
        if let Op::Veth { peer, .. } = op
            && !self.peers.contains_key(&peer.netns)
        {
            let f =
                File::open(super::super::sys::netns_path(&peer.netns)).map_err(|e| Refused {
                    op: op.to_string(),
                    error: format!("opening namespace {}: {e}", peer.netns),
                })?;
            self.peers.insert(peer.netns.clone(), f);
        }
        self.seq = self.seq.wrapping_add(1);
        self.last = self.buf.len();
        let mut buf = std::mem::take(&mut self.buf);
        msg::encode(&mut buf, op, self.seq, self);
        self.buf = buf;
        self.pending.push((self.seq, at, tolerant));
        if let Some(dev) = op.changes() {
            self.index.remove(dev);
        }
        if self.buf.len() >= BATCH_BYTES || self.peers.len() >= 256 {
            self.flush(ops)?;
        }
        Ok(())
    }

    /// Send the batch and wait for the kernel's verdict on all of it: the
    /// first refused op that was not tolerant, if any (`ops`: the list the
    /// pushed places are in).
    pub fn flush(&mut self, ops: &[Op]) -> Result<(), Refused> {
        if self.pending.is_empty() {
            return Ok(());
        }
        msg::want_ack(&mut self.buf, self.last);
        let pending = std::mem::take(&mut self.pending);
        let last_seq = pending.last().map(|p| p.0).unwrap_or(0);
        let sent = self.send();
        self.buf.clear();
        self.peers.clear();
        if let Err(e) = sent {
            return Err(Refused {
                op: format!(
                    "{} ops ending with `{}`",
                    pending.len(),
                    ops[pending[pending.len() - 1].1]
                ),
                error: format!("sending to the kernel: {e}"),
            });
        }
        let mut first: Option<Refused> = None;
        let mut rbuf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: receiving into a buffer we own, of its length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    rbuf.as_mut_ptr() as *mut libc::c_void,
                    rbuf.len(),
                    0,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(Refused {
                    op: format!("{} ops", pending.len()),
                    error: format!("reading the kernel's answer: {e}"),
                });
            }
            let mut done = false;
            for (seq, errno, text) in errors(&rbuf[..n as usize]) {
                if errno != 0
                    && first.is_none()
                    && let Some((_, at, tolerant)) = pending.iter().find(|p| p.0 == seq)
                    && !tolerant
                {
                    let e = io::Error::from_raw_os_error(errno);
                    first = Some(Refused {
                        op: ops[*at].to_string(),
                        error: match text {
                            Some(t) => format!("{e} ({t})"),
                            None => e.to_string(),
                        },
                    });
                }
                done |= seq == last_seq;
            }
            if done {
                break;
            }
        }
        match first {
            Some(r) => Err(r),
            None => Ok(()),
        }
    }

    fn send(&self) -> io::Result<()> {
        // SAFETY: sending a buffer we own, of its length, to the kernel
        // (the socket's default destination).
        let n = unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                self.buf.as_ptr() as *const libc::c_void,
                self.buf.len(),
                0,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// The ifindex of `dev` in the calling thread's namespace.
fn if_index(dev: &str) -> Option<u32> {
    let c = CString::new(dev).ok()?;
    // SAFETY: a valid C string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// The error messages in a buffer the kernel sent: (sequence number of the
/// message answered, errno (0 for an acknowledgement), the kernel's text).
pub fn errors(b: &[u8]) -> Vec<(u32, i32, Option<String>)> {
    let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut out = Vec::new();
    let mut at = 0;
    while at + 16 <= b.len() {
        let len = u32_at(at) as usize;
        if len < 16 || at + len > b.len() {
            break;
        }
        // nlmsgerr: error (i32), then the header of the message answered.
        if u16_at(at + 4) == NLMSG_ERROR && len >= 16 + 4 + 16 {
            let errno = -(u32_at(at + 16) as i32);
            let seq = u32_at(at + 20 + 8);
            let mut text = None;
            // Extended ack attributes follow the (capped) original header.
            let mut a = at + 36;
            while a + 4 <= at + len {
                let alen = u16_at(a) as usize;
                if alen < 4 || a + alen > at + len {
                    break;
                }
                if u16_at(a + 2) == NLMSGERR_ATTR_MSG {
                    let s = &b[a + 4..a + alen];
                    let s = s.split(|c| *c == 0).next().unwrap_or_default();
                    text = Some(String::from_utf8_lossy(s).into_owned());
                }
                a += (alen + 3) & !3;
            }
            out.push((seq, errno, text));
        }
        at += (len + 3) & !3;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_errors_are_read_with_their_text() {
        // An error for seq 7 (EEXIST) with an extended-ack message, then
        // the acknowledgement of seq 8.
        let mut b = Vec::new();
        let text = b"Neighbour exists\0";
        let alen = 4 + text.len();
        let len = 36 + ((alen + 3) & !3);
        b.extend_from_slice(&(len as u32).to_ne_bytes());
        b.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        b.extend_from_slice(&0x100u16.to_ne_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&(-17i32).to_ne_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&7u32.to_ne_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&(alen as u16).to_ne_bytes());
        b.extend_from_slice(&NLMSGERR_ATTR_MSG.to_ne_bytes());
        b.extend_from_slice(text);
        while b.len() % 4 != 0 {
            b.push(0);
        }
        b.extend_from_slice(&36u32.to_ne_bytes());
        b.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        b.extend_from_slice(&[0; 10]);
        b.extend_from_slice(&0i32.to_ne_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&8u32.to_ne_bytes());
        b.extend_from_slice(&[0; 4]);
        assert_eq!(
            errors(&b),
            vec![(7, 17, Some("Neighbour exists".into())), (8, 0, None)]
        );
    }
}
