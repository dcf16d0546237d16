//! The one way `lab` runs a command on a node of a lab (kind's `exec.Cmder`):
//! "run this shell command line on node X, with this input, and give me its
//! output". Checks, diagnostics and evidence all go through a [`Session`]
//! that the provider hands out ([`crate::provider::Provider::session`]):
//! over SSH for VMs ([`crate::ssh::Pool`]), by entering the node's
//! namespaces directly for netns (`provider::netns::session`). A pod is
//! entered from its node with the provider's `exec_prefix` unless the
//! session can enter it directly.
//!
//! An `Err` always means "could not ask" (the node could not be reached or
//! entered, the deadline passed), never a command's answer: the verify
//! engine must not mistake it for "unreachable".

use crate::error::{LabError, Result};
use crate::provider::PodRef;
use crate::verify::probe::{entered_pod, in_pod};
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

    /// Run `command` inside `pod` (its network). By default from the pod's
    /// node, through the provider's `exec_prefix`, with a marker that tells
    /// "entered the pod" from "could not".
    async fn pod_output(&self, pod: &PodRef, command: &str) -> Result<Output> {
        let mut out = self
            .output(&pod.exec_node, &in_pod(&pod.exec_prefix, command), None)
            .await?;
        match entered_pod(&out.stdout) {
            Some(rest) => {
                out.stdout = rest;
                Ok(out)
            }
            None => Err(LabError::Step {
                step: "enter pod".into(),
                message: format!("could not enter pod {}: {}", pod.name, out.text().trim()),
            }),
        }
    }

    /// Release what the session holds (SSH masters); idempotent.
    async fn close(&self);
}

#[async_trait]
impl Session for crate::ssh::Pool {
    async fn output(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output> {
        crate::ssh::Pool::output(self, node, command, stdin).await
    }

    async fn close(&self) {
        crate::ssh::Pool::close(self).await
    }
}
