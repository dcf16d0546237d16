//! Delete the pods (as `kubectl delete -f nginx-deployment.yaml` does):
//! stop their nginx, delete their namespaces.

use super::super::ctx::NetnsCtx;
use super::super::names;
use super::super::plan;
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

        // Deleting a namespace is asynchronous in the kernel (its veth goes
        // with it, and cni0 loses the port); the next pods' veths have new names.
        if !pod_ns.is_empty() {
            sys::run_batches(
                &ctx.rep,
                vec![Batch::namespaces(plan::netns_del(&pod_ns)).tolerant()],
            )
            .await?;
        }
        ctx.ps.processes.retain(|p| p.what != "nginx");
        ctx.ps.pods.clear();
        ctx.ps.namespaces.retain(|n| !n.starts_with(&pod_prefix));
        ctx.save()
    }
}
