//! The steps `up` adds on libvirt: lab's libvirtd started in its namespace,
//! the lab's network defined before any machine (see [`super::guest_net`]),
//! and, for a box other than lab's own, the NIC names written once SSH works.

use super::box_build::BOX_NAME;
use super::ctx::{VagrantCtx, planned};
use super::guest_net;
use super::libvirt_ns;
use super::steps::{DefineNetwork, PinNicNames, StartLibvirt};
use crate::bringup::Planned;
use crate::spec::Lab;
use std::time::Duration;

const MIN: Duration = Duration::from_secs(60);

/// The title of the step after which the NIC names are written.
const AFTER_SSH: &str = "read vagrant ssh-config";

/// Add the libvirt steps to `up`'s plan (which starts with writing the
/// lab's folder).
pub fn add(lab: &Lab, plan: &mut Vec<Planned<VagrantCtx>>) {
    plan.insert(
        1,
        planned(
            format!("start libvirt in namespace {}", libvirt_ns::NETNS),
            MIN,
            StartLibvirt,
        ),
    );
    plan.insert(
        2,
        planned(
            format!("define libvirt network {}", guest_net::network_name(lab)),
            MIN,
            DefineNetwork,
        ),
    );
    if lab.box_name != BOX_NAME
        && let Some(i) = plan.iter().position(|p| p.title == AFTER_SSH)
    {
        plan.insert(
            i + 1,
            planned(
                format!("pin NIC names {}", guest_net::names(lab)),
                5 * MIN,
                PinNicNames,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(lab: &Lab) -> Vec<String> {
        let mut plan = super::super::up_plan(lab, "broken").unwrap();
        add(lab, &mut plan);
        plan.iter().map(|p| p.title.clone()).collect()
    }

    #[test]
    fn the_network_comes_before_any_machine() {
        let mut lab =
            crate::spec::load("chapter4", crate::spec::LoadOptions { workers: Some(2) }).unwrap();
        lab.box_name = BOX_NAME.into();
        let t = titles(&lab);
        assert_eq!(
            t[..4],
            [
                "write .lab/chapter4",
                "start libvirt in namespace lab-libvirt",
                "define libvirt network lab-chapter4",
                "vagrant up master",
            ]
        );
        assert!(!t.iter().any(|t| t.starts_with("pin NIC names")));
        lab.box_name = "debian/bookworm64".into();
        let t = titles(&lab);
        let at = t.iter().position(|t| t == AFTER_SSH).unwrap();
        assert_eq!(t[at + 1], "pin NIC names enp0s3 and enp0s8");
    }
}
