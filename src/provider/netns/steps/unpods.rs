//! Delete the pods (as `kubectl delete -f nginx-deployment.yaml` does):
//! stop their nginx, delete their namespaces and cgroups.

use super::super::ctx::NetnsCtx;
use super::super::names;
use super::super::netlink::{self, Op, Work};
use super::super::sys;
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
        // Only the pods this lab recorded (before making them): a namespace
        // that merely carries the lab's prefix is not the lab's to delete.
        let pod_ns: Vec<String> = ctx
            .ps
            .namespaces
            .iter()
            .filter(|n| n.starts_with(&pod_prefix))
            .cloned()
            .collect();
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
        let (gone, rep) = (pod_ns.clone(), ctx.rep.clone());
        tokio::task::spawn_blocking(move || super::super::cgroups::remove(&gone, &rep))
            .await
            .map_err(|e| crate::error::LabError::Internal(format!("removing cgroups: {e}")))??;

        // The pods' veths leave cni0 now, not when the kernel gets round to
        // cleaning up their namespaces: a new pod has the same address and
        // MAC, and a stale port on cni0 would take its frames into the old,
        // dying namespace (which answers with a reset). Deleting one end of
        // a veth deletes both.
        let generation = ctx.ps.pod_generation;
        let placements = lab.placements();
        let by_node: Vec<Work> = lab
            .nodes
            .iter()
            .filter_map(|node| {
                let ops: Vec<Op> = placements
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.node == node.name)
                    .map(|(k, _)| Op::Delete {
                        dev: names::pod_veth(generation, k),
                    })
                    .collect();
                (!ops.is_empty())
                    .then(|| Work::new(names::node_ns(&lab.name, &node.name), ops).tolerant())
            })
            .collect();
        netlink::apply(&ctx.rep, by_node).await?;
        // Deleting a namespace is asynchronous in the kernel; the next pods'
        // veths have new names.
        netlink::delete_namespaces(&ctx.rep, pod_ns.clone()).await?;
        ctx.ps.processes.retain(|p| p.what != "nginx");
        ctx.ps.pods.clear();
        ctx.forget_namespaces(&pod_ns);
        ctx.save()
    }
}
