//! Where a lab runs. One lab definition, two providers behind one trait
//! (as kind's provider interface: provision, list nodes, destroy, logs):
//! - `netns`: the chapter's network on real Linux networking, the default;
//! - `vagrant`: VMs with kubeadm and flannel, the real thing.
//!
//! This file is the trait and the types it speaks; which providers exist,
//! how one is made and what each can do is [`registry`]'s.

pub mod netns;
pub mod registry;
pub mod shared;
#[cfg(test)]
pub mod stub;
pub mod vagrant;

use crate::error::Result;
use crate::report::Reporter;
use crate::spec::Lab;
use crate::state::State;
use async_trait::async_trait;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A provider's name (the state file's and `--provider`'s word): each
/// provider's entry declares its own (`Kind::Netns` in `netns/entry.rs`);
/// [`registry::PROVIDERS`] says which exist.
pub use crate::state::provider_kind::Kind;

impl Kind {
    /// What this provider can do (its registry entry's word).
    pub fn capabilities(self) -> registry::Capabilities {
        registry::entry(self).capabilities
    }
}

pub use crate::session::PodRef;

/// How the verify engine and `lab ssh` reach a lab that is up.
#[derive(Debug, Clone)]
pub struct Access {
    /// OpenSSH config with one `Host` entry per node name.
    pub ssh_config: PathBuf,
    /// The workload pods that run.
    pub pods: Vec<PodRef>,
}

/// One machine in `lab status`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    pub name: String,
    pub role: String,
    /// Provider's word for its state (`running`, `not_created`, ...).
    pub state: String,
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub nodes: Vec<NodeStatus>,
    pub pods: Vec<PodRef>,
    /// What the user should know of the lab beside its nodes and pods (a
    /// process of the lab's that no longer runs).
    pub warnings: Vec<String>,
}

/// Nodes of a running lab gone for good (see [`Provider::stopped_nodes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedNodes {
    /// Their names, as the lab names them.
    pub nodes: Vec<String>,
    /// One sentence: which were stopped, why, and what to do (`lab destroy
    /// LAB`, then `lab up`).
    pub why: String,
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> Kind;

    /// Check that this provider can run here: says why not and what to do.
    fn available(&self) -> Result<()>;

    /// Bring `lab` up with `variant`, recording state as it goes. On failure
    /// what was made stays: the caller tears it down with [`Provider::destroy`]
    /// (the same for every provider), or keeps it with `--keep`.
    async fn up(&self, lab: &Lab, variant: &str, rep: &Reporter) -> Result<State>;

    /// Switch the pod network of a running lab to `variant`, as the chapter
    /// does: workloads and network removed, new network, workloads again.
    async fn apply(
        &self,
        lab: &Lab,
        state: &mut State,
        variant: &str,
        rep: &Reporter,
    ) -> Result<()>;

    /// The nodes of the running lab gone for good (the guard of the netns
    /// provider stopped them), and what to say of them; `None` when every
    /// node is there. The one owner of that fact: `apply` refuses with it,
    /// and a check or a book line that needs such a node is an error that
    /// says it (probe21bq, lesser 3).
    fn stopped_nodes(&self, _lab: &Lab, _state: &State) -> Option<StoppedNodes> {
        None
    }

    /// `Err` (exit 3) when a node of the running lab is gone for good (see
    /// [`Provider::stopped_nodes`]): what `apply` says before a switch, and
    /// when the lab already runs the variant asked.
    fn refuse_stopped_nodes(&self, lab: &Lab, state: &State) -> Result<()> {
        match self.stopped_nodes(lab, state) {
            None => Ok(()),
            Some(s) => Err(crate::error::LabError::Step {
                step: "nodes".to_string(),
                message: s.why,
            }),
        }
    }

    /// `Err` (exit 3) when `node` of the running lab is one the guard
    /// stopped (see [`Provider::stopped_nodes`]), in the same words: what
    /// `lab ssh` says of that node, and `inspect` and `graph` of any
    /// (`refuse_stopped_nodes`), rather than "no namespace" (probe21bv,
    /// lesser).
    fn refuse_stopped_node(&self, lab: &Lab, state: &State, node: &str) -> Result<()> {
        match self.stopped_nodes(lab, state) {
            Some(s) if s.nodes.iter().any(|n| n == node) => Err(crate::error::LabError::Step {
                step: "nodes".to_string(),
                message: s.why,
            }),
            _ => Ok(()),
        }
    }

    /// `Err` (exit 2, [`crate::error::LabError::Untrusted`]) when the
    /// running lab's `state` is not backed by what this host records of it
    /// (its claim, its processes): the check every command makes before it
    /// uses a state (`access`, `apply`, `destroy`), which `apply` also
    /// makes before it says the lab already runs the variant asked
    /// (probe21bz lesser). None for a provider whose state is checked
    /// where it is read ([`for_state`]).
    fn refuse_untrusted(&self, _lab: &Lab, _state: &State) -> Result<()> {
        Ok(())
    }

    /// Remove everything of the lab `name`. Idempotent; works on a half-built
    /// lab and without state.
    async fn destroy(&self, name: &str, state: Option<&State>, rep: &Reporter) -> Result<()>;

    /// Machines and pods, for `lab status`.
    async fn status(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Status>;

    /// How checks reach the nodes and pods.
    async fn access(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Access>;

    /// The session that runs commands on the lab's nodes, in its pods and
    /// with kubectl, each with `deadline` (see [`crate::session`]).
    async fn session(
        &self,
        lab: &Lab,
        state: &State,
        access: &Access,
        deadline: Option<std::time::Duration>,
        rep: &Reporter,
    ) -> Result<Box<dyn crate::session::Session>>;

    /// Copy the provider's own logs (daemons, VMs) into `dir`.
    async fn collect_logs(
        &self,
        lab: &Lab,
        state: &State,
        dir: &Path,
        rep: &Reporter,
    ) -> Result<Vec<PathBuf>>;
}

pub use registry::{default_kind, for_state, get, make};
