//! The chapter's network as a libvirt guest sees it. The chapter's story
//! (flannel picks the default-route NIC, every node announces 10.0.2.15)
//! exists because of VirtualBox: each VM's NAT NIC `enp0s3` has 10.0.2.15,
//! its default route via 10.0.2.2 and DNS 10.0.2.3, behind a NAT of its own;
//! the private NIC `enp0s8` has the node's address. Here a libvirt guest is
//! made to look the same from inside:
//!
//! - the NAT NIC is QEMU's user-mode network (slirp, the code VirtualBox's
//!   NAT addressing comes from), one per QEMU process, so one NAT per VM.
//!   vagrant-libvirt 0.11 cannot attach libvirt's `<interface type='user'>`,
//!   so it is passed to QEMU as `-netdev user` and `-device` (`qemuargs`);
//! - the private NIC is the only NIC libvirt attaches: vagrant-libvirt's
//!   "management network" is the lab's own network `lab-<lab>`, isolated
//!   (no NAT, no router), which `lab` defines before `vagrant up` with a
//!   DHCP reservation per node's MAC. So the node gets its own address,
//!   and vagrant-libvirt finds it where it always looks (the network's DHCP
//!   leases): Vagrant and lab reach the guest over the private network,
//!   inside lab's namespace, with no port forward and no other NIC;
//! - the names come from the lab's `interfaces:` and are pinned by MAC:
//!   `ifname=NAME:MAC` on the kernel command line of lab's box (read by
//!   systemd-network-generator).
//!
//! The MACs say what they are: `52:54:00` (QEMU's), a byte of the lab's
//! name, the node's index, then `03` for the NAT NIC and `08` for the
//! private one (VirtualBox's PCI slots, `enp0s3` and `enp0s8`).

use crate::error::{LabError, Result};
use crate::spec::{Lab, nth_host};
use std::net::Ipv4Addr;

/// QEMU's name for the NAT NIC's backend (one per QEMU process).
pub const NAT_NETDEV: &str = "labnat";

/// The MACs of one node's two NICs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeMacs {
    pub nat: String,
    pub private: String,
}

/// A byte of the lab's name (FNV-1a), so two labs' MACs differ.
fn lab_byte(name: &str) -> u8 {
    let mut h: u32 = 0x811c9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) as u8
}

/// The MACs of the node at `index` in the lab's node list.
pub fn macs(lab: &Lab, index: usize) -> Result<NodeMacs> {
    let i = u8::try_from(index).map_err(|_| {
        LabError::Usage(format!(
            "lab '{}' has more than 256 nodes: its libvirt MACs would repeat",
            lab.name
        ))
    })?;
    let l = lab_byte(&lab.name);
    Ok(NodeMacs {
        nat: format!("52:54:00:{l:02x}:{i:02x}:03"),
        private: format!("52:54:00:{l:02x}:{i:02x}:08"),
    })
}

/// The libvirt network of the lab's private network.
pub fn network_name(lab: &Lab) -> String {
    network_of(&lab.name)
}

/// The libvirt network of the lab named `lab`.
pub fn network_of(lab: &str) -> String {
    format!("lab-{lab}")
}

/// The host's address on the private network (VirtualBox's host-only
/// adapter has the first one too): inside lab's namespace, never the host's.
pub fn host_address(lab: &Lab) -> Result<Ipv4Addr> {
    let net = lab.network.private;
    let host = nth_host(net, 1);
    if let Some(n) = lab.nodes.iter().find(|n| n.ip == host) {
        return Err(LabError::Usage(format!(
            "node {} has {host}, the first address of network.private {net}, which libvirt's network needs for itself; give the nodes other addresses",
            n.name
        )));
    }
    Ok(host)
}

/// QEMU's `-netdev` value for the NAT NIC: the lab's `network.nat` with
/// VirtualBox's addresses in it (gateway .2, DNS .3, the guest .15), and no
/// IPv6 (VirtualBox's NAT has none; QEMU's would announce a router).
pub fn nat_netdev(lab: &Lab) -> Result<String> {
    let net = lab.network.nat;
    if net.prefix_len() > 27 {
        return Err(LabError::Usage(format!(
            "network.nat {net} is too small for a NAT like VirtualBox's (the guest is .15): use a /27 or larger"
        )));
    }
    Ok(format!(
        "user,id={NAT_NETDEV},ipv6=off,net={net},host={},dns={},dhcpstart={}",
        lab.network.nat_gateway(),
        nth_host(net, 3),
        lab.network.nat_ip()
    ))
}

/// The PCI slot of the NAT NIC. QEMU reads `qemuargs` before libvirt's
/// own devices, which libvirt numbers from slot 2 up: without a slot of its
/// own the NIC takes slot 2 and the disk cannot start (measured). Slot 30
/// is far above what libvirt gives a lab's machine.
pub const NAT_PCI_SLOT: &str = "0x1e";

/// QEMU's `-device` value for the NAT NIC.
pub fn nat_device(macs: &NodeMacs) -> String {
    format!(
        "virtio-net-pci,netdev={NAT_NETDEV},mac={},addr={NAT_PCI_SLOT}",
        macs.nat
    )
}

/// The kernel command line for lab's box: its own, and the lab's NIC names
/// pinned to the node's MACs.
pub fn cmd_line(lab: &Lab, macs: &NodeMacs) -> String {
    format!(
        "{} ifname={}:{} ifname={}:{}",
        super::box_build::CMD_LINE,
        lab.interfaces.nat,
        macs.nat,
        lab.interfaces.private,
        macs.private
    )
}

/// The libvirt network `lab` defines before `vagrant up`: isolated (no
/// `<forward>`: no NAT, and libvirt's dnsmasq offers no router), no DNS
/// (the NAT NIC has the node's DNS), and a DHCP reservation for each node.
pub fn network_xml(lab: &Lab) -> Result<String> {
    let host = host_address(lab)?;
    let mut hosts = String::new();
    for (i, n) in lab.nodes.iter().enumerate() {
        let m = macs(lab, i)?;
        hosts.push_str(&format!(
            "      <host mac='{}' name='{}' ip='{}'/>\n",
            m.private, n.name, n.ip
        ));
    }
    Ok(format!(
        "<network>\n  <name>{name}</name>\n  <bridge stp='off' delay='0'/>\n  <dns enable='no'/>\n  <ip address='{host}' netmask='{mask}'>\n    <dhcp>\n{hosts}    </dhcp>\n  </ip>\n</network>\n",
        name = network_name(lab),
        mask = lab.network.private.netmask(),
    ))
}

/// The lab's NIC names, as a step's title says them.
pub fn names(lab: &Lab) -> String {
    format!("{} and {}", lab.interfaces.nat, lab.interfaces.private)
}

/// systemd `.link` files pinning the lab's NIC names to a node's MACs, for a
/// box that does not take them from the kernel command line.
pub fn link_files(lab: &Lab, macs: &NodeMacs) -> Vec<(String, String)> {
    [
        (&lab.interfaces.nat, &macs.nat),
        (&lab.interfaces.private, &macs.private),
    ]
    .into_iter()
    .map(|(name, mac)| {
        (
            format!("10-lab-{name}.link"),
            format!("[Match]\nMACAddress={mac}\n\n[Link]\nName={name}\n"),
        )
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chapter4() -> Lab {
        crate::spec::load("chapter4", crate::spec::LoadOptions { workers: Some(2) }).unwrap()
    }

    #[test]
    fn macs_say_node_and_nic_and_differ_between_labs() {
        let lab = chapter4();
        let m = macs(&lab, 2).unwrap();
        assert!(m.nat.starts_with("52:54:00:") && m.nat.ends_with(":02:03"));
        assert!(m.private.ends_with(":02:08"));
        let mut other = lab.clone();
        other.name = "chapter5".into();
        assert_ne!(macs(&other, 2).unwrap(), m);
        assert!(macs(&lab, 256).is_err());
    }

    #[test]
    fn the_nat_is_virtualboxs() {
        let lab = chapter4();
        assert_eq!(
            nat_netdev(&lab).unwrap(),
            "user,id=labnat,ipv6=off,net=10.0.2.0/24,host=10.0.2.2,dns=10.0.2.3,dhcpstart=10.0.2.15"
        );
        let mut small = lab.clone();
        small.network.nat = "10.0.2.0/28".parse().unwrap();
        assert!(nat_netdev(&small).is_err());
    }

    #[test]
    fn names_are_pinned_on_the_kernel_command_line() {
        let lab = chapter4();
        let m = macs(&lab, 0).unwrap();
        let c = cmd_line(&lab, &m);
        assert!(c.starts_with(super::super::box_build::CMD_LINE));
        assert!(c.ends_with(&format!(
            " ifname=enp0s3:{} ifname=enp0s8:{}",
            m.nat, m.private
        )));
        let links = link_files(&lab, &m);
        assert_eq!(links[1].0, "10-lab-enp0s8.link");
        assert!(links[1].1.contains(&format!("MACAddress={}\n", m.private)));
        assert!(links[1].1.contains("Name=enp0s8\n"));
    }

    #[test]
    fn the_private_network_reserves_each_nodes_address() {
        let lab = chapter4();
        let xml = network_xml(&lab).unwrap();
        assert!(xml.contains("<name>lab-chapter4</name>"));
        assert!(!xml.contains("<forward"), "isolated: no NAT, no router");
        assert!(xml.contains("<ip address='10.100.198.1' netmask='255.255.255.0'>"));
        for (i, n) in lab.nodes.iter().enumerate() {
            let m = macs(&lab, i).unwrap();
            assert!(xml.contains(&format!(
                "<host mac='{}' name='{}' ip='{}'/>",
                m.private, n.name, n.ip
            )));
        }
        let mut clash = lab.clone();
        clash.nodes[1].ip = "10.100.198.1".parse().unwrap();
        let e = network_xml(&clash).unwrap_err().to_string();
        assert!(e.contains("node node1 has 10.100.198.1"), "{e}");
    }
}
