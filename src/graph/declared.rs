//! The topology a lab file declares, for `lab graph` without a live lab:
//! each node's NAT and private NICs, its bridge and VXLAN device, its pods
//! where the scheduler would place them, and the VTEP flannel would choose
//! by its interface flags (none: the interface of the default route, the
//! NAT one, as in the chapter's broken variant). Nothing is asked of a
//! machine; the result says `source: declared`.

use super::{Chosen, Nic, NodeView, PodView, RouteView, Topology};
use crate::error::Result;
use crate::spec::{Lab, nth_host};

/// The topology of `lab` running `variant`, as its file predicts it.
pub fn topology(lab: &Lab, variant: &str) -> Result<Topology> {
    let v = lab.variant(variant)?;
    let cni = v.cni.plugin();
    let flannel = v.cni.flannel();
    let nat_ip = nth_host(lab.network.nat, 15);
    let nodes = lab
        .nodes
        .iter()
        .map(|n| {
            let nat = (lab.interfaces.nat.clone(), nat_ip.to_string());
            let private = (lab.interfaces.private.clone(), n.ip.to_string());
            let chosen = flannel
                .map(|f| choose(f, &nat, &private))
                .unwrap_or_else(|| nat.clone());
            let sub = n.pod_subnet;
            NodeView {
                name: n.name.clone(),
                role: n.role.as_str().to_string(),
                nics: vec![
                    Nic {
                        name: nat.0.clone(),
                        kind: "ethernet".into(),
                        addresses: vec![format!("{nat_ip}/{}", lab.network.nat.prefix_len())],
                    },
                    Nic {
                        name: private.0.clone(),
                        kind: "ethernet".into(),
                        addresses: vec![format!("{}/{}", n.ip, lab.network.private.prefix_len())],
                    },
                    Nic {
                        name: cni.overlay_device(),
                        kind: "vxlan".into(),
                        addresses: vec![format!("{}/32", sub.network())],
                    },
                    Nic {
                        name: "cni0".into(),
                        kind: "bridge".into(),
                        addresses: vec![format!("{}/{}", nth_host(sub, 1), sub.prefix_len())],
                    },
                ],
                vtep: Some(chosen.1.clone()),
                cni_interface: Some(Chosen {
                    name: chosen.0,
                    address: chosen.1,
                }),
                pod_subnet: sub.to_string(),
                pods: lab
                    .placements()
                    .into_iter()
                    .filter(|p| p.node == n.name)
                    .map(|p| PodView {
                        name: p.name,
                        app: p.app,
                        ip: p.ip.to_string(),
                    })
                    .collect(),
                routes: lab
                    .nodes
                    .iter()
                    .filter(|o| o.name != n.name)
                    .map(|o| RouteView {
                        to: o.pod_subnet.to_string(),
                        via: Some(o.pod_subnet.network().to_string()),
                        dev: cni.overlay_device(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Topology::of_lab(
        lab,
        cni,
        "declared",
        None,
        variant.to_string(),
        nodes,
    ))
}

/// flanneld's choice among the node's two NICs: `--iface` names (or
/// addresses) in order, then `--iface-regex`, then `--public-ip`'s, else the
/// default route's interface (the NAT one).
fn choose(
    f: &crate::cni::flannel::FlannelConfig,
    nat: &(String, String),
    private: &(String, String),
) -> (String, String) {
    let nics = [private, nat];
    for want in &f.iface {
        if let Some(n) = nics.iter().find(|(name, ip)| name == want || ip == want) {
            return (*n).clone();
        }
    }
    for re in &f.iface_regex {
        if let Ok(r) = regex::Regex::new(re)
            && let Some(n) = nics
                .iter()
                .find(|(name, ip)| r.is_match(name) || r.is_match(ip))
        {
            return (*n).clone();
        }
    }
    if let Some(ip) = &f.public_ip
        && let Some(n) = nics.iter().find(|(_, a)| a == ip)
    {
        return (*n).clone();
    }
    nat.clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_broken_variant_puts_every_vtep_on_the_nat_address_and_the_fix_on_the_private_one() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml");
        let lab = crate::spec::load_file(&file, Default::default()).unwrap();
        let broken = super::topology(&lab, "broken").unwrap();
        let vteps: Vec<_> = broken
            .nodes
            .iter()
            .map(|n| n.vtep.clone().unwrap())
            .collect();
        assert_eq!(vteps, ["10.0.2.15"; 3]);
        assert_eq!(broken.shared_vteps(), ["10.0.2.15"]);
        assert_eq!(broken.source, "declared");
        let fixed = super::topology(&lab, "fixed").unwrap();
        let vteps: Vec<_> = fixed
            .nodes
            .iter()
            .map(|n| n.vtep.clone().unwrap())
            .collect();
        assert_eq!(
            vteps,
            ["10.100.198.200", "10.100.198.201", "10.100.198.202"]
        );
        assert!(fixed.shared_vteps().is_empty());
        assert_eq!(fixed.nodes[1].pods.len(), 1);
        assert_eq!(fixed.nodes[1].routes.len(), 2);
    }
}
