//! The lab's kernel state as batch text for `ip -batch` (pure functions, so
//! the exact commands are unit-tested). Nothing here names the host's
//! namespace: every batch runs inside a namespace of the lab (`ip -n`), and
//! every veth is created with its peer already in another lab namespace.
//!
//! Every neighbour the lab's traffic needs is programmed as a permanent
//! entry, from MACs fixed in advance ([`names::mac`]): a node's peers on the
//! private network (the VXLAN underlay), its NAT gateway, its pods on `cni0`,
//! and in each pod its gateway and the pods beside it. The kernel's IPv4
//! neighbour table is one table for every namespace of the host, and its
//! dynamic entries are capped by `net.ipv4.neigh.default.gc_thresh3` (1024 on
//! a stock kernel): a full mesh of N nodes learns on the order of N²
//! entries, which overflowed it at 100 workers ("neighbor table overflow",
//! then lost pings everywhere on the host). Permanent entries are not counted
//! against those thresholds (the kernel exempts them from garbage
//! collection), just as flannel itself programs the overlay's neighbours, so
//! a lab of any size that `lab up` accepts works with the host's defaults and
//! `lab` changes no host sysctl. Lookups also need no ARP round trip, so the
//! first packet of a fresh lab is never lost to resolution.

use super::names::{self, MacKind};
use crate::spec::{Lab, Node, PodPlacement};
use std::fmt::Write as _;

/// Every namespace of the lab's machines (not pods), in creation order.
pub fn machine_namespaces(lab: &Lab) -> Vec<String> {
    let mut v = vec![names::net_ns(&lab.name), names::nat_ns(&lab.name)];
    for n in &lab.nodes {
        v.push(names::node_ns(&lab.name, &n.name));
    }
    v
}

/// `ip -batch` text adding namespaces.
pub fn netns_add(namespaces: &[String]) -> String {
    namespaces
        .iter()
        .map(|n| format!("netns add {n}\n"))
        .collect()
}

/// `ip -batch` text deleting namespaces.
pub fn netns_del(namespaces: &[String]) -> String {
    namespaces
        .iter()
        .map(|n| format!("netns del {n}\n"))
        .collect()
}

/// The ifindex of the lab-side end of a node's veths (the NAT end and the
/// bridge port of node `i`, each at `PEER_IFINDEX + i` in its namespace). A veth whose ifindex equals
/// its peer's (each counts in its own namespace) gets its carrier changes
/// batched by the kernel's linkwatch for up to a second, which left a bridge
/// port disabled and dropped the first ARP of a fresh lab now and then. The
/// lab side is created first with these fixed indexes, so the node side
/// takes its natural 2 (`enp0s3`) and 3 (`enp0s8`), as in a VirtualBox VM,
/// and the two ends never match.
pub const PEER_IFINDEX: usize = 1000;

/// The NAT dead ends, first round, in the lab's NAT namespace: for every
/// node a veth whose other end, `enp0s3`, is sent into the node. Nothing is
/// behind them: the node's default route via 10.0.2.2 leads nowhere, as
/// VirtualBox's NAT without the internet (the gateway's MAC is a permanent
/// neighbour of the node, so nothing waits for ARP either).
pub fn nat_ends(lab: &Lab) -> String {
    let mut b = String::from("link set lo up\n");
    for n in &lab.nodes {
        let port = names::nat_port(n.index);
        let _ = writeln!(
            b,
            "link add {port} index {} address {} type veth peer name {} address {} netns {}",
            PEER_IFINDEX + n.index,
            names::mac_of(MacKind::NatGateway, &lab.name, n.index),
            lab.interfaces.nat,
            names::mac_of(MacKind::Nat, &lab.name, n.index),
            names::node_ns(&lab.name, &n.name)
        );
        let _ = writeln!(b, "link set {port} up");
    }
    b
}

/// The lab's private network, second round: its bridge, and a port for every
/// node whose peer `enp0s8` is sent into the node.
pub fn net_bridge(lab: &Lab) -> String {
    let mut b = format!(
        "link set lo up\nlink add {0} type bridge\nlink set {0} up\n",
        names::BRIDGE
    );
    for n in &lab.nodes {
        let port = names::bridge_port(n.index);
        let _ = writeln!(
            b,
            "link add {port} index {} type veth peer name {} address {} netns {}",
            PEER_IFINDEX + n.index,
            lab.interfaces.private,
            names::mac_of(MacKind::Private, &lab.name, n.index),
            names::node_ns(&lab.name, &n.name)
        );
        let _ = writeln!(b, "link set {port} master {} up", names::BRIDGE);
    }
    b
}

/// Inside a node, third round: addresses on both NICs (the NAT NIC first),
/// the default route through the NAT gateway, as VirtualBox gives it, and
/// the permanent neighbours of both networks: the gateway, and every other
/// node on the private network.
pub fn node_nics(lab: &Lab, node: &Node) -> String {
    let (nat_if, priv_if) = (&lab.interfaces.nat, &lab.interfaces.private);
    let mut b = String::new();
    let _ = writeln!(b, "link set lo up");
    let _ = writeln!(
        b,
        "addr add {}/{} dev {nat_if}",
        lab.network.nat_ip(),
        lab.network.nat.prefix_len()
    );
    let _ = writeln!(b, "link set {nat_if} up");
    let _ = writeln!(
        b,
        "addr add {}/{} dev {priv_if}",
        node.ip,
        lab.network.private.prefix_len()
    );
    let _ = writeln!(b, "link set {priv_if} up");
    let _ = writeln!(
        b,
        "route add default via {} dev {nat_if}",
        lab.network.nat_gateway()
    );
    let _ = writeln!(
        b,
        "neigh replace {} lladdr {} dev {nat_if} nud permanent",
        lab.network.nat_gateway(),
        names::mac_of(MacKind::NatGateway, &lab.name, node.index)
    );
    for peer in lab.nodes.iter().filter(|p| p.index != node.index) {
        let _ = writeln!(
            b,
            "neigh replace {} lladdr {} dev {priv_if} nud permanent",
            peer.ip,
            names::mac_of(MacKind::Private, &lab.name, peer.index)
        );
    }
    b
}

/// A pod, the name of its veth's end on the node, and the MAC of its `eth0`.
pub struct PodPlan<'a> {
    pub veth: String,
    pub mac: String,
    pub pod: &'a PodPlacement,
}

impl<'a> PodPlan<'a> {
    /// Pod `k` of the lab's placements, in pod generation `generation`.
    pub fn new(lab: &Lab, generation: u32, k: usize, pod: &'a PodPlacement) -> PodPlan<'a> {
        PodPlan {
            veth: names::pod_veth(generation, k),
            mac: names::mac_of(MacKind::Pod, &lab.name, k),
            pod,
        }
    }
}

/// Inside a node: each of its pods' veth, `eth0` in the pod, the other end
/// on `cni0`, and the pod as a permanent neighbour of `cni0`.
pub fn node_pod_links(lab: &Lab, pods: &[PodPlan<'_>], mtu: u32) -> String {
    let mut b = String::new();
    for p in pods {
        let v = &p.veth;
        let _ = writeln!(
            b,
            "link add {v} mtu {mtu} type veth peer name {} address {} mtu {mtu} netns {}",
            names::POD_IF,
            p.mac,
            names::pod_ns(&lab.name, &p.pod.name)
        );
        let _ = writeln!(b, "link set {v} master {} up", names::CNI_BRIDGE);
        let _ = writeln!(
            b,
            "neigh replace {} lladdr {} dev {} nud permanent",
            p.pod.ip,
            p.mac,
            names::CNI_BRIDGE
        );
    }
    b
}

/// Inside a pod: its address from the node's subnet, default route via `.1`,
/// and permanent neighbours: the gateway (`cni0` of `node`) and the other
/// pods on the same node (`beside`, which may include the pod itself).
pub fn pod_net(lab: &Lab, node: &Node, pod: &PodPlacement, beside: &[PodPlan<'_>]) -> String {
    let subnet = node.pod_subnet;
    let gw = crate::spec::nth_host(subnet, 1);
    let e = names::POD_IF;
    let mut b = format!(
        "link set lo up\naddr add {}/{} dev {e}\nlink set {e} up\nroute add default via {gw} dev {e}\n",
        pod.ip,
        subnet.prefix_len(),
    );
    let _ = writeln!(
        b,
        "neigh replace {gw} lladdr {} dev {e} nud permanent",
        names::mac_of(MacKind::Cni, &lab.name, node.index)
    );
    for other in beside.iter().filter(|o| o.pod.ip != pod.ip) {
        let _ = writeln!(
            b,
            "neigh replace {} lladdr {} dev {e} nud permanent",
            other.pod.ip, other.mac
        );
    }
    b
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::spec::{Interfaces, Network, Role};
    use std::net::Ipv4Addr;

    /// A small resolved lab (master, node1, node2) without files.
    pub(crate) fn lab() -> Lab {
        let node = |name: &str, role, i: usize, ip: &str| Node {
            name: name.into(),
            role,
            ip: ip.parse().unwrap(),
            cpus: 1,
            memory: 1024,
            index: i,
            pod_subnet: format!("10.244.{i}.0/24").parse().unwrap(),
        };
        Lab {
            name: "t1".into(),
            instance_of: None,
            title: "t".into(),
            kubernetes: "1.32".into(),
            box_name: "b".into(),
            dir: "/nonexistent".into(),
            file: "/nonexistent/lab.yaml".into(),
            interfaces: Interfaces {
                nat: "enp0s3".into(),
                private: "enp0s8".into(),
            },
            network: Network {
                private: "10.100.198.0/24".parse().unwrap(),
                nat: "10.0.2.0/24".parse().unwrap(),
                pods: "10.244.0.0/16".parse().unwrap(),
            },
            nodes: vec![
                node("master", Role::ControlPlane, 0, "10.100.198.200"),
                node("node1", Role::Worker, 1, "10.100.198.201"),
                node("node2", Role::Worker, 2, "10.100.198.202"),
            ],
            variants: vec![],
            default_variant: "broken".into(),
            workload_files: vec![],
            workloads: vec![],
            book: None,
            checks: vec![],
            workers_override: None,
            skipped_checks: vec![],
        }
    }

    #[test]
    fn namespaces_and_batches() {
        let l = lab();
        let ns = machine_namespaces(&l);
        assert_eq!(
            ns,
            ["t1.net", "t1.nat", "t1.master", "t1.node1", "t1.node2"]
        );
        assert_eq!(netns_add(&ns[..2]), "netns add t1.net\nnetns add t1.nat\n");
        assert_eq!(netns_del(&ns[..1]), "netns del t1.net\n");
        let mac = |k, i| names::mac_of(k, "t1", i);
        let nat = nat_ends(&l);
        assert!(nat.starts_with("link set lo up\n"), "{nat}");
        assert!(
            nat.contains(&format!(
                "link add g1 index 1001 address {} type veth peer name enp0s3 address {} netns t1.node1\nlink set g1 up\n",
                mac(MacKind::NatGateway, 1),
                mac(MacKind::Nat, 1),
            )),
            "{nat}"
        );
        assert!(
            !nat.contains("addr add"),
            "nothing answers behind the NAT: {nat}"
        );
        let net = net_bridge(&l);
        assert!(
            net.starts_with("link set lo up\nlink add br0 type bridge\nlink set br0 up\n"),
            "{net}"
        );
        assert!(
            net.contains(&format!(
                "link add p1 index 1001 type veth peer name enp0s8 address {} netns t1.node1\nlink set p1 master br0 up\n",
                mac(MacKind::Private, 1)
            )),
            "{net}"
        );
        assert_eq!(
            node_nics(&l, &l.nodes[1]),
            format!(
                "link set lo up\n\
                 addr add 10.0.2.15/24 dev enp0s3\n\
                 link set enp0s3 up\n\
                 addr add 10.100.198.201/24 dev enp0s8\n\
                 link set enp0s8 up\n\
                 route add default via 10.0.2.2 dev enp0s3\n\
                 neigh replace 10.0.2.2 lladdr {} dev enp0s3 nud permanent\n\
                 neigh replace 10.100.198.200 lladdr {} dev enp0s8 nud permanent\n\
                 neigh replace 10.100.198.202 lladdr {} dev enp0s8 nud permanent\n",
                mac(MacKind::NatGateway, 1),
                mac(MacKind::Private, 0),
                mac(MacKind::Private, 2),
            )
        );
    }

    /// Every neighbour a node's private NIC will need is programmed, and
    /// each one is the MAC its peer's NIC gets: the underlay of a full mesh
    /// never resolves an address (nor takes a dynamic neighbour entry).
    #[test]
    fn the_underlay_is_fully_programmed() {
        let l = lab();
        let net = net_bridge(&l);
        for n in &l.nodes {
            let batch = node_nics(&l, n);
            for peer in l.nodes.iter().filter(|p| p.index != n.index) {
                let m = names::mac_of(MacKind::Private, "t1", peer.index);
                assert!(
                    batch.contains(&format!(
                        "neigh replace {} lladdr {m} dev enp0s8 nud permanent",
                        peer.ip
                    )),
                    "{} lacks {}: {batch}",
                    n.name,
                    peer.name
                );
                assert!(net.contains(&format!(
                    "peer name enp0s8 address {m} netns t1.{}",
                    peer.name
                )));
            }
            assert_eq!(
                batch.matches("neigh replace").count(),
                l.nodes.len(),
                "{batch}"
            );
        }
    }

    #[test]
    fn pod_batches() {
        let l = lab();
        let pod = |name: &str, ip: [u8; 4]| PodPlacement {
            name: name.into(),
            app: "web".into(),
            node: "node1".into(),
            ip: Ipv4Addr::from(ip),
            port: 80,
        };
        let (a, b) = (
            pod("web-node1-0", [10, 244, 1, 2]),
            pod("web-node1-1", [10, 244, 1, 3]),
        );
        let plans = [PodPlan::new(&l, 3, 0, &a), PodPlan::new(&l, 3, 1, &b)];
        assert_eq!(plans[0].veth, "veth00030000");
        let (ma, mb) = (&plans[0].mac, &plans[1].mac);
        assert_eq!(*ma, names::mac_of(MacKind::Pod, "t1", 0));
        assert_eq!(
            node_pod_links(&l, &plans[..1], 1450),
            format!(
                "link add veth00030000 mtu 1450 type veth peer name eth0 address {ma} mtu 1450 netns t1.pod.web-node1-0\n\
                 link set veth00030000 master cni0 up\n\
                 neigh replace 10.244.1.2 lladdr {ma} dev cni0 nud permanent\n"
            )
        );
        assert_eq!(
            pod_net(&l, &l.nodes[1], &a, &plans),
            format!(
                "link set lo up\naddr add 10.244.1.2/24 dev eth0\nlink set eth0 up\nroute add default via 10.244.1.1 dev eth0\n\
                 neigh replace 10.244.1.1 lladdr {} dev eth0 nud permanent\n\
                 neigh replace 10.244.1.3 lladdr {mb} dev eth0 nud permanent\n",
                names::mac_of(MacKind::Cni, "t1", 1)
            )
        );
    }
}
