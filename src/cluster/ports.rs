//! The TCP servers a node of a kubeadm cluster answers on at its own
//! addresses (its private address, its NAT address, its `cni0` and
//! `flannel.1`), as the Kubernetes documentation's "Ports and Protocols"
//! lists them and kubeadm binds them. A provider that runs none of them
//! (netns: no sshd, kubelet, kube-proxy, API server or etcd) says so in
//! its capabilities ([`crate::provider::registry::Capabilities::absent_servers`]),
//! and a connection the book makes to one is not compared there: the
//! reader's node answers where the lab's refuses (probe21l, finding 4).
//!
//! Not listed, since a kubeadm node answers on them only at 127.0.0.1 (a
//! curl to another of its addresses is refused there as in the lab):
//! kube-controller-manager (10257) and kube-scheduler (10259), which
//! kubeadm starts with `--bind-address=127.0.0.1`, the kubelet's healthz
//! (10248), kube-proxy's metrics (10249), etcd's metrics (2381).

/// Which nodes run a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNodes {
    Every,
    ControlPlane,
}

/// Which of a node's addresses a server listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnAddresses {
    /// All of them (it binds 0.0.0.0).
    Every,
    /// Its private address alone: the one kubeadm advertises.
    Advertised,
}

/// A server of a kubeadm node: its ports (first, last), where it runs,
/// and what it is (said in a skipped command's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeServer {
    pub ports: (u16, u16),
    pub nodes: OnNodes,
    pub addresses: OnAddresses,
    pub what: &'static str,
}

impl NodeServer {
    /// Whether it answers on `port` of a node whose role is control
    /// plane or not, at an address that is its advertised one or not.
    pub fn answers(&self, port: u16, control_plane: bool, advertised: bool) -> bool {
        (self.ports.0..=self.ports.1).contains(&port)
            && (self.nodes == OnNodes::Every || control_plane)
            && (self.addresses == OnAddresses::Every || advertised)
    }
}

/// Every server of a kubeadm node that answers at its own addresses.
pub const KUBEADM_NODE_SERVERS: &[NodeServer] = &[
    NodeServer {
        ports: (22, 22),
        nodes: OnNodes::Every,
        addresses: OnAddresses::Every,
        what: "sshd (the reader's `vagrant ssh` uses it)",
    },
    NodeServer {
        ports: (6443, 6443),
        nodes: OnNodes::ControlPlane,
        addresses: OnAddresses::Every,
        what: "the Kubernetes API server (kube-apiserver)",
    },
    NodeServer {
        ports: (2379, 2380),
        nodes: OnNodes::ControlPlane,
        addresses: OnAddresses::Advertised,
        what: "etcd (its client and peer ports)",
    },
    NodeServer {
        ports: (10250, 10250),
        nodes: OnNodes::Every,
        addresses: OnAddresses::Every,
        what: "the kubelet's API",
    },
    NodeServer {
        ports: (10256, 10256),
        nodes: OnNodes::Every,
        addresses: OnAddresses::Every,
        what: "kube-proxy's health check",
    },
    NodeServer {
        ports: (30000, 32767),
        nodes: OnNodes::Every,
        addresses: OnAddresses::Every,
        what: "kube-proxy's NodePort range (a Service of type NodePort answers there)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn answering(port: u16, control_plane: bool, advertised: bool) -> Vec<&'static str> {
        KUBEADM_NODE_SERVERS
            .iter()
            .filter(|s| s.answers(port, control_plane, advertised))
            .map(|s| s.what)
            .collect()
    }

    #[test]
    fn a_kubeadm_nodes_servers_are_where_kubeadm_binds_them() {
        assert_eq!(answering(6443, true, false).len(), 1);
        assert!(answering(6443, false, true).is_empty());
        assert_eq!(answering(2379, true, true).len(), 1);
        assert_eq!(answering(2380, true, true).len(), 1);
        assert!(answering(2379, true, false).is_empty());
        assert!(answering(2379, false, true).is_empty());
        for port in [22, 10250, 10256, 30000, 31234, 32767] {
            assert_eq!(answering(port, false, false).len(), 1, "{port}");
        }
        for port in [80, 8080, 2381, 10248, 10249, 10257, 10259, 29999, 32768] {
            assert!(answering(port, true, true).is_empty(), "{port}");
        }
    }
}
