//! A node's policy routing rules (`ip rule add`, `ip -6 rule add`):
//! counted after an event told of one (or events were lost), and a node past
//! [`FIB_RULES_A_NODE_KEEPS`](super::super::table_bounds::FIB_RULES_A_NODE_KEEPS)
//! is stopped.
//!
//! Why: every frame the node receives walks its rules in order before its
//! routes, about 25 ns a rule (probe21ap: 30,003 rules made a frame cost
//! 846 µs). The node's own queue (a `tbf` of a tiny rate) lets the frames
//! go long after their sender ran, in the host's softirq, which no cgroup
//! pays: 2,640 frames took 0.94 s of a host core at 30,003 rules. A rule
//! weighs little in memory (charged to the node), so the bound is for the
//! walk, not the memory; the guard cannot know which rules the node needs,
//! so it stops the node rather than remove some.
//!
//! How: a routing socket inside the node joined to its IPv4 and IPv6 rule
//! events, and one for the dump (of both families at once, a message a
//! rule), taken only when an event came: a node at rest costs no dump.
//! The dump is read only until it passes the bound: the kernel resumes each
//! of its chunks by walking the rules from the first, so a whole dump of n
//! rules is n² work in the guard's one thread (probe21au: 233,000 rules,
//! 9.6 s in which the guard answered no node). A dump left unread past the
//! bound is not asked again: that count stands (the node is stopped).

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, message, messages,
};
use super::sockets::{self, Received};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

const RTM_NEWRULE: u16 = 32;
const RTM_GETRULE: u16 = 34;
/// `RTNLGRP_IPV4_RULE` and `RTNLGRP_IPV6_RULE`, joined by number.
const RTNLGRP_IPV4_RULE: libc::c_int = 8;
const RTNLGRP_IPV6_RULE: libc::c_int = 19;
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_ADD_MEMBERSHIP: libc::c_int = 1;

/// A node's rules: a socket for the dump, one that hears their events, and
/// whether a count is due.
pub struct FibRules {
    fd: OwnedFd,
    told: OwnedFd,
    seq: u32,
    due: bool,
    /// The count of a dump left unread past the bound.
    past: Option<usize>,
}

/// The rules one receive of the dump answering `seq` holds, and whether
/// the dump ended.
fn rules_in(b: &[u8], seq: u32, count: &mut usize) -> bool {
    for m in messages(b).filter(|m| m.seq == seq) {
        match m.ty {
            NLMSG_DONE | NLMSG_ERROR => return true,
            RTM_NEWRULE => *count += 1,
            _ => {}
        }
    }
    false
}

impl FibRules {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> io::Result<FibRules> {
        let fd = sockets::netlink(libc::NETLINK_ROUTE, 0)?;
        let told = sockets::netlink(libc::NETLINK_ROUTE, 0)?;
        for group in [RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE] {
            sockets::set_option(&told, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group)?;
        }
        Ok(FibRules {
            fd,
            told,
            seq: 0,
            due: true,
            past: None,
        })
    }

    /// Whether an event (or a loss of events) came since the last count.
    fn heard(&mut self, buf: &mut [u8]) -> bool {
        loop {
            match sockets::receive(self.told.as_raw_fd(), buf) {
                Ok(Received::Bytes(n)) if n > 0 => self.due = true,
                Ok(Received::Nothing) => break,
                _ => {
                    self.due = true;
                    break;
                }
            }
        }
        std::mem::take(&mut self.due)
    }

    /// How many rules the node has, both families, when an event told of a
    /// change since the last count (`None`: no count was due). A dump that
    /// failed leaves the count due.
    ///
    /// The dump is read up to one past `bound` (a count past it is at least
    /// `bound + 1`, not the whole).
    pub fn count_if_changed(&mut self, buf: &mut [u8], bound: usize) -> Option<io::Result<usize>> {
        if let Some(n) = self.past {
            return Some(Ok(n));
        }
        if !self.heard(buf) {
            return None;
        }
        let seq = sockets::next_seq(&mut self.seq);
        // An `fib_rule_hdr` of family AF_UNSPEC: every family's rules.
        let request = message(RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP, seq, &[0u8; 12]);
        let mut count = 0;
        let mut ended = false;
        let r = sockets::ask(&self.fd, &request, buf, |b| {
            ended = rules_in(b, seq, &mut count);
            ended || count > bound
        });
        if r.is_err() || (!ended && count <= bound) {
            // Not read to its end, nor past the bound: count again.
            self.due = true;
        }
        if r.is_ok() && !ended && count > bound {
            // The rest is left unread (the kernel would resume it at the
            // next receive and refuse another dump on this socket until
            // then); the node is stopped, and this count stands.
            self.past = Some(count);
        }
        Some(r.map(|()| count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_counts_the_rules_answering_its_own_request() {
        let rule = |seq| {
            message(
                RTM_NEWRULE,
                2,
                seq,
                &[2u8, 0, 0, 0, 254, 0, 0, 1, 0, 0, 0, 0],
            )
        };
        let mut b = rule(7);
        b.extend(rule(7));
        b.extend(rule(6)); // another request's
        let mut count = 0;
        assert!(!rules_in(&b, 7, &mut count));
        assert_eq!(count, 2);
        let done = message(NLMSG_DONE, 2, 7, &[0u8; 4]);
        assert!(rules_in(&done, 7, &mut count));
        assert_eq!(count, 2);
    }
}
