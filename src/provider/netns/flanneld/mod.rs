//! What flanneld would decide and program on each node, as pure functions:
//! the external interface by flannel's documented rule ([`iface`]), the
//! lease, the vxlan backend's kernel state (as netlink ops), the
//! iptables rules, `subnet.env` and flanneld's log lines ([`log`]).

mod iface;
mod log;

pub use iface::*;
pub use log::*;

use super::names;
use super::netlink::Op;
use super::table_bounds::NodeRules;
use crate::cni::flannel::FlannelConfig;
use crate::spec::{Lab, nth_host};
use ipnet::Ipv4Net;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// VXLAN encapsulation overhead flannel subtracts from the NIC's MTU.
pub const VXLAN_OVERHEAD: u32 = 50;
/// MTU of a veth the lab creates (the kernel's default).
pub const NIC_MTU: u32 = 1500;
/// A node's lease and VTEP, as other nodes learn it (flannel keeps these in
/// the node's annotations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lease {
    pub node: String,
    pub subnet: Ipv4Net,
    pub public_ip: Ipv4Addr,
    pub mac: String,
    /// The chosen interface and its address (for the log and `status`).
    pub iface: String,
    pub iface_addr: Ipv4Addr,
    pub mtu: u32,
}

impl Lease {
    /// The VTEP address: the subnet's `.0`, on `flannel.1` as a /32.
    pub fn vtep_ip(&self) -> Ipv4Addr {
        self.subnet.network()
    }
    /// The gateway of the node's pods: `.1` on `cni0`.
    pub fn gateway(&self) -> Ipv4Addr {
        nth_host(self.subnet, 1)
    }
}

/// Every node's lease for a variant, in node order, with each node's choice.
pub fn leases(lab: &Lab, cfg: &FlannelConfig) -> Result<Vec<(Lease, Choice)>, String> {
    lab.nodes
        .iter()
        .map(|n| {
            let c = choose(cfg, &node_host_net(lab, n))
                .map_err(|e| format!("flanneld on {}: {e}", n.name))?;
            let lease = Lease {
                node: n.name.clone(),
                subnet: n.pod_subnet,
                public_ip: c.public_ip,
                mac: names::mac_string(names::vtep_mac(&lab.name, n.index)),
                iface: c.iface.clone(),
                iface_addr: c.iface_addr,
                mtu: c.mtu(),
            };
            Ok((lease, c))
        })
        .collect()
}

/// A node's ops: the VXLAN device as flannel's vxlan backend makes it, a
/// neighbour and a route for every other node's lease, where each peer's
/// VTEP MAC lives (an FDB entry: its public address), and the CNI bridge
/// with the node's gateway address (made with the MAC `new_bridge` when
/// given; otherwise it stays from the previous variant, as on a real node,
/// and only gets the MTU).
pub fn node_ops(
    cfg: &FlannelConfig,
    me: &Lease,
    peers: &[&Lease],
    new_bridge: Option<&str>,
) -> Vec<Op> {
    let vx = names::VXLAN_IF;
    let mut b = vec![
        Op::Vxlan {
            name: vx.into(),
            mac: me.mac.clone(),
            mtu: me.mtu,
            vni: cfg.vni,
            local: me.public_ip,
            dev: me.iface.clone(),
            port: cfg.port,
        },
        Op::Addr {
            dev: vx.into(),
            addr: Ipv4Net::new(me.vtep_ip(), 32).expect("a /32"),
        },
        Op::Up {
            dev: vx.into(),
            master: None,
        },
    ];
    for p in peers {
        b.push(Op::Neigh {
            ip: p.vtep_ip(),
            mac: p.mac.clone(),
            dev: vx.into(),
            replace: false,
        });
        b.push(Op::Route {
            dst: p.subnet,
            via: p.vtep_ip(),
            dev: vx.into(),
            onlink: true,
        });
    }
    for p in peers {
        b.push(Op::Fdb {
            mac: p.mac.clone(),
            dev: vx.into(),
            dst: p.public_ip,
        });
    }
    let cni = names::CNI_BRIDGE;
    match new_bridge {
        Some(mac) => {
            b.push(Op::Bridge {
                name: cni.into(),
                mac: Some(mac.into()),
                mtu: Some(me.mtu),
                // Its pods and its own port: at most every address of the
                // subnet (2^(32 - prefix); a /8's at most).
                max_learned: super::table_bounds::learned_macs(
                    1 << (32 - u32::from(me.subnet.prefix_len()).max(8)),
                ),
            });
            b.push(Op::Addr {
                dev: cni.into(),
                addr: Ipv4Net::new(me.gateway(), me.subnet.prefix_len()).expect("a lease's prefix"),
            });
        }
        None => b.push(Op::Mtu {
            dev: cni.into(),
            mtu: me.mtu,
        }),
    }
    b.push(Op::Up {
        dev: cni.into(),
        master: None,
    });
    b
}

/// Whether flanneld's rules track connections (its NAT rules do).
pub fn tracks_connections(cfg: &FlannelConfig) -> bool {
    cfg.ip_masq
}

/// flanneld's iptables rules on a node, for `iptables-restore` (both tables
/// complete, so restoring replaces what a previous variant left), after the
/// lab's own lines `lab` (see `table_bounds`: first in every chain, so
/// flannel's `ACCEPT`s do not pass them by).
pub fn iptables_rules(cfg: &FlannelConfig, subnet: Ipv4Net, lab: &NodeRules) -> String {
    let net = cfg.network;
    let mut r = String::new();
    let _ = writeln!(r, "*raw");
    for line in &lab.raw {
        let _ = writeln!(r, "{line}");
    }
    let _ = writeln!(r, "COMMIT");
    let _ = writeln!(r, "*filter");
    let _ = writeln!(r, ":FORWARD ACCEPT [0:0]");
    for line in &lab.filter {
        let _ = writeln!(r, "{line}");
    }
    let _ = writeln!(r, ":FLANNEL-FWD - [0:0]");
    let c = "-m comment --comment \"flanneld forward\"";
    let _ = writeln!(r, "-A FORWARD {c} -j FLANNEL-FWD");
    let _ = writeln!(r, "-A FLANNEL-FWD -s {net} {c} -j ACCEPT");
    let _ = writeln!(r, "-A FLANNEL-FWD -d {net} {c} -j ACCEPT");
    let _ = writeln!(r, "COMMIT");
    let _ = writeln!(r, "*nat");
    let _ = writeln!(r, ":POSTROUTING ACCEPT [0:0]");
    if cfg.ip_masq {
        let c = "-m comment --comment \"flanneld masq\"";
        let _ = writeln!(r, ":FLANNEL-POSTRTG - [0:0]");
        let _ = writeln!(r, "-A POSTROUTING {c} -j FLANNEL-POSTRTG");
        let _ = writeln!(
            r,
            "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 {c} -j RETURN"
        );
        let _ = writeln!(r, "-A FLANNEL-POSTRTG -s {subnet} -d {net} {c} -j RETURN");
        let _ = writeln!(r, "-A FLANNEL-POSTRTG -s {net} -d {subnet} {c} -j RETURN");
        let _ = writeln!(r, "-A FLANNEL-POSTRTG ! -s {net} -d {subnet} {c} -j RETURN");
        let _ = writeln!(
            r,
            "-A FLANNEL-POSTRTG -s {net} ! -d 224.0.0.0/4 {c} -j MASQUERADE --random-fully"
        );
        let _ = writeln!(
            r,
            "-A FLANNEL-POSTRTG ! -s {net} -d {net} {c} -j MASQUERADE --random-fully"
        );
    }
    let _ = writeln!(r, "COMMIT");
    r
}

/// `/run/flannel/subnet.env` as flanneld writes it.
pub fn subnet_env(cfg: &FlannelConfig, me: &Lease) -> String {
    format!(
        "FLANNEL_NETWORK={}\nFLANNEL_SUBNET={}/{}\nFLANNEL_MTU={}\nFLANNEL_IPMASQ={}\n",
        cfg.network,
        me.gateway(),
        me.subnet.prefix_len(),
        me.mtu,
        cfg.ip_masq
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::provider::netns::netlink::text;

    pub(in super::super) fn cfg() -> FlannelConfig {
        FlannelConfig {
            ip_masq: true,
            ..FlannelConfig::vxlan("10.244.0.0/16".parse().unwrap())
        }
    }

    pub(in super::super) fn lease(node: &str, n: u8, public: &str) -> Lease {
        Lease {
            node: node.into(),
            subnet: format!("10.244.{n}.0/24").parse().unwrap(),
            public_ip: public.parse().unwrap(),
            mac: format!("0e:00:00:00:00:{n:02x}"),
            iface: "enp0s8".into(),
            iface_addr: public.parse().unwrap(),
            mtu: 1450,
        }
    }

    #[test]
    fn node_ops_program_what_the_vxlan_backend_does() {
        let me = lease("node1", 1, "10.100.198.201");
        let p = lease("node2", 2, "10.100.198.202");
        let b = text(&node_ops(&cfg(), &me, &[&p], Some("16:00:00:00:00:01")));
        assert_eq!(
            b,
            "link add flannel.1 address 0e:00:00:00:00:01 mtu 1450 type vxlan id 1 local 10.100.198.201 dev enp0s8 dstport 8472 nolearning\n\
             addr add 10.244.1.0/32 dev flannel.1\n\
             link set flannel.1 up\n\
             neigh add 10.244.2.0 lladdr 0e:00:00:00:00:02 dev flannel.1 nud permanent\n\
             route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n\
             fdb append 0e:00:00:00:00:02 dev flannel.1 dst 10.100.198.202\n\
             link add cni0 address 16:00:00:00:00:01 mtu 1450 type bridge fdb_max_learned 320\n\
             addr add 10.244.1.1/24 dev cni0\n\
             link set cni0 up\n"
        );
        let again = text(&node_ops(&cfg(), &me, &[&p], None));
        assert!(
            again.ends_with("link set cni0 mtu 1450\nlink set cni0 up\n"),
            "{again}"
        );
        assert!(!again.contains("link add cni0"));
    }

    #[test]
    fn subnet_env_and_rules() {
        let me = lease("node1", 1, "10.0.2.15");
        assert_eq!(
            subnet_env(&cfg(), &me),
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
        );
        let r = iptables_rules(&cfg(), me.subnet, &NodeRules::default());
        assert!(r.contains(
            "-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT"
        ));
        assert!(r.contains("-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16"));
        assert_eq!(r.matches("COMMIT").count(), 3);
        let mut f = cfg();
        f.ip_masq = false;
        assert!(!iptables_rules(&f, me.subnet, &NodeRules::default()).contains("MASQUERADE"));
    }
}
