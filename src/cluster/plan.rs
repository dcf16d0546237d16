//! The cluster's part of a bring-up as data, for any provider whose nodes
//! have kubeadm: each step with its title and deadline. A provider puts
//! these in its own plan (after its machines exist and have the packages)
//! and wraps each with its deadline; vagrant adds its own step between
//! `init` and `join` (admin.conf copied to the host).

use super::{
    Action, ClusterCtx, JoinWorkers, KubeadmInit, Manifest, Poll, WaitNodesReady, WaitPods,
};
use crate::bringup::Step;
use crate::error::Result;
use crate::spec::{Lab, Variant};
use std::path::Path;
use std::time::Duration;

const MIN: Duration = Duration::from_secs(60);

/// A step of the cluster with its title and the deadline it is given.
pub struct Timed<C> {
    pub title: String,
    pub limit: Duration,
    pub step: Box<dyn Step<C>>,
}

fn timed<C: ClusterCtx + 'static>(
    title: impl Into<String>,
    limit: Duration,
    step: impl Step<C> + 'static,
) -> Timed<C> {
    Timed {
        title: title.into(),
        limit,
        step: Box::new(step),
    }
}

/// kubeadm init on the control plane.
pub fn init<C: ClusterCtx + 'static>(lab: &Lab) -> Vec<Timed<C>> {
    let cp = &lab.control_plane().name;
    vec![timed(
        format!("kubeadm init on {cp}"),
        15 * MIN,
        KubeadmInit::default(),
    )]
}

/// kubeadm join on every worker (none without workers).
pub fn join<C: ClusterCtx + 'static>(lab: &Lab) -> Vec<Timed<C>> {
    let workers: Vec<String> = lab.workers().map(|n| n.name.clone()).collect();
    if workers.is_empty() {
        return vec![];
    }
    vec![timed(
        format!("kubeadm join {}", workers.join(", ")),
        15 * MIN,
        JoinWorkers { nodes: workers },
    )]
}

/// Apply the variant's network, wait for its pods and the nodes, deploy
/// the workloads and wait for them: the end of `up` and of `apply`.
pub fn network_and_workloads<C: ClusterCtx + 'static>(lab: &Lab, v: &Variant) -> Vec<Timed<C>> {
    let poll = Poll::every_5s_for(9 * MIN);
    let mut plan = vec![
        timed(
            format!("apply network {} ({})", v.name, file_name(&v.manifest)),
            5 * MIN,
            Manifest {
                action: Action::Apply,
                file: v.manifest.clone(),
            },
        ),
        timed(
            format!("wait for {} on every node", v.cni.plugin().name()),
            10 * MIN,
            WaitPods::cni(lab, v, poll),
        ),
        timed(
            "wait for nodes Ready",
            10 * MIN,
            WaitNodesReady {
                nodes: lab.nodes.iter().map(|n| n.name.clone()).collect(),
                poll,
            },
        ),
    ];
    for f in &lab.workload_files {
        plan.push(timed(
            format!("deploy {}", file_name(f)),
            5 * MIN,
            Manifest {
                action: Action::Apply,
                file: f.clone(),
            },
        ));
    }
    for w in &lab.workloads {
        plan.push(timed(
            format!("wait for {} pod(s) app={}", w.replicas, w.app),
            10 * MIN,
            WaitPods::workload(w, poll),
        ));
    }
    plan
}

/// The whole cluster on machines that have kubeadm: init, join, the
/// variant's network and the workloads.
pub fn create<C: ClusterCtx + 'static>(lab: &Lab, variant: &str) -> Result<Vec<Timed<C>>> {
    let v = lab.variant(variant)?;
    let mut plan = init(lab);
    plan.extend(join(lab));
    plan.extend(network_and_workloads(lab, v));
    Ok(plan)
}

/// A variant switch, as the chapter does it: workloads and the old
/// network deleted, the new network applied, workloads deployed again.
pub fn switch<C: ClusterCtx + 'static>(lab: &Lab, from: &str, to: &str) -> Result<Vec<Timed<C>>> {
    let old = lab.variant(from)?;
    let new = lab.variant(to)?;
    let mut plan = Vec::new();
    for f in &lab.workload_files {
        plan.push(timed(
            format!("delete {}", file_name(f)),
            5 * MIN,
            Manifest {
                action: Action::Delete,
                file: f.clone(),
            },
        ));
    }
    plan.push(timed(
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
mod tests;
