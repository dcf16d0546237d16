//! The `nodes:` entries validated and expanded (`count`, `--nodes`) into
//! nodes with their addresses, resources and pod subnets.

use super::{Collector, is_dns_label};
use crate::testbed::raw::RawNode;
use crate::testbed::{Node, Role, nth_host};
use ipnet::Ipv4Net;
use std::collections::HashSet;
use std::net::Ipv4Addr;

/// kubeadm's preflight minimum for a control plane.
const MIN_CP_CPUS: u32 = 2;
const MIN_CP_MEMORY: u32 = 1700;

/// The nodes of a lab after `count` expansion, control plane first.
pub(super) struct Expanded {
    pub nodes: Vec<Node>,
    /// Every node entry expanded into its nodes. When false, some nodes are
    /// missing, so a check naming them would only add follow-on noise.
    pub complete: bool,
}

/// Validate the `nodes:` entries and expand `count` (or `--nodes`) into
/// nodes with their addresses and pod subnets.
pub(super) fn expand_nodes(
    c: &mut Collector,
    raw: &[RawNode],
    private: Option<Ipv4Net>,
    nat: Option<Ipv4Net>,
    pods: Option<Ipv4Net>,
    workers: Option<u32>,
) -> Expanded {
    let mut nodes: Vec<Node> = Vec::new();
    let mut complete = true;
    let mut names = HashSet::new();
    let mut ips: HashSet<Ipv4Addr> = HashSet::new();
    let mut control_planes = 0;
    let mut bad_roles = 0;
    let mut counted_workers = 0;
    for (i, n) in raw.iter().enumerate() {
        let f = |k: &str| format!("nodes[{i}].{k}");
        let role = match n.role.as_str() {
            "control-plane" => Role::ControlPlane,
            "worker" => Role::Worker,
            other => {
                c.push(
                    f("role"),
                    format!("'{other}' is not a role (control-plane or worker)"),
                );
                bad_roles += 1;
                complete = false;
                continue;
            }
        };
        // Role-level facts first, so that a bad name or address in the
        // control plane's entry does not also read as "no control plane".
        let (def_cpus, def_memory) = match role {
            Role::ControlPlane => (MIN_CP_CPUS, 2048),
            Role::Worker => (1, 1024),
        };
        let (cpus, memory) = (n.cpus.unwrap_or(def_cpus), n.memory.unwrap_or(def_memory));
        if role == Role::ControlPlane {
            control_planes += 1;
            if control_planes == 2 {
                c.push(f("role"), "a second control-plane: the lab has exactly one");
            }
            if cpus < MIN_CP_CPUS {
                c.push(
                    f("cpus"),
                    format!(
                        "{cpus} is below kubeadm's minimum for a control plane ({MIN_CP_CPUS})"
                    ),
                );
            }
            if memory < MIN_CP_MEMORY {
                c.push(f("memory"), format!("{memory} MB is below kubeadm's minimum for a control plane ({MIN_CP_MEMORY} MB)"));
            }
        } else if cpus == 0 || memory == 0 {
            c.push(
                f(if cpus == 0 { "cpus" } else { "memory" }),
                "must be at least 1",
            );
        }
        let count = match (role, n.count, workers) {
            (Role::ControlPlane, Some(_), _) => {
                c.push(
                    f("count"),
                    "a control plane cannot have a count (exactly one control plane)",
                );
                1
            }
            (Role::Worker, Some(_), Some(over)) => {
                counted_workers += 1;
                over
            }
            (Role::Worker, Some(k), None) => {
                counted_workers += 1;
                k
            }
            (_, None, _) => 1,
        };
        if count == 0 {
            let what = match workers {
                Some(_) if n.count.is_some() => "--nodes 0",
                _ => "count: 0",
            };
            c.push(
                f("count"),
                format!("{what}: give at least one worker (the control plane is tainted NoSchedule, so workloads run on workers)"),
            );
            complete = false;
            continue;
        }
        if !is_dns_label(&n.name) {
            c.push(f("name"), format!("'{}' is not a valid node name (a DNS label: lowercase letters, digits and '-')", n.name));
            complete = false;
            continue;
        }
        let Ok(ip) = n.ip.parse::<Ipv4Addr>() else {
            c.push(f("ip"), format!("'{}' is not an IPv4 address", n.ip));
            complete = false;
            continue;
        };
        let Some(private) = private else {
            complete = false;
            continue;
        };
        let last = u32::from(ip).checked_add(count - 1);
        let in_range = |a: u32| {
            private.contains(&Ipv4Addr::from(a))
                && a != u32::from(private.network())
                && a != u32::from(private.broadcast())
        };
        if !in_range(u32::from(ip)) {
            c.push(
                f("ip"),
                format!("{ip} is not a host address in network.private {private}"),
            );
            complete = false;
            continue;
        }
        let host = u32::from(private.network()) + 1;
        if (u32::from(ip)..=last.unwrap_or(u32::MAX)).contains(&host) {
            c.push(
                f("ip"),
                format!("{} is the host's own address on network.private (VirtualBox and libvirt give the host .1); start at .2 or above", Ipv4Addr::from(host)),
            );
            complete = false;
            continue;
        }
        if !last.is_some_and(in_range) {
            let room = u32::from(private.broadcast()) - u32::from(ip);
            let from = match workers {
                Some(w) if n.count.is_some() => format!("--nodes {w}: "),
                _ => String::new(),
            };
            c.push(
                f(if n.count.is_some() { "count" } else { "ip" }),
                format!("{from}{count} workers from {ip} do not fit in network.private {private}: room for {room}"),
            );
            complete = false;
            continue;
        }
        for k in 0..count {
            let name = if n.count.is_some() {
                format!("{}{}", n.name, k + 1)
            } else {
                n.name.clone()
            };
            let addr = Ipv4Addr::from(u32::from(ip) + k);
            if !names.insert(name.clone()) {
                c.push(f("name"), format!("node name '{name}' is used twice"));
            }
            if name.len() > 40 {
                c.push(
                    f("name"),
                    format!("node name '{name}' is too long (at most 40 characters)"),
                );
            }
            if !ips.insert(addr) {
                c.push(
                    f("ip"),
                    format!("address {addr} (node '{name}') is used twice"),
                );
            }
            nodes.push(Node {
                name,
                role,
                ip: addr,
                cpus,
                memory,
                index: 0,
                pod_subnet: Ipv4Net::default(),
            });
        }
    }
    if raw.is_empty() {
        c.push(
            "nodes",
            "no nodes: add a control-plane and at least one worker",
        );
    } else if control_planes == 0 && bad_roles == 0 {
        c.push(
            "nodes",
            "no control-plane node: add one node with role: control-plane",
        );
    }
    if workers.is_some() && counted_workers == 0 {
        c.push(
            "nodes",
            "--nodes needs a worker entry with `count` to override",
        );
    }
    // Control plane first, then the others in file order; hand out pod /24s.
    nodes.sort_by_key(|n| n.role != Role::ControlPlane);
    for (i, n) in nodes.iter_mut().enumerate() {
        n.index = i;
    }
    if let Some(p) = pods
        && p.prefix_len() <= 24
    {
        let available = 1u64 << (24 - p.prefix_len());
        if nodes.len() as u64 > available {
            c.push(
                "network.pods",
                format!(
                    "{p} has {available} /24 subnets, not enough for {} nodes",
                    nodes.len()
                ),
            );
        } else {
            for n in nodes.iter_mut() {
                n.pod_subnet = Ipv4Net::new(nth_host(p, (n.index as u32) << 8), 24).expect("/24");
            }
        }
    }
    if let Some(n) = nat
        && let Some(node) = nodes.iter().find(|node| n.contains(&node.ip))
    {
        c.push(
            "network.nat",
            format!("{n} contains node address {}", node.ip),
        );
    }
    Expanded { nodes, complete }
}
