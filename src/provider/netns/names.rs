//! Names of everything the netns provider makes. Every name carries the
//! lab's name, so labs never collide and `destroy` can find a lab's
//! namespaces without its state: lab names are DNS labels (no dots), so the
//! prefix `<lab>.` belongs to exactly one lab (`chapter4.` is not a prefix of
//! `chapter4-x.`).

/// Interface names inside the lab's namespaces (never in the host's).
pub const BRIDGE: &str = "br0";
pub const VXLAN_IF: &str = "flannel.1";
pub const CNI_BRIDGE: &str = "cni0";
pub const POD_IF: &str = "eth0";

/// Node names that would collide with the lab's own namespaces.
pub const RESERVED_NODE_NAMES: &[&str] = &["net", "nat", "pod"];

/// The prefix of every namespace of the lab.
pub fn prefix(lab: &str) -> String {
    format!("{lab}.")
}

/// The lab's private (host-only) network: the bridge all nodes' private NICs hang on.
pub fn net_ns(lab: &str) -> String {
    format!("{lab}.net")
}

/// A node's network namespace.
pub fn node_ns(lab: &str, node: &str) -> String {
    format!("{lab}.{node}")
}

/// The NAT dead ends of all nodes: each node's `enp0s3` is a veth whose
/// other end ([`nat_port`]) waits here, with nothing behind it (VirtualBox's
/// NAT, cut off). One namespace for the lab rather than one per node: a
/// namespace costs the kernel about a millisecond to make and more to tear
/// down, and a node's NAT NIC is a link of its own either way.
pub fn nat_ns(lab: &str) -> String {
    format!("{lab}.nat")
}

/// The end (in [`nat_ns`]) of node `index`'s NAT NIC.
pub fn nat_port(index: usize) -> String {
    format!("g{index}")
}

/// A pod's network namespace.
pub fn pod_ns(lab: &str, pod: &str) -> String {
    format!("{lab}.pod.{pod}")
}

/// The bridge port (in the lab's `.net` namespace) of node `index`'s private NIC.
pub fn bridge_port(index: usize) -> String {
    format!("p{index}")
}

/// The host side (in the node's namespace, on `cni0`) of pod `k`'s veth in
/// pod generation `generation` (each `apply` makes a new one): unique, so a
/// new pod never waits for the kernel to clean up an old pod's namespace.
pub fn pod_veth(generation: u32, k: usize) -> String {
    format!("veth{:04x}{:04x}", generation & 0xffff, k & 0xffff)
}

/// Whether `name` can be a lab name here: a DNS label (so `<lab>.` is an
/// unambiguous prefix). Checked again by `destroy`, which deletes by prefix.
pub fn valid_lab_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// What a lab-made MAC address belongs to: its first byte, locally
/// administered unicast (`xxxxxx10`), so the kinds never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MacKind {
    /// A node's `flannel.1` (its VTEP).
    Vtep = 0x0e,
    /// A node's private NIC (`enp0s8`).
    Private = 0x0a,
    /// A node's NAT NIC (`enp0s3`).
    Nat = 0x1e,
    /// The NAT dead end's gateway (10.0.2.2) of a node.
    NatGateway = 0x1a,
    /// A node's `cni0` bridge (its pods' gateway).
    Cni = 0x16,
    /// A pod's `eth0`.
    Pod = 0x12,
}

/// The MAC of the `kind` interface of node (or pod) `index`: the kind's
/// byte, three bytes from the lab's name (its digest's), two from the index. Deterministic,
/// so every neighbour a lab needs is known before its interfaces exist and
/// is programmed as a permanent entry (see [`crate::provider::netns::plan`]),
/// and a node keeps its VTEP MAC across variants, as flannel keeps it in the
/// node's annotations.
pub fn mac(kind: MacKind, lab: &str, index: usize) -> [u8; 6] {
    let h = crate::digest::sha256(lab.as_bytes());
    [
        kind as u8,
        h[0],
        h[1],
        h[2],
        (index >> 8) as u8,
        index as u8,
    ]
}

/// [`mac`] as `ip` writes it.
pub fn mac_of(kind: MacKind, lab: &str, index: usize) -> String {
    mac_string(mac(kind, lab, index))
}

/// The VTEP MAC of node `index`'s `flannel.1`.
pub fn vtep_mac(lab: &str, index: usize) -> [u8; 6] {
    mac(MacKind::Vtep, lab, index)
}

/// How many nodes or pods a lab may have: the index fills two bytes of a MAC.
pub const MAX_INDEX: usize = 0xffff;

pub fn mac_string(mac: [u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_lab_name() {
        assert_eq!(net_ns("chapter4"), "chapter4.net");
        assert_eq!(node_ns("chapter4", "node1"), "chapter4.node1");
        assert_eq!(nat_ns("chapter4"), "chapter4.nat");
        assert_eq!(nat_port(7), "g7");
        assert_eq!(
            pod_ns("chapter4", "nginx-deployment-node1-0"),
            "chapter4.pod.nginx-deployment-node1-0"
        );
        for n in [
            net_ns("c"),
            node_ns("c", "m"),
            nat_ns("c"),
            pod_ns("c", "p"),
        ] {
            assert!(n.starts_with(&prefix("c")));
        }
        // A lab's prefix never matches another lab's namespaces.
        assert!(!node_ns("chapter4-x", "node1").starts_with(&prefix("chapter4")));
    }

    #[test]
    fn interface_names_fit_in_ifnamsiz() {
        assert!(bridge_port(99999).len() <= 15);
        assert!(nat_port(99999).len() <= 15);
        assert!(pod_veth(u32::MAX, usize::MAX).len() <= 15);
        assert_eq!(pod_veth(1, 3), "veth00010003");
        assert_ne!(pod_veth(1, 3), pod_veth(2, 3));
        assert!(VXLAN_IF.len() <= 15);
    }

    #[test]
    fn lab_names_are_dns_labels() {
        assert!(valid_lab_name("chapter4"));
        assert!(valid_lab_name("t12-3"));
        for bad in ["", "a.b", "-a", "a-", "A", "a/b", "*", &"a".repeat(64)] {
            assert!(!valid_lab_name(bad), "{bad}");
        }
    }

    #[test]
    fn vtep_macs_are_local_unicast_stable_and_distinct() {
        let a = vtep_mac("chapter4", 1);
        assert_eq!(a, vtep_mac("chapter4", 1));
        assert_eq!(a[0] & 0x01, 0, "unicast");
        assert_eq!(a[0] & 0x02, 0x02, "locally administered");
        assert_ne!(a, vtep_mac("chapter4", 2));
        assert_ne!(a, vtep_mac("chapter5", 1));
        assert_eq!(vtep_mac("x", 258)[4..], [1, 2]);
        assert_eq!(mac_string([0x0e, 1, 0xab, 0, 0, 0xff]), "0e:01:ab:00:00:ff");
        let kinds = [
            MacKind::Vtep,
            MacKind::Private,
            MacKind::Nat,
            MacKind::NatGateway,
            MacKind::Cni,
            MacKind::Pod,
        ];
        for (i, k) in kinds.iter().enumerate() {
            let m = mac(*k, "chapter4", 7);
            assert_eq!(m[0] & 0x03, 0x02, "{k:?}: locally administered unicast");
            for k2 in &kinds[i + 1..] {
                assert_ne!(m, mac(*k2, "chapter4", 7), "{k:?} vs {k2:?}");
            }
        }
    }
}
