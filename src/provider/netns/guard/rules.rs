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
//!
//! One target names a host-wide object: `-j IDLETIMER --label L` makes
//! the host's timer L (`/sys/class/xt_idletimer/timers/L`, one namespace
//! of names for the host), or shares the one another lab or the host made
//! under that name (probe21t). The same looks read each rule's target, and
//! a node with such a rule is stopped, which removes it (the lab uses none).

use super::super::netlink::msg::{NLM_F_DUMP, NLM_F_REQUEST, attrs_of, c_str, message, messages};
use super::ipset::{ask_counting, part_of};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `NFNL_SUBSYS_NFTABLES`, `NFT_MSG_GETRULE`; each rule comes as an
/// `NFT_MSG_NEWRULE`.
const GET_RULES: u16 = (10 << 8) | 7;
const NEW_RULE: u16 = (10 << 8) | 6;
/// A rule's `NFTA_RULE_EXPRESSIONS`, a list (`NFTA_LIST_ELEM`) of
/// expressions: `NFTA_EXPR_NAME`, `NFTA_EXPR_DATA`; an xt target's data
/// starts with `NFTA_TARGET_NAME`.
pub(super) const NFTA_RULE_EXPRESSIONS: u16 = 4;
pub(super) const NFTA_LIST_ELEM: u16 = 1;
pub(super) const NFTA_EXPR_NAME: u16 = 1;
pub(super) const NFTA_EXPR_DATA: u16 = 2;
pub(super) const NFTA_TARGET_NAME: u16 = 1;

/// The expressions of the nf_tables rule whose message `body` this is
/// (`struct nfgenmsg`, then the rule's attributes), in order: each one's
/// name (`NFTA_EXPR_NAME`, its NUL left out) and data (`NFTA_EXPR_DATA`,
/// empty when it has none). An expression without a name is passed over.
pub fn expressions(body: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    attrs_of(body.get(4..).unwrap_or_default(), NFTA_RULE_EXPRESSIONS)
        .flat_map(|list| attrs_of(list, NFTA_LIST_ELEM))
        .filter_map(|e| {
            let name = attrs_of(e, NFTA_EXPR_NAME).next().map(c_str)?;
            Some((name, attrs_of(e, NFTA_EXPR_DATA).next().unwrap_or_default()))
        })
}

/// The xt target an nf_tables `target` expression's `data` names.
pub fn target_name(data: &[u8]) -> Option<&[u8]> {
    attrs_of(data, NFTA_TARGET_NAME).next().map(c_str)
}

/// The target whose rules name an object of the host's.
pub const HOST_NAMED_TARGET: &[u8] = b"IDLETIMER";

/// The name of the expression (nf_tables' `ct count`, `nft_connlimit`)
/// and of the xt match (`-m connlimit`, inside an nf_tables `match`
/// expression or a legacy table's entry) that keep a record of each
/// connection a packet through the rule belongs to (`nf_conncount`, about
/// 170 bytes of the host's a connection and a rule, charged to no one,
/// whether the rule matches or not): probe21af's 3900 rules and 220 flows
/// kept 858,000 records, 139 MB, in 0.75 s. Rules and connections are each
/// bounded, their product not; the lab makes none (its limiter is `-m
/// limit`), so a node with one is stopped.
pub const CONNLIMIT: &[u8] = b"connlimit\0";

/// Why a node with such a rule (or set) is stopped.
pub const CONNLIMIT_WHY: &str = "a netfilter rule or set with connlimit (`-m connlimit`, `ct count`), \
     which keeps a record of every connection through it outside the node's limit";

/// Whether netlink messages or legacy entries `b` name [`CONNLIMIT`]: as an
/// nf_tables expression's or an xt match's name (or as any other name the
/// node chose, or a comment: that stops it too).
pub fn keeps_connections(b: &[u8]) -> bool {
    b.windows(CONNLIMIT.len()).any(|w| w == CONNLIMIT)
}

/// Why a node with the nf_tables object an event of type `ty` (a rule, a
/// set or an element) tells of must be stopped, if it must: connlimit (in
/// any of them), or a rule [`super::refused_rules`] refuses.
pub fn refused_message(ty: u16, body: &[u8]) -> Option<&'static str> {
    if keeps_connections(body) {
        Some(CONNLIMIT_WHY)
    } else if ty == NEW_RULE {
        super::refused_rules::rule_refused(body)
    } else {
        None
    }
}

/// What a look at a node's rules found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub rules: u64,
    /// A rule's target is [`HOST_NAMED_TARGET`].
    pub host_named: bool,
    /// A rule the lab never makes, and why it stops the node (see
    /// [`refused_message`]).
    pub refused: Option<&'static str>,
}

/// The names of the xt targets of the rules in one receive `b` (answers
/// to request `seq` only).
fn targets(b: &[u8], seq: u32) -> Vec<&[u8]> {
    messages(b)
        .filter(|m| m.seq == seq && m.ty == NEW_RULE)
        .flat_map(|m| expressions(m.body))
        .filter(|(name, _)| *name == b"target")
        .filter_map(|(_, data)| target_name(data))
        .collect()
}

/// The rules of nf_tables, every family, counted on the node's netfilter
/// socket `fd` (the one of [`super::nf_objects`]), and their targets read.
pub fn nf_tables(fd: &OwnedFd, seq: u32, buf: &mut [u8]) -> io::Result<Counted> {
    // nfgenmsg: every family, version 0, resource 0.
    let dump = message(GET_RULES, NLM_F_REQUEST | NLM_F_DUMP, seq, &[0, 0, 0, 0]);
    let named = Cell::new(false);
    let refused = Cell::new(None);
    let rules = ask_counting(fd, &dump, seq, buf, |r| {
        if targets(r, seq).contains(&HOST_NAMED_TARGET) {
            named.set(true);
        }
        if refused.get().is_none() {
            refused.set(
                messages(r)
                    .filter(|m| m.seq == seq && m.ty == NEW_RULE)
                    .find_map(|m| refused_message(m.ty, m.body))
                    .or_else(|| keeps_connections(r).then_some(CONNLIMIT_WHY)),
            );
        }
        part_of(r, seq).0
    })?;
    Ok(Counted {
        rules,
        host_named: named.get(),
        refused: refused.get(),
    })
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
    /// The answer's length and the offset of its count of entries (the
    /// entries' bytes follow it).
    size: usize,
    at: usize,
    /// The option that gets the entries, and where an entry tells its
    /// target's offset and the next entry's (none: not read).
    get_entries: libc::c_int,
    target_offset_at: Option<usize>,
    /// Where an entry's matches start (`sizeof` the entry's struct).
    matches_at: usize,
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
        get_entries: 65,
        target_offset_at: Some(IPT_IP),
        matches_at: IPT_ENTRY,
    },
    Legacy {
        names: "/proc/thread-self/net/ip6_tables_names",
        family: libc::AF_INET6,
        level: libc::SOL_IPV6,
        option: 64,
        size: 84,
        at: 76,
        get_entries: 65,
        target_offset_at: Some(IP6T_IP6),
        matches_at: IP6T_ENTRY,
    },
    Legacy {
        names: "/proc/thread-self/net/arp_tables_names",
        family: libc::AF_INET,
        level: libc::SOL_IP,
        option: 96,
        size: 68,
        at: 60,
        get_entries: 97,
        target_offset_at: None,
        matches_at: 0,
    },
];

/// Where an `ipt_entry` and an `ip6t_entry` tell their target's offset:
/// after `struct ipt_ip` (84 bytes) or `struct ip6t_ip6` (136) and
/// `nfcache`; the next entry's offset follows.
const IPT_IP: usize = 84 + 4;
const IP6T_IP6: usize = 136 + 4;
/// `sizeof(struct ipt_entry)` and `sizeof(struct ip6t_entry)`: the
/// offsets, comefrom and counters follow; then the matches.
const IPT_ENTRY: usize = 112;
const IP6T_ENTRY: usize = 168;
/// `struct ipt_get_entries`: the name, the size, then the entries (8-byte
/// aligned).
const ENTRIES_AT: usize = 40;
/// The most bytes of a table's entries read. Past it the rules' count may
/// be under its bound (1,112 entries of eight `-m u32` matches each made
/// 17.9 MB) while their targets go unread: a `-j TTL` hidden so kept one
/// packet going round (probe21am finding 2). The lab loads no legacy
/// table, so a node with one this big is stopped ([`LEGACY_UNREAD_WHY`]).
const ENTRIES_READ: usize = 16 << 20;

/// Why a node with a legacy table too big to read is stopped.
pub const LEGACY_UNREAD_WHY: &str = "a legacy iptables table of more than 16 MiB of entries, too \
     big for the guard to read its targets and matches (lab loads no legacy table)";

/// The `u16` at `i` of `blob` (the kernel's byte order), if it holds one.
fn u16_at(blob: &[u8], i: usize) -> Option<usize> {
    blob.get(i..i + 2)
        .map(|b| u16::from_ne_bytes([b[0], b[1]]) as usize)
}

/// Each entry of `blob` as (its offset, its target's offset from it), the
/// entries telling their target's offset at `target_offset_at` and their
/// size right after it: the one walk [`target_names`] and
/// [`match_names`] read.
fn entry_offsets(blob: &[u8], target_offset_at: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let (Some(target), Some(next)) = (
        u16_at(blob, at + target_offset_at),
        u16_at(blob, at + target_offset_at + 2),
    ) {
        out.push((at, target));
        if next == 0 {
            break;
        }
        at += next;
    }
    out
}

/// The names of the targets of the entries `blob`, the entries telling
/// their target's offset at `target_offset_at` (`struct xt_entry_target`:
/// its size, then its name).
fn target_names(blob: &[u8], target_offset_at: usize) -> Vec<&[u8]> {
    entry_offsets(blob, target_offset_at)
        .into_iter()
        .map(|(at, target)| c_str(blob.get(at + target + 2..).unwrap_or_default()))
        .collect()
}

/// The names of the matches of the entries `blob` (an entry's matches
/// start at `matches_at` and end at its target; `struct xt_entry_match`:
/// its size, then its name, 29 bytes padded).
fn match_names(blob: &[u8], target_offset_at: usize, matches_at: usize) -> Vec<&[u8]> {
    let mut names = Vec::new();
    for (at, target) in entry_offsets(blob, target_offset_at) {
        let mut m = at + matches_at;
        while m < at + target {
            let Some(size) = u16_at(blob, m).filter(|&s| s > 0) else {
                break;
            };
            let name = blob.get(m + 2..(m + 2 + 29).min(blob.len()));
            names.push(c_str(name.unwrap_or_default()));
            m += size;
        }
    }
    names
}

/// Whether a target of the entries `blob` is [`HOST_NAMED_TARGET`] (see
/// [`target_names`]).
fn names_host_object(blob: &[u8], target_offset_at: usize) -> bool {
    target_names(blob, target_offset_at).contains(&HOST_NAMED_TARGET)
}

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

/// `getsockopt(fd, level, option)` into `into`, which starts with the
/// table's name `name` (whether it answered, whole).
fn ask_table(
    fd: &OwnedFd,
    level: libc::c_int,
    option: libc::c_int,
    name: &str,
    into: &mut [u8],
) -> bool {
    let n = name.as_bytes();
    into[..n.len().min(31)].copy_from_slice(&n[..n.len().min(31)]);
    let mut len = into.len() as libc::socklen_t;
    // SAFETY: getsockopt into a buffer of its length.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            option,
            into.as_mut_ptr().cast(),
            &mut len,
        )
    };
    r == 0 && len as usize == into.len()
}

/// What a legacy table `name` holds, asked on `fd`: its entries (none when
/// the namespace has no such table), and whether a target names a host's
/// object.
fn entries(fd: &OwnedFd, legacy: &Legacy, name: &str) -> Counted {
    let mut info = vec![0u8; legacy.size];
    if !ask_table(fd, legacy.level, legacy.option, name, &mut info) {
        return Counted::default();
    }
    let word = |i: usize| u32::from_ne_bytes(info[i..i + 4].try_into().expect("4 bytes"));
    let rules = word(legacy.at) as u64;
    let bytes = word(legacy.at + 4) as usize;
    let Some(t) = legacy.target_offset_at else {
        return Counted {
            rules,
            ..Counted::default()
        };
    };
    let mut all = vec![0u8; ENTRIES_AT + bytes.min(ENTRIES_READ)];
    all[32..36].copy_from_slice(&(bytes as u32).to_ne_bytes());
    let read =
        bytes <= ENTRIES_READ && ask_table(fd, legacy.level, legacy.get_entries, name, &mut all);
    Counted {
        rules,
        host_named: read && names_host_object(&all[ENTRIES_AT..], t),
        // A match's name is a padded field (`struct xt_entry_match`).
        refused: if bytes > ENTRIES_READ {
            Some(LEGACY_UNREAD_WHY)
        } else if !read {
            None
        } else if keeps_connections(&all[ENTRIES_AT..]) {
            Some(CONNLIMIT_WHY)
        } else {
            let blob = &all[ENTRIES_AT..];
            match_names(blob, t, legacy.matches_at)
                .into_iter()
                .find_map(super::refused_rules::match_refused)
                .or_else(|| {
                    target_names(blob, t)
                        .into_iter()
                        .find_map(super::refused_rules::target_refused)
                })
        },
    }
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
    pub fn legacy(&mut self) -> io::Result<Counted> {
        let mut n = Counted::default();
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
                let c = entries(fd, legacy, name);
                n.rules += c.rules;
                n.host_named |= c.host_named;
                n.refused = n.refused.or(c.refused);
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

    /// Probe21af: `ct count` (an expression) and `-m connlimit` (an xt
    /// match, in an nf_tables rule or a legacy entry's padded name field).
    #[test]
    fn connlimit_is_found_as_an_expression_or_a_match() {
        use crate::provider::netns::netlink::msg::attr;
        let mut e = Vec::new();
        attr(&mut e, NFTA_EXPR_NAME, b"connlimit\0");
        assert!(keeps_connections(&e));
        let mut legacy = vec![0u8; 64];
        legacy[10..19].copy_from_slice(b"connlimit");
        assert!(keeps_connections(&legacy));
        let mut limit = Vec::new();
        attr(&mut limit, NFTA_EXPR_NAME, b"limit\0");
        attr(&mut limit, 1, b"connlimitx\0");
        assert!(!keeps_connections(&limit));
    }

    #[test]
    fn a_target_naming_a_hosts_object_is_found_in_either_kind_of_rule() {
        use crate::provider::netns::netlink::msg::attr;
        // An nf_tables rule: a match expression, then an xt target.
        let expr = |name: &[u8], data: &[u8]| {
            let mut e = Vec::new();
            attr(&mut e, NFTA_EXPR_NAME, name);
            attr(&mut e, NFTA_EXPR_DATA | 0x8000, data);
            e
        };
        let mut target = Vec::new();
        attr(&mut target, NFTA_TARGET_NAME, b"IDLETIMER\0");
        let mut list = Vec::new();
        attr(&mut list, NFTA_LIST_ELEM | 0x8000, &expr(b"meta\0", &[]));
        attr(
            &mut list,
            NFTA_LIST_ELEM | 0x8000,
            &expr(b"target\0", &target),
        );
        let mut body = vec![2, 0, 0, 0];
        attr(&mut body, NFTA_RULE_EXPRESSIONS | 0x8000, &list);
        let rule = message(NEW_RULE, 2, 9, &body);
        assert_eq!(targets(&rule, 9), [HOST_NAMED_TARGET]);
        assert!(targets(&rule, 8).is_empty());
        // Legacy entries: one with a standard target, then IDLETIMER's.
        let entry = |target: &[u8]| {
            let mut e = vec![0u8; IPT_IP + 4];
            let next = (IPT_IP + 4 + 32) as u16;
            e[IPT_IP..IPT_IP + 2].copy_from_slice(&((IPT_IP + 4) as u16).to_ne_bytes());
            e[IPT_IP + 2..IPT_IP + 4].copy_from_slice(&next.to_ne_bytes());
            let mut t = vec![0u8; 32];
            t[2..2 + target.len()].copy_from_slice(target);
            e.extend(t);
            e
        };
        let mut blob = entry(b"");
        assert!(!names_host_object(&blob, IPT_IP));
        blob.extend(entry(b"IDLETIMER"));
        assert!(names_host_object(&blob, IPT_IP));
        assert!(!names_host_object(&entry(b"IDLETIMERX"), IPT_IP));
    }

    /// Probe21bz finding 6: a legacy entry's matches (IPv4 and IPv6
    /// entries, whose matches start at different offsets) are read by
    /// name: `bpf` and `string` stop the node, a `u32` match, a target or
    /// a match's data named so do not.
    #[test]
    fn the_matches_of_legacy_entries_are_read_by_name() {
        use super::super::refused_rules::{BPF_WHY, STRING_WHY, match_refused};
        let entry = |t_at: usize, m_at: usize, matches: &[&[u8]], target: &[u8]| {
            let mut e = vec![0u8; m_at];
            for m in matches {
                let mut x = vec![0u8; 32 + 16];
                x[..2].copy_from_slice(&(48u16).to_ne_bytes());
                x[2..2 + m.len()].copy_from_slice(m);
                // The match's data: the kernel's, any bytes.
                x[34..34 + 3].copy_from_slice(b"bpf");
                e.extend(x);
            }
            let target_at = e.len();
            let mut t = vec![0u8; 40];
            t[..2].copy_from_slice(&(40u16).to_ne_bytes());
            t[2..2 + target.len()].copy_from_slice(target);
            e.extend(t);
            let next = e.len() as u16;
            e[t_at..t_at + 2].copy_from_slice(&(target_at as u16).to_ne_bytes());
            e[t_at + 2..t_at + 4].copy_from_slice(&next.to_ne_bytes());
            e
        };
        let refused = |blob: &[u8], t_at, m_at| {
            match_names(blob, t_at, m_at)
                .into_iter()
                .find_map(match_refused)
        };
        for (t_at, m_at) in [(IPT_IP, IPT_ENTRY), (IP6T_IP6, IP6T_ENTRY)] {
            let mut blob = entry(t_at, m_at, &[b"u32"], b"bpf");
            blob.extend(entry(t_at, m_at, &[], b""));
            assert_eq!(refused(&blob, t_at, m_at), None);
            assert_eq!(match_names(&blob, t_at, m_at), [&b"u32"[..]]);
            blob.extend(entry(t_at, m_at, &[b"limit", b"bpf"], b""));
            assert_eq!(refused(&blob, t_at, m_at), Some(BPF_WHY));
            let strings = entry(t_at, m_at, &[b"string"], b"ACCEPT");
            assert_eq!(refused(&strings, t_at, m_at), Some(STRING_WHY));
        }
    }
}
