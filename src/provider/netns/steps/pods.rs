//! The workloads' pods where the scheduler would put them: a namespace
//! each, `eth0` on its node's `cni0` with the next address of the node's
//! subnet and a default route via `.1`, and a real nginx.

use super::super::ctx::NetnsCtx;
use super::super::netlink::{self, Work};
use super::super::node_write::write_node_file;
use super::super::plan::{self, PodPlan};
use super::super::provider_state::ProcRecord;
use super::super::sys;
use super::super::table_bounds;
use super::super::{files, names};
use crate::bringup::Step;
use crate::error::{LabError, Result};
use async_trait::async_trait;

pub struct Pods;

#[async_trait]
impl Step<NetnsCtx> for Pods {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let lab = ctx.lab.clone();
        let placements = lab.placements();
        let pod_ns: Vec<String> = placements
            .iter()
            .map(|p| names::pod_ns(&lab.name, &p.name))
            .collect();
        ctx.record_namespaces(pod_ns.iter().cloned());
        ctx.ps.pods = placements.iter().map(|p| p.pod_ref()).collect();
        ctx.ps.pod_generation += 1;
        let generation = ctx.ps.pod_generation;
        ctx.save()?;
        if placements.is_empty() {
            return Ok(());
        }
        // A pod's network, as a node's, is owned by a user namespace of its
        // own: root in a pod is then no root of the host's user namespace,
        // which owns every node's (see `sys::userns`).
        let ids = ctx.ids()?;
        let owned = pod_ns
            .iter()
            .map(|n| (n.clone(), netlink::Owner::OwnUser(ids)));
        netlink::add_namespaces(
            &ctx.rep,
            owned.collect(),
            super::super::table_bounds::NAMESPACE_SYSCTLS,
        )
        .await?;

        let mut node_batches = Vec::new();
        let mut pod_batches = Vec::new();
        for node in &lab.nodes {
            let plans: Vec<PodPlan<'_>> = placements
                .iter()
                .enumerate()
                .filter(|(_, p)| p.node == node.name)
                .map(|(k, pod)| PodPlan::new(&lab, generation, k, pod))
                .collect();
            if plans.is_empty() {
                continue;
            }
            let mtu = ctx
                .ps
                .leases
                .iter()
                .find(|l| l.node == node.name)
                .map(|l| l.mtu)
                .unwrap_or(
                    super::super::flanneld::NIC_MTU - super::super::flanneld::VXLAN_OVERHEAD,
                );
            node_batches.push(Work::new(
                names::node_ns(&lab.name, &node.name),
                plan::node_pod_links(&lab, &plans, mtu),
            ));
            for p in &plans {
                pod_batches.push(Work::new(
                    names::pod_ns(&lab.name, &p.pod.name),
                    plan::pod_net(&lab, node, p.pod, &plans),
                ));
            }
        }
        netlink::apply(&ctx.rep, node_batches).await?;
        netlink::apply(&ctx.rep, pod_batches).await?;
        // Each pod's filter table: the lab's bound on what its processes add
        // to the host's one neighbour table (`table_bounds`).
        let bounds: Vec<sys::Job> = placements
            .iter()
            .zip(&pod_ns)
            .filter_map(|(p, ns)| {
                let node = lab.nodes.iter().find(|n| n.name == p.node)?;
                let rules =
                    table_bounds::pod_restore(&table_bounds::pod_networks(node, &placements));
                Some(sys::Job::new(
                    std::process::Command::new("iptables-restore"),
                    Some(ns.clone()),
                    Some(rules.into_bytes()),
                ))
            })
            .collect();
        sys::run_jobs(&ctx.rep, bounds, sys::PARALLEL_WAITING).await?;

        let (_, pod) = ctx.cgroup_limits();
        super::namespaces::limit(ctx, pod_ns.clone(), pod).await?;
        let nginx = ctx.programs.nginx.to_string_lossy().into_owned();
        let mut daemons = Vec::new();
        let pod_root = ctx.node_root()?;
        for (p, ns) in placements.iter().zip(&pod_ns) {
            let dir = ctx.layout.pod_dir(&p.name);
            // The state folder's `pods` is a link of lab's own to the
            // lab's tmpfs: the pods' folders are made below its target.
            let pods = super::state_folder::volatile_dir(&lab.name).join("pods");
            // The pod's own folders, its root's (nginx writes its logs, pid
            // and temporary files there): a link it planted is not followed.
            let made = |root: &std::path::Path, rel: &str| {
                super::super::beneath::make_beneath_mode(
                    root,
                    std::path::Path::new(rel),
                    None,
                    Some(pod_root),
                )
            };
            made(&pods, &p.name)?;
            for sub in ["tmp", "run", "run/netns", "root"] {
                made(&dir, sub)?;
            }
            let conf = ctx.layout.nginx_conf(&p.name);
            // The pod's folder is bound into the pod: no link of its followed.
            write_node_file(
                &dir,
                std::path::Path::new("nginx.conf"),
                files::nginx_conf(&ctx.layout, &p.name, &p.node, p.port).as_bytes(),
                0o644,
                None,
            )?;
            // nginx opens its logs itself and would wait on a FIFO the pod
            // planted for one (until the readiness bound, saying nothing of
            // why): refused by type first, naming the file.
            for log in ["access.log", "error.log"] {
                let path = dir.join(log);
                crate::input_file::regular_or_absent(&path).map_err(|e| LabError::Step {
                    step: "pods with nginx".into(),
                    message: format!(
                        "pod {}'s {} {e} (made by the pod?); nginx would wait on it",
                        p.name,
                        path.display()
                    ),
                })?;
            }
            let args: Vec<String> = ["-e", "stderr", "-c"]
                .iter()
                .map(|a| a.to_string())
                .chain([conf.to_string_lossy().into_owned()])
                .collect();
            ctx.rep.log(&format!(
                "$ {} & (in netns {ns})",
                crate::exec::display(std::process::Command::new(&nginx).args(&args))
            ));
            // nginx sees its node's files, as a pod's container would see
            // its image: writes stay in the lab.
            daemons.push(sys::Daemon {
                program: nginx.clone(),
                args,
                netns: ns.clone(),
                node: Some(ctx.layout.pod_setup(&lab.name, &p.name, &p.node)?),
                log: ctx.layout.nginx_out(&p.name),
                log_owner: Some(pod_root),
            });
        }
        // The pods start side by side (see `sys::STARTING_AT_ONCE`); every
        // one that started is recorded, whatever else failed.
        let started = sys::on_thread(move || sys::spawn_daemons(&daemons)).await?;
        let mut result = Ok(());
        for (p, (r, ns)) in placements.iter().zip(started.into_iter().zip(&pod_ns)) {
            match r {
                Ok((pid, start_time)) => ctx.ps.processes.push(ProcRecord {
                    pid,
                    start_time,
                    what: "nginx".into(),
                    of: p.name.clone(),
                    netns: ns.clone(),
                }),
                Err(e) if result.is_ok() => result = Err(e),
                Err(_) => {}
            }
        }
        ctx.save()?;
        result
    }
}
