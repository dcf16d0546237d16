//! Delete the pods (as `kubectl delete -f nginx-deployment.yaml` does):
//! stop their nginx, remove their veths from the nodes, delete their
//! namespaces.

use super::super::ctx::NetnsCtx;
use super::super::names;
use super::super::plan::{self, PodPlan};
use super::super::sys::{self, Batch};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;
use std::time::Duration;

pub struct RemovePods;

#[async_trait]
impl Step<NetnsCtx> for RemovePods {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let lab = ctx.lab.clone();
        let pod_prefix = names::pod_ns(&lab.name, "");
        let mut pod_ns: Vec<String> = sys::lab_namespaces(&lab.name)
            .into_iter()
            .filter(|n| n.starts_with(&pod_prefix))
            .collect();
        for n in ctx
            .ps
            .namespaces
            .iter()
            .filter(|n| n.starts_with(&pod_prefix))
        {
            if !pod_ns.contains(n) {
                pod_ns.push(n.clone());
            }
        }
        let mut procs: Vec<(i32, u64)> = ctx
            .ps
            .processes
            .iter()
            .filter(|p| p.what == "nginx")
            .map(|p| (p.pid, p.start_time))
            .collect();
        let scan = pod_ns.clone();
        procs.extend(
            tokio::task::spawn_blocking(move || sys::pids_in(&scan))
                .await
                .unwrap_or_default(),
        );
        procs.sort_unstable();
        procs.dedup();
        let left = tokio::task::spawn_blocking(move || sys::stop(&procs, Duration::from_secs(1)))
            .await
            .unwrap_or_default();
        if !left.is_empty() {
            ctx.rep
                .info(format!("processes still alive after SIGKILL: {left:?}"));
        }

        // The veths first (synchronous), so the names are free again at once.
        let placements = lab.placements();
        let mut dels = Vec::new();
        for node in &lab.nodes {
            let plans: Vec<PodPlan<'_>> = placements
                .iter()
                .enumerate()
                .filter(|(_, p)| p.node == node.name)
                .map(|(k, pod)| PodPlan { k, pod })
                .collect();
            if !plans.is_empty() {
                dels.push(
                    Batch::ip(
                        names::node_ns(&lab.name, &node.name),
                        plan::node_pod_links_del(&plans),
                    )
                    .tolerant(),
                );
            }
        }
        if !pod_ns.is_empty() {
            dels.push(Batch::namespaces(plan::netns_del(&pod_ns)).tolerant());
        }
        sys::run_batches(&ctx.rep, dels).await?;
        ctx.ps.processes.retain(|p| p.what != "nginx");
        ctx.ps.pods.clear();
        ctx.ps.namespaces.retain(|n| !n.starts_with(&pod_prefix));
        ctx.save()
    }
}
