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
//! Each disagreement is a sentence at the line where the fact stands; the
//! replay reports it as drift of that line's block.

use super::bind::{Binding, PodKind, next_ipv4};
use super::parse::Step;
use super::recognize::{Cmd, KubeAction};
use crate::spec::Lab;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

fn conflict(b: &mut Binding, line: usize, sentence: String) {
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
    if let Some((n, _, l)) = b.subnets.iter().find(|(_, o, _)| o == node)
        && *n != net
    {
        let s = format!(
            "the book puts {node}'s pods in {net} here and in {n} at line {l}: a node has one pod subnet"
        );
        conflict(b, line, s);
        return;
    }
    if let Some((_, other, l)) = b.subnets.iter().find(|(n, o, _)| *n == net && o != node) {
        let s = format!(
            "the book puts pods of {node} in {net} here and pods of {other} in it at line {l}: a subnet is one node's"
        );
        conflict(b, line, s);
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
    for steps in blocks {
        for (step, cmd) in steps {
            subnet_env(b, step, cmd);
            addresses(b, step, pod_net);
        }
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

/// Every address past `.1` of a book node subnet, in a command or its
/// output, must be a pod the book shows in that generation.
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
            if b.pods.values().any(|p| is_pod(p) && p.epoch == epoch) {
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
