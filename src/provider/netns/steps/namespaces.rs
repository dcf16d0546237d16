//! The machines' network namespaces: the private network, each node (owned
//! by a user namespace of its own) and the NAT dead ends, made from lab's
//! own process (recorded before they exist), IPv4 only; and each node's cgroup (its memory and process
//! limit, see [`cgroups`]).

use super::super::ctx::NetnsCtx;
use super::super::{cgroups, names, netlink, plan, table_bounds};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct Namespaces;

#[async_trait]
impl Step<NetnsCtx> for Namespaces {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let all = plan::machine_namespaces(&ctx.lab);
        ctx.record_namespaces(all.iter().cloned());
        ctx.save()?;
        let nodes: Vec<String> = ctx
            .lab
            .nodes
            .iter()
            .map(|n| names::node_ns(&ctx.lab.name, &n.name))
            .collect();
        // A node's network is owned by a user namespace of its own (root in
        // the node has its network only, see `sys::userns`); the lab's
        // private network and NAT ends by the host's.
        let ids = ctx.ids()?;
        let owned = all.into_iter().map(|n| {
            let owner = if nodes.contains(&n) {
                netlink::Owner::OwnUser(ids)
            } else {
                netlink::Owner::Host
            };
            (n, owner)
        });
        netlink::add_namespaces(&ctx.rep, owned.collect(), table_bounds::NAMESPACE_SYSCTLS).await?;
        // Each node's memory and process limit (named after its namespace,
        // which is recorded: `destroy` finds them), its processes cut to
        // what the host's process IDs allow (see `limits::cgroup_limits`).
        let (node, _) = ctx.cgroup_limits();
        limit(ctx, nodes, node).await
    }
}

/// Make the cgroups of the namespaces `ns` with `limits`; where the host
/// gives none, say so (once per run) and go on without.
pub async fn limit(ctx: &NetnsCtx, ns: Vec<String>, limits: cgroups::Limits) -> Result<()> {
    let made = tokio::task::spawn_blocking(move || cgroups::make(&ns, limits))
        .await
        .map_err(|e| crate::error::LabError::Internal(format!("making cgroups: {e}")))??;
    if let Some(why) = made {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            ctx.rep.info(format!(
                "nodes and pods run WITHOUT memory or process limits:\n  {why}"
            ))
        });
    }
    Ok(())
}
