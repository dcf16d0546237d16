//! The one way `lab` runs a command on a node of a lab (kind's `exec.Cmder`):
//! "run this shell command line on node X, with this input, and give me its
//! output". Checks, diagnostics and evidence all go through a [`Session`]
//! that the provider hands out ([`crate::provider::Provider::session`]):
//! over SSH for VMs ([`crate::ssh::Pool`]), by entering the node's
//! namespaces directly for netns (`provider::netns::session`). Pods are
//! reached from their node with the provider's `exec_prefix`.
//!
//! An `Err` always means "could not ask" (the node could not be reached or
//! entered, the deadline passed), never a command's answer: the verify
//! engine must not mistake it for "unreachable".

use crate::error::Result;
use async_trait::async_trait;

pub use crate::ssh::Output;

#[async_trait]
pub trait Session: Send + Sync {
    /// Run the shell command line `command` on `node` with `stdin` as its
    /// input and return its output, whatever its exit code.
    async fn output(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output>;

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
