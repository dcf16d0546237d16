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
//!
//! The types a session speaks ([`Output`], [`PodRef`]) are defined here, so
//! that the session layer imports nothing above it; `ssh` and `provider`
//! re-export them.

#[cfg(test)]
pub mod fake;

use crate::error::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The output of a remote command.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; `None` when the command was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// From a finished process's exit code and raw output.
    pub fn new(code: Option<i32>, stdout: &[u8], stderr: &[u8]) -> Output {
        Output {
            code,
            stdout: String::from_utf8_lossy(stdout).into_owned(),
            stderr: String::from_utf8_lossy(stderr).into_owned(),
        }
    }

    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout and stderr together, for reports and messages.
    pub fn text(&self) -> String {
        let mut t = self.stdout.clone();
        if !self.stderr.trim().is_empty() {
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t.push_str(&self.stderr);
        }
        t
    }
}

/// A running pod, as the checks see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodRef {
    pub name: String,
    pub app: String,
    pub node: String,
    pub ip: Ipv4Addr,
    pub port: u16,
    /// Its Kubernetes namespace (how the session finds it on vagrant).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "default".into()
}
/// The most of one stream of a node's command output `lab` keeps, on every
/// provider: a command that prints more (`cat /dev/zero`) is stopped and
/// its result is an error that says the output was cut, never a verdict on
/// part of it.
pub const MAX_OUTPUT_BYTES: usize = 8 << 20;
pub const MAX_OUTPUT_LINES: usize = 200_000;

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

    /// Like [`Session::pod_output`] for a command that needs only the pod's
    /// network (a sweep's `fping`), which a session may run more cheaply.
    /// By default the same as `pod_output`.
    async fn pod_output_net(&self, pod: &PodRef, command: &str) -> Result<Output> {
        self.pod_output(pod, command).await
    }

    /// Run `kubectl` with `args` against the lab's cluster, as its admin.
    async fn kubectl(&self, args: &[&str]) -> Result<Output>;

    /// Whether the lab has a Kubernetes API; if not, why (shown as the
    /// reason Kubernetes-level checks are skipped).
    fn kubernetes(&self) -> std::result::Result<(), String>;

    /// Release what the session holds (SSH masters); idempotent.
    async fn close(&self);
}
