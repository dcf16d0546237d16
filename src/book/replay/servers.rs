//! A connection to a port where the reader's node runs a server the lab's
//! does not. A kubeadm node answers on its own addresses with sshd, the
//! kubelet, kube-proxy, and on the control plane the API server and etcd
//! ([`crate::cluster::ports`]); a provider that runs none of them (netns)
//! says so ([`crate::provider::registry::Capabilities::absent_servers`]).
//! There the lab's node refuses where the reader's answers, so a book
//! showing "Connection refused" would match what the reader never sees
//! (probe21l, finding 4). Such a curl is skipped, saying what a real node
//! runs there; a port no kubeadm server uses (a real node refuses too) and
//! a pod's nginx are still compared, and a provider that runs the real
//! cluster (vagrant) compares them all.

use super::{Replayer, Target};
use crate::book::curl::Curl;
use crate::book::recognize::Cmd;
use crate::provider::PodRef;
use crate::testbed::{Node, Role, Testbed};
use std::net::Ipv4Addr;

/// The curl of a command (a curl, or a curl piped to grep).
fn curl_of(c: &Cmd) -> Option<&Curl> {
    match c {
        Cmd::Curl(k) => Some(k),
        Cmd::Grep { inner, .. } => curl_of(inner),
        _ => None,
    }
}

/// The node whose own address `ip` is, and whether it is the node's
/// private address (the one kubeadm advertises): a node's private address,
/// its pod subnet's .0 (`flannel.1`) or .1 (`cni0`), or the NAT address
/// every node has (`from`'s own: the node the connection leaves from).
fn owner<'a>(bed: &'a Testbed, ip: Ipv4Addr, from: &str) -> Option<(&'a Node, bool)> {
    if let Some(n) = bed.nodes.iter().find(|n| n.ip == ip) {
        return Some((n, true));
    }
    if ip == bed.network.nat_ip() {
        return bed.node(from).map(|n| (n, false));
    }
    bed.nodes
        .iter()
        .find(|n| {
            let net = u32::from(n.pod_subnet.network());
            [net, net + 1].contains(&u32::from(ip))
        })
        .map(|n| (n, false))
}

impl Replayer<'_> {
    /// Whether the book's address `target` is one the lab stands for: a
    /// node's (the lab file's own), or, where the chapter binds the book's
    /// address to it, a pod's or a node's `cni0` (its pod subnet's .1) or
    /// `flannel.1` (.0). One written as it is may be another pod of the
    /// lab's (the sixteenth probe); any other (the NAT gateway 10.0.2.2, the
    /// host's own on the private network) is of the reader's world.
    pub(super) fn of_lab(&self, target: Ipv4Addr, epoch: usize, pods: &[PodRef]) -> bool {
        if self.lab.nodes.iter().any(|n| n.ip == target) {
            return true;
        }
        let Some((lab_ip, _)) = self.binding.ip(target, epoch, self.lab, pods) else {
            return false;
        };
        let nodes_own = |n: &Node| {
            let net = u32::from(n.pod_subnet.network());
            [net, net + 1].contains(&u32::from(lab_ip))
        };
        pods.iter().any(|p| p.ip == lab_ip) || self.lab.nodes.iter().any(nodes_own)
    }

    /// Why the curl `c`, whose output the book shows as `book`, is not
    /// compared: the book shows no answer (refused, timed out) from an
    /// address where the lab has no pod and that it does not stand for (see [`Self::of_lab`]; every
    /// node's own addresses it does, each node runs the same servers), so
    /// whether the reader's world answers there (their host on 10.0.2.2 or
    /// the private network's .1, a pod of theirs the chapter never showed)
    /// is not known. `None`: compared.
    pub(super) fn curl_elsewhere(
        &self,
        c: &Cmd,
        book: &[String],
        epoch: usize,
        pods: &[PodRef],
    ) -> Option<String> {
        let k = curl_of(c)?;
        // A line that reads as curl's own only past ASCII is named by the
        // curl's judge, even where nothing else would be compared.
        let answered = crate::book::curl::facts(book, None).answered == Some(true)
            || book
                .iter()
                .any(|l| crate::book::curl::reads_as_curls(l).is_some());
        let nodes_own = self
            .lab
            .nodes
            .iter()
            .any(|n| owner(self.lab, k.ip, &n.name).is_some());
        // A pod of the lab's at the address, bound or not, is compared: if
        // it answers where the book shows none, that is a drift.
        let lab_ip = self
            .binding
            .ip(k.ip, epoch, self.lab, pods)
            .map_or(k.ip, |(ip, _)| ip);
        let a_pod = pods.iter().any(|p| p.ip == lab_ip);
        if answered || nodes_own || a_pod || self.of_lab(k.ip, epoch, pods) {
            return None;
        }
        Some(format!(
            "the book shows no answer from {}, which is no node's address and which the chapter binds to no pod of the lab: whether the reader's world answers there is not known, nothing to compare",
            k.ip
        ))
    }

    /// Why the curl `c` (run on `node`, or in `pod`) is not compared on
    /// this provider: it connects to a node's own address on a port where
    /// a kubeadm node runs a server this provider's nodes do not. `None`:
    /// compared (no curl, no such server, or the provider runs them all).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn server_not_run(
        &self,
        t: &dyn Target,
        c: &Cmd,
        node: &str,
        pod: Option<&PodRef>,
        epoch: usize,
        pods: &[PodRef],
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let k = curl_of(c)?;
        let absent = t.kind().capabilities().absent_servers;
        if absent.is_empty() {
            return None;
        }
        let port = k.port.unwrap_or(80);
        let from = pod.map_or(node, |p| p.node.as_str());
        let lab_ip = self.target_ip(k.ip, epoch, pods, notes);
        // The book's address and the lab's: either one a node's own.
        let (n, advertised) = [lab_ip, k.ip]
            .into_iter()
            .find_map(|ip| owner(self.lab, ip, from))?;
        let server = absent
            .iter()
            .find(|s| s.answers(port, n.role == Role::ControlPlane, advertised))?;
        Some(format!(
            "port {port} of {}, {}'s own address: a node of the reader's kubeadm cluster runs {} there, which answers; a {} lab's nodes run no such server (their connection is refused), so what the lab shows is not what the reader sees: nothing to compare (the vagrant provider runs the real cluster)",
            k.ip,
            n.name,
            server.what,
            t.kind()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nodes_own_addresses_are_its_private_nat_cni0_and_flannel1() {
        let (lab, _) = super::super::tests::chapter4();
        let name = |ip: &str, from: &str| {
            owner(&lab, ip.parse().unwrap(), from).map(|(n, adv)| (n.name.clone(), adv))
        };
        assert_eq!(
            name("10.100.198.200", "node1"),
            Some(("master".into(), true))
        );
        assert_eq!(name("10.0.2.15", "node2"), Some(("node2".into(), false)));
        assert_eq!(name("10.244.1.1", "node2"), Some(("node1".into(), false)));
        assert_eq!(name("10.244.1.0", "master"), Some(("node1".into(), false)));
        assert_eq!(name("10.244.1.2", "node1"), None);
        assert_eq!(name("10.0.2.2", "node1"), None);
        assert_eq!(name("10.100.198.1", "node1"), None);
    }
}
