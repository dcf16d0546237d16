//! Step: wait until every node of the lab is registered and Ready (kubelet
//! up, and the pod network installed: a node stays NotReady until its CNI
//! config exists). On timeout, say what was seen last.

use crate::bringup::Step;
use crate::error::Result;
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::kube::{self, KUBECTL, NodeInfo};
use async_trait::async_trait;
use std::time::Duration;

pub struct WaitNodesReady {
    pub nodes: Vec<String>,
    pub limit: Duration,
}

/// What is missing, or `None` when every node is Ready.
pub fn nodes_pending(want: &[String], seen: &[NodeInfo]) -> Option<String> {
    let mut pending = Vec::new();
    for n in want {
        match seen.iter().find(|s| &s.name == n) {
            Some(s) if s.ready => {}
            Some(_) => pending.push(format!("{n} NotReady")),
            None => pending.push(format!("{n} not registered")),
        }
    }
    if pending.is_empty() {
        None
    } else {
        Some(pending.join(", "))
    }
}

#[async_trait]
impl Step<VagrantCtx> for WaitNodesReady {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let cp = ctx.lab.control_plane().name.clone();
        let ssh = ctx.ssh()?;
        let awaited = format!("nodes {} to be Ready", self.nodes.join(", "));
        kube::wait_until(
            &ssh,
            &cp,
            &format!("{KUBECTL} get nodes -o json"),
            self.limit,
            &awaited,
            |out| Ok(nodes_pending(&self.nodes, &kube::nodes(out)?)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_is_missing() {
        let want = vec![
            "master".to_string(),
            "node1".to_string(),
            "node2".to_string(),
        ];
        let seen = vec![
            NodeInfo {
                name: "master".into(),
                ready: true,
                internal_ip: None,
            },
            NodeInfo {
                name: "node1".into(),
                ready: false,
                internal_ip: None,
            },
        ];
        assert_eq!(
            nodes_pending(&want, &seen).unwrap(),
            "node1 NotReady, node2 not registered"
        );
        assert_eq!(nodes_pending(&want[..1], &seen), None);
    }
}
