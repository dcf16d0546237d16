//! The one way `lab` runs a command on a node of a lab (kind's `exec.Cmder`):
//! "run this shell command line on node X (or in pod Y, or kubectl against
//! the cluster), with this input, and give me its output". Checks,
//! diagnostics and evidence all go through a [`Session`] that the provider
//! hands out ([`crate::provider::Provider::session`]): over SSH for VMs
//! (`provider::vagrant::session`), by entering the node's namespaces
//! directly for netns (`provider::netns::session`). How a pod is entered and
//! how kubectl is run is the session's business: no caller builds a command
//! prefix. [`fake::FakeSession`] answers from a script, for unit tests of
//! verify, probes and diagnostics without root.
//!
//! An `Err` always means "could not ask" (the node could not be reached or
//! entered, the deadline passed), never a command's answer: the verify
//! engine must not mistake it for "unreachable".

#[cfg(test)]
pub mod fake;
pub mod shared;

use crate::error::Result;
use crate::provider::PodRef;
use async_trait::async_trait;

pub use crate::ssh::Output;

#[async_trait]
pub trait Session: Send + Sync {
    /// Run the shell command line `command` on `node` with `stdin` as its
    /// input and return its output, whatever its exit code.
    async fn output(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output>;

    /// Like [`Session::output`] for a command that needs only the node's
    /// network (a probe: ping, fping, curl, `ip route get`), which a session
    /// may run more cheaply. By default the same as `output`.
    async fn output_net(&self, node: &str, command: &str) -> Result<Output> {
        self.output(node, command, None).await
    }

    /// Run the shell command line `command` inside `pod` (its network, with
    /// the tools of its node: the workload's image need not have ping).
    async fn pod_output(&self, pod: &PodRef, command: &str) -> Result<Output>;

    /// Run `kubectl` with `args` against the lab's cluster, as its admin.
    async fn kubectl(&self, args: &[&str]) -> Result<Output>;

    /// Whether the lab has a Kubernetes API; if not, why (shown as the
    /// reason Kubernetes-level checks are skipped).
    fn kubernetes(&self) -> std::result::Result<(), String>;

    /// Release what the session holds (SSH masters); idempotent.
    async fn close(&self);
}
