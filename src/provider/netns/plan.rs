//! The lab's kernel state as batch text for `ip -batch` (pure functions, so
//! the exact commands are unit-tested). Nothing here names the host's
//! namespace: every batch runs inside a namespace of the lab (`ip -n`), and
//! every veth is created with its peer already in another lab namespace.

use super::names;
use crate::spec::{Lab, Node, PodPlacement};
use ipnet::Ipv4Net;
use std::fmt::Write as _;

/// Every namespace of the lab's machines (not pods), in creation order.
pub fn machine_namespaces(lab: &Lab) -> Vec<String> {
    let mut v = vec![names::net_ns(&lab.name)];
    for n in &lab.nodes {
        v.push(names::node_ns(&lab.name, &n.name));
        v.push(names::nat_ns(&lab.name, &n.name));
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

/// The ifindex of the lab-side end of a node's veths (the NAT gateway, the
/// bridge port of node `i` at `PEER_IFINDEX + i`). A veth whose ifindex equals
/// its peer's (each counts in its own namespace) gets its carrier changes
/// batched by the kernel's linkwatch for up to a second, which left a bridge
/// port disabled and dropped the first ARP of a fresh lab now and then. The
/// lab side is created first with these fixed indexes, so the node side
/// takes its natural 2 (`enp0s3`) and 3 (`enp0s8`), as in a VirtualBox VM,
/// and the two ends never match.
pub const PEER_IFINDEX: usize = 1000;

/// A node's NAT dead end, first round: the gateway `gw` with 10.0.2.2, its
/// peer `enp0s3` sent into the node; nothing behind it.
pub fn nat_gateway(lab: &Lab, node: &Node) -> String {
    format!(
        "link set lo up\nlink add {gw} index {PEER_IFINDEX} type veth peer name {nat_if} netns {node_ns}\n\
         addr add {}/{} dev {gw}\nlink set {gw} up\n",
        lab.network.nat_gateway(),
        lab.network.nat.prefix_len(),
        gw = names::NAT_GW_IF,
        nat_if = lab.interfaces.nat,
        node_ns = names::node_ns(&lab.name, &node.name),
    )
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
            "link add {port} index {} type veth peer name {} netns {}",
            PEER_IFINDEX + n.index,
            lab.interfaces.private,
            names::node_ns(&lab.name, &n.name)
        );
        let _ = writeln!(b, "link set {port} master {} up", names::BRIDGE);
    }
    b
}

/// Inside a node, third round: addresses on both NICs (the NAT NIC first),
/// and the default route through the NAT gateway, as VirtualBox gives it.
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
    b
}

/// A pod and the name of its veth's end on the node.
pub struct PodPlan<'a> {
    pub veth: String,
    pub pod: &'a PodPlacement,
}

/// Inside a node: each of its pods' veth, `eth0` in the pod, the other end on `cni0`.
pub fn node_pod_links(lab: &Lab, pods: &[PodPlan<'_>], mtu: u32) -> String {
    let mut b = String::new();
    for p in pods {
        let v = &p.veth;
        let _ = writeln!(
            b,
            "link add {v} mtu {mtu} type veth peer name {} mtu {mtu} netns {}",
            names::POD_IF,
            names::pod_ns(&lab.name, &p.pod.name)
        );
        let _ = writeln!(b, "link set {v} master {} up", names::CNI_BRIDGE);
    }
    b
}

/// Inside a pod: its address from the node's subnet, default route via `.1`.
pub fn pod_net(pod: &PodPlacement, subnet: Ipv4Net) -> String {
    let gw = crate::spec::nth_host(subnet, 1);
    format!(
        "link set lo up\naddr add {}/{} dev {e}\nlink set {e} up\nroute add default via {gw} dev {e}\n",
        pod.ip,
        subnet.prefix_len(),
        e = names::POD_IF
    )
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
            [
                "t1.net",
                "t1.master",
                "t1.master.nat",
                "t1.node1",
                "t1.node1.nat",
                "t1.node2",
                "t1.node2.nat"
            ]
        );
        assert_eq!(
            netns_add(&ns[..2]),
            "netns add t1.net\nnetns add t1.master\n"
        );
        assert_eq!(netns_del(&ns[..1]), "netns del t1.net\n");
        assert_eq!(
            nat_gateway(&l, &l.nodes[1]),
            "link set lo up\n\
             link add gw index 1000 type veth peer name enp0s3 netns t1.node1\n\
             addr add 10.0.2.2/24 dev gw\nlink set gw up\n"
        );
        let net = net_bridge(&l);
        assert!(
            net.starts_with("link set lo up\nlink add br0 type bridge\nlink set br0 up\n"),
            "{net}"
        );
        assert!(
            net.contains("link add p1 index 1001 type veth peer name enp0s8 netns t1.node1\nlink set p1 master br0 up\n"),
            "{net}"
        );
        assert_eq!(
            node_nics(&l, &l.nodes[1]),
            "link set lo up\n\
             addr add 10.0.2.15/24 dev enp0s3\n\
             link set enp0s3 up\n\
             addr add 10.100.198.201/24 dev enp0s8\n\
             link set enp0s8 up\n\
             route add default via 10.0.2.2 dev enp0s3\n"
        );
    }

    #[test]
    fn pod_batches() {
        let l = lab();
        let pod = PodPlacement {
            name: "web-node1-0".into(),
            app: "web".into(),
            node: "node1".into(),
            ip: Ipv4Addr::new(10, 244, 1, 2),
            port: 80,
        };
        let plans = [PodPlan {
            veth: "veth3".into(),
            pod: &pod,
        }];
        assert_eq!(
            node_pod_links(&l, &plans, 1450),
            "link add veth3 mtu 1450 type veth peer name eth0 mtu 1450 netns t1.pod.web-node1-0\nlink set veth3 master cni0 up\n"
        );
        assert_eq!(
            pod_net(&pod, l.nodes[1].pod_subnet),
            "link set lo up\naddr add 10.244.1.2/24 dev eth0\nlink set eth0 up\nroute add default via 10.244.1.1 dev eth0\n"
        );
    }
}
