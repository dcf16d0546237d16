//! Whether the book's own values agree with each other, before any is used
//! to bind the book to the lab (issue 16, "no circular binding"):
//! - a node has one pod subnet, and a subnet one node;
//! - a node's subnet lies in the pod network, a pod's address in its node's
//!   subnet, and each `subnet.env` agrees with the pods the book shows on
//!   that node (a `subnet.env` value is compared with the lab's node, never
//!   used to bind itself);
//! - an address of a node's pod subnet past `.1` (the flannel.1 and cni0
//!   addresses) stands for a pod the book shows in that generation: one book
//!   value, one lab value, and back.
//!
//! - a pod keeps its node and its address for its life: every row that
//!   shows it again agrees with the first; an address is one pod's in a
//!   generation; its age never goes back ([`super::coherence_age`]).
//!
//! Each disagreement is a sentence at the line where the fact stands; the
//! replay reports it as drift of that line's block. Where the book
//! contradicts itself about a value that binds (a pod, an address, a
//! node's subnet), no table can say which lab value it stands for: the
//! value is contested, and every block that uses it (its command or output
//! names it), before and after the contradiction alike, carries the
//! sentence too, so it is never a match.

use super::bind::{Binding, Contested, PodKind, next_ipv4, prefix_after};
use super::parse::Step;
use super::recognize::{Cmd, KubeAction};
use crate::spec::Lab;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub(super) fn conflict(b: &mut Binding, line: usize, sentence: String) {
    if !b
        .conflicts
        .iter()
        .any(|(l, s)| *l == line && *s == sentence)
    {
        b.conflicts.push((line, sentence));
    }
}

/// Record that the book's pod at `line` puts `node`'s pod subnet at `net`,
/// or say where that disagrees with what the book said before.
pub fn add_subnet(b: &mut Binding, net: Ipv4Net, node: &str, line: usize) {
    if let Some((n, _, l)) = b.subnets.iter().find(|(_, o, _)| o == node).cloned()
        && n != net
    {
        let s = format!(
            "the book puts {node}'s pods in {net} here and in {n} at line {l}: a node has one pod subnet"
        );
        conflict(b, line, s);
        let why = format!(
            "the book puts {node}'s pods in {n} at line {l} and in {net} at line {line}: a node has one pod subnet, so which lab subnet each stands for is contested"
        );
        contest(b, Contested::Subnet(n), &why);
        contest(b, Contested::Subnet(net), &why);
        return;
    }
    if let Some((_, other, l)) = b
        .subnets
        .iter()
        .find(|(n, o, _)| *n == net && o != node)
        .cloned()
    {
        let s = format!(
            "the book puts pods of {node} in {net} here and pods of {other} in it at line {l}: a subnet is one node's"
        );
        conflict(b, line, s);
        let why = format!(
            "the book puts pods of {other} in {net} at line {l} and pods of {node} in it at line {line}: a subnet is one node's, so which lab subnet {net} stands for is contested"
        );
        contest(b, Contested::Subnet(net), &why);
        return;
    }
    if !b.subnets.iter().any(|(n, ..)| *n == net) {
        b.subnets.push((net, node.to_string(), line));
    }
}

/// Check the book's values across the whole chapter (see the module header).
pub fn check(lab: &Lab, b: &mut Binding, blocks: &[Vec<(Step, Result<Cmd, String>)>]) {
    let pod_net = lab.network.pods;
    for (net, node, line) in b.subnets.clone() {
        if !pod_net.contains(&net) {
            let s = format!(
                "the book's pod subnet {net} of {node} is not in the pod network {pod_net}"
            );
            conflict(b, line, s);
        }
    }
    pods_kept(b);
    super::coherence_age::check(b);
    super::coherence_names::check(lab, b, blocks);
    super::coherence_deleted::check(lab, b, blocks);
    addresses_one_pods(b, pod_net);
    let prefix = lab
        .nodes
        .first()
        .map(|n| n.pod_subnet.prefix_len())
        .unwrap_or(24);
    for steps in blocks {
        for (step, cmd) in steps {
            subnet_env(b, step, cmd);
            addresses(b, step, pod_net);
            uses_contested(b, step, pod_net, prefix);
        }
    }
}

fn contest(b: &mut Binding, value: Contested, why: &str) {
    if !b.contested.iter().any(|(v, _)| *v == value) {
        b.contested.push((value, why.to_string()));
    }
}

/// A pod keeps its node and its address for its life: each later row of a
/// pod against the first row that bound it.
fn pods_kept(b: &mut Binding) {
    for (name, p) in b.pods.clone() {
        let rows: Vec<_> = b.shown.iter().filter(|s| s.pod == name).cloned().collect();
        let differs = |s: &super::bind::Shown| {
            matches!((&s.node, &p.node), (Some(a), Some(f)) if a != f)
                || matches!((s.ip, p.ip), (Some(a), Some(f)) if a != f)
        };
        if !rows.iter().any(differs) {
            continue;
        }
        let said: Vec<String> = rows
            .iter()
            .map(|s| {
                let on = s
                    .node
                    .as_deref()
                    .map(|n| format!(" on {n}"))
                    .unwrap_or_default();
                let with = s.ip.map(|a| format!(" with {a}")).unwrap_or_default();
                format!("{on}{with} at line {}", s.line)
            })
            .fold(Vec::new(), |mut v, s| {
                if !v.contains(&s) {
                    v.push(s);
                }
                v
            });
        let mut addresses: Vec<Ipv4Addr> = Vec::new();
        for a in rows.iter().filter_map(|s| s.ip) {
            if !addresses.contains(&a) {
                addresses.push(a);
            }
        }
        let why = format!(
            "the book shows pod {name}{}: a pod keeps its node and its address for its life, so which lab pod it stands for is contested",
            said.join(" and")
        );
        let value = Contested::Pod {
            name: name.clone(),
            addresses,
            epoch: p.epoch,
        };
        contest(b, value, &why);
    }
}

/// An address of the pod network is one pod's in a generation.
fn addresses_one_pods(b: &mut Binding, pod_net: Ipv4Net) {
    // (address, generation) and the pods shown with it: (name, line).
    type Holders = Vec<(String, usize)>;
    let mut by: Vec<((Ipv4Addr, usize), Holders)> = Vec::new();
    for s in &b.shown {
        let Some(p) = b.pods.get(&s.pod) else {
            continue;
        };
        let Some(ip) = s.ip.filter(|a| pod_net.contains(a)) else {
            continue;
        };
        if p.kind == PodKind::Flannel {
            continue;
        }
        let key = (ip, p.epoch);
        match by.iter_mut().find(|(k, _)| *k == key) {
            Some((_, holders)) if !holders.iter().any(|(n, _)| *n == s.pod) => {
                holders.push((s.pod.clone(), s.line))
            }
            Some(_) => {}
            None => by.push((key, vec![(s.pod.clone(), s.line)])),
        }
    }
    for ((ip, epoch), holders) in by {
        if holders.len() < 2 {
            continue;
        }
        let who: Vec<String> = holders
            .iter()
            .map(|(n, l)| format!("{n} (line {l})"))
            .collect();
        let why = format!(
            "the book shows {ip} as the address of {} in one generation of pods: an address is one pod's, so which lab pod it stands for is contested",
            who.join(" and ")
        );
        contest(b, Contested::Address(ip, epoch), &why);
    }
}

/// The sentence of what the book contradicts itself about, for `ip` in a
/// command of generation `epoch`: a contested subnet it lies in, or the
/// contested pod or address it binds to (that generation's, or where that
/// generation shows none, any).
pub fn contest_of_ip(b: &Binding, ip: Ipv4Addr, epoch: usize) -> Option<&str> {
    let in_epoch = b.pods.values().any(|p| {
        p.ip == Some(ip) && p.epoch == epoch && matches!(p.kind, PodKind::Workload { .. })
    }) || b
        .shown
        .iter()
        .any(|s| s.ip == Some(ip) && b.pods.get(&s.pod).is_some_and(|p| p.epoch == epoch));
    // The pod's own contest first, then the address's, then the subnet's.
    let rank = |c: &Contested| match c {
        Contested::Pod {
            addresses,
            epoch: e,
            ..
        } => (addresses.contains(&ip) && (*e == epoch || !in_epoch)).then_some(0),
        Contested::Address(a, e) => (*a == ip && (*e == epoch || !in_epoch)).then_some(1),
        Contested::Subnet(n) => n.contains(&ip).then_some(2),
    };
    b.contested
        .iter()
        .filter_map(|(c, why)| Some((rank(c)?, why.as_str())))
        .min_by_key(|(r, _)| *r)
        .map(|(_, why)| why)
}

/// Why the book's `pod`, named at `line` (by a line that takes a pod, an
/// `exec` or a `logs`, or by a `get pods` row), is no pod the reader has
/// there: a `delete -f` of its file (or an apply of other content over it)
/// ended it after the first row that shows it (a row between a deletion of
/// its pods and the apply that makes them again shows one of them too:
/// [`super::coherence_deleted`]), and an apply makes new pods with new
/// names (a name stands for a pod of its generation, as an address does:
/// [`addresses`]), whatever made them: a Deployment's or a DaemonSet's,
/// the pod network's. A row that shows an old name after such an apply is
/// no sign that the pod lives (probe21bk, finding 1: a DaemonSet deleted
/// and applied again kept its old names green). `None`: the book shows it
/// alive, or says nothing of its end.
pub fn ended(b: &Binding, pod: &str, line: usize) -> Option<String> {
    let p = b.pods.get(pod)?;
    let first = b
        .shown
        .iter()
        .filter(|s| s.pod == pod && s.line < line)
        .map(|s| s.line)
        .min()?;
    // The pods of its kind were ended over its first row (it shows one
    // the reader no longer has), or after it.
    let d = match super::coherence_deleted::deleted_over(b, &p.kind, first) {
        Some(d) => d,
        None => b
            .deletions
            .iter()
            .find(|d| d.ends(&p.kind) && first < d.line && d.line < line)?,
    };
    let deleted = match &d.replaced {
        None => format!(
            "{pod} was deleted at line {} with `kubectl delete -f {}`",
            d.line, d.file
        ),
        Some(over) => format!(
            "{pod} was replaced at line {} by `kubectl apply -f {}` over {over}, whose objects differ",
            d.line, d.file
        ),
    };
    Some(match d.applied.filter(|a| *a < line) {
        Some(a) => {
            // The pods of the same kind the book first shows after that
            // apply (an old name shown again there is none of them).
            let mut new: Vec<&str> = Vec::new();
            for s in b.shown.iter().filter(|s| s.line > a && s.line < line) {
                let same = b.pods.get(&s.pod).is_some_and(|o| o.kind == p.kind);
                let since = !b.shown.iter().any(|o| o.pod == s.pod && o.line < a);
                if same && since && s.pod != pod && !new.contains(&s.pod.as_str()) {
                    new.push(&s.pod);
                }
            }
            let shown = if new.is_empty() {
                String::new()
            } else {
                format!(" (the book shows {})", new.join(", "))
            };
            format!("{deleted}; the pods after line {a}'s apply have new names{shown}")
        }
        None => format!("{deleted}; nothing the chapter applied since makes it again"),
    })
}

/// Whether `text` names the pod `name` as a word of its own (not a part of
/// a longer name).
fn names(text: &str, name: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    text.match_indices(name)
        .any(|(at, _)| !text[..at].ends_with(part) && !text[at + name.len()..].starts_with(part))
}

/// Every command whose line or output names a contested value carries the
/// contest (see the module header): which lab value it stands for is not
/// known, so nothing there can be a match.
fn uses_contested(b: &mut Binding, step: &Step, pod_net: Ipv4Net, prefix: u8) {
    let epoch = b.epoch(step.line);
    let mut found: Vec<String> = Vec::new();
    for text in std::iter::once(&step.command).chain(step.output.iter()) {
        for (c, why) in &b.contested {
            if let Contested::Pod { name, .. } = c
                && names(text, name)
                && !found.contains(why)
            {
                found.push(why.clone());
            }
        }
        let mut rest = text.as_str();
        while let Some((s, e)) = next_ipv4(rest) {
            let word = &rest[s..e];
            let after = &rest[e..];
            rest = after;
            // A network wider than a node's subnet is the lab's own value.
            let wider = prefix_after(after).is_some_and(|p| p < prefix);
            let Ok(ip) = word.parse::<Ipv4Addr>() else {
                continue;
            };
            if wider || !pod_net.contains(&ip) {
                continue;
            }
            if let Some(why) = contest_of_ip(b, ip, epoch)
                && !found.iter().any(|f| f == why)
            {
                found.push(why.to_string());
            }
        }
    }
    for why in found {
        let s = format!("{why}; nothing that uses it here is a match");
        conflict(b, step.line, s);
    }
}

/// A book `subnet.env` against the pods the book shows on that node.
fn subnet_env(b: &mut Binding, step: &Step, cmd: &Result<Cmd, String>) {
    let Ok(Cmd::Kubectl(k)) = cmd else { return };
    let KubeAction::Exec { pod, cmd } = &k.action else {
        return;
    };
    if !matches!(**cmd, Cmd::Cat { ref path } if path.ends_with("subnet.env")) {
        return;
    }
    let text = step.output.join("\n");
    let value = |key| crate::probe::run::env_value(&text, key);
    let subnet = value("FLANNEL_SUBNET").and_then(|s| s.parse::<Ipv4Net>().ok());
    let network = value("FLANNEL_NETWORK").and_then(|s| s.parse::<Ipv4Net>().ok());
    let Some(subnet) = subnet else { return };
    if let Some(network) = network
        && !network.contains(&subnet.trunc())
    {
        let s = format!(
            "the book's subnet.env says FLANNEL_SUBNET={subnet}, outside its FLANNEL_NETWORK={network}"
        );
        conflict(b, step.line, s);
    }
    let Some(node) = b.pods.get(pod).and_then(|p| p.node.clone()) else {
        return;
    };
    if let Some((net, _, line)) = b.subnets.iter().find(|(_, n, _)| *n == node).cloned()
        && net != subnet.trunc()
    {
        let s = format!(
            "the book's subnet.env of {node} says FLANNEL_SUBNET={subnet}, but the book's pods on {node} are in {net} (line {line})"
        );
        conflict(b, step.line, s);
    }
}

/// Why lab cannot tell whose `ip` is, in a command of generation `epoch`:
/// an address of a node's pod subnet (past its `.1`) that no workload pod
/// of that generation has, while the book shows pods of it without their
/// addresses (a `get pods` table with no IP column): it may be one of
/// theirs (probe21bp, lesser 5: `G17`, a same-node ping after such a table
/// drifted "no pod's address in the book's run", and was pinged as the
/// bare address, which no lab pod has). `None`: the address is a shown
/// pod's, or no pod's address may hide it.
pub fn unshown_address(b: &Binding, ip: Ipv4Addr, epoch: usize) -> Option<String> {
    let (net, node, _) = b.subnets.iter().find(|(n, ..)| n.contains(&ip))?;
    let offset = u32::from(ip) - u32::from(net.network());
    if offset < 2 || ip == net.broadcast() {
        return None;
    }
    let workload = |p: &super::bind::BookPod| matches!(p.kind, PodKind::Workload { .. });
    if b.pods
        .values()
        .any(|p| workload(p) && p.epoch == epoch && p.ip == Some(ip))
    {
        return None;
    }
    let mut unshown: Vec<&str> = b
        .pods
        .iter()
        .filter(|(_, p)| workload(p) && p.epoch == epoch && p.ip.is_none())
        .filter(|(_, p)| p.node.as_deref().is_none_or(|n| n == node))
        .map(|(n, _)| n.as_str())
        .collect();
    unshown.sort_unstable();
    (!unshown.is_empty()).then(|| {
        format!(
            "{ip} is in {node}'s pod subnet {net}, and the book shows pods of that time without their addresses ({}): lab cannot tell whose {ip} is, so which of the lab's pods it stands for",
            unshown.join(", ")
        )
    })
}

/// Every address past `.1` of a book node subnet, in a command or its
/// output, must be a pod the book shows in that generation (or may be one
/// shown without its address: [`unshown_address`]).
fn addresses(b: &mut Binding, step: &Step, pod_net: Ipv4Net) {
    let epoch = b.epoch(step.line);
    let mut seen: Vec<Ipv4Addr> = Vec::new();
    for text in std::iter::once(&step.command).chain(step.output.iter()) {
        let mut rest = text.as_str();
        while let Some((s, e)) = next_ipv4(rest) {
            let word = &rest[s..e];
            let after = &rest[e..];
            rest = after;
            let Ok(ip) = word.parse::<Ipv4Addr>() else {
                continue;
            };
            // `10.244.3.1/24` is a subnet's own address, not a pod's.
            if after.starts_with('/') || !pod_net.contains(&ip) || seen.contains(&ip) {
                continue;
            }
            seen.push(ip);
            let Some((net, node, _)) = b.subnets.iter().find(|(n, ..)| n.contains(&ip)).cloned()
            else {
                continue;
            };
            let offset = u32::from(ip) - u32::from(net.network());
            if offset < 2 || ip == net.broadcast() {
                continue;
            }
            let is_pod = |p: &super::bind::BookPod| {
                matches!(p.kind, PodKind::Workload { .. }) && p.ip == Some(ip)
            };
            if b.pods.values().any(|p| is_pod(p) && p.epoch == epoch)
                || unshown_address(b, ip, epoch).is_some()
            {
                continue;
            }
            let others: Vec<(String, Ipv4Addr, usize)> = b
                .pods
                .iter()
                .filter(|(_, p)| {
                    p.epoch == epoch
                        && p.node.as_deref() == Some(node.as_str())
                        && matches!(p.kind, PodKind::Workload { .. })
                })
                .filter_map(|(n, p)| Some((n.clone(), p.ip?, p.line)))
                .collect();
            let shown = if others.is_empty() {
                "the book shows no pod there then".to_string()
            } else {
                format!(
                    "the book's pods on {node} then are {}",
                    others
                        .iter()
                        .map(|(n, ip, l)| format!("{n} {ip} (line {l})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let s = format!(
                "{ip} is in {node}'s pod subnet {net} but is no pod's address in the book's run; {shown}"
            );
            conflict(b, step.line, s);
            for (name, pip, line) in others {
                let s = format!(
                    "the book's pod {name} on {node} has {pip}, but line {} addresses {ip} in {node}'s pod subnet, which no pod of the book has",
                    step.line
                );
                conflict(b, line, s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pod_is_named_as_a_word_of_its_own() {
        let pod = "nginx-deployment-75675f5897-4dm42";
        assert!(super::names(
            "kubectl exec -it nginx-deployment-75675f5897-4dm42 -- ping",
            pod
        ));
        assert!(super::names("pod/nginx-deployment-75675f5897-4dm42", pod));
        assert!(!super::names("nginx-deployment-75675f5897-4dm42x 1/1", pod));
        assert!(!super::names("my-nginx-deployment-75675f5897-4dm42", pod));
    }
}
