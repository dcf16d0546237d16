//! The workloads' pods where the scheduler would put them: a namespace
//! each, `eth0` on its node's `cni0` with the next address of the node's
//! subnet and a default route via `.1`, and a real nginx.

use super::super::ctx::NetnsCtx;
use super::super::netlink::{self, Work};
use super::super::node_write::write_node_file;
use super::super::plan::{self, PodPlan};
use super::super::provider_state::ProcRecord;
use super::super::sys;
use super::super::{files, names};
use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::PodRef;
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
        ctx.ps.add_namespaces(pod_ns.iter().cloned());
        ctx.ps.pods = placements
            .iter()
            .map(|p| PodRef {
                name: p.name.clone(),
                app: p.app.clone(),
                node: p.node.clone(),
                ip: p.ip,
                port: p.port,
                namespace: "default".into(),
            })
            .collect();
        ctx.ps.pod_generation += 1;
        let generation = ctx.ps.pod_generation;
        ctx.save()?;
        if placements.is_empty() {
            return Ok(());
        }
        netlink::add_namespaces(&ctx.rep, pod_ns.clone(), sys::NO_IPV6).await?;

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

        let nginx = ctx.programs.nginx.to_string_lossy().into_owned();
        let mut result = Ok(());
        for (p, ns) in placements.iter().zip(&pod_ns) {
            let dir = ctx.layout.pod_dir(&p.name);
            for sub in ["tmp", "run/netns", "root"] {
                std::fs::create_dir_all(dir.join(sub))
                    .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
            }
            let conf = ctx.layout.nginx_conf(&p.name);
            // The pod's folder is bound into the pod: no link of its followed.
            write_node_file(
                &dir,
                std::path::Path::new("nginx.conf"),
                files::nginx_conf(&ctx.layout, &p.name, &p.node, p.port).as_bytes(),
                0o644,
            )?;
            let conf = conf.to_string_lossy();
            let mut cmd = std::process::Command::new(&nginx);
            cmd.args(["-e", "stderr", "-c", &conf]);
            ctx.rep.log(&format!(
                "$ {} & (in netns {ns})",
                crate::exec::display(&cmd)
            ));
            // nginx sees its node's files, as a pod's container would see
            // its image: writes stay in the lab.
            let setup = ctx.layout.pod_setup(&lab.name, &p.name, &p.node)?;
            match sys::spawn_daemon(cmd, ns, Some(&setup), &ctx.layout.nginx_out(&p.name)) {
                Ok((pid, start_time)) => ctx.ps.processes.push(ProcRecord {
                    pid,
                    start_time,
                    what: "nginx".into(),
                    of: p.name.clone(),
                    netns: ns.clone(),
                }),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        ctx.save()?;
        result
    }
}
