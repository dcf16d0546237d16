//! The netfilter rules a node holds, every table and family, nf_tables and
//! the legacy ones: counted every few sweeps, and a node past the bound is
//! stopped, since only removing its rules frees what they keep.
//!
//! Why: a rule is charged to the node, but some matches keep data of their
//! own for each rule outside the node's limit (`-m connlimit` 4 KB, `-m
//! string` 1.8 KB): probe21u's node1 added 40,000 connlimit rules in 4.5 s,
//! 172 MB of the host's for 33 MB of its own; one node's 512 MiB of rules
//! pays for about 2.2 GB. The guard cannot tell which match keeps what, so
//! it bounds the rules.
//!
//! How: inside each node, its `NETLINK_NETFILTER` socket (the one of
//! [`super::nf_objects`]) dumps nf_tables' rules of every family (`iptables` is nf_tables' here) and counts them;
//! the legacy tables a node loaded (`iptables-legacy`, `ip6tables-legacy`,
//! `arptables-legacy`; listed in `/proc/net/*_tables_names`) tell their
//! entries to `getsockopt(…_SO_GET_INFO)` on a raw socket. (ebtables'
//! legacy tables have no such list, and asking for one makes it: not
//! counted; their entries are charged to the node.)

use super::super::netlink::msg::{NLM_F_DUMP, NLM_F_REQUEST, message};
use super::ipset::{ask_counting, part_of};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `NFNL_SUBSYS_NFTABLES`, `NFT_MSG_GETRULE`.
const GET_RULES: u16 = (10 << 8) | 7;

/// The rules of nf_tables, every family, counted on the node's netfilter
/// socket `fd` (the one of [`super::nf_objects`]).
pub fn nf_tables(fd: &OwnedFd, seq: u32, buf: &mut [u8]) -> io::Result<u64> {
    // nfgenmsg: every family, version 0, resource 0.
    let dump = message(GET_RULES, NLM_F_REQUEST | NLM_F_DUMP, seq, &[0, 0, 0, 0]);
    ask_counting(fd, &dump, seq, buf, |r| part_of(r, seq).0)
}

/// Sweeps between two counts: what a node adds in between is a few
/// seconds' worth.
pub const EVERY_SWEEPS: u64 = 5;

/// A legacy kind of table: where its tables are listed, the socket that
/// asks, the option, and where the entries' count is in the answer.
struct Legacy {
    names: &'static str,
    family: libc::c_int,
    level: libc::c_int,
    option: libc::c_int,
    /// The answer's length and the offset of its count of entries.
    size: usize,
    at: usize,
}

/// `ipt_getinfo` / `ip6t_getinfo` (name, hooks, five entries and
/// underflows, then the count) and `arpt_getinfo` (three of each).
const LEGACY: [Legacy; 3] = [
    Legacy {
        names: "/proc/thread-self/net/ip_tables_names",
        family: libc::AF_INET,
        level: libc::SOL_IP,
        option: 64,
        size: 84,
        at: 76,
    },
    Legacy {
        names: "/proc/thread-self/net/ip6_tables_names",
        family: libc::AF_INET6,
        level: libc::SOL_IPV6,
        option: 64,
        size: 84,
        at: 76,
    },
    Legacy {
        names: "/proc/thread-self/net/arp_tables_names",
        family: libc::AF_INET,
        level: libc::SOL_IP,
        option: 96,
        size: 68,
        at: 60,
    },
];

/// A node's sockets and lists to count its legacy tables' entries with.
pub struct Rules {
    raw4: OwnedFd,
    raw6: Option<OwnedFd>,
    names: Vec<Option<File>>,
}

fn raw(family: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2); the descriptor is owned at once.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::IPPROTO_RAW,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: returned by socket(2), ours.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The entries a legacy table `name` tells on `fd`: 0 when it has none in
/// the namespace.
fn entries(
    fd: &OwnedFd,
    level: libc::c_int,
    option: libc::c_int,
    name: &str,
    size: usize,
    at: usize,
) -> u64 {
    let mut info = vec![0u8; size];
    let n = name.as_bytes();
    info[..n.len().min(31)].copy_from_slice(&n[..n.len().min(31)]);
    let mut len = size as libc::socklen_t;
    // SAFETY: getsockopt into a buffer of `size` bytes.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            option,
            info.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if r != 0 || (len as usize) < at + 4 {
        return 0;
    }
    u32::from_ne_bytes(info[at..at + 4].try_into().expect("4 bytes")) as u64
}

impl Rules {
    /// Open them in the namespace the calling thread is in.
    pub fn open() -> io::Result<Rules> {
        Ok(Rules {
            raw4: raw(libc::AF_INET)?,
            raw6: raw(libc::AF_INET6).ok(),
            names: LEGACY.iter().map(|l| File::open(l.names).ok()).collect(),
        })
    }

    /// The entries of the legacy tables the node loaded.
    pub fn legacy(&mut self) -> io::Result<u64> {
        let mut n = 0;
        for (legacy, names) in LEGACY.iter().zip(&mut self.names) {
            let Some(f) = names else { continue };
            let mut text = String::new();
            f.rewind()?;
            f.take(64 << 10).read_to_string(&mut text)?;
            let fd = match legacy.family {
                libc::AF_INET6 => match &self.raw6 {
                    Some(fd) => fd,
                    None => continue,
                },
                _ => &self.raw4,
            };
            for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                n += entries(
                    fd,
                    legacy.level,
                    legacy.option,
                    name,
                    legacy.size,
                    legacy.at,
                );
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legacy_answers_are_read_where_the_kernel_writes_the_count() {
        // ipt_getinfo: 32 + 4 + 5 × 4 + 5 × 4 bytes, then the count.
        assert_eq!(LEGACY[0].at, 32 + 4 + 20 + 20);
        assert_eq!(LEGACY[0].size, LEGACY[0].at + 8);
        // arpt_getinfo: three hooks.
        assert_eq!(LEGACY[2].at, 32 + 4 + 12 + 12);
        let d = message(GET_RULES, NLM_F_REQUEST | NLM_F_DUMP, 3, &[0, 0, 0, 0]);
        assert_eq!(u16::from_ne_bytes([d[4], d[5]]), 0x0a07);
    }
}
