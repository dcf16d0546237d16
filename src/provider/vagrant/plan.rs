//! The vagrant provider's bring-up as data: the steps of `up` and of
//! `apply`, each with its title and deadline, from the lab definition:
//! Vagrant's own steps, then the cluster's ([`crate::cluster`]).

use super::ctx::{VagrantCtx, planned};
use super::steps::*;
use crate::bringup::Planned;
use crate::cluster::plan::{self as cluster, Timed};
use crate::error::Result;
use crate::spec::Lab;
use std::time::Duration;

pub(super) const MIN: Duration = Duration::from_secs(60);

/// The steps of `up`, from the lab as data.
pub fn up_plan(lab: &Lab, variant: &str) -> Result<Vec<Planned<VagrantCtx>>> {
    let v = lab.variant(variant)?;
    let cp = lab.control_plane().name.clone();
    let workers: Vec<String> = lab.workers().map(|n| n.name.clone()).collect();
    let all: Vec<String> = lab.nodes.iter().map(|n| n.name.clone()).collect();
    let mut plan = vec![
        planned(format!("write .lab/{}", lab.name), MIN, WriteFiles),
        // The first `up` may download the box.
        planned(
            format!("vagrant up {cp}"),
            30 * MIN,
            VagrantUp {
                machines: vec![cp.clone()],
            },
        ),
    ];
    if !workers.is_empty() {
        let limit = MIN * (15 + 10 * workers.len() as u32);
        plan.push(planned(
            format!("vagrant up {}", workers.join(" ")),
            limit,
            VagrantUp {
                machines: workers.clone(),
            },
        ));
    }
    plan.push(planned("read vagrant ssh-config", 3 * MIN, WriteSshConfig));
    plan.push(planned(
        format!("install containerd and kubeadm on {}", all.join(", ")),
        30 * MIN,
        Provision {
            script: "common",
            nodes: all,
        },
    ));
    plan.extend(with_deadlines(cluster::init(lab)));
    plan.push(planned(
        format!(
            "copy admin.conf to .lab/{}/admin.conf and {cp}'s ~/.kube/config",
            lab.name
        ),
        MIN,
        FetchAdminConf,
    ));
    plan.extend(with_deadlines(cluster::join(lab)));
    plan.extend(with_deadlines(cluster::network_and_workloads(lab, v)));
    Ok(plan)
}

/// The cluster's steps, each with its deadline.
fn with_deadlines(steps: Vec<Timed<VagrantCtx>>) -> impl Iterator<Item = Planned<VagrantCtx>> {
    steps.into_iter().map(|t| planned(t.title, t.limit, t.step))
}

/// The steps of `apply`: the cluster's variant switch.
pub fn apply_plan(lab: &Lab, from: &str, to: &str) -> Result<Vec<Planned<VagrantCtx>>> {
    Ok(with_deadlines(cluster::switch(lab, from, to)?).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(plan: &[Planned<VagrantCtx>]) -> Vec<&str> {
        plan.iter().map(|p| p.title.as_str()).collect()
    }

    #[test]
    fn plans_follow_the_lab() {
        let lab =
            crate::spec::load("chapter4", crate::spec::LoadOptions { workers: Some(2) }).unwrap();
        assert_eq!(
            titles(&up_plan(&lab, "broken").unwrap()),
            [
                "write .lab/chapter4",
                "vagrant up master",
                "vagrant up node1 node2",
                "read vagrant ssh-config",
                "install containerd and kubeadm on master, node1, node2",
                "kubeadm init on master",
                "copy admin.conf to .lab/chapter4/admin.conf and master's ~/.kube/config",
                "kubeadm join node1, node2",
                "apply network broken (flannel.yml)",
                "wait for flannel on every node",
                "wait for nodes Ready",
                "deploy nginx-deployment.yaml",
                "wait for 2 pod(s) app=nginx",
            ]
        );
        assert_eq!(
            titles(&apply_plan(&lab, "broken", "fixed").unwrap()),
            [
                "delete nginx-deployment.yaml",
                "delete network broken (flannel.yml)",
                "apply network fixed (flannel_fix.yml)",
                "wait for flannel on every node",
                "wait for nodes Ready",
                "deploy nginx-deployment.yaml",
                "wait for 2 pod(s) app=nginx",
            ]
        );
        assert!(up_plan(&lab, "nope").is_err());
    }
}
