//! A node's events read: at most [`RECEIVES_A_ROUND`] receives from each of
//! its sockets in one round of the guard's loop, so a node whose events
//! come faster than the guard reads them (a flood; the guard is held to its
//! CPU limit, see `cgroups::GUARD_CPU_PERCENT`) has the rest read in the
//! next round, after the other nodes' events and a sweep that is due, and
//! never keeps the guard from them. `poll` says again what still waits.
//!
//! A dump's removals are sent when it has ended (see
//! [`Watch::dump_holds_removals`]), and the forwarding table is dumped at
//! every sweep besides (see [`Watch::sweep`]): probe21bj's node flooded a
//! bridge of its own with new source MACs; removals sent between the
//! receives of a dump made the kernel's dump skip entries (it goes on by
//! position), and the guard, dumping again only when events were lost,
//! counted 288 while 7,000 to 15,000 stayed, refreshed by the node. A
//! removal that failed (refused, or its send failed) is tried again at the
//! next sweep's dump, which shows the entry again.

use super::super::entry::Class;
use super::super::sockets::{Received, receive};
use super::super::xfrm;
use super::Watch;
use std::io;
use std::os::fd::AsRawFd;

/// The most receives from one socket in one round: about a receive
/// buffer's worth of events (a few milliseconds of the guard's time).
pub const RECEIVES_A_ROUND: usize = 1024;

/// The longest a dump holds back the removals decided meanwhile (a dump of
/// thousands of entries takes milliseconds).
const DUMP_HOLDS_AT_MOST: std::time::Duration = std::time::Duration::from_secs(2);

/// The most removals a dump holds back, in bytes (about 5,000 forwarding
/// entries' removals).
const DUMP_HOLDS_BYTES: usize = 4 * super::SEND_BYTES;

impl Watch {
    /// Read what the kernel sent until nothing waits (or a round's
    /// receives were made), sending the removals each receive decides
    /// before the next (a dump must not show again what is about to go).
    /// Returns `Err` only for a socket that no longer works.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let fd = self.fd.as_raw_fd();
        receive_some(fd, buf, RECEIVES_A_ROUND, |got, bytes| {
            if let Received::Lost = got {
                // Events were lost: what is there is learnt again.
                for c in Class::ALL {
                    self.queue(c);
                }
                self.wipe_tc = true;
                self.qdiscs_told();
                self.macvlan_sources_due();
                self.devices_changed();
                (self.routes_due, self.ipv6_routes_due) = (true, true);
                return Ok(());
            }
            self.handle(bytes);
            self.flush()
        })
    }

    /// Whether the removals decided so far wait for the dump that runs to
    /// end: the kernel goes on with a neighbour or forwarding dump by
    /// position, so entries removed meanwhile make it skip as many others
    /// (which the guard then forgets as gone). Traffic control's dump is
    /// of qdiscs, whose removals its own end decides ([`super::tc`]). A
    /// dump holds back at most [`DUMP_HOLDS_BYTES`] of removals, for at
    /// most [`DUMP_HOLDS_AT_MOST`]: a node flooding new entries meanwhile
    /// (probe21bj: 400,000 frames in 4 s) had them grow to 248,000 while
    /// one dump held its removals; past that they go at once, and the next
    /// sweep's dump shows what this one skipped.
    pub(super) fn dump_holds_removals(&self) -> bool {
        self.dumping.is_some_and(|(class, _)| class != Class::Tc)
            && self.dump_started_at.elapsed() < DUMP_HOLDS_AT_MOST
            && self.out.len() < DUMP_HOLDS_BYTES
    }

    /// Read the node's IPsec events until none waits (or a round's
    /// receives were made), flushing a table past the bound (both, when
    /// events were lost).
    pub fn read_xfrm(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let bound = self.table.bound() as u64;
        let fd = self.xfrm_fd();
        receive_some(fd, buf, RECEIVES_A_ROUND, |got, bytes| {
            let (mut policies, mut states) = (false, false);
            if let Received::Lost = got {
                (policies, states) = (true, true);
            }
            for ty in xfrm::types(bytes) {
                let (p, s) = self.xfrm_counts.take(xfrm::told(ty), bound);
                policies |= p;
                states |= s;
            }
            for (due, which) in [(policies, true), (states, false)] {
                if due {
                    let b = xfrm::flush(which);
                    // SAFETY: a buffer we own, of its length.
                    let r = unsafe { libc::send(fd, b.as_ptr().cast(), b.len(), 0) };
                    if r < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    let c = &mut self.xfrm_counts;
                    *(if which {
                        &mut c.policies
                    } else {
                        &mut c.states
                    }) = 0;
                    self.xfrm_flushed += 1;
                }
            }
            Ok(())
        })
    }
}

/// Receive from `fd` into `buf`, handing each receive to `f` (with its
/// bytes: none when events were lost), until nothing waits or `most`
/// receives were made. `Err` for a socket that no longer works, or `f`'s.
fn receive_some(
    fd: i32,
    buf: &mut [u8],
    most: usize,
    mut f: impl FnMut(Received, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    for _ in 0..most {
        let got = receive(fd, buf)?;
        let n = match got {
            Received::Nothing => return Ok(()),
            Received::Lost => 0,
            Received::Bytes(n) => n,
        };
        f(got, &buf[..n])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;

    /// A socket that always has more waiting is read a round's worth at a
    /// time; the rest waits for the next round. Seen failing with the
    /// reads unbounded (all ten read at once).
    #[test]
    fn a_round_reads_at_most_its_share_of_a_socket() {
        let (a, b) = UnixDatagram::pair().unwrap();
        for i in 0..10u8 {
            a.send(&[i]).unwrap();
        }
        let mut buf = [0u8; 16];
        let mut got = Vec::new();
        receive_some(b.as_raw_fd(), &mut buf, 4, |_, bytes| {
            got.extend_from_slice(bytes);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, [0, 1, 2, 3]);
        receive_some(b.as_raw_fd(), &mut buf, 100, |_, bytes| {
            got.extend_from_slice(bytes);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, (0..10).collect::<Vec<u8>>());
    }
}
