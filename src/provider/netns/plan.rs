//! The lab's kernel state as netlink ops per namespace (pure functions, so
//! the exact changes are unit-tested, read as `ip` commands). Nothing here
//! names the host's namespace: every op is sent inside a namespace of the
//! lab, and every veth is created with its peer already in another lab
//! namespace.
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
use super::netlink::{Op, Peer};
use crate::spec::{Lab, Node, PodPlacement};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Every namespace of the lab's machines (not pods), in creation order.
pub fn machine_namespaces(lab: &Lab) -> Vec<String> {
    let mut v = vec![names::net_ns(&lab.name), names::nat_ns(&lab.name)];
    for n in &lab.nodes {
        v.push(names::node_ns(&lab.name, &n.name));
    }
    v
}

/// The ifindex of the lab-side end of a node's veths (the NAT end and the
/// bridge port of node `i`, each at `PEER_IFINDEX + i` in its namespace). A veth whose ifindex equals
/// its peer's (each counts in its own namespace) gets its carrier changes
/// batched by the kernel's linkwatch for up to a second, which left a bridge
/// port disabled and dropped the first ARP of a fresh lab now and then. The
/// lab side is created with these fixed indexes, and the node side with 2
/// (`enp0s3`) and 3 (`enp0s8`), as in a VirtualBox VM: the two ends never
/// match.
pub const PEER_IFINDEX: usize = 1000;

/// A node's NICs' ifindexes: `enp0s3` is 2 and `enp0s8` 3 (after `lo`), as
/// in a VirtualBox VM, whichever of the two rounds that make them runs first.
pub const NAT_IFINDEX: u32 = 2;
pub const PRIVATE_IFINDEX: u32 = 3;

fn lo_up() -> Op {
    up("lo", None)
}

fn up(dev: &str, master: Option<&str>) -> Op {
    Op::Up {
        dev: dev.to_string(),
        master: master.map(str::to_string),
    }
}

fn neigh(ip: Ipv4Addr, mac: String, dev: &str) -> Op {
    Op::Neigh {
        ip,
        mac,
        dev: dev.to_string(),
        replace: true,
    }
}

fn addr(ip: Ipv4Addr, prefix: u8, dev: &str) -> Op {
    Op::Addr {
        dev: dev.to_string(),
        addr: Ipv4Net::new(ip, prefix).expect("a validated prefix"),
    }
}

fn default_route(via: Ipv4Addr, dev: &str) -> Op {
    Op::Route {
        dst: Ipv4Net::default(),
        via,
        dev: dev.to_string(),
        onlink: false,
    }
}

/// The NAT dead ends, in the lab's NAT namespace: for every node a veth
/// whose other end, `enp0s3`, is made in the node. Nothing is behind them:
/// the node's default route via 10.0.2.2 leads nowhere, as VirtualBox's NAT
/// without the internet (the gateway's MAC is a permanent neighbour of the
/// node, so nothing waits for ARP either).
pub fn nat_ends(lab: &Lab) -> Vec<Op> {
    let mut b = vec![lo_up()];
    for n in &lab.nodes {
        let port = names::nat_port(n.index);
        b.push(Op::Veth {
            name: port.clone(),
            index: Some((PEER_IFINDEX + n.index) as u32),
            mac: Some(names::mac_of(MacKind::NatGateway, &lab.name, n.index)),
            mtu: None,
            peer: Peer {
                name: lab.interfaces.nat.clone(),
                index: Some(NAT_IFINDEX),
                mac: Some(names::mac_of(MacKind::Nat, &lab.name, n.index)),
                mtu: None,
                netns: names::node_ns(&lab.name, &n.name),
            },
        });
        b.push(up(&port, None));
    }
    b
}

/// The lab's private network: its bridge, and a port for every node whose
/// peer `enp0s8` is made in the node.
pub fn net_bridge(lab: &Lab) -> Vec<Op> {
    let mut b = vec![
        lo_up(),
        Op::Bridge {
            name: names::BRIDGE.into(),
            mac: None,
            mtu: None,
            max_learned: super::table_bounds::learned_macs(lab.nodes.len()),
        },
        up(names::BRIDGE, None),
    ];
    for n in &lab.nodes {
        let port = names::bridge_port(n.index);
        b.push(Op::Veth {
            name: port.clone(),
            index: Some((PEER_IFINDEX + n.index) as u32),
            mac: None,
            mtu: None,
            peer: Peer {
                name: lab.interfaces.private.clone(),
                index: Some(PRIVATE_IFINDEX),
                mac: Some(names::mac_of(MacKind::Private, &lab.name, n.index)),
                mtu: None,
                netns: names::node_ns(&lab.name, &n.name),
            },
        });
        b.push(up(&port, Some(names::BRIDGE)));
    }
    b
}

/// Inside a node, once both NICs are there: addresses on both (the NAT NIC
/// first), the default route through the NAT gateway, as VirtualBox gives
/// it, and the permanent neighbours of both networks: the gateway, and every
/// other node on the private network.
pub fn node_nics(lab: &Lab, node: &Node) -> Vec<Op> {
    let (nat_if, priv_if) = (&lab.interfaces.nat, &lab.interfaces.private);
    let mut b = vec![
        lo_up(),
        addr(lab.network.nat_ip(), lab.network.nat.prefix_len(), nat_if),
        up(nat_if, None),
        addr(node.ip, lab.network.private.prefix_len(), priv_if),
        up(priv_if, None),
        default_route(lab.network.nat_gateway(), nat_if),
        neigh(
            lab.network.nat_gateway(),
            names::mac_of(MacKind::NatGateway, &lab.name, node.index),
            nat_if,
        ),
    ];
    for peer in lab.nodes.iter().filter(|p| p.index != node.index) {
        b.push(neigh(
            peer.ip,
            names::mac_of(MacKind::Private, &lab.name, peer.index),
            priv_if,
        ));
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
pub fn node_pod_links(lab: &Lab, pods: &[PodPlan<'_>], mtu: u32) -> Vec<Op> {
    let mut b = Vec::new();
    for p in pods {
        b.push(Op::Veth {
            name: p.veth.clone(),
            index: None,
            mac: None,
            mtu: Some(mtu),
            peer: Peer {
                name: names::POD_IF.into(),
                index: None,
                mac: Some(p.mac.clone()),
                mtu: Some(mtu),
                netns: names::pod_ns(&lab.name, &p.pod.name),
            },
        });
        b.push(up(&p.veth, Some(names::CNI_BRIDGE)));
        b.push(neigh(p.pod.ip, p.mac.clone(), names::CNI_BRIDGE));
    }
    b
}

/// Inside a pod: its address from the node's subnet, default route via `.1`,
/// and permanent neighbours: the gateway (`cni0` of `node`) and the other
/// pods on the same node (`beside`, which may include the pod itself).
pub fn pod_net(lab: &Lab, node: &Node, pod: &PodPlacement, beside: &[PodPlan<'_>]) -> Vec<Op> {
    let subnet = node.pod_subnet;
    let gw = crate::spec::nth_host(subnet, 1);
    let e = names::POD_IF;
    let mut b = vec![
        lo_up(),
        addr(pod.ip, subnet.prefix_len(), e),
        up(e, None),
        default_route(gw, e),
        neigh(gw, names::mac_of(MacKind::Cni, &lab.name, node.index), e),
    ];
    for other in beside.iter().filter(|o| o.pod.ip != pod.ip) {
        b.push(neigh(other.pod.ip, other.mac.clone(), e));
    }
    b
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::provider::netns::netlink::text;
    use crate::spec::{Interfaces, Network, Role, Testbed};
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
            testbed: Testbed {
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
                workers_override: None,
            },
            checks: vec![],
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
        let mac = |k, i| names::mac_of(k, "t1", i);
        let nat = text(&nat_ends(&l));
        assert!(nat.starts_with("link set lo up\n"), "{nat}");
        assert!(
            nat.contains(&format!(
                "link add g1 index 1001 address {} type veth peer name enp0s3 index 2 address {} netns t1.node1\nlink set g1 up\n",
                mac(MacKind::NatGateway, 1),
                mac(MacKind::Nat, 1),
            )),
            "{nat}"
        );
        assert!(
            !nat.contains("addr add"),
            "nothing answers behind the NAT: {nat}"
        );
        let net = text(&net_bridge(&l));
        assert!(
            net.starts_with(
                "link set lo up\nlink add br0 type bridge fdb_max_learned 67\nlink set br0 up\n"
            ),
            "{net}"
        );
        assert!(
            net.contains(&format!(
                "link add p1 index 1001 type veth peer name enp0s8 index 3 address {} netns t1.node1\nlink set p1 master br0 up\n",
                mac(MacKind::Private, 1)
            )),
            "{net}"
        );
        assert_eq!(
            text(&node_nics(&l, &l.nodes[1])),
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
        let net = text(&net_bridge(&l));
        for n in &l.nodes {
            let batch = text(&node_nics(&l, n));
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
                    "peer name enp0s8 index 3 address {m} netns t1.{}",
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
            text(&node_pod_links(&l, &plans[..1], 1450)),
            format!(
                "link add veth00030000 mtu 1450 type veth peer name eth0 address {ma} mtu 1450 netns t1.pod.web-node1-0\n\
                 link set veth00030000 master cni0 up\n\
                 neigh replace 10.244.1.2 lladdr {ma} dev cni0 nud permanent\n"
            )
        );
        assert_eq!(
            text(&pod_net(&l, &l.nodes[1], &a, &plans)),
            format!(
                "link set lo up\naddr add 10.244.1.2/24 dev eth0\nlink set eth0 up\nroute add default via 10.244.1.1 dev eth0\n\
                 neigh replace 10.244.1.1 lladdr {} dev eth0 nud permanent\n\
                 neigh replace 10.244.1.3 lladdr {mb} dev eth0 nud permanent\n",
                names::mac_of(MacKind::Cni, "t1", 1)
            )
        );
    }
}
