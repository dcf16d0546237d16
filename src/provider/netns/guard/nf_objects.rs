//! A node's netfilter accounting objects (`nfacct add NAME`) and conntrack
//! timeout policies (`nfct add timeout NAME …`): counted at every sweep,
//! and past the bound every one of that kind that no rule uses is removed.
//!
//! Why: kernel memory charged to no one, kept until removed, and no event
//! tells of one (probe21o: 171,313 accounting objects in 300 s, about
//! 16 MB a node in five minutes; each new name is compared with every
//! other, so they slow as they grow). The lab makes none.
//!
//! How: a `NETLINK_NETFILTER` socket opened inside the node dumps each
//! kind every [`EVERY_SWEEPS`] sweeps and counts what comes; past the bound, one request
//! naming no object removes every object of that kind no rule uses (as
//! `nfacct flush` does; the kernel keeps those in use, which the node's
//! rules, charged to it, hold).

use super::super::netlink::msg::{NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, message, messages};
use super::ipset::{ask_counting, part_of};
use std::io;
use std::os::fd::OwnedFd;

const NETLINK_NETFILTER: libc::c_int = 12;

/// Sweeps between two looks: what a node makes in between is five
/// seconds' worth (a few thousand objects, under a megabyte), and two dumps
/// a node at every sweep cost 250 nodes' guard 2.57-2.71 % of a core,
/// against 2.17-2.24 % every fifth.
pub const EVERY_SWEEPS: u64 = 5;

/// One kind: its name, netfilter subsystem and get and delete commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    subsys: u16,
    get: u16,
    delete: u16,
}

/// `NFNL_SUBSYS_ACCT` (`NFNL_MSG_ACCT_GET`, `_DEL`) and
/// `NFNL_SUBSYS_CTNETLINK_TIMEOUT` (`IPCTNL_MSG_TIMEOUT_GET`, `_DELETE`).
pub const KINDS: [Kind; 2] = [
    Kind {
        name: "netfilter accounting objects",
        subsys: 7,
        get: 1,
        delete: 3,
    },
    Kind {
        name: "conntrack timeout policies",
        subsys: 8,
        get: 1,
        delete: 2,
    },
];

impl Kind {
    /// A request of command `cmd` naming nothing (`struct nfgenmsg`:
    /// every family, version 0, resource 0).
    fn request(self, cmd: u16, flags: u16, seq: u32) -> Vec<u8> {
        message(
            (self.subsys << 8) | cmd,
            NLM_F_REQUEST | flags,
            seq,
            &[0, 0, 0, 0],
        )
    }
}

/// A node's netfilter socket for these dumps and removals.
pub struct NfObjects {
    fd: OwnedFd,
    seq: u32,
    /// Each nf_tables set's largest size seen (see [`super::nft_sets`]).
    set_sizes: std::collections::HashMap<super::nft_sets::SetKey, u64>,
    /// A socket joined to the node's nf_tables events (`NFNLGRP_NFTABLES`):
    /// every size a set declares is heard (see [`super::nft_sets::hear`]).
    events: Option<OwnedFd>,
    /// Events were lost since the last look at the sets.
    events_lost: bool,
    /// An event told of a rule, set or element the lab never makes, and
    /// why it stops the node (see [`super::rules::refused_message`]).
    refused: Option<&'static str>,
}

/// The events socket's receive buffer (as the guard's rtnetlink socket's):
/// a burst of a node's events waits here until the guard reads it.
const EVENT_BYTES: libc::c_int = 4 << 20;

/// The events socket, joined to `NFNLGRP_NFTABLES`, its buffer forced to
/// [`EVENT_BYTES`] (the default's 212,992 bytes were filled by a batch of
/// 1,500 tables made and removed, probe21ad).
fn events_socket() -> io::Result<OwnedFd> {
    let fd = super::sockets::netlink(NETLINK_NETFILTER, NFTABLES_EVENTS)?;
    super::sockets::set_option(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &EVENT_BYTES)?;
    Ok(fd)
}

/// `NFNLGRP_NFTABLES` (group 7), as a bind's bit.
const NFTABLES_EVENTS: u32 = 1 << 6;

impl NfObjects {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> io::Result<NfObjects> {
        Ok(NfObjects {
            fd: super::sockets::netlink(NETLINK_NETFILTER, 0)?,
            seq: 0,
            set_sizes: Default::default(),
            events: events_socket().ok(),
            events_lost: false,
            refused: None,
        })
    }

    /// Send request `b` and read its reply to the end: the objects it told
    /// of (see [`ask_counting`]).
    fn ask(&mut self, b: &[u8], seq: u32, buf: &mut [u8]) -> io::Result<u64> {
        ask_counting(&self.fd, b, seq, buf, |r| part_of(r, seq).0)
    }

    fn next_seq(&mut self) -> u32 {
        super::sockets::next_seq(&mut self.seq)
    }

    /// The node's nf_tables rules, every family (see [`super::rules`]).
    pub fn rules(&mut self, buf: &mut [u8]) -> io::Result<super::rules::Counted> {
        let seq = self.next_seq();
        super::rules::nf_tables(&self.fd, seq, buf)
    }

    /// The room the node's nf_tables sets declare (see [`super::nft_sets`]).
    pub fn sets(&mut self, buf: &mut [u8], bound: u64) -> io::Result<super::nft_sets::Sets> {
        super::nft_sets::look(&self.fd, &mut self.seq, buf, &mut self.set_sizes, bound)
    }

    /// The events socket (-1, which `poll` passes over, when there is none).
    pub fn events_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.events.as_ref().map_or(-1, |f| f.as_raw_fd())
    }

    /// Read the events that wait (see [`super::nft_sets::hear`]),
    /// remembering a loss until the next look.
    pub fn listen(&mut self, buf: &mut [u8]) {
        let Some(events) = self.events.as_ref() else {
            return;
        };
        let heard = super::nft_sets::hear(events, buf, &mut self.set_sizes, &mut self.refused);
        self.events_lost |= heard == super::nft_sets::Heard::Lost;
    }

    /// The room the node's sets declare as their events told (each set's
    /// largest size), or `None` when events were lost since the last look
    /// or cannot be heard (then only a look says).
    pub fn heard_sets(&mut self, buf: &mut [u8]) -> Option<u64> {
        self.listen(buf);
        (self.events.is_some() && !self.events_lost).then(|| self.set_sizes.values().sum())
    }

    /// Why to stop the node, if an event told of a rule the lab never
    /// makes (see [`super::rules::refused_message`]).
    pub fn refused_heard(&self) -> Option<&'static str> {
        self.refused
    }

    /// Whether the node holds the table of bounds its root cannot take off
    /// (`ip lab` with the owner flag: see `owned_bounds`).
    pub fn has_owned_table(&mut self, buf: &mut [u8]) -> bool {
        const GET_TABLES: u16 = (10 << 8) | 1;
        const NEW_TABLE: u16 = 10 << 8;
        const NFTA_TABLE_NAME: u16 = 1;
        const NFTA_TABLE_FLAGS: u16 = 2;
        const NFT_TABLE_F_OWNER: u32 = 0x2;
        let seq = self.next_seq();
        // nfgenmsg: IPv4 (`NFPROTO_IPV4`), version 0, resource 0.
        let dump = message(GET_TABLES, NLM_F_REQUEST | NLM_F_DUMP, seq, &[2, 0, 0, 0]);
        let found = std::cell::Cell::new(false);
        let name = format!("{}\0", super::super::owned_bounds::TABLE);
        let asked = ask_counting(&self.fd, &dump, seq, buf, |r| {
            for m in messages(r).filter(|m| m.seq == seq && m.ty == NEW_TABLE) {
                let a = super::super::netlink::msg::attrs(m.body.get(4..).unwrap_or_default());
                let of = |ty: u16| a.iter().find(|(t, _)| *t == ty).map(|(_, v)| *v);
                let flags = of(NFTA_TABLE_FLAGS)
                    .and_then(|v| Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?)))
                    .unwrap_or(0);
                if of(NFTA_TABLE_NAME) == Some(name.as_bytes()) && flags & NFT_TABLE_F_OWNER != 0 {
                    found.set(true);
                }
            }
            part_of(r, seq).0
        });
        asked.is_ok() && found.get()
    }

    /// Whether events were lost since the last look, forgetting it: the
    /// caller looks now.
    pub fn take_events_lost(&mut self) -> bool {
        std::mem::take(&mut self.events_lost)
    }

    /// The sweep's look at `kind`: when the node's objects of that kind
    /// pass `bound`, every unused one is removed and their count returned.
    pub fn bound(&mut self, kind: Kind, bound: u64, buf: &mut [u8]) -> io::Result<Option<u64>> {
        let seq = self.next_seq();
        let n = self.ask(&kind.request(kind.get, NLM_F_DUMP, seq), seq, buf)?;
        if n <= bound {
            return Ok(None);
        }
        let seq = self.next_seq();
        self.ask(&kind.request(kind.delete, NLM_F_ACK, seq), seq, buf)?;
        Ok(Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_and_a_removal_name_no_object() {
        let d = KINDS[0].request(KINDS[0].get, NLM_F_DUMP, 5);
        assert_eq!(d.len(), 20);
        assert_eq!(u16::from_ne_bytes([d[4], d[5]]), 0x701);
        assert_eq!(u16::from_ne_bytes([d[6], d[7]]), 0x301);
        let r = KINDS[1].request(KINDS[1].delete, NLM_F_ACK, 6);
        assert_eq!(u16::from_ne_bytes([r[4], r[5]]), 0x802);
        assert_eq!(&r[16..], &[0, 0, 0, 0]);
    }
}
