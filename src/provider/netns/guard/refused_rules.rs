//! Netfilter rules the lab never makes and whose work no bound follows: a
//! node with one is stopped as its event comes (and when a look at its
//! rules finds one).
//!
//! Why: a packet that goes round costs the host's softirq, charged to no
//! cgroup, and each pass costs what the node makes it cost (rules that
//! match nothing before the one that sends it round), so no count of
//! frames bounds the work (probe21ah finding 2: a core at 185,000 frames a
//! second). Two kinds of rule make a packet go round for ever:
//! - one that sends a frame out of a device again, nf_tables' `fwd` and
//!   `dup` and the xt target `TEE` ([`FORWARDS_WHY`]): two chains that
//!   `fwd` each frame back out of the veth it came in on keep one ARP
//!   request circling; `-j TEE --gateway 127.0.0.2` on `lo`'s PREROUTING
//!   copies each packet back onto `lo` (probe21cc finding 3: one UDP packet
//!   made 450,000 to 800,000 a second, unseen by the frame bound);
//! - one that gives a packet its TTL or hop limit back, the xt targets
//!   `TTL` and `HL` or an nf_tables payload write to that byte
//!   ([`TTL_WHY`]): a route out of `lo` forwards what arrives on `lo`
//!   again, and a TTL set to 64 at each pass never runs out (probe21ak
//!   finding 1: one packet 850,000 passes a second, two on both cores,
//!   unseen by the frame bound, which leaves `lo` out; on a veth pair
//!   behind 500 rules, 217,000 a second, under the bound, about 0.8 of a
//!   core).
//!
//! A third kind keeps what no bound follows, outside the node's limit, in
//! each match of a rule (a rule holds many; only rules are counted):
//! - `-m bpf` (`xt_bpf`, [`BPF_WHY`]) compiles a program into the host's
//!   one budget of compiled BPF (`net.core.bpf_jit_limit`, charged to no
//!   one; past it every unprivileged BPF load of the host fails):
//!   probe21bz's node filled 48 MB of it with 15,000 matches in 8 s;
//! - `-m string` ([`STRING_WHY`]) keeps about 2.8 KB of the host's slab
//!   a match: probe21bz's 1000 rules of ten held 28 MB, its node's cgroup
//!   none of it.
//!
//! The lab makes neither; an nf_tables rule's compat `match` expression
//! (`iptables`, `ip6tables`) and a legacy table's entry
//! ([`super::rules`]) are read for them.
//!
//! How: each rule's expressions are read (`NFTA_RULE_EXPRESSIONS`, each
//! `NFTA_EXPR_NAME` and `NFTA_EXPR_DATA`, as [`super::rules::expressions`]
//! hands them), not its bytes searched, so that a table, chain or comment
//! named `fwd` or `TTL` stops nothing.

use super::super::netlink::msg::{attrs_of, c_str};
use super::rules::{expressions, target_name};
/// A payload expression's base, offset and length (be32), and its source
/// register, which only a write has.
const NFTA_PAYLOAD_BASE: u16 = 2;
const NFTA_PAYLOAD_OFFSET: u16 = 3;
const NFTA_PAYLOAD_LEN: u16 = 4;
const NFTA_PAYLOAD_SREG: u16 = 5;
/// A compat `match` expression's `NFTA_MATCH_NAME`: the xt match's name.
pub(super) const NFTA_MATCH_NAME: u16 = 1;
/// `NFT_PAYLOAD_LL_HEADER`, `NFT_PAYLOAD_NETWORK_HEADER`.
const LINK_LAYER: u32 = 0;
const NETWORK: u32 = 1;
/// Where the TTL (IPv4, byte 8) and the hop limit (IPv6, byte 7) are: in
/// the network header, or after an Ethernet header (14) and a VLAN tag (4).
const TTL_BYTES_NETWORK: [u32; 2] = [7, 8];
const TTL_BYTES_LINK_LAYER: [u32; 4] = [21, 22, 25, 26];

/// Why a node with a rule that sends a frame out of a device again is
/// stopped.
pub const FORWARDS_WHY: &str = "a netfilter rule with `fwd`, `dup` or `-j TEE` (a copy or a \
     forwarding of a frame out of a device again, which lab makes none of): a frame sent back where it came from \
     goes round in the host's softirq, charged to no one, at a cost per frame the node chooses";

/// Why a node with a rule that rewrites a packet's TTL is stopped.
pub const TTL_WHY: &str = "a netfilter rule that rewrites a packet's TTL or hop limit (`-j TTL`, \
     `-j HL`, `ip ttl set`, which lab makes none of): a packet routed round again never runs \
     out, and goes round in the host's softirq, charged to no one";

/// Why a node with a `-m bpf` match is stopped.
pub const BPF_WHY: &str = "a netfilter rule with a BPF match (`-m bpf`, which lab makes none of): \
     each compiles a program into the host's one budget of compiled BPF \
     (`net.core.bpf_jit_limit`), charged to no one";

/// Why a node with a `-m string` match is stopped.
pub const STRING_WHY: &str = "a netfilter rule with a string match (`-m string`, which lab makes \
     none of): each keeps about 2.8 KB of the host's memory outside the node's limit, and a \
     rule holds many";

/// The xt targets that rewrite a TTL or a hop limit.
const TTL_TARGETS: [&[u8]; 2] = [b"TTL", b"HL"];

fn be32(data: &[u8], ty: u16) -> Option<u32> {
    let v = attrs_of(data, ty).next()?;
    Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?))
}

/// Whether a payload expression's `data` writes a TTL or hop limit byte.
fn writes_ttl(data: &[u8]) -> bool {
    if attrs_of(data, NFTA_PAYLOAD_SREG).next().is_none() {
        return false;
    }
    let (Some(base), Some(offset), Some(len)) = (
        be32(data, NFTA_PAYLOAD_BASE),
        be32(data, NFTA_PAYLOAD_OFFSET),
        be32(data, NFTA_PAYLOAD_LEN),
    ) else {
        return false;
    };
    let bytes: &[u32] = match base {
        NETWORK => &TTL_BYTES_NETWORK,
        LINK_LAYER => &TTL_BYTES_LINK_LAYER,
        _ => return false,
    };
    bytes
        .iter()
        .any(|&b| offset <= b && b < offset.saturating_add(len))
}

/// Why a node with the nf_tables rule whose message `body` this is
/// (`struct nfgenmsg`, then the rule's attributes) must be stopped, if it
/// must.
pub fn rule_refused(body: &[u8]) -> Option<&'static str> {
    expressions(body).find_map(|(name, data)| match name {
        b"fwd" | b"dup" => Some(FORWARDS_WHY),
        b"target" => target_name(data).and_then(target_refused),
        b"payload" if writes_ttl(data) => Some(TTL_WHY),
        b"match" => attrs_of(data, NFTA_MATCH_NAME)
            .next()
            .map(c_str)
            .and_then(match_refused),
        _ => None,
    })
}

/// Why a node with an xt match named `name` (in an nf_tables rule's
/// compat `match` expression or a legacy table's entry) must be stopped,
/// if it must.
pub fn match_refused(name: &[u8]) -> Option<&'static str> {
    match name {
        b"bpf" => Some(BPF_WHY),
        b"string" => Some(STRING_WHY),
        _ => None,
    }
}

/// Why a node with an xt target named `target` (in an nf_tables rule or a
/// legacy table's entry) must be stopped, if it must.
pub fn target_refused(target: &[u8]) -> Option<&'static str> {
    match target {
        b"TEE" => Some(FORWARDS_WHY),
        t => TTL_TARGETS.contains(&t).then_some(TTL_WHY),
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::{
        NFTA_EXPR_DATA, NFTA_EXPR_NAME, NFTA_LIST_ELEM, NFTA_RULE_EXPRESSIONS, NFTA_TARGET_NAME,
    };
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    fn expr(name: &[u8], data: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        attr(&mut e, NFTA_EXPR_NAME, name);
        attr(&mut e, NFTA_EXPR_DATA | 0x8000, data);
        e
    }

    /// A rule of `exprs`, in table and chain `named`.
    fn rule(named: &[u8], exprs: &[Vec<u8>]) -> Vec<u8> {
        let mut list = Vec::new();
        for e in exprs {
            attr(&mut list, NFTA_LIST_ELEM | 0x8000, e);
        }
        let mut body = vec![2, 0, 0, 0];
        attr(&mut body, 1, named);
        attr(&mut body, 2, named);
        attr(&mut body, NFTA_RULE_EXPRESSIONS | 0x8000, &list);
        body
    }

    fn payload(base: u32, offset: u32, len: u32, write: bool) -> Vec<u8> {
        let mut d = Vec::new();
        attr(&mut d, NFTA_PAYLOAD_BASE, &base.to_be_bytes());
        attr(&mut d, NFTA_PAYLOAD_OFFSET, &offset.to_be_bytes());
        attr(&mut d, NFTA_PAYLOAD_LEN, &len.to_be_bytes());
        attr(
            &mut d,
            if write { NFTA_PAYLOAD_SREG } else { 1 },
            &1u32.to_be_bytes(),
        );
        expr(b"payload\0", &d)
    }

    /// Probe21ah finding 2 and probe21ak finding 1: the expressions that
    /// make a packet go round, read as expressions; names of tables,
    /// chains and comments stop nothing.
    #[test]
    fn what_makes_a_packet_go_round_is_read_from_the_expressions() {
        let plain = expr(b"meta\0", &[]);
        assert_eq!(
            rule_refused(&rule(b"fwd\0", std::slice::from_ref(&plain))),
            None
        );
        assert_eq!(
            rule_refused(&rule(b"TTL\0", std::slice::from_ref(&plain))),
            None
        );
        for e in [&b"fwd\0"[..], b"dup\0"] {
            assert_eq!(
                rule_refused(&rule(b"t\0", &[plain.clone(), expr(e, &[])])),
                Some(FORWARDS_WHY)
            );
        }
        let target = |n: &[u8]| {
            let mut d = Vec::new();
            attr(&mut d, NFTA_TARGET_NAME, n);
            expr(b"target\0", &d)
        };
        assert_eq!(
            rule_refused(&rule(b"t\0", &[target(b"TTL\0")])),
            Some(TTL_WHY)
        );
        assert_eq!(
            rule_refused(&rule(b"t\0", &[target(b"HL\0")])),
            Some(TTL_WHY)
        );
        // probe21cc finding 3: xt's TEE copies a packet out again.
        assert_eq!(
            rule_refused(&rule(b"t\0", &[target(b"TEE\0")])),
            Some(FORWARDS_WHY)
        );
        assert_eq!(target_refused(b"TEE"), Some(FORWARDS_WHY));
        assert_eq!(
            rule_refused(&rule(b"t\0", &[target(b"MASQUERADE\0")])),
            None
        );
        // `ip ttl set 64`; a read of the TTL (`ip ttl 1`) and a write of
        // the DSCP byte stop nothing.
        assert_eq!(
            rule_refused(&rule(b"t\0", &[payload(1, 8, 1, true)])),
            Some(TTL_WHY)
        );
        assert_eq!(
            rule_refused(&rule(b"t\0", &[payload(1, 7, 1, true)])),
            Some(TTL_WHY)
        );
        assert_eq!(
            rule_refused(&rule(b"t\0", &[payload(0, 20, 4, true)])),
            Some(TTL_WHY)
        );
        assert_eq!(
            rule_refused(&rule(b"t\0", &[payload(1, 8, 1, false)])),
            None
        );
        assert_eq!(rule_refused(&rule(b"t\0", &[payload(1, 1, 1, true)])), None);
        assert_eq!(rule_refused(&rule(b"t\0", &[payload(2, 8, 1, true)])), None);
    }

    /// Probe21bz finding 6: `-m bpf` and `-m string`, compat `match`
    /// expressions of an nf_tables rule (as `iptables` and `ip6tables`
    /// add them), stop the node; other matches, and a table or chain
    /// named `bpf`, do not.
    #[test]
    fn bpf_and_string_matches_are_read_from_the_expressions() {
        let matching = |n: &[u8]| {
            let mut d = Vec::new();
            attr(&mut d, NFTA_MATCH_NAME, n);
            attr(&mut d, 2, &1u32.to_be_bytes());
            expr(b"match\0", &d)
        };
        let plain = expr(b"meta\0", &[]);
        assert_eq!(
            rule_refused(&rule(b"t\0", &[plain.clone(), matching(b"bpf\0")])),
            Some(BPF_WHY)
        );
        assert_eq!(
            rule_refused(&rule(b"t\0", &[matching(b"string\0")])),
            Some(STRING_WHY)
        );
        for other in [&b"limit\0"[..], b"u32\0", b"bpfx\0", b"conntrack\0"] {
            assert_eq!(rule_refused(&rule(b"t\0", &[matching(other)])), None);
        }
        assert_eq!(rule_refused(&rule(b"bpf\0", &[plain])), None);
        assert_eq!(match_refused(b"bpf"), Some(BPF_WHY));
        assert_eq!(match_refused(b"string"), Some(STRING_WHY));
        assert_eq!(match_refused(b"BPF"), None);
    }
}
