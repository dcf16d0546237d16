//! The book's names and addresses are the book's run, not the lab's: its pod
//! names carry hashes, its scheduler gave node2 the subnet 10.244.3.0/24
//! where the lab's gives 10.244.2.0/24. This module reads what the book
//! itself says about its run (the `kubectl get pods` tables: name, IP, node;
//! the flannel pods' NODE column; each node's `subnet.env`; a pod's IP
//! implies its node's subnet) and maps each name and address to the lab
//! entity it stands for. Values the lab fixes (the pod network, node
//! addresses, interface names) are not bound: they are compared.

use super::parse::Step;
use super::recognize::{Cmd, KubeAction};
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
    /// Its place among the book's pods of the same app on the same node.
    pub index: usize,
}

/// Everything the book says about its own run.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    pub pods: BTreeMap<String, BookPod>,
    /// Each node's pod subnet in the book's run.
    pub subnets: Vec<(Ipv4Net, String)>,
}

/// A table as kubectl prints it: a header of column names, rows of words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The first table in `lines` (a header line of upper-case names).
    /// kubectl pads columns with at least two spaces, and some names have a
    /// space (`NOMINATED NODE`): those are cut by the header's positions.
    pub fn parse(lines: &[String]) -> Option<Table> {
        let mut it = lines.iter().skip_while(|l| l.trim().is_empty());
        let head = it.next()?;
        let mut header: Vec<(usize, String)> = Vec::new();
        let mut start = None;
        let b = head.as_bytes();
        for i in 0..=b.len() {
            let gap = i == b.len()
                || (b[i] == b' '
                    && (i + 1 == b.len() || b[i + 1] == b' ' || i > 0 && b[i - 1] == b' '));
            match (start, gap) {
                (None, false) if b[i] != b' ' => start = Some(i),
                (Some(s), true) => {
                    header.push((s, head[s..i].trim().to_string()));
                    start = None;
                }
                _ => {}
            }
        }
        if header.is_empty()
            || !header.iter().all(|(_, h)| {
                h.chars()
                    .all(|c| c.is_ascii_uppercase() || c == '-' || c == ' ')
            })
        {
            return None;
        }
        let spaced = header.iter().any(|(_, h)| h.contains(' '));
        let rows = it
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| {
                if !spaced {
                    let w: Vec<String> = l.split_whitespace().map(str::to_string).collect();
                    return (w.len() == header.len()).then_some(w);
                }
                let cut = |i: usize| l.get(i..).map(|_| i).unwrap_or(l.len());
                Some(
                    header
                        .iter()
                        .enumerate()
                        .map(|(k, (s, _))| {
                            let end = header.get(k + 1).map(|(e, _)| cut(*e)).unwrap_or(l.len());
                            l.get(cut(*s)..end).unwrap_or("").trim().to_string()
                        })
                        .collect(),
                )
            })
            .collect();
        Some(Table {
            header: header.into_iter().map(|(_, h)| h).collect(),
            rows,
        })
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    pub fn values(&self, name: &str) -> Vec<&str> {
        match self.col(name) {
            Some(i) => self.rows.iter().map(|r| r[i].as_str()).collect(),
            None => Vec::new(),
        }
    }
}

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

fn kind_of(lab: &Lab, pod: &str) -> PodKind {
    if pod.starts_with("kube-flannel") {
        return PodKind::Flannel;
    }
    let owner = owner_of(pod);
    match lab.workloads.iter().find(|w| w.name == owner) {
        Some(w) => PodKind::Workload { app: w.app.clone() },
        None => PodKind::Unknown,
    }
}

/// Gather the book's facts from every block, in the chapter's order.
pub fn gather(lab: &Lab, blocks: &[Vec<(Step, Result<Cmd, String>)>]) -> Binding {
    let mut b = Binding::default();
    let prefix = lab
        .nodes
        .first()
        .map(|n| n.pod_subnet.prefix_len())
        .unwrap_or(24);
    for steps in blocks {
        for (step, cmd) in steps {
            let Ok(Cmd::Kubectl(k)) = cmd else { continue };
            match &k.action {
                KubeAction::Get(_) => {
                    let Some(t) = Table::parse(&step.output) else {
                        continue;
                    };
                    let (Some(name), node, ip) = (t.col("NAME"), t.col("NODE"), t.col("IP")) else {
                        continue;
                    };
                    for row in &t.rows {
                        let pod = row[name].clone();
                        let kind = kind_of(lab, &pod);
                        let e = b.pods.entry(pod).or_insert(BookPod {
                            kind: kind.clone(),
                            node: None,
                            ip: None,
                            index: 0,
                        });
                        if let Some(i) = node {
                            e.node = Some(row[i].clone());
                        }
                        if let Some(i) = ip
                            && let Ok(a) = row[i].parse::<Ipv4Addr>()
                        {
                            e.ip = Some(a);
                        }
                    }
                }
                KubeAction::Exec { pod, cmd } if matches!(**cmd, Cmd::Cat { ref path } if path.ends_with("subnet.env")) =>
                {
                    let node = b.pods.get(pod).and_then(|p| p.node.clone());
                    let subnet =
                        crate::probe::run::env_value(&step.output.join("\n"), "FLANNEL_SUBNET")
                            .and_then(|s| s.parse::<Ipv4Net>().ok());
                    if let (Some(node), Some(s)) = (node, subnet) {
                        b.add_subnet(s.trunc(), node);
                    }
                }
                _ => {}
            }
        }
    }
    // A workload pod's IP implies its node's subnet; pods on one node of one
    // app are numbered in the book's order.
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    let pods: Vec<(String, BookPod)> = b.pods.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (name, p) in pods {
        if let (PodKind::Workload { app }, Some(node)) = (&p.kind, &p.node) {
            if let Some(ip) = p.ip
                && let Ok(net) = Ipv4Net::new(ip, prefix)
            {
                b.add_subnet(net.trunc(), node.clone());
            }
            let c = count.entry((app.clone(), node.clone())).or_default();
            if let Some(e) = b.pods.get_mut(&name) {
                e.index = *c;
            }
            *c += 1;
        }
    }
    b
}

impl Binding {
    fn add_subnet(&mut self, net: Ipv4Net, node: String) {
        if !self.subnets.iter().any(|(n, _)| *n == net) {
            self.subnets.push((net, node));
        }
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
        let on: Vec<&PodRef> = pods
            .iter()
            .filter(|r| &r.app == app && &r.node == node)
            .collect();
        on.get(p.index.min(on.len().saturating_sub(1)))
            .copied()
            .ok_or_else(|| format!("the lab runs no {app} pod on {node} now"))
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
    pub fn ip(&self, ip: Ipv4Addr, lab: &Lab, pods: &[PodRef]) -> Option<(Ipv4Addr, String)> {
        if let Some((name, _)) = self
            .pods
            .iter()
            .find(|(_, p)| p.ip == Some(ip) && matches!(p.kind, PodKind::Workload { .. }))
            && let Ok(r) = self.lab_pod(name, pods)
        {
            return Some((r.ip, format!("{} pod on {}", r.app, r.node)));
        }
        let (net, node) = self.subnets.iter().find(|(n, _)| n.contains(&ip))?;
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
    pub fn text(&self, text: &str, lab: &Lab, pods: &[PodRef], notes: &mut Vec<String>) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((start, end)) = next_ipv4(rest) {
            out.push_str(&rest[..start]);
            let word = &rest[start..end];
            // A network wider than a node's subnet (FLANNEL_NETWORK=10.244.0.0/16)
            // is the lab's own value: compared, not bound.
            let wider = rest[end..]
                .strip_prefix('/')
                .and_then(|p| {
                    p.split(|c: char| !c.is_ascii_digit())
                        .next()?
                        .parse::<u8>()
                        .ok()
                })
                .is_some_and(|p| {
                    lab.nodes
                        .first()
                        .is_some_and(|n| p < n.pod_subnet.prefix_len())
                });
            let bound = if wider {
                None
            } else {
                word.parse::<Ipv4Addr>()
                    .ok()
                    .and_then(|ip| self.ip(ip, lab, pods).map(|b| (ip, b)))
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

/// The byte range of the next dotted-quad in `s`.
fn next_ipv4(s: &str) -> Option<(usize, usize)> {
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
mod tests {
    use super::*;

    #[test]
    fn owners_of_pod_names() {
        assert_eq!(
            owner_of("nginx-deployment-75675f5897-4dm42"),
            "nginx-deployment"
        );
        assert_eq!(owner_of("kube-flannel-ds-59hmh"), "kube-flannel-ds");
    }

    #[test]
    fn tables_and_addresses() {
        let lines: Vec<String> = "NAME    READY   IP   NODE\na-1 1/1 10.0.0.1 node1\n\nNOT a table"
            .lines()
            .map(str::to_string)
            .collect();
        let t = Table::parse(&lines).unwrap();
        assert_eq!(t.values("NODE"), ["node1"]);
        assert_eq!(next_ipv4("via 10.244.3.0, x"), Some((4, 14)));
        assert_eq!(next_ipv4("v1.10.0 and 1.2.3"), None);
        assert_eq!(next_ipv4("10.244.3.1/24"), Some((0, 10)));
    }
}
