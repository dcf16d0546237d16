//! A lab's topology as data: every node with its NICs and addresses, the
//! pod network's bridge and VXLAN device, the interface the CNI chose and
//! its VTEP address, the pods and the routes between nodes' pod subnets.
//! Read from a live lab ([`live`]) or predicted from the lab file
//! ([`declared`], marked as such). `lab inspect` prints it (table or
//! versioned JSON, `docs/lab-inspect.schema.json`); `lab graph` draws it
//! ([`svg`], [`text`]: Mermaid and Graphviz DOT).

pub mod declared;
pub mod live;
pub mod svg;
pub mod text;

use serde::{Deserialize, Serialize};

/// Version of the JSON shape; fields may be added, never renamed.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    pub schema_version: u32,
    /// Always `lab-inspect`.
    pub kind: String,
    pub lab: String,
    pub title: String,
    /// `live` (read from the running lab) or `declared` (predicted from
    /// the lab file; nothing was asked of a machine).
    pub source: String,
    /// The provider it runs on (live only).
    pub provider: Option<String>,
    pub variant: String,
    /// The pod network plugin (`flannel`) and its VXLAN device.
    pub cni: String,
    pub overlay_device: String,
    /// The VXLAN UDP port.
    pub overlay_port: u16,
    pub private_network: String,
    pub nat_network: String,
    pub pod_network: String,
    pub nodes: Vec<NodeView>,
}

impl Topology {
    /// A topology of `lab` on `variant` with `nodes`, as `source` (`live` or
    /// `declared`) and, when live, on `provider`: the lab-wide fields once.
    pub fn of_lab(
        lab: &crate::spec::Lab,
        cni: &dyn crate::cni::Cni,
        source: &str,
        provider: Option<String>,
        variant: String,
        nodes: Vec<NodeView>,
    ) -> Topology {
        Topology {
            schema_version: SCHEMA_VERSION,
            kind: "lab-inspect".into(),
            lab: lab.name.clone(),
            title: lab.title.clone(),
            source: source.into(),
            provider,
            variant,
            cni: cni.name().to_string(),
            overlay_device: cni.overlay_device(),
            overlay_port: cni.overlay_port(),
            private_network: lab.network.private.to_string(),
            nat_network: lab.network.nat.to_string(),
            pod_network: lab.network.pods.to_string(),
            nodes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeView {
    pub name: String,
    pub role: String,
    /// Its NICs (the machine's, the bridge, the VXLAN device), without
    /// loopback and the pods' veth ends.
    pub nics: Vec<Nic>,
    /// The interface the CNI chose for its overlay (flannel's "Using
    /// interface with name X and address Y").
    pub cni_interface: Option<Chosen>,
    /// The VXLAN device's local (VTEP) address.
    pub vtep: Option<String>,
    pub pod_subnet: String,
    pub pods: Vec<PodView>,
    /// Routes to other nodes' pod subnets.
    pub routes: Vec<RouteView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nic {
    pub name: String,
    /// `ethernet`, `vxlan`, `bridge`, ...
    pub kind: String,
    /// Addresses with their prefix length (`10.100.198.201/24`).
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chosen {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodView {
    pub name: String,
    pub app: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteView {
    pub to: String,
    pub via: Option<String>,
    pub dev: String,
}

impl Topology {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a topology serializes") + "\n"
    }

    /// Whether `nic` has an address on the lab's private network (the one
    /// that joins the nodes).
    pub fn on_private_network(&self, nic: &Nic) -> bool {
        nic.addresses.iter().any(|a| {
            a.parse::<ipnet::Ipv4Net>()
                .is_ok_and(|a| a.trunc().to_string() == self.private_network)
        })
    }

    /// The routes of each node to another node's pod subnet, with that
    /// other node: the overlay's paths.
    pub fn pod_routes(&self) -> impl Iterator<Item = (&NodeView, &RouteView, &NodeView)> {
        self.nodes.iter().flat_map(move |n| {
            n.routes.iter().filter_map(move |r| {
                let o = self.nodes.iter().find(|o| o.pod_subnet == r.to)?;
                Some((n, r, o))
            })
        })
    }

    /// VTEP addresses held by more than one node: the chapter's bug (every
    /// node's flannel on the NAT address, 10.0.2.15, which no other node
    /// can reach).
    pub fn shared_vteps(&self) -> Vec<String> {
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for v in self.nodes.iter().filter_map(|n| n.vtep.as_deref()) {
            match seen.iter_mut().find(|(a, _)| *a == v) {
                Some(e) => e.1 += 1,
                None => seen.push((v, 1)),
            }
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(a, _)| a.to_string())
            .collect()
    }
}

/// `Using interface with name X and address Y` in a flannel log: the last
/// one (the current choice).
pub fn chosen_interface(log: &str) -> Option<Chosen> {
    log.lines().rev().find_map(|l| {
        let rest = &l[l.find("Using interface with name ")? + 26..];
        let (name, addr) = rest.split_once(" and address ")?;
        Some(Chosen {
            name: name.trim().to_string(),
            address: addr.split_whitespace().next()?.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interface_flannel_chose_is_read_from_its_log() {
        let log = "I1204 main.go:211] CLI flags\nI1204 12:31:41.647729       1 match.go:263] Using interface with name enp0s3 and address 10.0.2.15\n";
        assert_eq!(
            chosen_interface(log),
            Some(Chosen {
                name: "enp0s3".into(),
                address: "10.0.2.15".into()
            })
        );
        assert_eq!(chosen_interface("nothing"), None);
    }
}
