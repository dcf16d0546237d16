//! The vagrant session: every command over one multiplexed SSH connection
//! per node ([`crate::ssh::Pool`]); a pod entered from its node by its
//! network namespace (see [`kube::netns_prefix`]), with a marker that tells
//! "entered the pod" from "could not"; kubectl run on the control plane
//! with the admin kubeconfig.

use super::kube;
use crate::error::{LabError, Result};
use crate::exec::quote;
use crate::provider::PodRef;
use crate::session::{Output, Session};
use crate::ssh::Pool;
use async_trait::async_trait;
use std::sync::Arc;

/// Printed first inside a pod, so that a probe that never got into its pod
/// (namespace gone, container gone) is an error, not a network verdict.
const IN_POD: &str = "LAB-IN-POD";

pub struct VagrantSession {
    pub pool: Arc<Pool>,
    /// Where kubectl runs.
    pub control_plane: String,
}

/// `cmd` run inside `pod` from its node: its network namespace entered.
pub fn in_pod(pod: &PodRef, cmd: &str) -> String {
    format!(
        "{} sh -c {}",
        kube::netns_prefix(&pod.name, &pod.namespace),
        quote(&format!("echo {IN_POD}; {cmd}"))
    )
}

/// Whether a pod-side command got into its pod; strips the marker.
pub fn entered_pod(stdout: &str) -> Option<String> {
    let mut lines = stdout.lines();
    for l in lines.by_ref() {
        if l.trim() == IN_POD {
            return Some(lines.collect::<Vec<_>>().join("\n"));
        }
    }
    None
}

#[async_trait]
impl Session for VagrantSession {
    async fn output(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output> {
        self.pool.output(node, command, stdin).await
    }

    async fn pod_output(&self, pod: &PodRef, command: &str) -> Result<Output> {
        let mut out = self
            .pool
            .output(&pod.node, &in_pod(pod, command), None)
            .await?;
        match entered_pod(&out.stdout) {
            Some(rest) => {
                out.stdout = rest;
                Ok(out)
            }
            None => Err(LabError::Enter {
                node: format!("{} (pod {})", pod.node, pod.name),
                message: out.text().trim().to_string(),
            }),
        }
    }

    async fn kubectl(&self, args: &[&str]) -> Result<Output> {
        let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
        self.pool
            .output(
                &self.control_plane,
                &format!("{} {}", kube::kubectl(), args.join(" ")),
                None,
            )
            .await
    }

    fn kubernetes(&self) -> std::result::Result<(), String> {
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_is_entered_by_its_network_namespace_with_a_marker() {
        let pod = PodRef {
            name: "nginx-deployment-6d8f-abcde".into(),
            app: "nginx".into(),
            node: "node1".into(),
            ip: "10.244.1.2".parse().unwrap(),
            port: 80,
            namespace: "default".into(),
        };
        let cmd = in_pod(&pod, "ping -c 1 1.2.3.4");
        assert!(cmd.starts_with("sudo nsenter -n -t \"$(sudo crictl inspect --output go-template --template '{{.info.pid}}' "));
        assert!(cmd.contains("--namespace default --name '^nginx-deployment-6d8f-abcde$'"));
        assert!(
            cmd.ends_with(" -- sh -c 'echo LAB-IN-POD; ping -c 1 1.2.3.4'"),
            "{cmd}"
        );
        assert_eq!(
            entered_pod("LAB-IN-POD\nPING x\n").as_deref(),
            Some("PING x")
        );
        assert_eq!(entered_pod("Cannot open network namespace"), None);
    }
}
