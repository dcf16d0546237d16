//! Flannel's registry entry and what the lab holds a flannel manifest to:
//! its `Network` is the lab's pod network (kubeadm's `--pod-network-cidr`),
//! its backend the one reproduced (vxlan), its `--iface` names valid.

use super::NAME;
use super::config::{self, FlannelConfig};
use crate::cni::CniConfig;
use crate::cni::registry::{Entry, LabFacts, Reading};
use serde_norway::Value;

pub static ENTRY: Entry = Entry {
    name: NAME,
    recognizes,
    read,
};

/// A ConfigMap with `net-conf.json`: flannel's network configuration.
fn recognizes(docs: &[Value]) -> bool {
    docs.iter().any(|d| {
        d.get("kind").and_then(Value::as_str) == Some("ConfigMap")
            && d.get("data").and_then(|x| x.get("net-conf.json")).is_some()
    })
}

fn read(docs: &[Value], facts: &LabFacts) -> Reading {
    let flannel = config::read(docs)?;
    let problems = check(&flannel, facts);
    Ok((CniConfig::new(flannel), problems))
}

/// What is wrong with `flannel` for this lab, each a sentence.
pub fn check(flannel: &FlannelConfig, facts: &LabFacts) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(p) = facts.pods
        && flannel.network != p
    {
        problems.push(format!(
            "flannel's Network {} differs from network.pods {p} (kubeadm --pod-network-cidr)",
            flannel.network
        ));
    }
    if flannel.backend != "vxlan" {
        problems.push(format!(
            "flannel backend '{}' is not reproduced; use vxlan",
            flannel.backend
        ));
    }
    for i in &flannel.iface {
        if !crate::shell::is_ifname(i) {
            problems.push(format!("--iface={i} is not a valid interface name"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_that_differs_from_the_lab_is_refused() {
        let facts = LabFacts {
            pods: Some("10.244.0.0/16".parse().unwrap()),
        };
        let ok = FlannelConfig::vxlan("10.244.0.0/16".parse().unwrap());
        assert!(check(&ok, &facts).is_empty());
        let mut bad = FlannelConfig::vxlan("10.245.0.0/16".parse().unwrap());
        bad.backend = "host-gw".into();
        bad.iface = vec!["eth0;reboot".into()];
        assert_eq!(
            check(&bad, &facts),
            [
                "flannel's Network 10.245.0.0/16 differs from network.pods 10.244.0.0/16 (kubeadm --pod-network-cidr)",
                "flannel backend 'host-gw' is not reproduced; use vxlan",
                "--iface=eth0;reboot is not a valid interface name",
            ]
        );
    }
}
