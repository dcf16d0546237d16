//! What a chapter states about its lab, read strictly from its blocks
//! (through `book::parse` and `book::recognize`, the same reading `lab book`
//! replays) and its prose: machines and addresses, the pod network, the
//! NICs, the manifests it applies in order, and the claims its output makes
//! (pings, routes, subnet.env, captures, flannel's log), each with its line.
//!
//! Only what the chapter shows is a fact here; what `lab init` has to guess
//! (a default, an inference) is the renderer's to say in a comment.

use super::claims::{self, Claim, Place, PodRef};
use crate::book::parse::{self, Block, Chapter};
use crate::book::recognize::{self, Cmd, KubeAction, Resource};
use ipnet::Ipv4Net;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// A value and the chapter line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub line: usize,
}

fn at<T>(value: T, line: usize) -> Sourced<T> {
    Sourced { value, line }
}

/// A machine the chapter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFact {
    pub name: String,
    /// Where the chapter first names it.
    pub line: usize,
    pub ip: Option<Sourced<Ipv4Addr>>,
    /// The line that makes it the control plane (ROLES, advertise address).
    pub control_plane: Option<usize>,
}

/// A manifest the chapter applies (`kubectl apply -f FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub file: String,
    pub line: usize,
    /// A pod network manifest (its name or the prose naming it says so).
    pub network: bool,
    /// `--iface=X` the prose gives this manifest.
    pub iface: Option<Sourced<String>>,
}

/// An interface flannel's log names with its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicSeen {
    pub name: String,
    pub addr: Ipv4Addr,
    pub line: usize,
}

/// Everything `lab init` read from the chapter.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub title: Option<String>,
    pub advertise: Option<Sourced<Ipv4Addr>>,
    pub pod_cidr: Option<Sourced<Ipv4Net>>,
    pub nodes: Vec<NodeFact>,
    /// `VERSION` of `kubectl get nodes` (the book's cluster).
    pub kube_version: Option<Sourced<String>>,
    /// Interfaces flannel's log names.
    pub nics: Vec<NicSeen>,
    /// `--iface=X` anywhere in the prose (the first).
    pub iface: Option<Sourced<String>>,
    /// The prose line saying the backend is VXLAN.
    pub vxlan: Option<usize>,
    /// Every manifest applied, first application only, in order.
    pub applied: Vec<Applied>,
    /// Per deployment, the pods the latest table shows (for replicas).
    pub deployments: BTreeMap<String, usize>,
    pub claims: Vec<Claim>,
    /// Lines `lab init` read but could not turn into a check, and why.
    pub skipped: Vec<(usize, String)>,
}

impl Facts {
    /// The node named `name`, added (in the chapter's order) if new.
    pub fn node(&mut self, name: &str, line: usize) -> &mut NodeFact {
        match self.nodes.iter().position(|n| n.name == name) {
            Some(i) => &mut self.nodes[i],
            None => {
                self.nodes.push(NodeFact {
                    name: name.to_string(),
                    line,
                    ip: None,
                    control_plane: None,
                });
                self.nodes.last_mut().expect("just pushed")
            }
        }
    }

    /// The network manifests, in the order the chapter applies them.
    pub fn networks(&self) -> impl Iterator<Item = &Applied> {
        self.applied.iter().filter(|a| a.network)
    }

    /// The other applied manifests: workloads.
    pub fn workloads(&self) -> impl Iterator<Item = &Applied> {
        self.applied.iter().filter(|a| !a.network)
    }
}

/// Words in a file name or its prose that make a manifest a pod network's.
const NETWORK_WORDS: &[&str] = &["flannel", "network", "cni", "calico", "weave", "cilium"];

/// The chapter's prose lines (outside fenced blocks), numbered.
fn prose(ch: &Chapter) -> Vec<(usize, &str)> {
    let mut inside = vec![false; ch.text.lines().count() + 2];
    for b in &ch.blocks {
        for flag in inside.iter_mut().take(b.end + 1).skip(b.line) {
            *flag = true;
        }
    }
    ch.text
        .lines()
        .enumerate()
        .filter(|(i, _)| !inside[i + 1])
        .map(|(i, l)| (i + 1, l))
        .collect()
}

/// The prose in paragraphs: runs of non-blank lines with no block or
/// blank line between them.
fn paragraphs<'a>(prose: &[(usize, &'a str)]) -> Vec<Vec<(usize, &'a str)>> {
    let mut out: Vec<Vec<(usize, &str)>> = Vec::new();
    let mut last = 0;
    for (n, l) in prose {
        if l.trim().is_empty() {
            last = 0;
            continue;
        }
        match out.last_mut() {
            Some(p) if last + 1 == *n => p.push((*n, l)),
            _ => out.push(vec![(*n, l)]),
        }
        last = *n;
    }
    out
}

/// `--iface=X` in a line.
fn iface_in(line: &str) -> Option<String> {
    let i = line.find("--iface=")?;
    let name: String = line[i + 8..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Read the facts of a parsed chapter.
pub fn read(ch: &Chapter) -> Facts {
    let mut f = Facts::default();
    let prose = prose(ch);
    for (n, l) in &prose {
        let t = l.trim();
        if f.title.is_none()
            && let Some(h) = t.strip_prefix("# ")
            && !h.trim().eq_ignore_ascii_case("todo")
        {
            // A title is words to show: a terminal's control characters
            // (which the lab file refuses in one) are left out.
            f.title = Some(
                h.chars()
                    .filter(|c| !c.is_control())
                    .collect::<String>()
                    .trim()
                    .to_string(),
            );
        }
        if f.iface.is_none()
            && let Some(i) = iface_in(t)
        {
            f.iface = Some(at(i, *n));
        }
        if f.vxlan.is_none() && t.to_lowercase().contains("vxlan") {
            f.vxlan = Some(*n);
        }
    }
    for (n, l) in ch.text.lines().enumerate() {
        if let Some(nic) = nic_in(l, n + 1)
            && !f
                .nics
                .iter()
                .any(|x| x.name == nic.name && x.addr == nic.addr)
        {
            f.nics.push(nic);
        }
    }
    let mut walk = claims::Walk::default();
    for b in ch.blocks.iter().filter(|b| b.is_shell()) {
        let (steps, _) = parse::steps(b);
        walk.enter_block();
        for s in &steps {
            let Ok(cmd) = recognize::recognize(&s.command) else {
                continue;
            };
            step(&mut f, &mut walk, &prose, b, s, &cmd);
        }
    }
    walk.finish(&mut f);
    f
}

/// "Using interface with name X and address A".
fn nic_in(line: &str, n: usize) -> Option<NicSeen> {
    let rest = line.split("Using interface with name ").nth(1)?;
    let (name, rest) = rest.split_once(" and address ")?;
    let addr = rest.split_whitespace().next()?.parse().ok()?;
    Some(NicSeen {
        name: name.trim().to_string(),
        addr,
        line: n,
    })
}

fn step(
    f: &mut Facts,
    w: &mut claims::Walk,
    prose: &[(usize, &str)],
    b: &Block,
    s: &parse::Step,
    cmd: &Cmd,
) {
    match cmd {
        Cmd::KubeadmInit {
            advertise,
            pod_cidr,
        } => {
            if let Some(a) = advertise {
                f.advertise.get_or_insert(at(*a, s.line));
            }
            if let Some(p) = pod_cidr {
                f.pod_cidr.get_or_insert(at(*p, s.line));
            }
        }
        Cmd::Ssh { node } => {
            f.node(node, s.line);
            w.on = Some(node.clone());
            w.roots = 0;
        }
        // A root shell's `exit` leaves it, on the same node.
        Cmd::RootShell { .. } if w.on.is_some() => w.roots += 1,
        Cmd::RootShell { .. } => {}
        Cmd::Exit if w.roots > 0 => w.roots -= 1,
        Cmd::Exit => w.on = None,
        Cmd::Kubectl(k) => match &k.action {
            KubeAction::Apply { file } => apply(f, w, prose, file, s.line),
            KubeAction::Get(g) => table(f, w, g, b, s),
            KubeAction::Exec { pod, cmd } => {
                let place = w.place_of_pod(pod);
                match place {
                    Some(p) => claims::observe(f, w, p, cmd, b, s),
                    None => f.skipped.push((
                        s.line,
                        format!("`kubectl exec {pod}`: no table places the pod {pod} on a node"),
                    )),
                }
            }
            KubeAction::Logs { pod } => {
                if let Some(Place::Node(node)) = w.place_of_pod(pod) {
                    claims::log(f, w, &node, b, s)
                }
            }
            KubeAction::Delete { .. } => {}
        },
        other => match w.on.clone() {
            Some(node) => claims::observe(f, w, Place::Node(node), other, b, s),
            None => {
                if matches!(other, Cmd::Ping { .. } | Cmd::Tcpdump { .. }) {
                    f.skipped.push((
                        s.line,
                        format!(
                            "`{}` runs on no node the chapter names (no `vagrant ssh` before it)",
                            s.command
                        ),
                    ));
                }
            }
        },
    }
}

fn apply(f: &mut Facts, w: &mut claims::Walk, prose: &[(usize, &str)], file: &str, line: usize) {
    let lower = file.to_lowercase();
    // The paragraphs of prose that name the file.
    let named: Vec<Vec<(usize, &str)>> = paragraphs(prose)
        .into_iter()
        .filter(|p| p.iter().any(|(_, l)| l.contains(file)))
        .collect();
    let network = NETWORK_WORDS.iter().any(|w| lower.contains(w))
        || named.iter().flatten().any(|(_, l)| {
            let l = l.to_lowercase();
            l.contains("flannel") || l.contains("pod network")
        });
    if network {
        w.variant = Some(file.to_string());
    }
    if f.applied.iter().any(|a| a.file == file) {
        return;
    }
    let iface = named
        .iter()
        .flatten()
        .find_map(|(n, l)| iface_in(l).map(|i| at(i, *n)));
    f.applied.push(Applied {
        file: file.to_string(),
        line,
        network,
        iface,
    });
}

/// A `kubectl get` table: nodes (names, roles, version) or pods (names,
/// addresses, nodes; flannel's pods give the nodes' addresses).
fn table(f: &mut Facts, w: &mut claims::Walk, g: &recognize::Get, b: &Block, s: &parse::Step) {
    let mut lines = s
        .output
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return;
    };
    let cols: Vec<&str> = header.split_whitespace().collect();
    let col = |name: &str| cols.iter().position(|c| *c == name);
    let Some(name_col) = col("NAME") else { return };
    let flannel = g
        .selector
        .as_ref()
        .is_some_and(|(_, v)| v.contains("flannel"));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    // Running pods by group (flannel's, or a Deployment's), with their nodes.
    let mut running: BTreeMap<Option<String>, (usize, Vec<String>)> = BTreeMap::new();
    let (mut rows, mut ready) = (0, 0);
    for (_, row) in lines {
        let n = line_of(b, s.line, row);
        let cells: Vec<&str> = row.split_whitespace().collect();
        if cells.len() != cols.len() {
            continue;
        }
        let name = cells[name_col];
        if !recognize::is_label(name) {
            continue;
        }
        let status = col("STATUS").map(|c| cells[c]);
        match g.what {
            Resource::Nodes => {
                rows += 1;
                ready += usize::from(status == Some("Ready"));
                let roles = col("ROLES").map(|c| cells[c]).unwrap_or("");
                let version = col("VERSION").map(|c| cells[c].to_string());
                let node = f.node(name, n);
                if roles.contains("master") || roles.contains("control-plane") {
                    node.control_plane.get_or_insert(n);
                }
                if let Some(v) = version {
                    f.kube_version.get_or_insert(at(v, n));
                }
            }
            Resource::Pods => {
                let is_flannel = flannel || name.starts_with("kube-flannel");
                let group = if is_flannel {
                    None
                } else {
                    deployment_of(name)
                };
                let node_of = col("NODE").map(|c| cells[c].to_string());
                if status == Some("Running") && (is_flannel || group.is_some()) {
                    let e = running.entry(group.clone()).or_default();
                    e.0 += 1;
                    e.1.extend(node_of.clone());
                }
                let (Some(ip_col), Some(node_col)) = (col("IP"), col("NODE")) else {
                    continue;
                };
                let (Ok(ip), node) = (cells[ip_col].parse::<Ipv4Addr>(), cells[node_col]) else {
                    continue;
                };
                if !recognize::is_label(node) {
                    continue;
                }
                f.node(node, n);
                if is_flannel {
                    let nf = f.node(node, n);
                    nf.ip.get_or_insert(at(ip, n));
                    w.flannel_pods.insert(name.to_string(), node.to_string());
                } else if let Some(dep) = group {
                    let r = PodRef {
                        deployment: dep.clone(),
                        node: node.to_string(),
                    };
                    w.pods.insert(name.to_string(), r.clone());
                    w.pod_ips.insert(ip, r);
                    *counts.entry(dep).or_default() += 1;
                }
            }
        }
    }
    f.deployments.extend(counts);
    if rows >= 2 && ready == rows {
        f.claims.push(Claim::NodesReady { line: s.line });
    }
    let label = g
        .selector
        .as_ref()
        .filter(|(k, _)| k == "app")
        .map(|(_, v)| v.clone());
    for (group, (n, mut nodes)) in running {
        let shown = nodes.len();
        nodes.sort();
        nodes.dedup();
        let (label, deployment) = match group {
            Some(d) => (None, Some(d)),
            None if label.is_some() => (label.clone(), None),
            None => continue,
        };
        f.claims.push(Claim::PodsRunning {
            line: s.line,
            label,
            deployment,
            running: n,
            distinct: n >= 2 && shown == n && nodes.len() == n,
        });
    }
}

/// The line of an output line `text` of the command at line `after`.
pub fn line_of(b: &Block, after: usize, text: &str) -> usize {
    b.body
        .iter()
        .find(|(n, l)| *n > after && l == text)
        .map_or(after, |(n, _)| *n)
}

/// `nginx-deployment-75675f5897-4dm42` → `nginx-deployment` (a Deployment's
/// pod: its ReplicaSet's hash, then the pod's own suffix).
pub fn deployment_of(pod: &str) -> Option<String> {
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [_, _, dep] if !dep.is_empty() => Some(dep.to_string()),
        _ => None,
    }
}
