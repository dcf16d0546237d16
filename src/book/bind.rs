//! The book's names and addresses are the book's run, not the lab's: its pod
//! names carry hashes, its scheduler gave node2 the subnet 10.244.3.0/24
//! where the lab's gives 10.244.2.0/24. This module reads what the book
//! itself says about its run (the `kubectl get pods` tables: name, IP, node;
//! the flannel pods' NODE column; a pod's IP implies its node's subnet) and
//! maps each name and address to the lab entity it stands for, once. Values
//! the lab fixes (the pod network, node addresses, interface names) are not
//! bound: they are compared. A `subnet.env` of the book never defines a
//! binding: it is compared with what the lab's node has (a value that
//! defined its own binding would always match itself); that the book's
//! values agree with each other is checked in [`super::coherence`].
//!
//! The book's pods live in generations: a `kubectl apply -f` of a workload
//! file that makes new pods starts one (the chapter's nginx before and
//! after the fix; an apply of the same file again keeps its pods:
//! [`generation`]). A pod address stands for a pod of its generation.
//!
//! A pod's binding is made by the first row that shows it (its node, its
//! address) and is never replaced: every later row is kept as a fact of its
//! own ([`Binding::shown`]), which [`super::coherence`] holds against the
//! first. A later table that shows the same pod elsewhere does not move the
//! earlier blocks (the sixteenth probe's swapped tables): the book
//! contradicts itself, and every block that uses the contested value is
//! told so ([`Binding::contested`]), never a match.

use super::parse::Step;
use super::recognize::{Cmd, KubeAction, Resource};
use crate::provider::PodRef;
use crate::spec::Lab;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// What kind of pod a book pod name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodKind {
    /// flannel's DaemonSet pod: `hostNetwork`, so it stands for its node.
    Flannel,
    /// A replica of a workload of the lab (by the lab's app label).
    Workload {
        app: String,
    },
    Unknown,
}

/// A pod of the book's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookPod {
    pub kind: PodKind,
    pub node: Option<String>,
    pub ip: Option<Ipv4Addr>,
    /// Its place among the book's pods of the same app on the same node
    /// in its generation.
    pub index: usize,
    /// Its generation (see the module header).
    pub epoch: usize,
    /// The line of the table that binds its address (else the first that
    /// shows it).
    pub line: usize,
}

/// One row of a `kubectl get pods` table of the book: a fact of its own,
/// whether or not an earlier row showed the same pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub pod: String,
    pub node: Option<String>,
    pub ip: Option<Ipv4Addr>,
    /// Its `AGE` as the table shows it (`45s`, `1h`, `3m20s`), if it has
    /// that column.
    pub age: Option<String>,
    /// The line of the table's command.
    pub line: usize,
}

/// A value of the book's run that the book contradicts itself about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contested {
    /// A pod shown on two nodes or with two addresses: its name, and every
    /// address a row gives it, in its generation.
    Pod {
        name: String,
        addresses: Vec<Ipv4Addr>,
        epoch: usize,
    },
    /// An address shown as two pods' in one generation.
    Address(Ipv4Addr, usize),
    /// A subnet shown as two nodes', or a node's shown as two subnets.
    Subnet(Ipv4Net),
}

/// Everything the book says about its own run.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    /// Each pod as the first row that shows it binds it.
    pub pods: BTreeMap<String, BookPod>,
    /// Every row of the book's pod tables, in the chapter's order.
    pub shown: Vec<Shown>,
    /// What the book contradicts itself about, and the sentence that says
    /// where ([`super::coherence`]).
    pub contested: Vec<(Contested, String)>,
    /// Each node's pod subnet in the book's run, and the line that implies it.
    pub subnets: Vec<(Ipv4Net, String, usize)>,
    /// The generation of pods each command line of the chapter is in.
    pub epochs: BTreeMap<usize, usize>,
    /// Where the book's own values disagree: (line, sentence).
    pub conflicts: Vec<(usize, String)>,
    /// Each `kubectl delete -f` of the chapter that ends pods (a workload's
    /// or the pod network's), in the chapter's order
    /// ([`super::coherence::ended`]).
    pub deletions: Vec<Deletion>,
    /// Pod-table rows that show pods the chapter deleted as alive, or the
    /// names of pods since made anew: (line, sentence)
    /// ([`super::coherence_deleted`]).
    pub shown_deleted: Vec<(usize, String)>,
}

/// Whose pods a manifest file of the lab makes: a workload's (by its app
/// label), or the pod network's (a variant's file: its DaemonSet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Maker {
    Workload { app: String },
    Network,
}

impl Maker {
    /// Who makes the pods of `file` in `lab` (by file name), if anyone.
    fn of(lab: &Lab, file: &str) -> Option<Maker> {
        let named =
            |p: &std::path::Path| p.file_name().is_some_and(|n| n.to_string_lossy() == file);
        if lab.variants.iter().any(|v| named(&v.manifest)) {
            return Some(Maker::Network);
        }
        let i = lab.workload_files.iter().position(|f| named(f))?;
        let app = lab.workloads.get(i)?.app.clone();
        Some(Maker::Workload { app })
    }

    /// Whether a book pod of `kind` is one of these.
    fn makes(&self, kind: &PodKind) -> bool {
        match (self, kind) {
            (Maker::Network, PodKind::Flannel) => true,
            (Maker::Workload { app }, PodKind::Workload { app: a }) => app == a,
            _ => false,
        }
    }
}

/// A line of the chapter that ends pods: a `kubectl delete -f` (the
/// reader's pods of the file are gone, and the next apply makes new ones,
/// with new names), or an apply of other content over live pods, which
/// replaces them ([`generation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    pub line: usize,
    pub file: String,
    pub maker: Maker,
    /// The line of the first apply after it that makes such pods again
    /// (a replacing apply: its own line).
    pub applied: Option<usize>,
    /// The file applied before, when this is an apply that replaced its
    /// pods (`None`: a `delete -f`).
    pub replaced: Option<String>,
}

impl Deletion {
    /// Whether it ends the book's pods of `kind`.
    pub fn ends(&self, kind: &PodKind) -> bool {
        self.maker.makes(kind)
    }
}

#[path = "bind_table.rs"]
mod table;
pub use table::Table;

#[path = "bind_generation.rs"]
pub mod generation;
use generation::{Applies, ApplyEffect};
#[path = "bind_host_network.rs"]
mod host_network;

/// The workload (Deployment) a pod name belongs to: its name without the
/// ReplicaSet hash and pod suffix (`nginx-deployment-75675f5897-4dm42`), or
/// a DaemonSet's name without its suffix (`kube-flannel-ds-59hmh`).
pub fn owner_of(pod: &str) -> &str {
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [_, hash, owner] if hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            owner
        }
        _ => pod.rsplit_once('-').map(|(o, _)| o).unwrap_or(pod),
    }
}

/// What kind of pod the book's `pod` is, by its name (a flannel
/// DaemonSet's, or a replica of a workload of the lab).
pub fn kind_of(lab: &Lab, pod: &str) -> PodKind {
    if pod.starts_with("kube-flannel") {
        return PodKind::Flannel;
    }
    let owner = owner_of(pod);
    match lab.workloads.iter().find(|w| w.name == owner) {
        Some(w) => PodKind::Workload { app: w.app.clone() },
        None => PodKind::Unknown,
    }
}

/// Gather the book's facts from every block, in the chapter's order, and
/// check that they agree with each other ([`super::coherence`]).
pub fn gather(lab: &Lab, blocks: &[Vec<(Step, Result<Cmd, String>)>]) -> Binding {
    let mut b = Binding::default();
    let prefix = lab
        .nodes
        .first()
        .map(|n| n.pod_subnet.prefix_len())
        .unwrap_or(24);
    let mut epoch = 0;
    // The pods' makers the chapter applied, with their lines.
    let mut applies: Vec<(usize, Maker)> = Vec::new();
    let mut applied = Applies::default();
    for steps in blocks {
        for (step, cmd) in steps {
            b.epochs.insert(step.line, epoch);
            let Ok(Cmd::Kubectl(k)) = cmd else { continue };
            match &k.action {
                KubeAction::Delete { file } => {
                    if let Some(maker) = Maker::of(lab, file) {
                        applied.deleted(&maker);
                        b.deletions.push(Deletion {
                            line: step.line,
                            file: file.clone(),
                            maker,
                            applied: None,
                            replaced: None,
                        });
                    }
                }
                KubeAction::Apply { file } => {
                    let Some(maker) = Maker::of(lab, file) else {
                        continue;
                    };
                    let effect = applied.apply(lab, &maker, file, &step.output);
                    if let ApplyEffect::Replaced { over } = &effect {
                        b.deletions.push(Deletion {
                            line: step.line,
                            file: file.clone(),
                            maker: maker.clone(),
                            applied: Some(step.line),
                            replaced: Some(over.clone()),
                        });
                    }
                    let workload = matches!(maker, Maker::Workload { .. });
                    applies.push((step.line, maker));
                    if workload && effect != ApplyEffect::Kept {
                        epoch += 1;
                    }
                }
                KubeAction::Get(g) if g.what == Resource::Pods => {
                    let Some(t) = Table::parse(&step.output) else {
                        continue;
                    };
                    let (Some(name), node, ip) = (t.col("NAME"), t.col("NODE"), t.col("IP")) else {
                        continue;
                    };
                    let age = t.col("AGE");
                    for row in &t.rows {
                        let shown = Shown {
                            pod: row[name].clone(),
                            node: node.map(|i| row[i].clone()),
                            ip: ip.and_then(|i| row[i].parse::<Ipv4Addr>().ok()),
                            age: age.map(|i| row[i].clone()),
                            line: step.line,
                        };
                        let e = b.pods.entry(shown.pod.clone()).or_insert(BookPod {
                            kind: kind_of(lab, &shown.pod),
                            node: None,
                            ip: None,
                            index: 0,
                            epoch,
                            line: step.line,
                        });
                        // The first row that shows a value binds it; a later
                        // one only fills in what no earlier row showed.
                        if e.node.is_none() {
                            e.node.clone_from(&shown.node);
                        }
                        if e.ip.is_none() && shown.ip.is_some() {
                            e.ip = shown.ip;
                            e.line = step.line;
                        }
                        b.shown.push(shown);
                    }
                }
                _ => {}
            }
        }
    }
    for d in b.deletions.iter_mut().filter(|d| d.replaced.is_none()) {
        d.applied = applies
            .iter()
            .find(|(l, m)| *l > d.line && *m == d.maker)
            .map(|(l, _)| *l);
    }
    host_network::place_by_node_address(lab, &mut b);
    // Every row of a workload pod implies its node's subnet (each row, not
    // each pod's first: a later row is a fact too).
    for s in b.shown.clone() {
        let workload = b
            .pods
            .get(&s.pod)
            .is_some_and(|p| matches!(p.kind, PodKind::Workload { .. }));
        if let (true, Some(node), Some(ip)) = (workload, &s.node, s.ip)
            && let Ok(net) = Ipv4Net::new(ip, prefix)
        {
            super::coherence::add_subnet(&mut b, net.trunc(), node, s.line);
        }
    }
    // Pods on one node of one app are numbered in the book's order (the
    // table that binds each, then its address, as the lab's are), in their
    // generation.
    let mut count: BTreeMap<(String, String, usize), usize> = BTreeMap::new();
    let mut pods: Vec<(String, BookPod)> =
        b.pods.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    pods.sort_by_key(|(_, p)| (p.line, p.ip));
    for (name, p) in pods {
        if let (PodKind::Workload { app }, Some(node)) = (&p.kind, &p.node) {
            let c = count
                .entry((app.clone(), node.clone(), p.epoch))
                .or_default();
            if let Some(e) = b.pods.get_mut(&name) {
                e.index = *c;
            }
            *c += 1;
        }
    }
    super::coherence::check(lab, &mut b, blocks);
    b
}

impl Binding {
    /// The generation of pods the command at `line` is in.
    pub fn epoch(&self, line: usize) -> usize {
        self.epochs
            .range(..=line)
            .next_back()
            .map(|(_, e)| *e)
            .unwrap_or(0)
    }

    /// The lab pod a workload pod of the book stands for, among `pods`.
    pub fn lab_pod<'a>(&self, book_pod: &str, pods: &'a [PodRef]) -> Result<&'a PodRef, String> {
        let p = self
            .pods
            .get(book_pod)
            .ok_or_else(|| format!("the book never shows pod {book_pod} in a `kubectl get pods` table, so lab cannot tell which pod it is"))?;
        let PodKind::Workload { app } = &p.kind else {
            return Err(format!(
                "pod {book_pod} is not a replica of the lab's workloads"
            ));
        };
        let node = p
            .node
            .as_ref()
            .ok_or_else(|| format!("the book never says which node runs pod {book_pod}"))?;
        let mut on: Vec<&PodRef> = pods
            .iter()
            .filter(|r| &r.app == app && &r.node == node)
            .collect();
        on.sort_by_key(|p| p.ip);
        on.get(p.index).copied().ok_or_else(|| {
            format!(
                "the book's {book_pod} is {app} pod {} on {node}; the lab runs {} there now",
                p.index + 1,
                on.len()
            )
        })
    }

    /// The node a flannel pod of the book runs on.
    pub fn flannel_node(&self, book_pod: &str) -> Result<String, String> {
        match self.pods.get(book_pod) {
            Some(BookPod {
                kind: PodKind::Flannel,
                node: Some(n),
                ..
            }) => Ok(n.clone()),
            Some(BookPod {
                kind: PodKind::Flannel,
                ..
            })
            | None
                if book_pod.starts_with("kube-flannel") =>
            {
                Err(format!(
                    "the book never shows flannel pod {book_pod} with its NODE (`kubectl get pods -o wide`)"
                ))
            }
            _ => Err(format!("{book_pod} is not a flannel pod")),
        }
    }

    /// The lab address a book address stands for, and what it is: a pod's
    /// address maps to the same pod in the lab, an address in a node's pod
    /// subnet to the same place in the lab's subnet of that node. `None`:
    /// the address is not the book run's (the lab fixes it), compare as is.
    pub fn ip(
        &self,
        ip: Ipv4Addr,
        epoch: usize,
        lab: &Lab,
        pods: &[PodRef],
    ) -> Option<(Ipv4Addr, String)> {
        let workload = |p: &BookPod| p.ip == Some(ip) && matches!(p.kind, PodKind::Workload { .. });
        // The pod of this generation, else the first the book shows (by
        // line, not by name).
        if let Some((name, _)) = self
            .pods
            .iter()
            .filter(|(_, p)| workload(p) && p.epoch == epoch)
            .min_by_key(|(_, p)| p.line)
            .or_else(|| {
                self.pods
                    .iter()
                    .filter(|(_, p)| workload(p))
                    .min_by_key(|(_, p)| p.line)
            })
            && let Ok(r) = self.lab_pod(name, pods)
        {
            return Some((r.ip, format!("{} pod on {}", r.app, r.node)));
        }
        let (net, node, _) = self.subnets.iter().find(|(n, ..)| n.contains(&ip))?;
        let lab_node = lab.node(node)?;
        let offset = u32::from(ip) - u32::from(net.network());
        let lab_ip = Ipv4Addr::from(u32::from(lab_node.pod_subnet.network()) + offset);
        let what = match offset {
            0 => format!("{node}'s pod subnet (its flannel.1)"),
            1 => format!("{node}'s cni0"),
            n => format!("address .{n} of {node}'s pod subnet"),
        };
        Some((lab_ip, what))
    }

    /// `text` with every book address replaced by its lab address; the
    /// bindings used are added to `notes` (`10.244.3.3 (book) = nginx pod on
    /// node2 = 10.244.2.2 (lab)`).
    pub fn text(
        &self,
        text: &str,
        epoch: usize,
        lab: &Lab,
        pods: &[PodRef],
        notes: &mut Vec<String>,
    ) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((start, end)) = next_ipv4(rest) {
            out.push_str(&rest[..start]);
            let word = &rest[start..end];
            // A network wider than a node's subnet (FLANNEL_NETWORK=10.244.0.0/16)
            // is the lab's own value: compared, not bound.
            let wider = prefix_after(&rest[end..]).is_some_and(|p| {
                lab.nodes
                    .first()
                    .is_some_and(|n| p < n.pod_subnet.prefix_len())
            });
            let bound = if wider {
                None
            } else {
                word.parse::<Ipv4Addr>()
                    .ok()
                    .and_then(|ip| self.ip(ip, epoch, lab, pods).map(|b| (ip, b)))
            };
            match bound {
                Some((ip, (lab_ip, what))) => {
                    let note = format!("{ip} (book) = {what} = {lab_ip} (lab)");
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                    out.push_str(&lab_ip.to_string());
                }
                None => out.push_str(word),
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }
}

/// A binding note as [`Binding::text`] and the replay write it (`10.244.3.3
/// (book) = nginx pod on node2 = 10.244.2.2 (lab)`, or a pod's name), read
/// back: (the book's value, the lab's). `None` for a note that names no lab
/// value (a flannel pod is its node).
pub fn parse_note(note: &str) -> Option<(String, String)> {
    let (book, rest) = note.split_once(" (book) = ")?;
    let rest = rest.strip_suffix(" (lab)")?;
    let (_, lab) = rest.rsplit_once(" = ")?;
    (!book.contains(' ') && !lab.contains(' ')).then(|| (book.to_string(), lab.to_string()))
}

impl Binding {
    /// The book's address for a lab address in a node's pod subnet: the same
    /// place in the book's subnet of that node (the reverse of [`Binding::ip`]
    /// for addresses that are not a pod's). `None`: the lab fixes it.
    pub fn book_ip(&self, lab_ip: Ipv4Addr, lab: &Lab) -> Option<Ipv4Addr> {
        let node = lab.nodes.iter().find(|n| n.pod_subnet.contains(&lab_ip))?;
        let (net, ..) = self.subnets.iter().find(|(_, n, _)| *n == node.name)?;
        let offset = u32::from(lab_ip) - u32::from(node.pod_subnet.network());
        Some(Ipv4Addr::from(u32::from(net.network()) + offset))
    }
}

/// The prefix length written right after an address (the `16` of
/// `10.244.0.0/16`: `after` is what follows the address), if any.
pub fn prefix_after(after: &str) -> Option<u8> {
    after.strip_prefix('/').and_then(|p| {
        p.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse::<u8>()
            .ok()
    })
}

/// The byte range of the next dotted-quad in `s`.
pub fn next_ipv4(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            let mut j = i;
            let mut dots = 0;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || (b[j] == b'.' && dots < 3 && j + 1 < b.len() && b[j + 1].is_ascii_digit()))
            {
                if b[j] == b'.' {
                    dots += 1;
                }
                j += 1;
            }
            if dots == 3 && (j == b.len() || !b[j].is_ascii_alphanumeric()) {
                return Some((i, j));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
#[path = "bind_tests.rs"]
mod tests;
