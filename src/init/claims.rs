//! The claims a chapter's output makes, read as `lab init` walks its
//! blocks: a ping answered (with its TTL) or not, a route through
//! flannel.1, a node's subnet.env, a capture that saw an ICMP echo, the
//! interface flannel's log says it chose. Each keeps its line and the
//! network manifest applied last when the chapter showed it (its variant).

use super::facts::{Facts, line_of};
use crate::book::parse::{Block, Step};
use crate::book::recognize::Cmd;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// A pod as the book's tables place it: its Deployment and node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodRef {
    pub deployment: String,
    pub node: String,
}

/// Where a command ran, or what a ping aimed at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Node(String),
    Pod(PodRef),
}

/// What a ping's output shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A reply line (`64 bytes from ...: ttl=N`).
    Reply { ttl: Option<u32> },
    /// The `PING` line and nothing after it.
    NoReply,
    /// An ICMP error instead of a reply (`Destination Net Unreachable`).
    Error(String),
}

/// One claim of the chapter. `variant` is the network manifest applied
/// last before it (none before the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Ping {
        variant: Option<String>,
        line: usize,
        from: Place,
        to: Place,
        outcome: Outcome,
        remark: Option<String>,
    },
    Route {
        variant: Option<String>,
        line: usize,
        on: String,
        to_pods_of: String,
        dev: String,
    },
    Subnets {
        lines: Vec<usize>,
        network: Option<String>,
    },
    Capture {
        variant: Option<String>,
        line: usize,
        on: String,
        iface: String,
        ping: Place,
        contains: String,
    },
    Log {
        variant: Option<String>,
        line: usize,
        on: String,
        lines: Vec<String>,
    },
    /// `kubectl get nodes`: every node Ready.
    NodesReady { line: usize },
    /// `kubectl get pods`: N pods Running (of an `app` label, or of a
    /// Deployment), on distinct nodes if the table shows so.
    PodsRunning {
        line: usize,
        label: Option<String>,
        deployment: Option<String>,
        running: usize,
        distinct: bool,
    },
}

/// A route row through an overlay device, before its node is known.
#[derive(Debug, Clone)]
struct RouteRow {
    variant: Option<String>,
    line: usize,
    on: String,
    dest: Ipv4Net,
    dev: String,
}

/// The state of the walk through the chapter.
#[derive(Debug, Default)]
pub struct Walk {
    /// The node `vagrant ssh` entered.
    pub on: Option<String>,
    /// The root shells opened in it (`sudo -i`), each left by an `exit`
    /// that stays on the node.
    pub roots: usize,
    /// The network manifest applied last.
    pub variant: Option<String>,
    /// flannel's pods (host network) by name: their node.
    pub flannel_pods: BTreeMap<String, String>,
    /// Workload pods by name, and by address.
    pub pods: BTreeMap<String, PodRef>,
    pub pod_ips: BTreeMap<Ipv4Addr, PodRef>,
    /// The last ping of this block (the traffic a capture sees).
    last_ping: Option<Place>,
    subnets: Vec<(String, Ipv4Net, usize)>,
    network_env: Option<String>,
    routes: Vec<RouteRow>,
}

impl Walk {
    pub fn enter_block(&mut self) {
        self.on = None;
        self.roots = 0;
        self.last_ping = None;
    }

    /// Where `kubectl exec POD` runs: a flannel pod runs on its node's
    /// network; a workload pod is itself.
    pub fn place_of_pod(&self, pod: &str) -> Option<Place> {
        if let Some(n) = self.flannel_pods.get(pod) {
            return Some(Place::Node(n.clone()));
        }
        self.pods.get(pod).cloned().map(Place::Pod)
    }

    fn target(&self, f: &Facts, ip: Ipv4Addr) -> Option<Place> {
        if let Some(p) = self.pod_ips.get(&ip) {
            return Some(Place::Pod(p.clone()));
        }
        f.nodes
            .iter()
            .find(|n| n.ip.as_ref().is_some_and(|i| i.value == ip))
            .map(|n| Place::Node(n.name.clone()))
    }

    /// Claims that need the whole chapter: distinct subnets, routes by
    /// the node whose pods they reach.
    pub fn finish(&mut self, f: &mut Facts) {
        let mut nodes: Vec<&str> = self.subnets.iter().map(|(n, ..)| n.as_str()).collect();
        nodes.sort();
        nodes.dedup();
        let mut nets: Vec<Ipv4Net> = self.subnets.iter().map(|(_, s, _)| *s).collect();
        nets.sort();
        nets.dedup();
        if nodes.len() >= 2 && nets.len() == nodes.len() {
            f.claims.push(Claim::Subnets {
                lines: self.subnets.iter().map(|(.., l)| *l).collect(),
                network: self.network_env.clone(),
            });
        } else if !self.subnets.is_empty() {
            f.skipped.push((
                self.subnets[0].2,
                "subnet.env: the chapter does not show distinct subnets on two nodes or more"
                    .into(),
            ));
        }
        let mut seen = Vec::new();
        for r in std::mem::take(&mut self.routes) {
            let by_env = self
                .subnets
                .iter()
                .find(|(_, s, _)| s.trunc() == r.dest)
                .map(|(n, ..)| n.clone());
            let by_pod = || {
                self.pod_ips
                    .iter()
                    .find(|(ip, _)| r.dest.contains(*ip))
                    .map(|(_, p)| p.node.clone())
            };
            let Some(node) = by_env.or_else(by_pod) else {
                f.skipped.push((
                    r.line,
                    format!(
                        "route to {}: no subnet.env or pod table says whose pods those are",
                        r.dest
                    ),
                ));
                continue;
            };
            if node == r.on || seen.contains(&(r.on.clone(), node.clone())) {
                continue;
            }
            seen.push((r.on.clone(), node.clone()));
            f.claims.push(Claim::Route {
                variant: r.variant,
                line: r.line,
                on: r.on,
                to_pods_of: node,
                dev: r.dev,
            });
        }
    }
}

/// What a ping's output lines show, if the book shows any.
pub fn outcome(out: &[String]) -> Option<Outcome> {
    let mut header = false;
    for l in out.iter().map(|l| l.trim()) {
        if l.starts_with("PING ") {
            header = true;
        } else if let Some((_, after)) = l.split_once(" bytes from ") {
            if let Some(t) = after.split("ttl=").nth(1) {
                let ttl = t.split_whitespace().next().and_then(|t| t.parse().ok());
                return Some(Outcome::Reply { ttl });
            }
            if let Some((_, why)) = after.split_once(": ") {
                return Some(Outcome::Error(why.trim().to_string()));
            }
        } else if (l.starts_with("From ") || l.contains("icmp_seq"))
            && (l.contains("Unreachable") || l.contains("exceeded"))
        {
            return Some(Outcome::Error(l.to_string()));
        } else if l.contains("100% packet loss") {
            return Some(Outcome::NoReply);
        }
    }
    header.then_some(Outcome::NoReply)
}

/// A command that ran at `place` (a node, or a pod through `kubectl exec`).
pub fn observe(f: &mut Facts, w: &mut Walk, place: Place, cmd: &Cmd, b: &Block, s: &Step) {
    let inner = match cmd {
        Cmd::Grep { inner, .. } => inner.as_ref(),
        c => c,
    };
    match inner {
        Cmd::Ping { target, .. } => {
            let Some(to) = w.target(f, *target) else {
                f.skipped.push((
                    s.line,
                    format!(
                        "`{}`: no table of the chapter says whose address {target} is",
                        s.command
                    ),
                ));
                return;
            };
            w.last_ping = Some(to.clone());
            if let Some(outcome) = outcome(&s.output) {
                f.claims.push(Claim::Ping {
                    variant: w.variant.clone(),
                    line: s.line,
                    from: place,
                    to,
                    outcome,
                    remark: s.remark.clone(),
                });
            }
        }
        Cmd::Tcpdump { iface } => {
            let Place::Node(on) = place else { return };
            let seen = ["ICMP echo request", "ICMP echo reply"]
                .into_iter()
                .find(|p| s.output.iter().any(|l| l.contains(p)));
            let Some(contains) = seen else { return };
            let Some(ping) = w.last_ping.clone() else {
                f.skipped.push((
                    s.line,
                    "tcpdump: the block shows no ping it would capture".into(),
                ));
                return;
            };
            let line = s
                .output
                .iter()
                .find(|l| l.contains(contains))
                .map_or(s.line, |l| line_of(b, s.line, l));
            f.claims.push(Claim::Capture {
                variant: w.variant.clone(),
                line,
                on,
                iface: iface.clone(),
                ping,
                contains: contains.to_string(),
            });
        }
        Cmd::Cat { path } if path == "/run/flannel/subnet.env" => {
            let Place::Node(on) = place else { return };
            for l in &s.output {
                let l = l.trim();
                if let Some(v) = l.strip_prefix("FLANNEL_SUBNET=")
                    && let Ok(net) = v.parse::<Ipv4Net>()
                {
                    w.subnets
                        .push((on.clone(), net.trunc(), line_of(b, s.line, l)));
                } else if let Some(v) = l.strip_prefix("FLANNEL_NETWORK=")
                    && v.parse::<Ipv4Net>().is_ok()
                {
                    w.network_env.get_or_insert(v.to_string());
                }
            }
        }
        Cmd::RouteN | Cmd::IpRoute => {
            let Place::Node(on) = place else { return };
            for l in &s.output {
                if let Some((dest, dev)) = route_row(l)
                    && dev.starts_with("flannel")
                {
                    w.routes.push(RouteRow {
                        variant: w.variant.clone(),
                        line: line_of(b, s.line, l),
                        on: on.clone(),
                        dest,
                        dev,
                    });
                }
            }
        }
        _ => {}
    }
}

/// A row of `route -n` (`10.244.3.0 10.244.3.0 255.255.255.0 UG 0 0 0
/// flannel.1`) or of `ip route` (`10.244.3.0/24 via ... dev flannel.1`).
fn route_row(l: &str) -> Option<(Ipv4Net, String)> {
    let w: Vec<&str> = l.split_whitespace().collect();
    if w.len() == 8 {
        let dest: Ipv4Addr = w[0].parse().ok()?;
        let mask: Ipv4Addr = w[2].parse().ok()?;
        let len = u32::from(mask).leading_ones() as u8;
        let net = Ipv4Net::new(dest, len).ok()?;
        return Some((net.trunc(), w[7].to_string()));
    }
    let net: Ipv4Net = w.first()?.parse().ok()?;
    let dev = w
        .iter()
        .position(|x| *x == "dev")
        .and_then(|i| w.get(i + 1))?;
    Some((net.trunc(), dev.to_string()))
}

/// `kubectl logs` of flannel's pod on `on`: the lines saying which
/// interface and address it chose.
pub fn log(f: &mut Facts, w: &Walk, on: &str, b: &Block, s: &Step) {
    let lines: Vec<String> = s
        .output
        .iter()
        .map(|l| l.trim())
        .filter(|l| {
            l.contains("Using interface with name") || l.contains("Defaulting external address")
        })
        .map(|l| {
            // Keep the message, not the klog prefix (`I1127 ... match.go:210] `).
            l.rsplit_once("] ").map_or(l, |(_, m)| m).to_string()
        })
        .collect();
    if let Some(first) = lines.first() {
        let line = s
            .output
            .iter()
            .find(|l| l.contains(first.as_str()))
            .map_or(s.line, |l| line_of(b, s.line, l));
        f.claims.push(Claim::Log {
            variant: w.variant.clone(),
            line,
            on: on.to_string(),
            lines,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(lines: &[&str]) -> Option<Outcome> {
        outcome(&lines.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn ping_outcomes() {
        assert_eq!(
            o(&[
                "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.",
                "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms"
            ]),
            Some(Outcome::Reply { ttl: Some(64) })
        );
        assert_eq!(
            o(&["PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data."]),
            Some(Outcome::NoReply)
        );
        assert_eq!(
            o(&[
                "PING 10.244.3.3 (10.244.3.3): 48 data bytes",
                "60 bytes from 10.244.1.1: Destination Net Unreachable"
            ]),
            Some(Outcome::Error("Destination Net Unreachable".into()))
        );
        assert_eq!(
            o(&["From 10.1.0.1 icmp_seq=1 Destination Host Unreachable"]),
            Some(Outcome::Error(
                "From 10.1.0.1 icmp_seq=1 Destination Host Unreachable".into()
            ))
        );
        assert_eq!(o(&[]), None);
    }

    #[test]
    fn route_rows() {
        assert_eq!(
            route_row(
                "10.244.3.0      10.244.3.0      255.255.255.0   UG    0      0        0 flannel.1"
            ),
            Some(("10.244.3.0/24".parse().unwrap(), "flannel.1".into()))
        );
        assert_eq!(
            route_row("10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink"),
            Some(("10.42.2.0/24".parse().unwrap(), "flannel.1".into()))
        );
        assert_eq!(
            route_row("Destination Gateway Genmask Flags Metric Ref Use Iface"),
            None
        );
    }
}
