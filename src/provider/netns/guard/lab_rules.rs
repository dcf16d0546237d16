//! The lab's own netfilter rules in a node (see `table_bounds`: the chains
//! `LAB-…`, the jumps to them and the rules commented `lab: …`), which
//! bound what the node's processes add to the host's tables: a node that
//! changes them is stopped as the change's event comes.
//!
//! Why: root in a node keeps `CAP_NET_ADMIN` over its namespace, and the
//! bounds are rules of that namespace. probe21bf's node1 flushed its own
//! `LAB-UNHELD` (`nft flush chain ip filter LAB-UNHELD`) and then put 300
//! unresolved neighbours into the host's one table in 8.8 ms; they stood
//! about 1.6 s, until a sweep counted them. A rule put ahead of the lab's
//! jumps (`iptables -I OUTPUT -j ACCEPT`) passes them by as well.
//!
//! How: a print of the lab's rules of family `ip`, each table's chains in
//! the kernel's order: every lab rule's table, chain and expressions
//! (counters left out: they change with every packet), and whether, in
//! every chain of table `filter`, the lab's rules all come before the
//! others. The guard takes
//! it when it starts and when `lab` says it has rewritten them itself
//! ([`super::REWRITING`]); every batch of the node's nf_tables events of
//! family `ip` makes a new print, and one that differs stops the node. A
//! chapter's `iptables -F` stops its node too (the report says why).

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, attrs, attrs_of, c_str, message, messages,
};
use super::ipset::{ask_counting, part_of};
use super::rules::{NFTA_EXPR_DATA, NFTA_EXPR_NAME, NFTA_LIST_ELEM, NFTA_RULE_EXPRESSIONS};
use std::cell::RefCell;
use std::io;
use std::os::fd::OwnedFd;

/// `NFNL_SUBSYS_NFTABLES`, `NFT_MSG_GETRULE`, `NFT_MSG_NEWRULE`.
const GET_RULES: u16 = (10 << 8) | 7;
const NEW_RULE: u16 = (10 << 8) | 6;
/// `NFPROTO_IPV4`: `iptables`' family.
pub const FAMILY_IP: u8 = 2;
/// A rule's table and chain (`NFTA_RULE_TABLE`, `NFTA_RULE_CHAIN`) and its
/// comment (`NFTA_RULE_USERDATA`).
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_USERDATA: u16 = 7;
/// An `immediate` expression's data (`NFTA_IMMEDIATE_DATA`), its verdict
/// (`NFTA_DATA_VERDICT`) and the chain a jump or goto names
/// (`NFTA_VERDICT_CHAIN`).
const NFTA_IMMEDIATE_DATA: u16 = 2;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_VERDICT_CHAIN: u16 = 2;
/// An xt `match` expression's name and data (`NFTA_MATCH_NAME`,
/// `NFTA_MATCH_INFO`): a comment made by an older `iptables`.
const NFTA_MATCH_NAME: u16 = 1;
const NFTA_MATCH_INFO: u16 = 3;

/// The table whose chains hold the lab's bounds, where a rule of the
/// node's ahead of the lab's passes them by (in `raw`, the lab's rules only
/// spare the host tracking: one ahead of them is the node's business).
const FILTER: &[u8] = b"filter";
/// What the lab's chains are named with, and its comments start with.
const LAB_CHAIN: &[u8] = b"LAB-";
const LAB_COMMENT: &[u8] = b"lab: ";

/// Why a node that changed the lab's rules is stopped.
pub const CHANGED_WHY: &str = "the lab's own netfilter rules were changed (removed, replaced, \
     flushed, or passed by with a rule put ahead of them): they bound the unresolved neighbours \
     and tracked flows the node puts into the host's shared tables (a chapter's `iptables -F` or \
     `nft flush ruleset` does this too)";

/// A rule's expressions: each one's name and data.
type Expressions = Vec<(Vec<u8>, Vec<u8>)>;

/// Why a node whose rules cannot be read after a change is stopped.
pub const UNREAD_WHY: &str = "its netfilter rules changed and could not be read twice running: \
     whether the lab's own rules still bound it cannot be known";

/// One rule of a dump: its table, chain and expressions, and whether it is
/// one of the lab's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    table: Vec<u8>,
    chain: Vec<u8>,
    expressions: Expressions,
    lab: bool,
}

/// The print of a node's lab rules (see the module's header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Print {
    /// The lab's rules, table, chain and expressions but counters, in order.
    rules: Vec<(Vec<u8>, Vec<u8>, Expressions)>,
    /// Some chain holds a rule of the node's before one of the lab's.
    passed_by: bool,
}

/// The chain a jump or goto of `immediate` expression `data` names.
fn jump_target(data: &[u8]) -> Option<&[u8]> {
    let d = attrs_of(data, NFTA_IMMEDIATE_DATA).next()?;
    let v = attrs_of(d, NFTA_DATA_VERDICT).next()?;
    attrs_of(v, NFTA_VERDICT_CHAIN).next().map(c_str)
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The rule of a `NEWRULE` message body (`struct nfgenmsg`, then its
/// attributes).
fn rule_of(body: &[u8]) -> Option<Rule> {
    let a = attrs(body.get(4..)?);
    let of = |ty: u16| {
        a.iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, v)| c_str(v).to_vec())
    };
    let (table, chain) = (of(NFTA_RULE_TABLE)?, of(NFTA_RULE_CHAIN)?);
    let expressions: Expressions = a
        .iter()
        .filter(|(t, _)| *t == NFTA_RULE_EXPRESSIONS)
        .flat_map(|(_, list)| attrs_of(list, NFTA_LIST_ELEM))
        .filter_map(|e| {
            let name = attrs_of(e, NFTA_EXPR_NAME).next().map(c_str)?;
            let data = attrs_of(e, NFTA_EXPR_DATA).next().unwrap_or_default();
            Some((name.to_vec(), data.to_vec()))
        })
        .collect();
    let commented = a
        .iter()
        .any(|(t, v)| *t == NFTA_RULE_USERDATA && has(v, LAB_COMMENT))
        || expressions.iter().any(|(n, d)| {
            n == b"match"
                && attrs_of(d, NFTA_MATCH_NAME).next().map(c_str) == Some(b"comment")
                && attrs_of(d, NFTA_MATCH_INFO).any(|i| has(i, LAB_COMMENT))
        });
    let jumps = expressions.iter().any(|(n, d)| {
        n == b"immediate" && jump_target(d).is_some_and(|c| c.starts_with(LAB_CHAIN))
    });
    let lab = chain.starts_with(LAB_CHAIN) || commented || jumps;
    Some(Rule {
        table,
        chain,
        expressions,
        lab,
    })
}

/// The print of `rules`, a dump's, in the kernel's order.
fn print_of(rules: &[Rule]) -> Print {
    let mut p = Print::default();
    let mut seen_other: Vec<(&[u8], &[u8])> = Vec::new();
    for r in rules {
        let at = (r.table.as_slice(), r.chain.as_slice());
        if !r.lab {
            seen_other.push(at);
            continue;
        }
        if seen_other.contains(&at) && r.table == FILTER {
            p.passed_by = true;
        }
        let kept = r
            .expressions
            .iter()
            .filter(|(n, _)| n != b"counter")
            .cloned()
            .collect();
        p.rules.push((r.table.clone(), r.chain.clone(), kept));
    }
    p
}

/// The print of the lab's rules in the node whose netfilter socket is `fd`.
pub fn print(fd: &OwnedFd, seq: u32, buf: &mut [u8]) -> io::Result<Print> {
    let dump = message(
        GET_RULES,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        &[FAMILY_IP, 0, 0, 0],
    );
    let rules = RefCell::new(Vec::new());
    ask_counting(fd, &dump, seq, buf, |r| {
        rules.borrow_mut().extend(
            messages(r)
                .filter(|m| m.seq == seq && m.ty == NEW_RULE)
                .filter_map(|m| rule_of(m.body)),
        );
        part_of(r, seq).0
    })?;
    Ok(print_of(&rules.into_inner()))
}

/// Why the node must be stopped, if it must: its print `now` differs from
/// the one taken when the lab's rules were last its own (`taken`), or
/// shows them passed by.
pub fn why_changed(taken: &Print, now: &Print) -> Option<&'static str> {
    (now != taken || now.passed_by).then_some(CHANGED_WHY)
}

/// Whether an nf_tables event of type `ty` with `body` may change the
/// lab's rules: a table, chain or rule of family `ip` made, changed or gone.
pub fn may_change(ty: u16, body: &[u8]) -> bool {
    const SUBSYS: u16 = 10 << 8;
    // NEWTABLE (0) … DELRULE (8).
    ty & 0xff00 == SUBSYS && ty & 0xff <= 8 && body.first() == Some(&FAMILY_IP)
}

#[cfg(test)]
mod tests {
    use super::super::super::netlink::msg::attr;
    use super::*;

    fn nest(ty: u16, parts: &[(u16, &[u8])]) -> Vec<u8> {
        let mut inner = Vec::new();
        for (t, v) in parts {
            attr(&mut inner, *t, v);
        }
        let mut out = Vec::new();
        attr(&mut out, ty, &inner);
        out
    }

    fn expr(name: &str, data: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        attr(&mut e, NFTA_EXPR_NAME, format!("{name}\0").as_bytes());
        attr(&mut e, NFTA_EXPR_DATA, data);
        let mut out = Vec::new();
        attr(&mut out, NFTA_LIST_ELEM, &e);
        out
    }

    /// A rule of table filter in `chain`, with a counter of `packets` and
    /// `tail`'s expressions, commented `comment` when given.
    fn rule(chain: &str, packets: u8, tail: &[Vec<u8>], comment: Option<&str>) -> Rule {
        let mut body = vec![FAMILY_IP, 0, 0, 0];
        attr(&mut body, NFTA_RULE_TABLE, b"filter\0");
        attr(&mut body, NFTA_RULE_CHAIN, format!("{chain}\0").as_bytes());
        let mut list = expr("counter", &[packets; 8]);
        for t in tail {
            list.extend_from_slice(t);
        }
        attr(&mut body, NFTA_RULE_EXPRESSIONS, &list);
        if let Some(c) = comment {
            attr(
                &mut body,
                NFTA_RULE_USERDATA,
                format!("\0\x09{c}\0").as_bytes(),
            );
        }
        rule_of(&body).expect("a rule")
    }

    fn jump(to: &str) -> Vec<u8> {
        let verdict = nest(
            NFTA_DATA_VERDICT,
            &[
                (1, &(-3i32).to_be_bytes()),
                (NFTA_VERDICT_CHAIN, format!("{to}\0").as_bytes()),
            ],
        );
        let mut data = Vec::new();
        attr(&mut data, 1, &0u32.to_be_bytes());
        attr(&mut data, NFTA_IMMEDIATE_DATA, &verdict);
        expr("immediate", &data)
    }

    fn accept() -> Vec<u8> {
        expr("immediate", &[8, 0, 1, 0, 0, 0, 0, 0])
    }

    fn lab_rules() -> Vec<Rule> {
        vec![
            rule("OUTPUT", 1, &[jump("LAB-NEIGHBOURS")], None),
            rule("FORWARD", 1, &[jump("LAB-NEIGHBOURS")], None),
            rule(
                "FORWARD",
                1,
                &[accept()],
                Some("lab: the overlay carries the pod network"),
            ),
            rule("FORWARD", 1, &[jump("FLANNEL-FWD")], None),
            rule("LAB-UNHELD", 1, &[expr("limit", b"1/s"), accept()], None),
            rule("LAB-UNHELD", 1, &[expr("reject", b"")], None),
        ]
    }

    /// The lab's rules are told by chain, jump or comment; counters do not
    /// change the print; the node's own rules after the lab's do not either.
    #[test]
    fn the_print_is_the_lab_rules_but_counters() {
        let rules = lab_rules();
        assert_eq!(rules.iter().filter(|r| r.lab).count(), 5);
        let taken = print_of(&rules);
        assert!(!taken.passed_by);
        let mut later = lab_rules();
        for r in &mut later {
            r.expressions[0].1 = vec![9; 8];
        }
        later.push(rule("FORWARD", 3, &[accept()], None));
        later.push(rule("INPUT", 3, &[accept()], None));
        assert_eq!(why_changed(&taken, &print_of(&later)), None);
    }

    /// A flush of `LAB-UNHELD`, a rule of the lab's removed or replaced, a
    /// rule added to a lab chain, and one put ahead of the lab's jump each
    /// stop the node.
    #[test]
    fn a_change_to_the_lab_rules_stops_the_node() {
        let taken = print_of(&lab_rules());
        let flushed: Vec<Rule> = lab_rules()
            .into_iter()
            .filter(|r| r.chain != b"LAB-UNHELD")
            .collect();
        assert_eq!(why_changed(&taken, &print_of(&flushed)), Some(CHANGED_WHY));
        let mut replaced = lab_rules();
        replaced[4] = rule("LAB-UNHELD", 1, &[expr("limit", b"9999/s"), accept()], None);
        assert!(why_changed(&taken, &print_of(&replaced)).is_some());
        let mut added = lab_rules();
        added.insert(4, rule("LAB-UNHELD", 1, &[accept()], None));
        assert!(why_changed(&taken, &print_of(&added)).is_some());
        let mut ahead = lab_rules();
        ahead.insert(0, rule("OUTPUT", 1, &[accept()], None));
        assert!(print_of(&ahead).passed_by);
        let mut raw = lab_rules();
        raw[2].table = b"raw".to_vec();
        let taken_raw = print_of(&raw);
        raw.insert(
            2,
            Rule {
                table: b"raw".to_vec(),
                ..rule("FORWARD", 1, &[accept()], None)
            },
        );
        assert!(!print_of(&raw).passed_by);
        assert_eq!(why_changed(&taken_raw, &print_of(&raw)), None);
        assert!(why_changed(&taken, &print_of(&ahead)).is_some());
    }

    /// Only tables, chains and rules of family ip may change the lab's rules.
    #[test]
    fn only_ip_rule_events_are_looked_at() {
        let ty = |cmd: u16| (10 << 8) | cmd;
        assert!(may_change(ty(8), &[FAMILY_IP, 0, 0, 0]));
        assert!(may_change(ty(2), &[FAMILY_IP, 0, 0, 0]));
        assert!(!may_change(ty(12), &[FAMILY_IP, 0, 0, 0]));
        assert!(!may_change(ty(8), &[10, 0, 0, 0]));
        assert!(!may_change((11 << 8) | 8, &[FAMILY_IP, 0, 0, 0]));
    }
}
