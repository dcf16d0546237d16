//! Step: wait until `count` pods with label `app=<app>` are Running and
//! ready, and none of them is still terminating (after `apply` switched
//! variants, the old pods must be gone). On timeout, say what was seen last.

use crate::bringup::Step;
use crate::error::Result;
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::kube::{self, KUBECTL, PodInfo};
use async_trait::async_trait;
use std::time::Duration;

pub struct WaitPods {
    /// `None`: in every namespace.
    pub namespace: Option<String>,
    pub app: String,
    pub count: usize,
    pub limit: Duration,
}

/// What is missing, or `None` when exactly `count` pods are up.
pub fn pods_pending(count: usize, seen: &[PodInfo]) -> Option<String> {
    let up = seen.iter().filter(|p| p.up()).count();
    if up == count && seen.iter().all(|p| p.up()) {
        return None;
    }
    let list: Vec<String> = seen.iter().map(PodInfo::summary).collect();
    Some(format!(
        "{up} of {count} up{}",
        if list.is_empty() {
            ", no pods".to_string()
        } else {
            format!(": {}", list.join("; "))
        }
    ))
}

#[async_trait]
impl Step<VagrantCtx> for WaitPods {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let cp = ctx.lab.control_plane().name.clone();
        let ssh = ctx.ssh()?;
        let scope = match &self.namespace {
            Some(ns) => format!("-n {ns}"),
            None => "--all-namespaces".to_string(),
        };
        let cmd = format!("{KUBECTL} get pods {scope} -l app={} -o json", self.app);
        let awaited = format!(
            "{} pod(s) app={} ({}) to be Running",
            self.count,
            self.app,
            self.namespace
                .as_deref()
                .map(|n| format!("namespace {n}"))
                .unwrap_or_else(|| "all namespaces".into())
        );
        kube::wait_until(&ssh, &cp, &cmd, self.limit, &awaited, |out| {
            Ok(pods_pending(self.count, &kube::pods(out)?))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, phase: &str, ready: bool, terminating: bool) -> PodInfo {
        PodInfo {
            name: name.into(),
            namespace: "default".into(),
            app: Some("nginx".into()),
            node: Some("node1".into()),
            ip: None,
            phase: phase.into(),
            ready,
            terminating,
            port: None,
        }
    }

    #[test]
    fn counts_only_live_pods() {
        assert_eq!(
            pods_pending(
                2,
                &[
                    pod("a", "Running", true, false),
                    pod("b", "Running", true, false)
                ]
            ),
            None
        );
        let p = pods_pending(
            2,
            &[
                pod("a", "Running", true, false),
                pod("b", "Pending", false, false),
            ],
        )
        .unwrap();
        assert_eq!(p, "1 of 2 up: a Running on node1; b Pending on node1");
        assert!(
            pods_pending(
                1,
                &[
                    pod("a", "Running", true, false),
                    pod("old", "Running", true, true)
                ]
            )
            .unwrap()
            .contains("old Terminating")
        );
        assert_eq!(pods_pending(1, &[]).unwrap(), "0 of 1 up, no pods");
    }
}
