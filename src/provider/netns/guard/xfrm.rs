//! IPsec policies and states of a node (`ip xfrm policy add`, `ip xfrm
//! state add`): kernel memory no cgroup is charged for (probe21m: 368,443
//! policies, 342 MB of the host's, while node1's kernel memory stayed at
//! 6.3 MB). The lab sets none, and a node past the bound loses them all:
//! the guard counts what the kernel tells of on a `NETLINK_XFRM` socket
//! opened inside the node and flushes the table that passed the bound (or
//! both, when events were lost).

use super::super::netlink::msg::{NLM_F_REQUEST, message, messages};
use std::io;
use std::os::fd::OwnedFd;

const NETLINK_XFRM: libc::c_int = 6;
/// `XFRMNLGRP_SA` and `XFRMNLGRP_POLICY` (groups 3 and 4).
const GROUPS: u32 = (1 << 2) | (1 << 3);
const XFRM_MSG_NEWSA: u16 = 16;
const XFRM_MSG_DELSA: u16 = 17;
const XFRM_MSG_NEWPOLICY: u16 = 19;
const XFRM_MSG_DELPOLICY: u16 = 20;
const XFRM_MSG_UPDPOLICY: u16 = 25;
const XFRM_MSG_UPDSA: u16 = 26;
const XFRM_MSG_FLUSHSA: u16 = 28;
const XFRM_MSG_FLUSHPOLICY: u16 = 29;
/// `IPSEC_PROTO_ANY`: a flush of states of every protocol.
const IPSEC_PROTO_ANY: u8 = 255;

/// What the kernel told of: the change to a count, or a table emptied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    Policy(i64),
    State(i64),
    PoliciesFlushed,
    StatesFlushed,
    Other,
}

/// What a message of type `ty` tells of.
pub fn told(ty: u16) -> Told {
    match ty {
        // An update may add one too (counted: a count too high flushes a
        // node's own policies sooner, never lets one through).
        XFRM_MSG_NEWPOLICY | XFRM_MSG_UPDPOLICY => Told::Policy(1),
        XFRM_MSG_DELPOLICY => Told::Policy(-1),
        XFRM_MSG_NEWSA | XFRM_MSG_UPDSA => Told::State(1),
        XFRM_MSG_DELSA => Told::State(-1),
        XFRM_MSG_FLUSHPOLICY => Told::PoliciesFlushed,
        XFRM_MSG_FLUSHSA => Told::StatesFlushed,
        _ => Told::Other,
    }
}

/// The counts of one node, and what is to be flushed.
#[derive(Debug, Default)]
pub struct Counts {
    pub policies: u64,
    pub states: u64,
}

impl Counts {
    /// Take in what the kernel told; returns the flushes now due.
    pub fn take(&mut self, t: Told, bound: u64) -> (bool, bool) {
        let step = |n: &mut u64, d: i64| *n = n.saturating_add_signed(d);
        match t {
            Told::Policy(d) => step(&mut self.policies, d),
            Told::State(d) => step(&mut self.states, d),
            Told::PoliciesFlushed => self.policies = 0,
            Told::StatesFlushed => self.states = 0,
            Told::Other => {}
        }
        (self.policies > bound, self.states > bound)
    }
}

/// A `NETLINK_XFRM` socket of the calling thread's namespace, joined to its
/// policy and state events.
pub fn socket() -> io::Result<OwnedFd> {
    super::sockets::netlink(NETLINK_XFRM, GROUPS)
}

/// The request that flushes every policy, or every state.
pub fn flush(policies: bool) -> Vec<u8> {
    let (ty, body): (u16, &[u8]) = if policies {
        (XFRM_MSG_FLUSHPOLICY, &[])
    } else {
        // struct xfrm_usersa_flush: the protocol, padded to 4 bytes.
        (XFRM_MSG_FLUSHSA, &[IPSEC_PROTO_ANY, 0, 0, 0])
    };
    message(ty, NLM_F_REQUEST, 0, body)
}

/// The types of the messages in a buffer the kernel sent.
pub fn types(b: &[u8]) -> Vec<u16> {
    messages(b).map(|m| m.ty).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_past_the_bound_is_flushed_and_counted_again_from_nothing() {
        let mut c = Counts::default();
        assert_eq!(c.take(told(XFRM_MSG_NEWPOLICY), 2), (false, false));
        assert_eq!(c.take(told(XFRM_MSG_NEWPOLICY), 2), (false, false));
        assert_eq!(c.take(told(XFRM_MSG_NEWSA), 2), (false, false));
        assert_eq!(c.take(told(XFRM_MSG_NEWPOLICY), 2), (true, false));
        assert_eq!(c.take(told(XFRM_MSG_FLUSHPOLICY), 2), (false, false));
        assert_eq!(c.policies, 0);
        assert_eq!(c.states, 1);
        // A removal never counts below nothing.
        c.take(told(XFRM_MSG_DELPOLICY), 2);
        assert_eq!(c.policies, 0);
    }

    #[test]
    fn flush_requests_and_message_types() {
        let f = flush(false);
        assert_eq!(types(&f), vec![XFRM_MSG_FLUSHSA]);
        assert_eq!(f.len(), 20);
        let mut two = flush(true);
        two.extend(flush(false));
        assert_eq!(types(&two), vec![XFRM_MSG_FLUSHPOLICY, XFRM_MSG_FLUSHSA]);
    }
}
