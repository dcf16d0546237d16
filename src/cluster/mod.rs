//! A Kubernetes cluster made by kubeadm on a lab's nodes, as steps that
//! know nothing of the provider (kind's create actions, which run over any
//! node's exec): `kubeadm init` on the control plane with the lab's
//! advertise address and pod network, the join command read from it,
//! `kubeadm join` on every worker, the variant's manifests applied, and
//! waits (nodes Ready, the CNI's pods, the workloads) that poll with a
//! deadline. Every command goes through a [`Session`] to a node; kubectl is
//! the control plane's own, with the admin kubeconfig kubeadm writes.
//!
//! A provider whose nodes have kubeadm installed (vagrant today) puts these
//! steps in its plan: its bring-up context implements [`ClusterCtx`] (the
//! lab, the session, whether node commands need `sudo`) and the steps run
//! over it unchanged. What is the provider's own (machines, boxes, SSH
//! configs, where admin.conf is kept on the host) stays in its folder.

pub mod init;
pub mod join;
pub mod manifests;
pub mod objects;
pub mod plan;
pub mod poll;
pub mod ports;
pub mod wait;

#[cfg(test)]
mod fixture;

use crate::error::Result;
use crate::report::Reporter;
use crate::session::Session;
use crate::spec::Lab;
use std::sync::Arc;

pub use init::{JoinCommand, KubeadmInit};
pub use join::JoinWorkers;
pub use manifests::{Action, Manifest};
pub use poll::Poll;
pub use wait::{WaitNodesReady, WaitPods};

/// A pod `kubeadm init` or `join` starts in `kube-system` besides the pod
/// network's, and the labels it carries (kubeadm's static pod manifests
/// label each `component=NAME, tier=control-plane`; its CoreDNS Deployment
/// `k8s-app=kube-dns`; its kube-proxy DaemonSet `k8s-app=kube-proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KubeadmPod {
    /// Its name as kubectl lists it: `CP` is the control plane's node
    /// name; `*` a hash kubectl adds.
    pub name: &'static str,
    pub labels: &'static [(&'static str, &'static str)],
}

/// The control plane's static pods' labels (`NAME` is the component).
macro_rules! static_pod {
    ($name:literal, $component:literal) => {
        KubeadmPod {
            name: $name,
            labels: &[("component", $component), ("tier", "control-plane")],
        }
    };
}

/// The pods `kubeadm init` and `join` start in `kube-system` besides the
/// pod network's: the control plane's static pods (`NAME-NODE`, on the
/// control plane), kube-proxy on every node, CoreDNS. A listing of
/// `kube-system` without a selector, or with one that matches their
/// labels, shows them on a kubeadm cluster. The one place that knows them.
pub const KUBEADM_SYSTEM_PODS: &[KubeadmPod] = &[
    KubeadmPod {
        name: "coredns-*",
        labels: &[("k8s-app", "kube-dns")],
    },
    static_pod!("etcd-CP", "etcd"),
    static_pod!("kube-apiserver-CP", "kube-apiserver"),
    static_pod!("kube-controller-manager-CP", "kube-controller-manager"),
    KubeadmPod {
        name: "kube-proxy-* (one a node)",
        labels: &[("k8s-app", "kube-proxy")],
    },
    static_pod!("kube-scheduler-CP", "kube-scheduler"),
];

impl KubeadmPod {
    /// Whether a `-l KEY=VALUE` selector selects this pod.
    pub fn selected_by(&self, key: &str, value: &str) -> bool {
        self.labels.iter().any(|(k, v)| *k == key && *v == value)
    }

    /// Its name on a cluster whose control plane is `cp`.
    pub fn named_on(&self, cp: &str) -> String {
        self.name.replace("CP", cp)
    }
}

/// Where kubeadm writes the cluster's admin kubeconfig on the control plane.
pub const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

/// How a command on a node runs as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// Node commands run as root already (a container, a namespace).
    Already,
    /// Node commands run as a user allowed to `sudo` (a VM's login user).
    Sudo,
}

impl Root {
    /// From a provider's word on whether its node commands run as root.
    pub fn of(node_is_root: bool) -> Root {
        if node_is_root {
            Root::Already
        } else {
            Root::Sudo
        }
    }

    /// The shell command line `line` as root.
    pub fn line(self, line: &str) -> String {
        match self {
            Root::Already => line.to_string(),
            Root::Sudo => format!("sudo {line}"),
        }
    }
}

/// kubectl on the control plane as the cluster's admin (as kind runs it:
/// the node's kubectl with kubeadm's admin kubeconfig).
pub fn kubectl(root: Root) -> String {
    root.line(&format!("kubectl --kubeconfig {ADMIN_CONF}"))
}

/// What the cluster steps need of a provider's bring-up context.
pub trait ClusterCtx: Send {
    /// The resolved lab definition.
    fn lab(&self) -> &Lab;
    /// Where progress goes.
    fn reporter(&self) -> &Reporter;
    /// How node commands run as root.
    fn root(&self) -> Root;
    /// The session to the lab's nodes (the provider opens it when first asked).
    fn session(&mut self) -> Result<Arc<dyn Session>>;
    /// The join command `kubeadm init` left for the workers.
    fn join_command(&mut self) -> &mut Option<JoinCommand>;
}

/// A node command that failed, as a typed error carrying what it said on
/// stderr (its stdout when stderr is empty), the last 40 lines.
pub fn command_failed(node: &str, line: &str, out: &crate::session::Output) -> crate::LabError {
    let said = if out.stderr.trim().is_empty() {
        &out.stdout
    } else {
        &out.stderr
    };
    crate::LabError::Command {
        command: format!("{line} (on {node})"),
        status: out
            .code
            .map(|c| format!("exit status: {c}"))
            .unwrap_or_else(|| "killed by a signal".into()),
        output: crate::ssh::tail(said, 40),
    }
}
