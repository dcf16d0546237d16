//! A command's trailing remark in brackets that says where the line is
//! typed or what it reaches: `ping 10.244.3.3 (across node)`, `exit (from
//! node1)`. The reader's shell never reads such a remark (typed, it is
//! bash's `syntax error near unexpected token '('`); the book's author
//! wrote it as a claim, and lab read the command without it, so a wrong
//! one passed: `ping 10.244.3.3 (same node)` matched though the book's own
//! table puts 10.244.3.3 on node2, and `exit (from node2)` typed in node1's
//! session was skipped (probe21be, lesser 5). A remark of these shapes is
//! checked here against the session the line is typed in and the book's
//! own pod tables and subnets; any other remark is said, never dropped
//! silently ([`super::remarks`] reads the ones that tell a change).

use super::plan::Planned;
use crate::book::CommandReport;
use crate::book::bind::Binding;
use crate::book::recognize::Cmd;
use std::net::Ipv4Addr;

/// What a remark claims, read from its words.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Claim {
    /// `from NODE`: the session the line leaves or is typed in.
    From(String),
    /// `same node` (true) or `across node(s)`, `other node`, `different
    /// node`, `another node` (false): whether the address reached is a pod
    /// of the session's own node.
    SameNode(bool),
}

fn claim(remark: &str) -> Option<Claim> {
    let words: Vec<String> = remark
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', '.', ';']).to_ascii_lowercase())
        .collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["from", node] => Some(Claim::From(node.to_string())),
        ["same", "node"] | ["on", "the", "same", "node"] => Some(Claim::SameNode(true)),
        ["across", "node" | "nodes"]
        | ["other" | "different" | "another", "node"]
        | ["on", "another" | "the" | "a", "other" | "different", "node"] => {
            Some(Claim::SameNode(false))
        }
        _ => None,
    }
}

/// The node the book places address `ip` on: the one node every row of its
/// pod tables showing `ip` names, else the node whose pod subnet holds it.
fn node_of(ip: Ipv4Addr, binding: &Binding) -> Option<String> {
    let mut rows: Vec<&str> = binding
        .shown
        .iter()
        .filter(|s| s.ip == Some(ip))
        .filter_map(|s| s.node.as_deref())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    match rows[..] {
        [one] => Some(one.to_string()),
        [] => {
            let mut subnets: Vec<&str> = binding
                .subnets
                .iter()
                .filter(|(net, _, _)| net.contains(&ip))
                .map(|(_, node, _)| node.as_str())
                .collect();
            subnets.dedup();
            (subnets.len() == 1).then(|| subnets[0].to_string())
        }
        _ => None,
    }
}

/// Check `p`'s trailing remark, if any: a wrong claim is a difference of
/// `r`; a remark lab does not read is said in `r.why`.
pub(super) fn check(p: &Planned, binding: &Binding, r: &mut CommandReport) {
    // A `# comment` is the shell's own: it reads nothing of it.
    let Some(remark) = p
        .step
        .remark
        .as_deref()
        .filter(|_| p.step.written.trim_end().ends_with(')'))
    else {
        return;
    };
    let session = p.node.as_deref();
    let typed = format!("{} ({remark})", p.step.command);
    match (claim(remark), &p.cmd) {
        (Some(Claim::From(node)), _) => match session {
            Some(s) if s.eq_ignore_ascii_case(&node) => {}
            Some(s) => r.differences.push(format!(
                "{typed}: the remark says the line is typed from {node}, but it stands in {s}'s session"
            )),
            None => r.differences.push(format!(
                "{typed}: the remark says the line is typed from {node}, but it stands on the reader's machine, in no node's session"
            )),
        },
        (Some(Claim::SameNode(same)), Ok(Cmd::Ping { target: ip, .. }))
        | (Some(Claim::SameNode(same)), Ok(Cmd::Curl(crate::book::curl::Curl { ip, .. }))) => {
            let Some(s) = session else {
                r.differences.push(format!(
                    "{typed}: the remark speaks of the node the line is typed on, but it stands on the reader's machine, in no node's session"
                ));
                return;
            };
            match node_of(*ip, binding) {
                Some(n) if n.eq_ignore_ascii_case(s) == same => {}
                Some(n) => r.differences.push(format!(
                    "{typed}: the remark says {ip} is a pod of {} node, but the book's own tables put it on {n}, and the line is typed in {s}'s session",
                    if same { "the same" } else { "another" }
                )),
                None => r.why.push(format!(
                    "the remark `({remark})` is the author's; the book's tables place {ip} on no one node, so lab could not check it"
                )),
            }
        }
        _ => r.why.push(format!(
            "the remark `({remark})` is the author's, not part of the command (typed, the reader's shell would not run it as a command's words): lab ran the line without it and checked nothing it says"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{Claim, claim};

    /// The remarks of chapter4's shape are read; others are not.
    #[test]
    fn a_remark_of_place_is_read() {
        assert_eq!(claim("same node"), Some(Claim::SameNode(true)));
        assert_eq!(claim("across node"), Some(Claim::SameNode(false)));
        assert_eq!(claim("Across nodes"), Some(Claim::SameNode(false)));
        assert_eq!(claim("from node1"), Some(Claim::From("node1".into())));
        for other in [
            "after sudo ip link set cni0 down",
            "see above",
            "from the top node",
        ] {
            assert_eq!(claim(other), None, "{other}");
        }
    }
}
