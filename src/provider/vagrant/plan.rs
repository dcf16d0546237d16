//! The vagrant provider's bring-up as data: the steps of `up` and of
//! `apply`, each with its title and deadline, from the lab definition:
//! Vagrant's own steps, then the cluster's ([`crate::cluster`]).

use super::ctx::{VagrantCtx, planned};
use super::steps::*;
use crate::bringup::Planned;
use crate::cluster::{Action, JoinWorkers, KubeadmInit, Manifest, Poll, WaitNodesReady, WaitPods};
use crate::error::Result;
use crate::spec::Lab;
use std::path::Path;
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
    plan.push(planned(
        format!("kubeadm init on {cp}"),
        15 * MIN,
        KubeadmInit::default(),
    ));
    plan.push(planned(
        format!(
            "copy admin.conf to .lab/{}/admin.conf and {cp}'s ~/.kube/config",
            lab.name
        ),
        MIN,
        FetchAdminConf,
    ));
    if !workers.is_empty() {
        plan.push(planned(
            format!("kubeadm join {}", workers.join(", ")),
            15 * MIN,
            JoinWorkers { nodes: workers },
        ));
    }
    plan.extend(network_and_workloads(lab, v));
    Ok(plan)
}

/// Apply the variant's network, wait for it and the nodes, deploy the
/// workloads and wait for them: the end of `up` and of `apply`.
fn network_and_workloads(lab: &Lab, v: &crate::spec::Variant) -> Vec<Planned<VagrantCtx>> {
    let poll = Poll::every_5s_for(9 * MIN);
    let mut plan = vec![
        planned(
            format!("apply network {} ({})", v.name, file_name(&v.manifest)),
            5 * MIN,
            Manifest {
                action: Action::Apply,
                file: v.manifest.clone(),
            },
        ),
        planned(
            format!("wait for {} on every node", v.cni.plugin().name()),
            10 * MIN,
            WaitPods::cni(lab, v, poll),
        ),
        planned(
            "wait for nodes Ready",
            10 * MIN,
            WaitNodesReady {
                nodes: lab.nodes.iter().map(|n| n.name.clone()).collect(),
                poll,
            },
        ),
    ];
    for f in &lab.workload_files {
        plan.push(planned(
            format!("deploy {}", file_name(f)),
            5 * MIN,
            Manifest {
                action: Action::Apply,
                file: f.clone(),
            },
        ));
    }
    for w in &lab.workloads {
        plan.push(planned(
            format!("wait for {} pod(s) app={}", w.replicas, w.app),
            10 * MIN,
            WaitPods::workload(w, poll),
        ));
    }
    plan
}

/// The steps of `apply`: as the chapter does it, workloads and the old
/// network deleted, the new network applied, workloads deployed again.
pub fn apply_plan(lab: &Lab, from: &str, to: &str) -> Result<Vec<Planned<VagrantCtx>>> {
    let old = lab.variant(from)?;
    let new = lab.variant(to)?;
    let mut plan = Vec::new();
    for f in &lab.workload_files {
        plan.push(planned(
            format!("delete {}", file_name(f)),
            5 * MIN,
            Manifest {
                action: Action::Delete,
                file: f.clone(),
            },
        ));
    }
    plan.push(planned(
        format!("delete network {} ({})", old.name, file_name(&old.manifest)),
        5 * MIN,
        Manifest {
            action: Action::Delete,
            file: old.manifest.clone(),
        },
    ));
    plan.extend(network_and_workloads(lab, new));
    Ok(plan)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
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
